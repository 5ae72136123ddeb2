//! A backend-neutral description of the live schema, so tests can prove that SQLite and
//! PostgreSQL end up with the same tables and columns after migrating.

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

fn family(declared: &str) -> String {
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
