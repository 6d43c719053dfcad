//! Saved albums (`/me/albums`): each entry carries the full album, stored as enriched, so the
//! albums phase never asks for it again (harvest).

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{Album, SavedEntry};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, e: &SavedEntry, ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    let Some(a) = e
        .album
        .as_ref()
        .and_then(|v| serde_json::from_value::<Album>(v.clone()).ok())
    else {
        return Ok(None);
    };
    Ok(tx.upsert_album_full(&a, &ctx.at)?.then_some(a.id).flatten())
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::AlbumsSaved,
    list: SavedList::ALBUMS,
    endpoint: |offset, limit| Endpoint::SavedAlbums { offset, limit },
    scope: None,
    store,
};
