//! Saved episodes (`/me/episodes`, needs `user-read-playback-position`): each with its show and
//! where the listener stopped.

use serde_json::Value;

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{Episode, ItemShape};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, v: &Value, _ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    match serde_json::from_value::<Episode>(v.clone()) {
        Ok(ep) => tx.upsert_episode(&ep),
        Err(_) => Ok(None),
    }
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::Episodes,
    list: SavedList::EPISODES,
    endpoint: |offset, limit| Endpoint::SavedEpisodes { offset, limit },
    scope: Some("user-read-playback-position"),
    key: "episode",
    shape: ItemShape::Saved("episode"),
    store,
};
