//! The test harness: every storage, app and HTTP test body runs on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set, each test on a database of its own.
//!
//! Write a test once as `async fn name(db: TestDb)` and list it in [`both_backends!`].

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::Utc;
use containment_app::{Actor, AgencyRecord, App, Keyring, StoredUser, totp_code};
pub use containment_domain::{AgencyKind, Role};
pub use containment_storage::{Backend, Store};
use tokio::task::JoinHandle;

/// The variable naming a PostgreSQL server (any database on it) that tests may create
/// databases on, e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// The PostgreSQL server URL, if configured. In CI (`CI=true`) a missing URL is an error, so
/// the PostgreSQL half of the suite can never be skipped there by accident.
pub fn postgres_server_url() -> Option<String> {
    match std::env::var(TEST_DATABASE_URL) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!(
                    "{TEST_DATABASE_URL} must be set in CI: the PostgreSQL tests are mandatory there"
                );
            }
            None
        }
    }
}

/// The backends a benchmark runs on: SQLite, and PostgreSQL when `TEST_DATABASE_URL` is set;
/// `CONTAINMENT_BENCH_BACKENDS` (`sqlite`, `postgres` or both, comma-separated) narrows it.
pub fn bench_backends() -> Vec<Backend> {
    let chosen = std::env::var("CONTAINMENT_BENCH_BACKENDS").unwrap_or_default();
    let wanted =
        |b: Backend| chosen.trim().is_empty() || chosen.split(',').any(|c| c.trim() == b.name());
    let mut backends = Vec::new();
    if wanted(Backend::Sqlite) {
        backends.push(Backend::Sqlite);
    }
    if wanted(Backend::Postgres) && std::env::var(TEST_DATABASE_URL).is_ok() {
        backends.push(Backend::Postgres);
    }
    backends
}

/// Replaces the database name (the last path segment) of a PostgreSQL URL.
pub fn with_database_name(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

fn new_key_file_text() -> String {
    Keyring::generate(Utc::now())
        .expect("generate test keys")
        .to_text()
}

/// A database that exists for one test only.
#[derive(Debug)]
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    sqlite_dir: Option<PathBuf>,
    postgres: Option<(String, String)>,
    /// The text of this database's key file: every app opened on it shares the keys, as the
    /// instances of one deployment share one key file.
    key_file_text: String,
}

impl TestDb {
    /// A fresh, empty database on `backend`; `None` when PostgreSQL is not configured here.
    pub async fn create(backend: Backend) -> Option<TestDb> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("containment-test-{id}"));
                std::fs::create_dir_all(&dir).expect("create the test data folder");
                let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
                Some(TestDb {
                    backend,
                    url,
                    sqlite_dir: Some(dir),
                    postgres: None,
                    key_file_text: new_key_file_text(),
                })
            }
            Backend::Postgres => {
                let server = postgres_server_url()?;
                let name = format!("containment_t_{}", &id[..20]);
                let admin = Store::connect(&server)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_admin(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                Some(TestDb {
                    backend,
                    url: with_database_name(&server, &name),
                    sqlite_dir: None,
                    postgres: Some((server, name)),
                    key_file_text: new_key_file_text(),
                })
            }
        }
    }

    /// The keys of this database's deployment.
    pub fn keys(&self) -> Keyring {
        Keyring::parse(&self.key_file_text).expect("the test key file")
    }

    /// The application on this database, migrated and with its keys: one instance.
    pub async fn app(&self) -> App {
        App::open(&self.url, true)
            .await
            .expect("open the app")
            .with_keys(self.keys())
    }

    /// The folder of a SQLite test database.
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        self.sqlite_dir.as_deref()
    }

    /// A connection pool to this database, without migrations.
    pub async fn connect(&self) -> Store {
        Store::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// A connection pool to this database with every migration applied.
    pub async fn migrated(&self) -> Store {
        let store = self.connect().await;
        store.migrate().await.expect("apply migrations");
        store
    }

    /// Removes the database. Called by [`both_backends!`] after the test body, pass or fail.
    pub async fn drop_database(self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((server, name)) = &self.postgres
            && let Ok(admin) = Store::connect(server).await
        {
            let _ = admin
                .execute_admin(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    }
}

/// Runs `body` with a fresh database on `backend` and removes the database afterwards, also when
/// the body fails. Skips (with a note) when the backend is not configured outside CI.
pub async fn run_on<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(db) = TestDb::create(backend).await else {
        eprintln!(
            "skipped on {}: {TEST_DATABASE_URL} is not set",
            backend.name()
        );
        return;
    };
    let cleanup = TestDb {
        backend: db.backend,
        url: db.url.clone(),
        sqlite_dir: db.sqlite_dir.clone(),
        postgres: db.postgres.clone(),
        key_file_text: String::new(),
    };
    let outcome = tokio::spawn(body(db)).await;
    cleanup.drop_database().await;
    if let Err(err) = outcome {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
        panic!("test task failed: {err}");
    }
}

/// Declares each listed `async fn name(db: TestDb)` as two tests, `name::sqlite` and
/// `name::postgres`, from the one body.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::run_on($crate::Backend::Sqlite, super::$name).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::run_on($crate::Backend::Postgres, super::$name).await;
                }
            }
        )+
    };
}

/// The real server, started on port 0 against a test database.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub client: reqwest::Client,
    server: JoinHandle<()>,
}

impl TestApp {
    /// Migrates `db`, starts the full router on 127.0.0.1:0 and returns once it accepts requests.
    pub async fn spawn(db: &TestDb) -> TestApp {
        TestApp::serve(db.app().await).await
    }

    /// Starts the full router for an already opened `app` (e.g. one with pending migrations).
    pub async fn serve(app: App) -> TestApp {
        TestApp::serve_with(
            app,
            containment_web::WebConfig {
                secure_cookies: false,
                ..Default::default()
            },
        )
        .await
    }

    /// Starts the full router for `app` deployed as `config` says.
    pub async fn serve_with(app: App, config: containment_web::WebConfig) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local address");
        let router = containment_web::router(app.clone(), config);
        let server = tokio::spawn(async move {
            containment_web::serve(listener, router, std::future::pending())
                .await
                .expect("server failed");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("http client");
        TestApp {
            addr,
            app,
            client,
            server,
        }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

impl TestApp {
    /// Adds an agency as the console would.
    pub async fn agency(&self, name: &str, kind: AgencyKind) -> AgencyRecord {
        self.app
            .add_agency(
                &Actor::console(),
                name,
                kind,
                Some("Sacramento"),
                Utc::now(),
            )
            .await
            .expect("add agency")
    }

    /// Adds an account; returns it with its one-time password.
    pub async fn user(&self, agency_id: i64, email: &str, roles: &[Role]) -> (StoredUser, String) {
        let created = self
            .app
            .add_user(
                &Actor::console(),
                agency_id,
                email,
                "Test Person",
                roles,
                Utc::now(),
            )
            .await
            .expect("add user");
        (created.user, created.one_time_password)
    }

    /// A browser with its own cookies, not signed in.
    pub fn browser(&self) -> Browser {
        Browser {
            base: format!("http://{}", self.addr),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .expect("http client"),
            csrf: String::new(),
            totp_secret: String::new(),
        }
    }

    /// A browser that went through the whole first sign-in: notice, one-time password, TOTP
    /// enrollment, and choosing a password (`NEW_PASSWORD`).
    pub async fn signed_in(&self, email: &str, one_time_password: &str) -> Browser {
        let mut b = self.browser();
        b.sign_in_password(email, one_time_password)
            .await
            .expect_redirect("/sign-in/enroll");
        b.enroll().await;
        let res = b
            .post(
                "/account/password",
                &[
                    ("current", one_time_password),
                    ("new", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ],
            )
            .await;
        res.expect_redirect("/account");
        b
    }
}

impl TestApp {
    /// The supervising officer with the largest caseload (of demo data, say), the size of that
    /// caseload and the first case on it.
    pub async fn busiest_officer(&self) -> Option<(StoredUser, u64, i64)> {
        let now = Utc::now();
        let mut busiest: Option<(StoredUser, u64, i64)> = None;
        for user in self.app.users(&Actor::console()).await.ok()? {
            if !user.roles.contains(&Role::SupervisingOfficer) {
                continue;
            }
            let actor = Actor {
                user: Some(user.clone()),
                channel: containment_app::Channel::Console,
                client: Default::default(),
            };
            let query = containment_app::CaseloadQuery {
                per_page: 1,
                ..Default::default()
            };
            let (rows, total) = self
                .app
                .caseload(
                    &actor,
                    &query,
                    now,
                    containment_domain::case::local_date(now),
                )
                .await
                .ok()?;
            if let Some(first) = rows.first()
                && busiest.as_ref().is_none_or(|b| total > b.1)
            {
                busiest = Some((user, total, first.row.supervisee_id));
            }
        }
        busiest
    }

    /// A browser that signed in with a password that needs no change (a demo account) and
    /// enrolled TOTP on the way; also returns the account's recovery codes, so more browsers can
    /// sign in as the same person within one TOTP window ([`Browser::sign_in_recovery`]).
    pub async fn signed_in_enrolled(&self, email: &str, password: &str) -> (Browser, Vec<String>) {
        let mut b = self.browser();
        b.sign_in_password(email, password)
            .await
            .expect_redirect("/sign-in/enroll");
        let html = b.enroll().await;
        (b, recovery_codes(&html))
    }
}

/// The recovery codes listed on the page shown after enrollment.
pub fn recovery_codes(html: &str) -> Vec<String> {
    let Some(start) = html.find("id=\"recovery-codes\"") else {
        return Vec::new();
    };
    let list = &html[start..];
    let list = &list[..list.find("</ul>").unwrap_or(list.len())];
    list.split("<code>")
        .skip(1)
        .filter_map(|rest| rest.split("</code>").next())
        .map(|code| code.trim().to_owned())
        .collect()
}

/// The password test users choose at first sign-in.
pub const NEW_PASSWORD: &str = "violet tractor harbour 42";

/// An HTTP client with its own cookie jar, acting like a person's browser.
#[derive(Debug)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    /// The anti-forgery token of the last page that had a form.
    pub csrf: String,
    /// The TOTP secret enrolled through this browser.
    pub totp_secret: String,
}

/// The value of `attr="..."` after the first occurrence of `marker` in `html`.
pub fn html_value_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let rest = &html[at..];
    let key = format!("{attr}=\"");
    let start = rest.find(&key)? + key.len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_owned())
}

/// The text between `marker` (an opening tag's tail) and the next `<`.
pub fn html_text_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].trim().to_owned())
}

/// Assertions on responses.
pub trait ResponseExt {
    fn expect_redirect(&self, to: &str);
}

impl ResponseExt for reqwest::Response {
    fn expect_redirect(&self, to: &str) {
        assert!(
            self.status().is_redirection(),
            "expected a redirect to {to}, got {}",
            self.status()
        );
        let location = self.headers()["location"].to_str().unwrap();
        assert_eq!(location, to);
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs a page and remembers its anti-forgery token, if it has a form.
    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GETs a page's HTML (asserting 200) and remembers its anti-forgery token.
    pub async fn page(&mut self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "GET {path}");
        let html = res.text().await.expect("body");
        if let Some(token) = html_value_after(&html, "name=\"csrf_token\"", "value") {
            self.csrf = token;
        }
        html
    }

    /// POSTs a form with the remembered anti-forgery token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &self.csrf));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("request")
    }

    /// Loads the sign-in page and submits e-mail and password with the notice accepted.
    pub async fn sign_in_password(&mut self, email: &str, password: &str) -> reqwest::Response {
        self.page("/sign-in").await;
        self.post(
            "/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("accept_notice", "yes"),
            ],
        )
        .await
    }

    /// Signs in an account that has enrolled TOTP, using one of its recovery codes as the second
    /// factor.
    pub async fn sign_in_recovery(&mut self, email: &str, password: &str, recovery_code: &str) {
        self.sign_in_password(email, password)
            .await
            .expect_redirect("/sign-in/mfa");
        self.page("/sign-in/mfa").await;
        self.post("/sign-in/mfa", &[("code", recovery_code)])
            .await
            .expect_redirect("/today");
    }

    /// Enrolls TOTP from the enrollment page; returns the recovery codes page.
    pub async fn enroll(&mut self) -> String {
        let html = self.page("/sign-in/enroll").await;
        self.totp_secret = html_text_after(&html, "id=\"totp-secret\">").expect("secret on page");
        let code = totp_code(&self.totp_secret, Utc::now()).expect("code");
        let res = self.post("/sign-in/enroll", &[("code", &code)]).await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "enrollment accepted");
        let html = res.text().await.expect("body");
        assert!(html.contains("recovery-codes"), "recovery codes shown");
        html
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database_name("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database_name("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
