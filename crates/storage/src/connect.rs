use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sqlx_core::transaction::TransactionManager;

use crate::audit::AuditAppender;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// The two database engines the application runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Failures of the storage layer, sorted by what the caller can do about them.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unsupported database URL: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl,
    /// A unique constraint refused the write (the record already exists).
    #[error("a record with the same {0} already exists")]
    Conflict(&'static str),
    #[error("the record was not found")]
    NotFound,
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("the database is not reachable")]
    Unavailable,
    /// The disk is full or the database reached its size limit: the write was not saved.
    #[error("the database is full; nothing was saved")]
    Full,
    /// The database could not write to its disk (an I/O error, a file-size limit).
    #[error("the database could not write to its disk; nothing was saved")]
    Disk,
    /// The database file or server refuses writes.
    #[error("the database is read-only; nothing was saved")]
    ReadOnly,
    /// The database refused a value (a NUL byte in text, a date or number beyond the column's
    /// range): the request's fault, answered as invalid input. Input is checked before it gets
    /// here; this is the backstop for anything that slipped through.
    #[error("the database does not accept a value of this request: {0}")]
    ValueRefused(&'static str),
    #[error("database error: {0}")]
    Database(DbErr),
}

impl From<DbErr> for StorageError {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => StorageError::Unavailable,
            other => {
                // Both engines name these conditions in their messages; SeaORM keeps no code.
                let text = other.to_string().to_ascii_lowercase();
                if text.contains("database or disk is full")
                    || text.contains("no space left on device")
                    || text.contains("could not extend file")
                {
                    StorageError::Full
                } else if text.contains("attempt to write a readonly database")
                    || text.contains("read-only transaction")
                    || text.contains("read only transaction")
                {
                    StorageError::ReadOnly
                } else if text.contains("disk i/o error") {
                    StorageError::Disk
                } else if text.contains("pool timed out") {
                    StorageError::Unavailable
                } else if let Some(what) = refused_value(&text) {
                    StorageError::ValueRefused(what)
                } else {
                    StorageError::Database(other)
                }
            }
        }
    }
}

/// What PostgreSQL's data exceptions (SQLSTATE class 22) say about a value, by their messages:
/// text it cannot store, dates and numbers beyond a column's range.
fn refused_value(text: &str) -> Option<&'static str> {
    if text.contains("invalid byte sequence")
        || text.contains("has no equivalent in encoding")
        || text.contains("unsupported unicode escape sequence")
    {
        Some("text holding a character it cannot store")
    } else if text.contains("date out of range")
        || text.contains("date/time field value out of range")
        || text.contains("timestamp out of range")
        || text.contains("time zone displacement out of range")
    {
        Some("a date beyond its range")
    } else if text.contains("out of range for type")
        || text.contains("integer out of range")
        || text.contains("bigint out of range")
        || text.contains("value too long for type")
    {
        Some("a value larger than its column")
    } else {
        None
    }
}

impl StorageError {
    /// Whether the database, not the request, is at fault: the caller answers 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StorageError::Unavailable
                | StorageError::Full
                | StorageError::Disk
                | StorageError::ReadOnly
        )
    }

    /// A copy for every request waiting on one shared outcome (the audit group commit).
    pub(crate) fn duplicate(&self) -> StorageError {
        match self {
            StorageError::UnsupportedUrl => StorageError::UnsupportedUrl,
            StorageError::Conflict(w) => StorageError::Conflict(w),
            StorageError::NotFound => StorageError::NotFound,
            StorageError::Corrupt(m) => StorageError::Corrupt(m.clone()),
            StorageError::Unavailable => StorageError::Unavailable,
            StorageError::Full => StorageError::Full,
            StorageError::Disk => StorageError::Disk,
            StorageError::ReadOnly => StorageError::ReadOnly,
            StorageError::ValueRefused(w) => StorageError::ValueRefused(w),
            StorageError::Database(e) => StorageError::Database(DbErr::Custom(e.to_string())),
        }
    }
}

impl StorageError {
    /// Maps a unique-constraint violation to `Conflict` naming what was duplicated, so callers
    /// can answer 409 instead of 500.
    pub(crate) fn from_write(err: DbErr, what: &'static str) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StorageError::Conflict(what),
            _ => StorageError::from(err),
        }
    }
}

/// How long a request waits for a connection, or for the database to begin a transaction,
/// before it answers 503: a database that is away should not hold people for minutes.
pub(crate) const WAIT_LIMIT: Duration = Duration::from_secs(2);

/// A connection pool to the application's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    backend: Backend,
    /// Orders the audit events of read requests into the chain in group commits.
    pub(crate) appender: Arc<AuditAppender>,
    /// Statements sent through this pool, counted for tests and benchmarks.
    statements: Arc<AtomicU64>,
    /// A page cap tests put on SQLite to play a full disk; 0 when never set.
    page_limit: Arc<AtomicU64>,
}

/// The file of a `sqlite:` URL; `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.into())
}

/// Creates a missing SQLite file empty, readable and writable by its owner only (0600), before
/// SQLite opens it: SQLite gives the WAL and shared-memory files beside it the same mode. An
/// existing file keeps its mode. A failure is left for the connection to report.
fn create_private_file(url: &str) {
    let Some(path) = sqlite_file(url) else { return };
    if url.contains("mode=ro") {
        return;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = options.open(path);
}

impl Store {
    /// Connects to `sqlite://...` or `postgres://...`. SQLite files are created when missing (mode
    /// 0600, as are their WAL and shared-memory files) and run in WAL mode with a busy timeout,
    /// full synchronous commits and foreign keys enforced.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StorageError::UnsupportedUrl);
        };
        if backend == Backend::Sqlite {
            create_private_file(url);
        }
        let page_limit = Arc::new(AtomicU64::new(0));
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .connect_timeout(WAIT_LIMIT)
            .acquire_timeout(WAIT_LIMIT)
            // A connection that failed is closed by the pool; pinging each one on every acquire
            // would add a round trip to every request.
            .test_before_acquire(false);
        match backend {
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .min_connections(1)
                    .map_sqlx_sqlite_opts(|opts| {
                        opts.create_if_missing(true)
                            .journal_mode(SqliteJournalMode::Wal)
                            // Acknowledge a commit only once it is on disk.
                            .synchronous(SqliteSynchronous::Full)
                            .busy_timeout(Duration::from_secs(10))
                            .foreign_keys(true)
                    })
                    .map_sqlx_sqlite_pool_opts({
                        let page_limit = page_limit.clone();
                        move |pool| {
                            let page_limit = page_limit.clone();
                            pool.after_release(|conn, _| Box::pin(sqlite_connection_is_clean(conn)))
                                .before_acquire(move |conn, _| {
                                    let limit = page_limit.load(Ordering::Relaxed);
                                    Box::pin(async move {
                                        if limit > 0 {
                                            let sql = format!("PRAGMA max_page_count = {limit}");
                                            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                                                .execute(&mut *conn)
                                                .await?;
                                        }
                                        Ok(true)
                                    })
                                })
                        }
                    });
            }
            Backend::Postgres => {
                options
                    .max_connections(20)
                    .min_connections(1)
                    .map_sqlx_postgres_pool_opts(|pool| {
                        pool.after_release(|conn, _| {
                            Box::pin(async move {
                                Ok(<sqlx::Postgres as sqlx::Database>::TransactionManager::get_transaction_depth(conn) == 0)
                            })
                        })
                    });
            }
        }
        // Several processes opening one new SQLite file at once can find it locked while one
        // of them switches it to WAL; that clears in milliseconds, so retry for a short while.
        let mut attempt = 0;
        let mut db = loop {
            match Database::connect(options.clone()).await {
                Ok(db) => break db,
                Err(err)
                    if backend == Backend::Sqlite
                        && attempt < 50
                        && (err.to_string().contains("locked")
                            || err.to_string().contains("busy")) =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => return Err(err.into()),
            }
        };
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Store {
            appender: Arc::new(AuditAppender::new(db.clone(), backend)),
            db,
            backend,
            statements,
            page_limit,
        })
    }

    /// Caps the SQLite database at `pages` pages on every connection from now on, as a full
    /// disk would (`None` lifts the cap). Exists so tests can fill the database at will.
    #[doc(hidden)]
    pub fn limit_sqlite_pages_for_tests(&self, pages: Option<u64>) {
        // SQLite's own ceiling stands for "no cap": the pragma must still run on connections
        // that were capped before.
        let value = pages.unwrap_or(4_294_967_294);
        self.page_limit.store(value, Ordering::Relaxed);
    }

    /// The number of pages the SQLite database holds now.
    #[doc(hidden)]
    pub async fn sqlite_page_count(&self) -> Result<u64, StorageError> {
        Ok(self
            .sqlite_pragma("page_count")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// How many statements this pool has sent since it was opened.
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool now: open, idle and the most it opens.
    pub fn pool_state(&self) -> crate::metrics::PoolState {
        let (open, idle, max) = match self.backend {
            Backend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            Backend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
        };
        crate::metrics::PoolState {
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
        }
    }

    /// What the audit appender's group commits have done.
    pub fn audit_append_stats(&self) -> &crate::metrics::AppendStats {
        &self.appender.stats
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.db.ping().await?;
        Ok(())
    }

    /// Reads one SQLite pragma; used to prove the connection settings took effect.
    pub async fn sqlite_pragma(&self, name: &str) -> Result<Option<String>, StorageError> {
        if self.backend != Backend::Sqlite
            || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Ok(None);
        }
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {name}"),
            ))
            .await?;
        let Some(row) = row else { return Ok(None) };
        let value = row
            .try_get_by_index::<String>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))?;
        Ok(Some(value))
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(self) -> Result<(), StorageError> {
        self.db.close().await?;
        Ok(())
    }
}

impl Store {
    /// Runs one administrative statement (e.g. `CREATE DATABASE` for the test harness) outside
    /// any transaction. Never pass user input here.
    pub async fn execute_admin(&self, sql: &str) -> Result<(), StorageError> {
        self.db.execute_unprepared(sql).await?;
        Ok(())
    }
}

/// Whether a SQLite connection handed back to the pool may serve again. After a failed COMMIT
/// (a full disk, an I/O error) SQLite may already have rolled the transaction back, the driver's
/// ROLLBACK then fails and its count of open transactions stays one too high: the next BEGIN
/// would become a SAVEPOINT inside a transaction that never commits, and writes would be
/// acknowledged yet lost. Such a connection is closed instead, as is one SQLite still holds in
/// a transaction.
async fn sqlite_connection_is_clean(
    conn: &mut sqlx::SqliteConnection,
) -> Result<bool, sqlx::Error> {
    if <sqlx::Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(conn) != 0 {
        return Ok(false);
    }
    // BEGIN fails inside an open transaction; in autocommit it starts one that ends at once.
    if sqlx::raw_sql("BEGIN").execute(&mut *conn).await.is_err() {
        return Ok(false);
    }
    Ok(sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_the_database_refuses_are_the_request_s_fault() {
        let refused = |m: &str| StorageError::from(DbErr::Custom(m.to_owned()));
        for message in [
            "error returned from database: invalid byte sequence for encoding \"UTF8\": 0x00",
            "error returned from database: date out of range: \"-200000-01-01\"",
            "error returned from database: date/time field value out of range: \"2026-13-45\"",
            "error returned from database: time zone displacement out of range",
            "error returned from database: integer out of range for type integer",
            "error returned from database: value too long for type character varying(64)",
        ] {
            assert!(
                matches!(refused(message), StorageError::ValueRefused(_)),
                "{message}"
            );
        }
        assert!(matches!(
            refused("error returned from database: relation \"x\" does not exist"),
            StorageError::Database(_)
        ));
    }
}
