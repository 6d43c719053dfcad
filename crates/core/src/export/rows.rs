//! The row shapes the library queries and the as-of reconstruction share (a leaf: it imports
//! only the model and the store's item row).

use std::collections::HashMap;
use std::sync::Arc;

use super::ExportError;
use super::model::*;

/// One stored item (a `playlist_items` row or an element of a version's JSON).
pub(super) use crate::store::browse::export::ItemRow;

pub(super) fn entry_from(
    row: ItemRow,
    tracks: &HashMap<String, Arc<Track>>,
    playlist: &str,
) -> Result<Entry, ExportError> {
    let kind = ItemKind::parse(&row.item_type).ok_or_else(|| {
        ExportError::Damaged(format!(
            "playlist {playlist}: unknown item type {:?}",
            row.item_type
        ))
    })?;
    let track = row.track_id.and_then(|t| tracks.get(&t).cloned());
    let position = row.position;
    let uri = row
        .uri
        .or_else(|| track.as_ref().and_then(|t| t.uri.clone()));
    let local = match kind {
        ItemKind::Local => uri
            .as_deref()
            .and_then(LocalFile::parse)
            .map(|l| l.fields()),
        _ => None,
    };
    Ok(Entry {
        position: u64::try_from(position).map_err(|_| {
            ExportError::Damaged(format!("playlist {playlist}: position {position}"))
        })?,
        kind,
        uri,
        name: row.name,
        added_at: row.added_at,
        added_by: row.added_by,
        context_type: None,
        context_uri: None,
        local,
        play: None,
        track,
    })
}

pub(super) struct PlaylistRow {
    pub(super) list: TrackList,
    pub(super) current_name: String,
}
