//! Saved shows (`/me/shows`): podcasts the user follows.

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{SavedEntry, Show};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, e: &SavedEntry, _ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    match e
        .show
        .as_ref()
        .and_then(|v| serde_json::from_value::<Show>(v.clone()).ok())
    {
        Some(s) => tx.upsert_show(&s),
        None => Ok(None),
    }
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::Shows,
    list: SavedList::SHOWS,
    endpoint: |offset, limit| Endpoint::SavedShows { offset, limit },
    scope: None,
    store,
};
