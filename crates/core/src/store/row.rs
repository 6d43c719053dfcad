//! The one way a row becomes a value: by column name, through [`FromRow`], one implementation
//! per row type (as a reader of the schema expects: `SELECT` names the columns, the type names
//! the fields). Queries return `Vec<T>` or `Option<T>` through `Sql::all` and `Sql::one`;
//! a stored value this build cannot read is an error naming its column, never a silent default.
//!
//! A query of one value per row names that column `value` and reads it as `Value`
//! (`Sql::values`, `Sql::value`); a count names it `n` (`Sql::count`). Writes go through
//! `Sql::exec` (a cached statement).

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, Type};
use rusqlite::{OptionalExtension, Params, Row};

use super::{Sql, parse_ts};

/// A value read from one row of a query, by column name.
pub trait FromRow: Sized {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

/// A stored value this build cannot read.
#[derive(Debug, thiserror::Error)]
#[error("column {column}: {detail}")]
struct Invalid {
    column: String,
    detail: String,
}

/// The error for a stored value of `column` that cannot be read.
pub(crate) fn bad_value(column: &str, detail: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        Type::Text,
        Box::new(Invalid {
            column: column.to_string(),
            detail: detail.to_string(),
        }),
    )
}

/// A stored timestamp (ISO-8601 text); an unreadable one is an error.
pub(crate) fn get_ts(r: &Row<'_>, col: &str) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match r.get::<_, Option<String>>(col)? {
        None => Ok(None),
        Some(s) => match parse_ts(&s) {
            Some(t) => Ok(Some(t)),
            None => Err(bad_value(col, format!("unreadable timestamp {s:?}"))),
        },
    }
}

/// A stored count: a negative one is an error.
pub(crate) fn get_u64(r: &Row<'_>, col: &str) -> rusqlite::Result<u64> {
    let n: i64 = r.get(col)?;
    u64::try_from(n).map_err(|e| bad_value(col, e))
}

/// A stored count that may be NULL.
pub(crate) fn get_opt_u64(r: &Row<'_>, col: &str) -> rusqlite::Result<Option<u64>> {
    r.get::<_, Option<i64>>(col)?
        .map(|n| u64::try_from(n).map_err(|e| bad_value(col, e)))
        .transpose()
}

/// The one value of a row: its column `value` (`SELECT name AS value …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value<T>(pub T);

impl<T: FromSql> FromRow for Value<T> {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Value(r.get("value")?))
    }
}

/// A count: its column `n` (`SELECT COUNT(*) AS n …`), never negative.
struct Count(u64);

impl FromRow for Count {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Count(get_u64(r, "n")?))
    }
}

impl Sql<'_> {
    /// Every row of `sql`, each read by [`FromRow`].
    pub(crate) fn all<T: FromRow>(
        &self,
        sql: &str,
        params: impl Params,
    ) -> rusqlite::Result<Vec<T>> {
        let mut st = self.0.prepare_cached(sql)?;
        let rows = st.query_map(params, |r| T::from_row(r))?;
        rows.collect()
    }

    /// Each row of `sql`, read by [`FromRow`] and handed to `f` as it is read (nothing kept).
    pub(crate) fn each<T: FromRow>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(T),
    ) -> rusqlite::Result<()> {
        let mut st = self.0.prepare_cached(sql)?;
        let mut rows = st.query(params)?;
        while let Some(r) = rows.next()? {
            f(T::from_row(r)?);
        }
        Ok(())
    }

    /// The first row of `sql`, if any, read by [`FromRow`].
    pub(crate) fn one<T: FromRow>(
        &self,
        sql: &str,
        params: impl Params,
    ) -> rusqlite::Result<Option<T>> {
        let mut st = self.0.prepare_cached(sql)?;
        st.query_row(params, |r| T::from_row(r)).optional()
    }

    /// The column `value` of every row of `sql`.
    pub(crate) fn values<T: FromSql>(
        &self,
        sql: &str,
        params: impl Params,
    ) -> rusqlite::Result<Vec<T>> {
        Ok(self
            .all::<Value<T>>(sql, params)?
            .into_iter()
            .map(|v| v.0)
            .collect())
    }

    /// The column `value` of the first row of `sql`, if any.
    pub(crate) fn value<T: FromSql>(
        &self,
        sql: &str,
        params: impl Params,
    ) -> rusqlite::Result<Option<T>> {
        Ok(self.one::<Value<T>>(sql, params)?.map(|v| v.0))
    }

    /// The column `n` of the first row of `sql` (0 without a row): a negative count is an error.
    pub(crate) fn count(&self, sql: &str, params: impl Params) -> rusqlite::Result<u64> {
        Ok(self.one::<Count>(sql, params)?.map_or(0, |c| c.0))
    }

    /// Whether `sql` returns a row.
    pub(crate) fn exists(&self, sql: &str, params: impl Params) -> rusqlite::Result<bool> {
        self.0.prepare_cached(sql)?.exists(params)
    }

    /// Run one write (a cached statement); the number of rows it changed.
    pub(crate) fn exec(&self, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
        self.0.prepare_cached(sql)?.execute(params)
    }

    /// Whether the database has table `name` (a reader may open a database an earlier
    /// spotsync left at an older schema).
    pub(crate) fn has_table(&self, name: &str) -> rusqlite::Result<bool> {
        self.exists(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
        )
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    #[derive(Debug, PartialEq)]
    struct Pair {
        name: String,
        n: u64,
        at: Option<DateTime<Utc>>,
    }

    impl FromRow for Pair {
        fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
            Ok(Pair {
                name: r.get("name")?,
                n: get_u64(r, "n")?,
                at: get_ts(r, "at")?,
            })
        }
    }

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE t (name TEXT, n INTEGER, at TEXT);
             INSERT INTO t VALUES ('a', 1, '2026-01-02T03:04:05Z'), ('b', 2, NULL);",
        )
        .unwrap();
        c
    }

    #[test]
    fn rows_are_read_by_column_name_whatever_the_select_order() {
        let c = conn();
        let sql = Sql(&c);
        let rows: Vec<Pair> = sql
            .all("SELECT at, n, name FROM t ORDER BY name", [])
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "a");
        assert_eq!(rows[0].n, 1);
        assert!(rows[0].at.is_some());
        assert_eq!(rows[1].at, None);
        let none: Option<Pair> = sql.one("SELECT * FROM t WHERE name = ?1", ["zz"]).unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn an_unreadable_value_names_its_column() {
        let c = conn();
        c.execute("UPDATE t SET n = -1, at = 'yesterday' WHERE name = 'a'", [])
            .unwrap();
        let sql = Sql(&c);
        let err = sql
            .all::<Pair>("SELECT * FROM t", [])
            .unwrap_err()
            .to_string();
        assert!(err.contains("column n"), "{err}");
    }
}
