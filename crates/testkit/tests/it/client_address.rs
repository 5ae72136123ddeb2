//! The client address in the audit trail: the connection's peer, or behind a proxy the operator
//! trusts, the client that proxy names in `X-Forwarded-For`.

use containment_app::App;
use containment_testkit::{Browser, TestApp, TestDb, both_backends};
use containment_web::{TrustedProxies, WebConfig};

both_backends!(the_audit_trail_believes_x_forwarded_for_only_from_trusted_proxies);

/// Fails a sign-in through a server deployed behind `trusted` with this `X-Forwarded-For`,
/// and returns the client address the audit trail recorded for it.
async fn recorded_client(db: &TestDb, trusted: &[&str], forwarded: Option<&str>) -> String {
    let app = App::open(&db.url, true).await.unwrap();
    let server = TestApp::serve_with(
        app.clone(),
        WebConfig {
            secure_cookies: false,
            trusted_proxies: TrustedProxies::new(
                trusted.iter().map(|t| t.parse().unwrap()).collect(),
            ),
            ..Default::default()
        },
    )
    .await;
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(f) = forwarded {
        headers.insert("x-forwarded-for", f.parse().unwrap());
    }
    let mut b = Browser {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap(),
        ..server.browser()
    };
    b.sign_in_password("nobody@nowhere.example", "wrong password")
        .await;
    let tx = app.store().begin().await.unwrap();
    let events = tx.audit_events(&Default::default(), 1).await.unwrap();
    let last = &events[0].content;
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        ("sign_in", "failure")
    );
    last.client_addr.clone().unwrap_or_default()
}

async fn the_audit_trail_believes_x_forwarded_for_only_from_trusted_proxies(db: TestDb) {
    // No proxy trusted (the default): the header is anyone's invention and ignored.
    assert_eq!(
        recorded_client(&db, &[], Some("198.51.100.9")).await,
        "127.0.0.1"
    );
    // A trusted range that does not hold the peer: still ignored.
    assert_eq!(
        recorded_client(&db, &["10.0.0.0/8"], Some("198.51.100.9")).await,
        "127.0.0.1"
    );
    // The peer is a trusted proxy: the client it names.
    assert_eq!(
        recorded_client(&db, &["127.0.0.1"], Some("198.51.100.9")).await,
        "198.51.100.9"
    );
    // A client that sends its own header gets the real address appended by the proxy: the
    // rightmost hop no trusted proxy vouches for is recorded, not the invented one.
    assert_eq!(
        recorded_client(&db, &["127.0.0.0/8"], Some("203.0.113.66, 198.51.100.9")).await,
        "198.51.100.9"
    );
    // Through two trusted proxies.
    assert_eq!(
        recorded_client(
            &db,
            &["127.0.0.0/8", "10.0.0.0/8"],
            Some("203.0.113.66, 198.51.100.9, 10.1.2.3")
        )
        .await,
        "198.51.100.9"
    );
    // Trusted, but no header: the proxy itself.
    assert_eq!(
        recorded_client(&db, &["127.0.0.1"], None).await,
        "127.0.0.1"
    );
}
