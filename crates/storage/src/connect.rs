use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
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
    #[error("database error: {0}")]
    Database(DbErr),
}

impl From<DbErr> for StorageError {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => StorageError::Unavailable,
            other => StorageError::Database(other),
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

/// A connection pool to the application's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    backend: Backend,
}

impl Store {
    /// Connects to `sqlite://...` or `postgres://...`. SQLite files are created when missing and
    /// run in WAL mode with a busy timeout and foreign keys enforced.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StorageError::UnsupportedUrl);
        };
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        match backend {
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .min_connections(1)
                    .map_sqlx_sqlite_opts(|opts| {
                        opts.create_if_missing(true)
                            .journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Normal)
                            .busy_timeout(Duration::from_secs(10))
                            .foreign_keys(true)
                    });
            }
            Backend::Postgres => {
                options.max_connections(20).min_connections(1);
            }
        }
        // Several processes opening one new SQLite file at once can find it locked while one
        // of them switches it to WAL; that clears in milliseconds, so retry for a short while.
        let mut attempt = 0;
        let db = loop {
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
        Ok(Store { db, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
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
