//! Saved shows (`/me/shows`): podcasts the user follows.

use serde_json::Value;

use super::saved_list::ListKind;
use crate::domain::Phase;
use crate::spotify::Endpoint;
use crate::spotify::model::{ItemShape, Show};
use crate::store::Sql;
use crate::store::library::SavedList;
use crate::sync::link::BatchCtx;

fn store(tx: Sql<'_>, v: &Value, _ctx: &BatchCtx) -> rusqlite::Result<Option<String>> {
    match serde_json::from_value::<Show>(v.clone()) {
        Ok(s) => tx.upsert_show(&s),
        Err(_) => Ok(None),
    }
}

pub(super) static KIND: ListKind = ListKind {
    phase: Phase::Shows,
    list: SavedList::SHOWS,
    endpoint: |offset, limit| Endpoint::SavedShows { offset, limit },
    scope: None,
    key: "show",
    shape: ItemShape::Saved("show"),
    store,
};
