//! The playlists as of a date: each from its last stored version on or before it, its name
//! from the change journal.

use std::collections::HashMap;
use std::sync::Arc;

use super::ExportError;
use super::model::{Skipped, Track, TrackList};
use super::rows::{ItemRow, PlaylistRow, entry_from};
use crate::store::Sql;

/// The playlists of `rows` as they were at `at`, and the ones whose history does not reach back
/// that far.
pub(super) fn playlists(
    sql: Sql<'_>,
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
        list.name = sql.playlist_name_at(&id, at)?.unwrap_or(p.current_name);
        let version = if has_versions {
            sql.playlist_version_at(&id, at)?
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
        if sql.playlist_added_after(&id, at)? {
            continue; // not in the library yet at that date
        }
        let first = if has_versions {
            sql.first_playlist_version(&id)?
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
