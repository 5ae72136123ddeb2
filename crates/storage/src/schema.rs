//! A backend-neutral description of the live schema, so tests can prove that SQLite and
//! PostgreSQL end up with the same tables and columns after migrating, and that every foreign
//! key a page filters on has an index.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Backend, StorageError, Store};

/// One column as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnShape {
    pub table: String,
    pub column: String,
    /// A coarse type family: integer, text, boolean, timestamp, date, real, binary or json.
    pub family: String,
    pub nullable: bool,
    pub primary_key: bool,
}

/// One index, or a table's primary key, with its columns in key order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexShape {
    pub table: String,
    /// The index's name; `primary key` for a SQLite key without an index of its own.
    pub name: String,
    /// Key columns in order; an expression shows as `(expression)`.
    pub columns: Vec<String>,
}

/// One declared foreign key, with its columns in order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKeyShape {
    pub table: String,
    pub columns: Vec<String>,
    pub references: String,
}

/// Groups `(table, name, column)` rows, already ordered by table, name and position.
fn grouped(rows: Vec<(String, String, String)>) -> Vec<(String, String, Vec<String>)> {
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for (table, name, column) in rows {
        match out.last_mut() {
            Some((t, n, columns)) if *t == table && *n == name => columns.push(column),
            _ => out.push((table, name, vec![column])),
        }
    }
    out
}

pub(crate) fn family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let family = if t.contains("timestamp") || t.contains("datetime") {
        "timestamp"
    } else if t == "date" || t.starts_with("date_") {
        "date"
    } else if t.contains("int") || t.contains("serial") {
        "integer"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") || t == "uuid" {
        "text"
    } else if t.contains("real")
        || t.contains("double")
        || t.contains("float")
        || t.contains("numeric")
        || t.contains("decimal")
    {
        "real"
    } else if t.contains("blob") || t.contains("bytea") || t.contains("binary") {
        "binary"
    } else if t.contains("json") {
        "json"
    } else {
        return format!("other:{t}");
    };
    family.to_owned()
}

impl Store {
    /// Every application column (the migration bookkeeping table excluded), sorted.
    pub async fn schema_shape(&self) -> Result<Vec<ColumnShape>, StorageError> {
        let mut shapes = Vec::new();
        match self.backend() {
            Backend::Sqlite => {
                let rows = self
                    .db
                    .query_all_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "SELECT m.name AS t, p.name AS c, p.type AS ty, p.\"notnull\" AS nn, p.pk AS pk \
                         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations'",
                    ))
                    .await?;
                for row in rows {
                    let pk: i64 = row.try_get("", "pk")?;
                    let not_null: i64 = row.try_get("", "nn")?;
                    shapes.push(ColumnShape {
                        table: row.try_get("", "t")?,
                        column: row.try_get("", "c")?,
                        family: family(&row.try_get::<String>("", "ty")?),
                        // SQLite lets a primary-key column be NULL unless declared otherwise;
                        // both backends refuse NULL keys in practice, so report keys as not null.
                        nullable: not_null == 0 && pk == 0,
                        primary_key: pk > 0,
                    });
                }
            }
            Backend::Postgres => {
                let rows = self
                    .db
                    .query_all_raw(Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT c.table_name::text AS t, c.column_name::text AS c, c.data_type::text AS ty, \
                                (c.is_nullable = 'YES') AS nullable, \
                                EXISTS (SELECT 1 FROM information_schema.table_constraints tc \
                                        JOIN information_schema.key_column_usage k \
                                          ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema \
                                        WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema \
                                          AND tc.table_name = c.table_name AND k.column_name = c.column_name) AS pk \
                         FROM information_schema.columns c \
                         WHERE c.table_schema = current_schema() AND c.table_name <> 'seaql_migrations'",
                    ))
                    .await?;
                for row in rows {
                    shapes.push(ColumnShape {
                        table: row.try_get("", "t")?,
                        column: row.try_get("", "c")?,
                        family: family(&row.try_get::<String>("", "ty")?),
                        nullable: row.try_get("", "nullable")?,
                        primary_key: row.try_get("", "pk")?,
                    });
                }
            }
        }
        shapes.sort();
        Ok(shapes)
    }
}

impl Store {
    /// Every index of the application tables, primary keys included, sorted.
    pub async fn index_shapes(&self) -> Result<Vec<IndexShape>, StorageError> {
        let (backend, sql) = match self.backend() {
            // A rowid key has no index of its own: it is listed from the table's columns.
            Backend::Sqlite => (
                DbBackend::Sqlite,
                "SELECT m.name AS t, il.name AS ix, ii.seqno AS n, ii.name AS c \
                 FROM sqlite_master m JOIN pragma_index_list(m.name) il \
                 JOIN pragma_index_info(il.name) ii \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations' \
                 UNION ALL \
                 SELECT m.name, 'primary key', p.pk, p.name \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations' \
                   AND p.pk > 0 \
                 ORDER BY 1, 2, 3",
            ),
            Backend::Postgres => (
                DbBackend::Postgres,
                "SELECT t.relname::text AS t, ix.relname::text AS ix, k.n::bigint AS n, a.attname::text AS c \
                 FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
                 JOIN pg_class ix ON ix.oid = i.indexrelid \
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace \
                 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                 LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                 WHERE ns.nspname = current_schema() AND t.relname <> 'seaql_migrations' \
                   AND k.n <= i.indnkeyatts \
                 ORDER BY 1, 2, 3",
            ),
        };
        let mut rows = Vec::new();
        for row in self
            .db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?
        {
            rows.push((
                row.try_get("", "t")?,
                row.try_get("", "ix")?,
                row.try_get::<Option<String>>("", "c")?
                    .unwrap_or_else(|| "(expression)".to_owned()),
            ));
        }
        let mut shapes: Vec<IndexShape> = grouped(rows)
            .into_iter()
            .map(|(table, name, columns)| IndexShape {
                table,
                name,
                columns,
            })
            .collect();
        shapes.sort();
        Ok(shapes)
    }

    /// Every declared foreign key of the application tables, sorted.
    pub async fn foreign_key_shapes(&self) -> Result<Vec<ForeignKeyShape>, StorageError> {
        let (backend, sql) = match self.backend() {
            Backend::Sqlite => (
                DbBackend::Sqlite,
                "SELECT m.name AS t, CAST(f.id AS TEXT) AS fk, f.seq AS n, f.\"from\" AS c, f.\"table\" AS r \
                 FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations' \
                 ORDER BY 1, 2, 3",
            ),
            Backend::Postgres => (
                DbBackend::Postgres,
                "SELECT c.relname::text AS t, co.conname::text AS fk, k.n::bigint AS n, \
                        a.attname::text AS c, r.relname::text AS r \
                 FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
                 JOIN pg_namespace ns ON ns.oid = c.relnamespace \
                 JOIN pg_class r ON r.oid = co.confrelid \
                 CROSS JOIN LATERAL unnest(co.conkey) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
                 WHERE co.contype = 'f' AND ns.nspname = current_schema() \
                 ORDER BY 1, 2, 3",
            ),
        };
        let mut rows = Vec::new();
        let mut references = std::collections::HashMap::new();
        for row in self
            .db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?
        {
            let table: String = row.try_get("", "t")?;
            let key: String = row.try_get("", "fk")?;
            references.insert(
                (table.clone(), key.clone()),
                row.try_get::<String>("", "r")?,
            );
            rows.push((table, key, row.try_get("", "c")?));
        }
        let mut shapes: Vec<ForeignKeyShape> = grouped(rows)
            .into_iter()
            .map(|(table, key, columns)| ForeignKeyShape {
                references: references.remove(&(table.clone(), key)).unwrap_or_default(),
                table,
                columns,
            })
            .collect();
        shapes.sort();
        Ok(shapes)
    }

    /// The plan the database chooses for `sql` (a statement without parameters), one line per
    /// step: SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN`.
    pub async fn query_plan(&self, sql: &str) -> Result<Vec<String>, StorageError> {
        let (backend, explain, column) = match self.backend() {
            Backend::Sqlite => (DbBackend::Sqlite, "EXPLAIN QUERY PLAN", "detail"),
            Backend::Postgres => (DbBackend::Postgres, "EXPLAIN", "QUERY PLAN"),
        };
        let rows = self
            .db
            .query_all_raw(Statement::from_string(backend, format!("{explain} {sql}")))
            .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<String>("", column)?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::family;

    #[test]
    fn declared_types_fall_into_families() {
        for (declared, expected) in [
            ("bigint", "integer"),
            ("INTEGER", "integer"),
            ("varchar", "text"),
            ("character varying", "text"),
            ("text", "text"),
            ("timestamp with time zone", "timestamp"),
            ("timestamp_with_timezone_text", "timestamp"),
            ("boolean", "boolean"),
            ("bytea", "binary"),
            ("blob", "binary"),
        ] {
            assert_eq!(family(declared), expected, "{declared}");
        }
        assert_eq!(family("geometry"), "other:geometry");
    }
}
