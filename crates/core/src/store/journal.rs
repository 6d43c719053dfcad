//! Reading the change journal (`library_changes`) and the listening-history gaps (`play_gaps`):
//! one query each, shared by `spotsync changes`, `spotsync status` and the terminal app.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::Sql;
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

impl Sql<'_> {
    /// Journaled changes, newest first.
    pub fn changes(&self, filter: &ChangeFilter) -> rusqlite::Result<Vec<ChangeRow>> {
        let mut st = self.0.prepare_cached(
            "SELECT c.id, c.changed_at, c.sync_history_id, c.entity_type, c.entity_id, c.change,
                c.old_value, c.new_value,
                CASE c.entity_type
                  WHEN 'saved_track' THEN (SELECT name FROM tracks WHERE id = c.entity_id)
                  WHEN 'playlist' THEN (SELECT name FROM playlists WHERE id = c.entity_id)
                  WHEN 'saved_album' THEN (SELECT name FROM albums WHERE id = c.entity_id)
                  WHEN 'followed_artist' THEN (SELECT name FROM artists WHERE id = c.entity_id)
                  WHEN 'saved_show' THEN (SELECT name FROM shows WHERE id = c.entity_id)
                  WHEN 'saved_episode' THEN (SELECT name FROM episodes WHERE id = c.entity_id)
                  WHEN 'saved_audiobook' THEN (SELECT name FROM audiobooks WHERE id = c.entity_id)
                END
         FROM library_changes c
         WHERE (?1 IS NULL OR c.changed_at >= ?1)
           AND (?2 IS NULL OR c.sync_history_id = ?2)
         ORDER BY c.id DESC LIMIT ?3",
        )?;
        let rows = st.query_map(
            params![filter.since, filter.run, i64::from(filter.limit)],
            |r| {
                Ok(ChangeRow {
                    id: r.get(0)?,
                    changed_at: r.get(1)?,
                    sync_history_id: r.get(2)?,
                    entity_type: r.get::<_, ChangeEntity>(3)?.as_str().to_string(),
                    entity_id: r.get(4)?,
                    change: r.get::<_, ChangeKind>(5)?.as_str().to_string(),
                    old_value: r.get(6)?,
                    new_value: r.get(7)?,
                    name: r.get(8)?,
                })
            },
        )?;
        rows.collect()
    }

    /// Recorded listening-history gaps, newest first.
    pub fn play_gaps(&self, limit: u32) -> rusqlite::Result<Vec<PlayGap>> {
        let mut st = self.0.prepare_cached(
            "SELECT after, before, detected_at FROM play_gaps WHERE closed_at IS NULL
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([i64::from(limit)], |r| {
            Ok(PlayGap {
                after: r.get(0)?,
                before: r.get(1)?,
                detected_at: r.get(2)?,
            })
        })?;
        rows.collect()
    }
}

/// The changes one run journaled, read through a read-only connection (works while the engine
/// syncs). Empty when there is no database yet.
pub fn run_changes(
    db: &std::path::Path,
    run_id: i64,
    limit: u32,
) -> Result<Vec<ChangeRow>, String> {
    let conn = match super::open_read_only(db) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    };
    conn.sql()
        .changes(&ChangeFilter {
            since: None,
            run: Some(run_id),
            limit,
        })
        .map_err(|e| format!("cannot read the changes of run {run_id}: {e}"))
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

/// [`Sql::play_gaps`] through a read-only connection. Empty when there is no database yet.
pub fn load_play_gaps(db: &std::path::Path, limit: u32) -> Result<Vec<PlayGap>, String> {
    match super::open_read_only(db) {
        Ok(Some(conn)) => conn
            .sql()
            .play_gaps(limit)
            .map_err(|e| format!("cannot read the play gaps: {e}")),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}
