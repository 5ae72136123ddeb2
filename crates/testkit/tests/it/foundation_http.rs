//! The served application: probes, pages, API root and documentation, headers.

use containment_app::App;
use containment_testkit::{TestApp, TestDb, both_backends};
use reqwest::StatusCode;
use serde_json::Value;

both_backends!(
    probes_report_alive_and_ready,
    readiness_fails_while_migrations_are_pending,
    home_page_renders_in_the_layout,
    unknown_paths_get_a_styled_page_or_a_json_error,
    api_root_openapi_and_swagger_are_served,
    vendored_assets_are_served_from_the_binary,
    security_headers_are_on_every_response,
);

async fn probes_report_alive_and_ready(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ready");
}

async fn readiness_fails_while_migrations_are_pending(db: TestDb) {
    let app = TestApp::serve(App::open(&db.url, false).await.unwrap()).await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["reason"], "migrations_pending");

    app.app.migrate().await.unwrap();
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

async fn home_page_renders_in_the_layout(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let res = app.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    for part in [
        "<html lang=\"en\">",
        "class=\"usa-skipnav\"",
        "<header class=\"usa-header",
        "aria-label=\"Primary navigation\"",
        "<main id=\"main-content\"",
        "<footer class=\"usa-footer",
        "/assets/vendor/uswds/css/uswds.min.css",
        "/assets/vendor/htmx/htmx.min.js",
        "<h1 id=\"home-heading\">Containment</h1>",
    ] {
        assert!(html.contains(part), "home page lacks {part}");
    }
    assert!(!html.contains("<script>"), "no inline script");
    assert!(
        !html.contains("https://"),
        "nothing is loaded from another origin"
    );
}

async fn unknown_paths_get_a_styled_page_or_a_json_error(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let res = app.get("/no/such/page?name=Someone").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("usa-header"), "the 404 page uses the layout");
    assert!(!html.contains("Someone"), "the request is not echoed back");

    let res = app.get("/api/v1/no-such-thing").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    let res = app.get("/assets/no-such-file.css").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn api_root_openapi_and_swagger_are_served(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    let root: Value = app.get("/api/v1").await.json().await.unwrap();
    assert_eq!(root["name"], "Containment");
    assert_eq!(root["openapi"], "/api/v1/openapi.json");

    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1", "/healthz", "/readyz"] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    assert!(doc["components"]["schemas"]["ApiErrorBody"].is_object());

    let res = app.get("/api/docs/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "Swagger UI is served");
    assert!(
        !html.contains("https://"),
        "Swagger UI is vendored, not loaded from a CDN"
    );
    let init = app.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(init.status(), StatusCode::OK);
    assert!(init.text().await.unwrap().contains("/api/v1/openapi.json"));
}

async fn vendored_assets_are_served_from_the_binary(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    for (path, kind) in [
        ("/assets/vendor/uswds/css/uswds.min.css", "text/css"),
        ("/assets/vendor/uswds/js/uswds.min.js", "text/javascript"),
        (
            "/assets/vendor/uswds/js/uswds-init.min.js",
            "text/javascript",
        ),
        ("/assets/vendor/htmx/htmx.min.js", "text/javascript"),
        (
            "/assets/vendor/uswds/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2",
            "font/woff2",
        ),
        (
            "/assets/vendor/uswds/img/usa-icons/close.svg",
            "image/svg+xml",
        ),
        ("/assets/app.css", "text/css"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with(kind), "{path} served as {ct}");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
        assert!(!res.bytes().await.unwrap().is_empty());
    }
}

async fn security_headers_are_on_every_response(db: TestDb) {
    let app = TestApp::spawn(&db).await;
    for path in [
        "/",
        "/healthz",
        "/api/v1",
        "/nowhere",
        "/api/v1/openapi.json",
    ] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(
            h["cache-control"], "no-store",
            "{path}: pages may carry case data"
        );
    }
}

/// Built-in HTTPS: a TLS client that trusts the test certificate gets answers, with HSTS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_https_serves_with_hsts() {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, ServerName};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let missing =
        containment_web::tls_acceptor(&data.join("nope.crt"), &data.join("localhost.key"));
    match missing {
        Err(message) => assert!(message.contains("nope.crt"), "a clear error names the file"),
        Ok(_) => panic!("a missing certificate file must be refused"),
    }
    let acceptor =
        containment_web::tls_acceptor(&data.join("localhost.crt"), &data.join("localhost.key"))
            .unwrap();

    let db = containment_testkit::TestDb::create(containment_testkit::Backend::Sqlite)
        .await
        .unwrap();
    let app = App::open(&db.url, true).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = containment_web::router(
        app,
        containment_web::WebConfig {
            secure_cookies: true,
            tls: true,
            ..Default::default()
        },
    );
    let server = tokio::spawn(containment_web::serve_tls(
        listener,
        acceptor,
        router,
        std::future::pending(),
    ));

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(data.join("test-ca.crt")).unwrap())
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    tls.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response
            .to_lowercase()
            .contains("strict-transport-security: max-age=63072000")
    );

    // A plain-HTTP request on the HTTPS port gets no HTTP answer.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        plain.read_to_end(&mut buf),
    )
    .await;
    assert!(!String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));

    server.abort();
    db.drop_database().await;
}
