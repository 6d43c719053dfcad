//! Saved audiobooks (`/me/audiobooks`).

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{Audiobook, SavedEntry};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, e: &SavedEntry, _ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    match e
        .audiobook_object()
        .and_then(|v| serde_json::from_value::<Audiobook>(v).ok())
    {
        Some(b) => tx.upsert_audiobook(&b),
        None => Ok(None),
    }
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::Audiobooks,
    list: SavedList::AUDIOBOOKS,
    endpoint: |offset, limit| Endpoint::SavedAudiobooks { offset, limit },
    scope: None,
    store,
};
