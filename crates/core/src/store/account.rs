//! The account's key/values (`account`): the connected user (`user_id`, `display_name`) and
//! what the engine keeps between runs under its own keys (the day of the top lists' snapshot,
//! when each list was first mirrored, the plan's probe).

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Sql, ts};

impl Sql<'_> {
    /// The value kept under `key`, when there is one.
    pub fn account(&self, key: &str) -> rusqlite::Result<Option<String>> {
        Ok(self
            .value::<Option<String>>("SELECT value FROM account WHERE key = ?1", [key])?
            .flatten())
    }

    /// Keep `value` under `key` (`None` keeps what is stored, and stamps the time).
    pub(crate) fn set_account(
        &self,
        key: &str,
        value: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO account (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = COALESCE(excluded.value, account.value),
                                            updated_at = excluded.updated_at",
            params![key, value, ts(now)],
        )?;
        Ok(())
    }
}
