//! The playlists as of a date: each from its last stored version on or before it, its name
//! from the change journal.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{Connection, params};

use super::ExportError;
use super::model::{Skipped, Track, TrackList};
use super::rows::{ItemRow, PlaylistRow, entry_from};
use crate::store::Sql;

/// The playlists of `rows` as they were at `at`, and the ones whose history does not reach back
/// that far.
pub(super) fn playlists(
    c: &Connection,
    rows: Vec<PlaylistRow>,
    tracks: &HashMap<String, Arc<Track>>,
    at: &str,
    has_versions: bool,
) -> Result<(Vec<TrackList>, Vec<Skipped>), ExportError> {
    let mut lists = Vec::new();
    let mut skipped = Vec::new();
    for p in rows {
        let mut list = p.list;
        let id = list.id.clone().unwrap_or_default();
        list.name = name_at(c, &id, at)?.unwrap_or(p.current_name);
        let version = if has_versions {
            Sql::over(c).playlist_version_at(&id, at)?
        } else {
            None
        };
        if let Some(v) = version {
            let items: Vec<ItemRow> = serde_json::from_str(&v.items)
                .map_err(|e| ExportError::Damaged(format!("playlist {id}: stored version: {e}")))?;
            list.entries = items
                .into_iter()
                .map(|row| entry_from(row, tracks, &id))
                .collect::<Result<_, _>>()?;
            list.snapshot_id = v.snapshot_id;
            list.description = v.description;
            lists.push(list);
            continue;
        }
        if added_after(c, &id, at)? {
            continue; // not in the library yet at that date
        }
        let first = if has_versions {
            Sql::over(c).first_playlist_version(&id)?
        } else {
            None
        };
        match (list.items_status.as_deref(), first) {
            (Some("synced"), None) => skipped.push(Skipped {
                id,
                name: Some(list.name),
                reason: if has_versions {
                    "no stored version of its items".into()
                } else {
                    "the database has no playlist history yet: run a sync to upgrade it".into()
                },
            }),
            (_, Some(first)) => skipped.push(Skipped {
                id,
                name: Some(list.name),
                reason: format!("its item history starts at {first}"),
            }),
            // No items stored, then or now (not readable, or never fetched).
            _ => {
                list.entries.clear();
                list.snapshot_id = None;
                lists.push(list);
            }
        }
    }
    Ok((lists, skipped))
}

/// The playlist's name at `at`: the old name of the first rename journaled after it.
fn name_at(c: &Connection, id: &str, at: &str) -> Result<Option<String>, ExportError> {
    let mut st = c.prepare_cached(
        "SELECT old_value FROM library_changes
         WHERE entity_type = 'playlist' AND entity_id = ?1 AND change = 'renamed'
           AND changed_at > ?2
         ORDER BY changed_at, id LIMIT 1",
    )?;
    let mut rows = st.query_map(params![id, at], |r| r.get::<_, Option<String>>(0))?;
    Ok(rows.next().transpose()?.flatten())
}

/// Whether the journal shows the playlist joined the library only after `at`.
fn added_after(c: &Connection, id: &str, at: &str) -> Result<bool, ExportError> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) > 0 AND MIN(changed_at) > ?2 FROM library_changes
         WHERE entity_type = 'playlist' AND entity_id = ?1 AND change = 'added'",
    )?
    .query_row(params![id, at], |r| r.get(0))?)
}
