//! Capabilities (`capabilities`): what the app was found to be allowed, learned from answers.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Sql, ts};
use crate::domain::{Capability, CapabilityValue};

impl Sql<'_> {
    /// What was learned of `name`, if anything; an unknown stored value is an error.
    pub fn capability(&self, name: Capability) -> rusqlite::Result<Option<CapabilityValue>> {
        self.value("SELECT value FROM capabilities WHERE name = ?1", [name])
    }

    /// Keep what was learned of `name` (`detected_at` changes only with the value).
    pub(crate) fn set_capability(
        &self,
        name: Capability,
        value: CapabilityValue,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO capabilities (name, value, detected_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value,
                                             detected_at = excluded.detected_at
             WHERE capabilities.value != excluded.value",
            params![name, value, ts(now)],
        )?;
        Ok(())
    }
}
