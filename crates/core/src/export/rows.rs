//! The row shapes the library queries and the as-of reconstruction share (a leaf: it imports
//! only the model).

use std::collections::HashMap;
use std::sync::Arc;

use super::ExportError;
use super::model::*;

/// One stored item (a `playlist_items` row or an element of a version's JSON).
pub(super) type ItemRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(super) fn entry_from(
    row: ItemRow,
    tracks: &HashMap<String, Arc<Track>>,
    playlist: &str,
) -> Result<Entry, ExportError> {
    let (position, kind, track_id, episode_id, uri, name, added_at, added_by) = row;
    let kind = ItemKind::parse(&kind).ok_or_else(|| {
        ExportError::Damaged(format!("playlist {playlist}: unknown item type {kind:?}"))
    })?;
    let track = track_id.and_then(|t| tracks.get(&t).cloned());
    let _ = episode_id;
    Ok(Entry {
        position: u64::try_from(position).map_err(|_| {
            ExportError::Damaged(format!("playlist {playlist}: position {position}"))
        })?,
        kind,
        uri: uri.or_else(|| track.as_ref().and_then(|t| t.uri.clone())),
        name,
        added_at,
        added_by,
        context_type: None,
        context_uri: None,
        track,
    })
}

pub(super) struct PlaylistRow {
    pub(super) list: TrackList,
    pub(super) current_name: String,
}
