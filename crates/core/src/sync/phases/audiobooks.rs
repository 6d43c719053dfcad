//! Saved audiobooks (`/me/audiobooks`). Spotify answers a page of the audiobook objects
//! themselves (no `added_at`, no `audiobook` wrapper), although the OpenAPI description says
//! `{added_at, audiobook}`: both shapes are read. Without an `added_at` the save's date is
//! stored as NULL, and the list is ordered by when each save was first seen.

use serde_json::Value;

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{Audiobook, ItemShape};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, v: &Value, _ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    match serde_json::from_value::<Audiobook>(v.clone()) {
        Ok(b) => tx.upsert_audiobook(&b),
        Err(_) => Ok(None),
    }
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::Audiobooks,
    list: SavedList::AUDIOBOOKS,
    endpoint: |offset, limit| Endpoint::SavedAudiobooks { offset, limit },
    scope: None,
    key: "audiobook",
    shape: ItemShape::SavedAudiobook,
    store,
};
