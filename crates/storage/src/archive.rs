//! The portable archive: every table of the database, read from one consistent snapshot, as
//! lines of JSON that either backend can load. Backups, restores and copies between SQLite and
//! PostgreSQL all go through it.
//!
//! The lines, in order:
//!
//! - a header: `{"format":"containment-archive","version":1,"backend":..,"created_at":..,
//!   "migrations":[..]}`, the migrations naming the schema the data belongs to;
//! - per table, parents before the tables whose foreign keys point at them:
//!   `{"table":..,"columns":[[name,family],..],"sequence":N|null}`, one JSON array per row in
//!   primary-key order, then `{"end":..,"rows":N}`;
//! - a trailer: `{"end_of_archive":true,"tables":T,"rows":R,"sha256":..}`, the hash taken over
//!   every line before it (each with its line feed), so a truncated or altered archive is refused.
//!
//! The tables are those the live schema has, never a list kept by hand, so a table a new
//! migration adds is carried without anyone remembering it. Values are typed by the column's
//! family (integer, real, text, boolean, timestamp, date, binary, json): timestamps as RFC 3339
//! in UTC with every fraction digit stored, dates as `YYYY-MM-DD`, binary as hexadecimal.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult, Statement, Value};
use sea_orm_migration::MigratorTrait;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::migration::Migrator;
use crate::schema::family;
use crate::{Backend, NewAuditEvent, StorageError, Store};

/// What the archive's header says it is.
pub const ARCHIVE_FORMAT: &str = "containment-archive";
/// The newest layout this release writes and reads.
pub const ARCHIVE_VERSION: u64 = 1;

/// The bookkeeping table of the migrations: carried like any other, but its rows replace the
/// ones the restore's own migration run wrote, so each keeps its first applied time.
const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// Rows read per statement; tables holding binary content (documents up to 10 MiB) fewer, so
/// one batch stays small in memory.
const READ_BATCH: u64 = 500;
const READ_BATCH_BINARY: u64 = 4;
/// Bound parameters per INSERT (both engines accept far more) and bytes of values per INSERT.
const WRITE_PARAMS: usize = 10_000;
const WRITE_BYTES: usize = 4 << 20;

/// Why an archive could not be written or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The input is not an archive, or is damaged or cut short.
    #[error("{0}")]
    Format(String),
    /// The archive holds migrations this release does not know.
    #[error(
        "the backup was made by a newer release (its schema has migration {0}, unknown to this \
         one): restore it with that release or a later one"
    )]
    NewerRelease(String),
    /// The target database already holds data.
    #[error(
        "the database is not empty ({} hold rows): restore only into an empty database, or \
         pass --force to replace everything in it",
        .0.join(", ")
    )]
    NotEmpty(Vec<String>),
    /// The schema has something the archive cannot carry (a table without a primary key, a
    /// column type of no known family), or the archive's tables differ from its migrations'.
    #[error("{0}")]
    Schema(String),
    /// Only the console makes backups, restores and copies.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The file or the other side of a copy failed.
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sea_orm::DbErr> for ArchiveError {
    fn from(err: sea_orm::DbErr) -> Self {
        ArchiveError::Storage(err.into())
    }
}

/// What an archive held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveSummary {
    pub tables: usize,
    pub rows: u64,
    /// The migrations of the archived schema, oldest first.
    pub migrations: Vec<String>,
    /// The backend the archive was made from, and when.
    pub source_backend: String,
    pub created_at: String,
}

/// One table as the live schema describes it.
#[derive(Debug, Clone)]
struct TableShape {
    name: String,
    /// Columns in their declared order, with their families.
    columns: Vec<(String, String)>,
    /// Primary-key columns in key order.
    key: Vec<String>,
    /// The column the database numbers by itself (serial, AUTOINCREMENT), if any.
    counter: Option<String>,
}

impl TableShape {
    fn family_of(&self, column: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, f)| f.as_str())
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn db_backend(backend: Backend) -> DbBackend {
    match backend {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
    }
}

fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    }
}

/// The column types the archive carries, as [`crate::ColumnShape::family`] names them.
pub const ARCHIVE_FAMILIES: [&str; 8] = [
    "integer",
    "real",
    "text",
    "boolean",
    "timestamp",
    "date",
    "binary",
    "json",
];

/// Every table of the application's schema (the migrations' own included), with columns, key and
/// counter, in an order where each table comes after those its foreign keys point at.
async fn tables(
    conn: &impl ConnectionTrait,
    backend: Backend,
) -> Result<Vec<TableShape>, ArchiveError> {
    let db = db_backend(backend);
    let (columns_sql, keys_sql, fks_sql, counters_sql) = match backend {
        Backend::Sqlite => (
            "SELECT m.name AS t, p.name AS c, p.type AS ty FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             ORDER BY m.name, p.cid",
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.pk > 0 ORDER BY m.name, p.pk",
            "SELECT DISTINCT m.name AS t, f.\"table\" AS r FROM sqlite_master m \
             JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            // An AUTOINCREMENT key is the table's one primary-key column.
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.pk = 1 \
               AND upper(m.sql) LIKE '%AUTOINCREMENT%'",
        ),
        Backend::Postgres => (
            "SELECT c.table_name::text AS t, c.column_name::text AS c, c.data_type::text AS ty \
             FROM information_schema.columns c JOIN information_schema.tables tb \
               ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE' \
             ORDER BY c.table_name, c.ordinal_position",
            "SELECT t.relname::text AS t, a.attname::text AS c FROM pg_index i \
             JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
             CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE i.indisprimary AND ns.nspname = current_schema() ORDER BY t.relname, k.n",
            "SELECT DISTINCT c.relname::text AS t, r.relname::text AS r FROM pg_constraint co \
             JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace \
             JOIN pg_class r ON r.oid = co.confrelid \
             WHERE co.contype = 'f' AND ns.nspname = current_schema()",
            "SELECT c.table_name::text AS t, c.column_name::text AS c FROM information_schema.columns c \
             WHERE c.table_schema = current_schema() \
               AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL",
        ),
    };
    let mut shapes: BTreeMap<String, TableShape> = BTreeMap::new();
    for row in conn
        .query_all_raw(Statement::from_string(db, columns_sql))
        .await?
    {
        let table: String = row.try_get("", "t")?;
        let column: String = row.try_get("", "c")?;
        let declared: String = row.try_get("", "ty")?;
        let family = family(&declared);
        if !ARCHIVE_FAMILIES.contains(&family.as_str()) {
            return Err(ArchiveError::Schema(format!(
                "column {table}.{column} has type {declared}, which the archive cannot carry"
            )));
        }
        shapes
            .entry(table.clone())
            .or_insert_with(|| TableShape {
                name: table,
                columns: Vec::new(),
                key: Vec::new(),
                counter: None,
            })
            .columns
            .push((column, family));
    }
    for row in conn
        .query_all_raw(Statement::from_string(db, keys_sql))
        .await?
    {
        let table: String = row.try_get("", "t")?;
        if let Some(shape) = shapes.get_mut(&table) {
            shape.key.push(row.try_get("", "c")?);
        }
    }
    for row in conn
        .query_all_raw(Statement::from_string(db, counters_sql))
        .await?
    {
        let table: String = row.try_get("", "t")?;
        if let Some(shape) = shapes.get_mut(&table) {
            shape.counter = Some(row.try_get("", "c")?);
        }
    }
    if let Some(shape) = shapes.values().find(|s| s.key.is_empty()) {
        return Err(ArchiveError::Schema(format!(
            "table {} has no primary key, which the archive needs to read it in order",
            shape.name
        )));
    }
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in conn
        .query_all_raw(Statement::from_string(db, fks_sql))
        .await?
    {
        let table: String = row.try_get("", "t")?;
        let parent: String = row.try_get("", "r")?;
        if table != parent {
            parents.entry(table).or_default().insert(parent);
        }
    }
    // Parents first; the migrations' table leads, as the restore reads it before the data.
    let mut ordered: Vec<TableShape> = Vec::with_capacity(shapes.len());
    let mut placed: BTreeSet<String> = BTreeSet::new();
    if let Some(m) = shapes.remove(MIGRATIONS_TABLE) {
        placed.insert(m.name.clone());
        ordered.push(m);
    }
    while !shapes.is_empty() {
        let ready: Vec<String> = shapes
            .keys()
            .filter(|t| {
                parents.get(*t).is_none_or(|ps| {
                    ps.iter()
                        .all(|p| placed.contains(p) || !shapes.contains_key(p))
                })
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(ArchiveError::Schema(format!(
                "the foreign keys among {} form a cycle",
                shapes.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        for t in ready {
            if let Some(shape) = shapes.remove(&t) {
                placed.insert(t);
                ordered.push(shape);
            }
        }
    }
    Ok(ordered)
}

/// One stored value as the archive writes it.
fn read_value(row: &QueryResult, i: usize, family: &str) -> Result<Json, ArchiveError> {
    let value = match family {
        "integer" => row.try_get_by_index::<Option<i64>>(i)?.map(Json::from),
        "real" => row.try_get_by_index::<Option<f64>>(i)?.map(Json::from),
        "boolean" => row.try_get_by_index::<Option<bool>>(i)?.map(Json::from),
        "timestamp" => row
            .try_get_by_index::<Option<DateTime<Utc>>>(i)?
            .map(|t| Json::from(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))),
        "date" => row
            .try_get_by_index::<Option<NaiveDate>>(i)?
            .map(|d| Json::from(d.format("%Y-%m-%d").to_string())),
        "binary" => row
            .try_get_by_index::<Option<Vec<u8>>>(i)?
            .map(|b| Json::from(hex::encode(b))),
        "json" => row.try_get_by_index::<Option<Json>>(i)?,
        _ => row.try_get_by_index::<Option<String>>(i)?.map(Json::from),
    };
    Ok(value.unwrap_or(Json::Null))
}

/// An archived value as a parameter for `family`, and the bytes it weighs.
fn bind_value(value: &Json, family: &str, at: &str) -> Result<(Value, usize), ArchiveError> {
    let bad = || ArchiveError::Format(format!("the backup is damaged: {at} is not a {family}"));
    let null = value.is_null();
    let bound = match family {
        "integer" => Value::BigInt(if null {
            None
        } else {
            Some(value.as_i64().ok_or_else(bad)?)
        }),
        "real" => Value::Double(if null {
            None
        } else {
            Some(value.as_f64().ok_or_else(bad)?)
        }),
        "boolean" => Value::Bool(if null {
            None
        } else {
            Some(value.as_bool().ok_or_else(bad)?)
        }),
        "timestamp" => Value::ChronoDateTimeUtc(if null {
            None
        } else {
            let text = value.as_str().ok_or_else(bad)?;
            Some(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|_| bad())?
                    .with_timezone(&Utc),
            )
        }),
        "date" => Value::ChronoDate(if null {
            None
        } else {
            let text = value.as_str().ok_or_else(bad)?;
            Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?)
        }),
        "binary" => Value::Bytes(if null {
            None
        } else {
            Some(hex::decode(value.as_str().ok_or_else(bad)?).map_err(|_| bad())?)
        }),
        "json" => Value::Json(if null {
            None
        } else {
            Some(Box::new(value.clone()))
        }),
        _ => Value::String(if null {
            None
        } else {
            Some(value.as_str().ok_or_else(bad)?.to_owned())
        }),
    };
    let weight = match value {
        Json::String(s) => s.len(),
        _ => 8,
    };
    Ok((bound, weight))
}

/// Sends lines and keeps the running hash the trailer vouches with.
struct LineOut<'a> {
    out: &'a mpsc::Sender<String>,
    hash: Sha256,
}

impl LineOut<'_> {
    async fn send(&mut self, line: String) -> Result<(), ArchiveError> {
        self.hash.update(line.as_bytes());
        self.hash.update(b"\n");
        self.out
            .send(line)
            .await
            .map_err(|_| ArchiveError::Io("the archive's destination stopped taking lines".into()))
    }
}

/// The migrations recorded in the database, oldest first.
async fn applied_migrations(conn: &impl ConnectionTrait) -> Result<Vec<String>, ArchiveError> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"),
        ))
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()?)
}

/// The highest number the table's counter has handed out, which may exceed its largest key when
/// the newest rows were removed: a restore keeps such numbers unused.
async fn counter_value(
    txn: &DatabaseTransaction,
    backend: Backend,
    table: &TableShape,
) -> Result<Option<i64>, ArchiveError> {
    let Some(column) = &table.counter else {
        return Ok(None);
    };
    let row = match backend {
        Backend::Sqlite => {
            txn.query_one_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT seq FROM sqlite_sequence WHERE name = ?",
                [table.name.clone().into()],
            ))
            .await?
        }
        Backend::Postgres => {
            let seq = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_get_serial_sequence(quote_ident($1), $2)::text",
                    [table.name.clone().into(), column.clone().into()],
                ))
                .await?
                .map(|r| r.try_get_by_index::<Option<String>>(0))
                .transpose()?
                .flatten();
            let Some(seq) = seq else { return Ok(None) };
            // The sequence's name comes from the catalog, already quoted where it must be.
            txn.query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {seq}"
                ),
            ))
            .await?
        }
    };
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?)
}

impl Store {
    /// Writes every table, read in one consistent snapshot (a read transaction: on SQLite it
    /// holds the WAL snapshot it began with, on PostgreSQL it is REPEATABLE READ), as archive
    /// lines to `out`, in batches so that no table is held in memory. Writes may go on meanwhile;
    /// the archive holds the database as it was when the snapshot began.
    pub async fn write_archive(
        &self,
        out: &mpsc::Sender<String>,
        now: DateTime<Utc>,
    ) -> Result<ArchiveSummary, ArchiveError> {
        self.write_archive_in_batches(out, now, READ_BATCH).await
    }

    /// [`Store::write_archive`] reading at most `batch` rows per statement, so tests can make
    /// every table span several batches without filling it.
    #[doc(hidden)]
    pub async fn write_archive_in_batches(
        &self,
        out: &mpsc::Sender<String>,
        now: DateTime<Utc>,
        batch: u64,
    ) -> Result<ArchiveSummary, ArchiveError> {
        let batch = batch.max(1);
        let tx = self.begin_read().await?;
        let txn = &tx.txn;
        let backend = self.backend();
        // SQLite fixes a deferred transaction's snapshot at its first read: this one.
        let shapes = tables(txn, backend).await?;
        if !shapes.iter().any(|s| s.name == MIGRATIONS_TABLE) {
            return Err(ArchiveError::Schema(
                "the database has no schema yet: there is nothing to back up".into(),
            ));
        }
        let migrations = applied_migrations(txn).await?;
        let mut out = LineOut {
            out,
            hash: Sha256::new(),
        };
        let created_at = now.to_rfc3339_opts(SecondsFormat::Millis, true);
        out.send(
            json!({
                "format": ARCHIVE_FORMAT,
                "version": ARCHIVE_VERSION,
                "backend": backend.name(),
                "created_at": created_at,
                "migrations": migrations,
            })
            .to_string(),
        )
        .await?;
        let mut total = 0u64;
        for table in &shapes {
            total += self.write_table(txn, table, &mut out, batch).await?;
        }
        let digest = hex::encode(out.hash.clone().finalize());
        out.send(
            json!({
                "end_of_archive": true,
                "tables": shapes.len(),
                "rows": total,
                "sha256": digest,
            })
            .to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(ArchiveSummary {
            tables: shapes.len(),
            rows: total,
            migrations,
            source_backend: backend.name().to_owned(),
            created_at,
        })
    }

    async fn write_table(
        &self,
        txn: &DatabaseTransaction,
        table: &TableShape,
        out: &mut LineOut<'_>,
        batch: u64,
    ) -> Result<u64, ArchiveError> {
        let backend = self.backend();
        out.send(
            json!({
                "table": table.name,
                "columns": table.columns,
                "sequence": counter_value(txn, backend, table).await?,
            })
            .to_string(),
        )
        .await?;
        let select: Vec<String> = table
            .columns
            .iter()
            .map(|(c, f)| match (backend, f.as_str()) {
                // PostgreSQL keeps integers of several widths and reals of two; one type each
                // reads them all.
                (Backend::Postgres, "integer") => format!("{}::bigint", quote(c)),
                (Backend::Postgres, "real") => format!("{}::float8", quote(c)),
                _ => quote(c),
            })
            .collect();
        let key: Vec<String> = table.key.iter().map(|c| quote(c)).collect();
        let key_at: Vec<usize> = table
            .key
            .iter()
            .filter_map(|k| table.columns.iter().position(|(c, _)| c == k))
            .collect();
        let batch = if table.columns.iter().any(|(_, f)| f == "binary") {
            batch.min(READ_BATCH_BINARY)
        } else {
            batch
        };
        let mut after: Option<Vec<Json>> = None;
        let mut count = 0u64;
        loop {
            let mut values = Vec::new();
            let filter = match &after {
                None => String::new(),
                Some(last) => {
                    let mut marks = Vec::new();
                    for (k, v) in table.key.iter().zip(last) {
                        let family = table.family_of(k).unwrap_or("text");
                        values.push(bind_value(v, family, &table.name)?.0);
                        marks.push(placeholder(backend, values.len()));
                    }
                    format!("WHERE ({}) > ({})", key.join(", "), marks.join(", "))
                }
            };
            let sql = format!(
                "SELECT {} FROM {} {filter} ORDER BY {} LIMIT {batch}",
                select.join(", "),
                quote(&table.name),
                key.join(", ")
            );
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    db_backend(backend),
                    sql,
                    values,
                ))
                .await?;
            let fetched = rows.len() as u64;
            for row in rows {
                let mut line = Vec::with_capacity(table.columns.len());
                for (i, (_, family)) in table.columns.iter().enumerate() {
                    line.push(read_value(&row, i, family)?);
                }
                after = Some(key_at.iter().map(|&i| line[i].clone()).collect());
                out.send(Json::Array(line).to_string()).await?;
                count += 1;
            }
            if fetched < batch {
                break;
            }
        }
        out.send(json!({ "end": table.name, "rows": count }).to_string())
            .await?;
        Ok(count)
    }

    /// Every table of the schema (the migrations' own included) with its number of rows, in the
    /// order a restore loads them.
    pub async fn table_row_counts(&self) -> Result<Vec<(String, u64)>, ArchiveError> {
        row_counts(&self.db, self.backend()).await
    }

    /// Loads an archive read line by line from `lines` into this database, all in one
    /// transaction: nothing changes unless the whole archive loads and its trailer checks out.
    /// The database must hold no rows (the migrations' bookkeeping aside) unless `force`, which
    /// replaces everything in it. The schema is rebuilt by this release's migrations up to the
    /// archive's own, then every row goes in with its keys, counters are set past the highest
    /// number handed out, and `event` is appended to the audit trail.
    pub async fn restore_archive(
        &self,
        lines: &mut mpsc::Receiver<std::io::Result<String>>,
        force: bool,
        event: NewAuditEvent,
    ) -> Result<ArchiveSummary, ArchiveError> {
        let backend = self.backend();
        let mut input = LineIn {
            lines,
            hash: Sha256::new(),
            before: Sha256::new(),
        };
        let header = input.next().await?;
        let header: Json = serde_json::from_str(&header)
            .map_err(|_| ArchiveError::Format("this is not a Containment backup".into()))?;
        if header["format"] != ARCHIVE_FORMAT {
            return Err(ArchiveError::Format(
                "this is not a Containment backup".into(),
            ));
        }
        let version = header["version"].as_u64().unwrap_or(u64::MAX);
        if version > ARCHIVE_VERSION {
            return Err(ArchiveError::Format(format!(
                "the backup has layout version {version}, newer than this release reads \
                 ({ARCHIVE_VERSION}): restore it with a later release"
            )));
        }
        let migrations: Vec<String> = header["migrations"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let known: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        for (i, m) in migrations.iter().enumerate() {
            if !known.contains(m) {
                return Err(ArchiveError::NewerRelease(m.clone()));
            }
            if known.get(i) != Some(m) {
                return Err(ArchiveError::Format(format!(
                    "the backup's migrations are not in this release's order (at {m})"
                )));
            }
        }

        let tx = self.begin().await?;
        let txn = &tx.txn;
        let occupied: Vec<String> = row_counts(txn, backend)
            .await?
            .into_iter()
            .filter(|(t, n)| *n > 0 && t != MIGRATIONS_TABLE)
            .map(|(t, _)| t)
            .collect();
        if !occupied.is_empty() && !force {
            return Err(ArchiveError::NotEmpty(occupied));
        }
        clear(txn, backend).await?;
        if backend == Backend::Sqlite {
            // Checked at commit instead of per row; the archive's order already satisfies them.
            txn.execute_unprepared("PRAGMA defer_foreign_keys = ON")
                .await?;
        }
        let steps = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
        if steps > 0 {
            Migrator::up(txn, Some(steps)).await?;
        }
        let shapes: BTreeMap<String, TableShape> = tables(txn, backend)
            .await?
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect();

        let mut loaded: BTreeSet<String> = BTreeSet::new();
        let mut total = 0u64;
        let trailer = loop {
            let line = input.next().await?;
            let head: Json = serde_json::from_str(&line).map_err(|_| damaged())?;
            if head["end_of_archive"] == true {
                break head;
            }
            let name = head["table"].as_str().ok_or_else(damaged)?.to_owned();
            let Some(shape) = shapes.get(&name) else {
                return Err(ArchiveError::Schema(format!(
                    "the backup has a table {name} that its own migrations do not make"
                )));
            };
            if !loaded.insert(name.clone()) {
                return Err(damaged());
            }
            let columns: Vec<(String, String)> =
                serde_json::from_value(head["columns"].clone()).map_err(|_| damaged())?;
            let mut ours: Vec<&(String, String)> = shape.columns.iter().collect();
            let mut theirs: Vec<&(String, String)> = columns.iter().collect();
            ours.sort();
            theirs.sort();
            if ours != theirs {
                return Err(ArchiveError::Schema(format!(
                    "the backup's table {name} has other columns than its migrations make here"
                )));
            }
            if name == MIGRATIONS_TABLE {
                txn.execute_unprepared(&format!("DELETE FROM {}", quote(MIGRATIONS_TABLE)))
                    .await?;
            }
            let rows = load_table(txn, backend, shape, &columns, &mut input).await?;
            if let Some(sequence) = head["sequence"].as_i64() {
                set_counter(txn, backend, shape, sequence).await?;
            } else {
                set_counter(txn, backend, shape, 0).await?;
            }
            total += rows;
        };
        let digest = hex::encode(input.before.clone().finalize());
        if trailer["sha256"].as_str() != Some(digest.as_str())
            || trailer["rows"].as_u64() != Some(total)
            || trailer["tables"].as_u64() != Some(loaded.len() as u64)
        {
            return Err(ArchiveError::Format(
                "the backup is damaged: its contents do not match its checksum".into(),
            ));
        }
        if let Some(missing) = shapes.keys().find(|t| !loaded.contains(*t)) {
            return Err(ArchiveError::Schema(format!(
                "the backup lacks the table {missing} its own migrations make"
            )));
        }
        if loaded.contains("audit_event") {
            crate::audit::append_chain(txn, backend, vec![event]).await?;
        }
        // Whatever a process worked out from the facts replaced is stale (a backup made before
        // the counter existed leaves it to the migration that makes it).
        if loaded.contains("case_facts_generation") {
            tx.mark_case_facts_changed().await?;
        }
        tx.commit().await?;
        Ok(ArchiveSummary {
            tables: loaded.len(),
            rows: total,
            migrations,
            source_backend: header["backend"].as_str().unwrap_or_default().to_owned(),
            created_at: header["created_at"].as_str().unwrap_or_default().to_owned(),
        })
    }
}

fn damaged() -> ArchiveError {
    ArchiveError::Format("the backup is damaged: a line is not what its place calls for".into())
}

/// Reads archive lines and keeps the hash the trailer is checked against.
struct LineIn<'a> {
    lines: &'a mut mpsc::Receiver<std::io::Result<String>>,
    hash: Sha256,
    /// The hash of every line before the last one read: what the trailer vouches for.
    before: Sha256,
}

impl LineIn<'_> {
    async fn next(&mut self) -> Result<String, ArchiveError> {
        match self.lines.recv().await {
            Some(Ok(line)) => {
                self.before = self.hash.clone();
                self.hash.update(line.as_bytes());
                self.hash.update(b"\n");
                Ok(line)
            }
            Some(Err(e)) => Err(ArchiveError::Format(format!(
                "the backup cannot be read to its end: {e}"
            ))),
            None => Err(ArchiveError::Format(
                "the backup is incomplete: it ends before its last line".into(),
            )),
        }
    }
}

async fn row_counts(
    conn: &impl ConnectionTrait,
    backend: Backend,
) -> Result<Vec<(String, u64)>, ArchiveError> {
    let mut counts = Vec::new();
    for table in tables(conn, backend).await? {
        let row = conn
            .query_one_raw(Statement::from_string(
                db_backend(backend),
                format!("SELECT COUNT(*) FROM {}", quote(&table.name)),
            ))
            .await?;
        let n = row
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        counts.push((table.name, u64::try_from(n).unwrap_or(0)));
    }
    Ok(counts)
}

/// Removes every table (children first, so no foreign key is left dangling) and, on
/// PostgreSQL, the schema's own functions, so the migrations can build it all again.
async fn clear(txn: &DatabaseTransaction, backend: Backend) -> Result<(), ArchiveError> {
    let mut shapes = tables(txn, backend).await?;
    shapes.reverse();
    for table in shapes {
        txn.execute_unprepared(&format!("DROP TABLE {}", quote(&table.name)))
            .await?;
    }
    if backend == Backend::Postgres {
        let functions = txn
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT p.oid::regprocedure::text FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE n.nspname = current_schema() AND p.prokind = 'f' \
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
            ))
            .await?;
        for f in functions {
            let signature: String = f.try_get_by_index(0)?;
            txn.execute_unprepared(&format!("DROP FUNCTION {signature} CASCADE"))
                .await?;
        }
    }
    Ok(())
}

/// Inserts one table's rows, in batches, until its end line; returns how many.
async fn load_table(
    txn: &DatabaseTransaction,
    backend: Backend,
    shape: &TableShape,
    columns: &[(String, String)],
    input: &mut LineIn<'_>,
) -> Result<u64, ArchiveError> {
    let names: Vec<String> = columns.iter().map(|(c, _)| quote(c)).collect();
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ",
        quote(&shape.name),
        names.join(", ")
    );
    let mut values: Vec<Value> = Vec::new();
    let mut tuples: Vec<String> = Vec::new();
    let mut bytes = 0usize;
    let mut count = 0u64;
    let flush = |values: &mut Vec<Value>, tuples: &mut Vec<String>| {
        let sql = format!("{insert}{}", tuples.join(", "));
        tuples.clear();
        Statement::from_sql_and_values(db_backend(backend), sql, std::mem::take(values))
    };
    loop {
        let line = input.next().await?;
        let row: Json = serde_json::from_str(&line).map_err(|_| damaged())?;
        let Json::Array(cells) = row else {
            if row["end"].as_str() != Some(shape.name.as_str())
                || row["rows"].as_u64() != Some(count)
            {
                return Err(damaged());
            }
            break;
        };
        if cells.len() != columns.len() {
            return Err(damaged());
        }
        let mut marks = Vec::with_capacity(cells.len());
        for (cell, (column, family)) in cells.iter().zip(columns) {
            let (value, weight) = bind_value(cell, family, &format!("{}.{column}", shape.name))?;
            values.push(value);
            bytes += weight;
            marks.push(placeholder(backend, values.len()));
        }
        tuples.push(format!("({})", marks.join(", ")));
        count += 1;
        if values.len() + columns.len() > WRITE_PARAMS || bytes > WRITE_BYTES {
            txn.execute_raw(flush(&mut values, &mut tuples)).await?;
            bytes = 0;
        }
    }
    if !tuples.is_empty() {
        txn.execute_raw(flush(&mut values, &mut tuples)).await?;
    }
    Ok(count)
}

/// Sets the table's counter to hand out numbers above both its largest key and `archived`, the
/// highest the source had handed out.
async fn set_counter(
    txn: &DatabaseTransaction,
    backend: Backend,
    shape: &TableShape,
    archived: i64,
) -> Result<(), ArchiveError> {
    let Some(column) = &shape.counter else {
        return Ok(());
    };
    let max = txn
        .query_one_raw(Statement::from_string(
            db_backend(backend),
            format!(
                "SELECT COALESCE(MAX({}), 0) FROM {}",
                quote(column),
                quote(&shape.name)
            ),
        ))
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let high = max.max(archived);
    match backend {
        Backend::Sqlite => {
            if high > 0 {
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "DELETE FROM sqlite_sequence WHERE name = ?",
                    [shape.name.clone().into()],
                ))
                .await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                    [shape.name.clone().into(), high.into()],
                ))
                .await?;
            }
        }
        Backend::Postgres => {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT setval(pg_get_serial_sequence(quote_ident($1), $2), $3, $4)",
                [
                    shape.name.clone().into(),
                    column.clone().into(),
                    high.max(1).into(),
                    (high > 0).into(),
                ],
            ))
            .await?;
        }
    }
    Ok(())
}
