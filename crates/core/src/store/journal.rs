//! Reading the change journal (`library_changes`) and the listening-history gaps (`play_gaps`):
//! one query each, shared by `spotsync changes`, `spotsync status` and the terminal app
//! (through [`super::Reader::read`]).

use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use super::Sql;
use super::row::FromRow;
use crate::domain::{ChangeEntity, ChangeKind};

/// One row of `library_changes`, with the entity's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub changed_at: String,
    pub sync_history_id: Option<i64>,
    /// `saved_track` or `playlist` ([`ChangeEntity`], checked when read).
    pub entity_type: String,
    pub entity_id: String,
    pub name: Option<String>,
    /// `added`, `removed`, `renamed`, `playlist_items_changed` ([`ChangeKind`], checked when
    /// read: an unknown value is an error).
    pub change: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl ChangeRow {
    /// What happened, for people: `renamed "Old" → "New"`, `playlist items changed`.
    pub fn describe(&self) -> String {
        match (self.change.as_str(), &self.old_value, &self.new_value) {
            ("renamed", Some(o), Some(n)) => format!("renamed {o:?} → {n:?}"),
            (other, _, _) => other.replace('_', " "),
        }
    }

    /// The entity's name, else its id.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.entity_id)
    }
}

/// Which changes to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Only changes at or after this time (a stored timestamp, `2026-11-20T00:00:00Z`).
    pub since: Option<String>,
    /// Only the changes journaled by this run (`sync_history.id`).
    pub run: Option<i64>,
    /// At most this many, newest first.
    pub limit: u32,
}

impl FromRow for ChangeRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<ChangeRow> {
        Ok(ChangeRow {
            id: r.get("id")?,
            changed_at: r.get("changed_at")?,
            sync_history_id: r.get("sync_history_id")?,
            entity_type: r
                .get::<_, ChangeEntity>("entity_type")?
                .as_str()
                .to_string(),
            entity_id: r.get("entity_id")?,
            name: r.get("name")?,
            change: r.get::<_, ChangeKind>("change")?.as_str().to_string(),
            old_value: r.get("old_value")?,
            new_value: r.get("new_value")?,
        })
    }
}

impl FromRow for PlayGap {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<PlayGap> {
        Ok(PlayGap {
            after: r.get("after")?,
            before: r.get("before")?,
            detected_at: r.get("detected_at")?,
        })
    }
}

impl Sql<'_> {
    /// Journaled changes, newest first.
    pub fn changes(&self, filter: &ChangeFilter) -> rusqlite::Result<Vec<ChangeRow>> {
        self.all(
            "SELECT c.id, c.changed_at, c.sync_history_id, c.entity_type, c.entity_id, c.change,
                    c.old_value, c.new_value,
                    CASE c.entity_type
                      WHEN 'saved_track' THEN (SELECT name FROM tracks WHERE id = c.entity_id)
                      WHEN 'playlist' THEN (SELECT name FROM playlists WHERE id = c.entity_id)
                      WHEN 'saved_album' THEN (SELECT name FROM albums WHERE id = c.entity_id)
                      WHEN 'followed_artist' THEN (SELECT name FROM artists WHERE id = c.entity_id)
                      WHEN 'saved_show' THEN (SELECT name FROM shows WHERE id = c.entity_id)
                      WHEN 'saved_episode' THEN (SELECT name FROM episodes WHERE id = c.entity_id)
                      WHEN 'saved_audiobook'
                        THEN (SELECT name FROM audiobooks WHERE id = c.entity_id)
                    END AS name
             FROM library_changes c
             WHERE (?1 IS NULL OR c.changed_at >= ?1)
               AND (?2 IS NULL OR c.sync_history_id = ?2)
             ORDER BY c.id DESC LIMIT ?3",
            params![filter.since, filter.run, i64::from(filter.limit)],
        )
    }

    /// The changes one run journaled, newest first (at most `limit`).
    pub fn run_changes(&self, run_id: i64, limit: u32) -> rusqlite::Result<Vec<ChangeRow>> {
        self.changes(&ChangeFilter {
            since: None,
            run: Some(run_id),
            limit,
        })
    }

    /// Recorded listening-history gaps still open, newest first.
    pub fn play_gaps(&self, limit: u32) -> rusqlite::Result<Vec<PlayGap>> {
        self.all(
            "SELECT after, before, detected_at FROM play_gaps WHERE closed_at IS NULL
             ORDER BY id DESC LIMIT ?1",
            [i64::from(limit)],
        )
    }
}

/// A stretch of listening history that may be missing: a poll returned a full page of plays
/// none of which was known, so plays between `after` and `before` may have been lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayGap {
    /// The newest play known before the poll (none on the first poll).
    pub after: Option<String>,
    /// The oldest play the poll returned.
    pub before: String,
    pub detected_at: String,
}
