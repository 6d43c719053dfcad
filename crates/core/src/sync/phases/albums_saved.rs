//! Saved albums (`/me/albums`): each entry carries the full album with the first page of its
//! tracks, stored as enriched (harvest): the albums phase never asks for it again, and only
//! pages the rest of an album longer than a page.

use serde_json::Value;

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{Album, ItemShape};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, v: &Value, ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    match serde_json::from_value::<Album>(v.clone()) {
        Ok(a) => tx.harvest_album(&a, &ctx.at),
        Err(_) => Ok(None),
    }
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::AlbumsSaved,
    list: SavedList::ALBUMS,
    endpoint: |offset, limit| Endpoint::SavedAlbums { offset, limit },
    scope: None,
    key: "album",
    shape: ItemShape::Saved("album"),
    store,
};
