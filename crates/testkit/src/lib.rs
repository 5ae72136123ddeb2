//! The test harness: every storage, app and HTTP test body runs on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set, each test on a database of its own.
//!
//! Write a test once as `async fn name(db: TestDb)` and list it in [`both_backends!`].

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;

use containment_app::App;
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

/// A database that exists for one test only.
#[derive(Debug)]
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    sqlite_dir: Option<PathBuf>,
    postgres: Option<(String, String)>,
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
                })
            }
        }
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
        let app = App::open(&db.url, true).await.expect("open the app");
        TestApp::serve(app).await
    }

    /// Starts the full router for an already opened `app` (e.g. one with pending migrations).
    pub async fn serve(app: App) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local address");
        let router = containment_web::router(app.clone());
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
