//! Saved episodes (`/me/episodes`, needs `user-read-playback-position`): each with its show and
//! where the listener stopped.

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{Episode, SavedEntry};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, e: &SavedEntry, _ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    match e
        .episode
        .as_ref()
        .and_then(|v| serde_json::from_value::<Episode>(v.clone()).ok())
    {
        Some(ep) => tx.upsert_episode(&ep),
        None => Ok(None),
    }
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::Episodes,
    list: SavedList::EPISODES,
    endpoint: |offset, limit| Endpoint::SavedEpisodes { offset, limit },
    scope: Some("user-read-playback-position"),
    store,
};
