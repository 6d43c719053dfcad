//! The listening history (`/me/player/recently-played`): a cursor-paged list of plays.

use serde::Serialize;
use serde_json::{Value, json};

use super::catalog::{TrackFull, track_full};
use super::{Ctx, to_vec};
use crate::model::*;

#[derive(Serialize)]
struct ContextJson {
    #[serde(rename = "type")]
    ty: &'static str,
    href: String,
    external_urls: Value,
    uri: String,
}

#[derive(Serialize)]
struct PlayJson<'a> {
    track: TrackFull<'a>,
    played_at: String,
    context: Option<ContextJson>,
}

#[derive(Serialize)]
struct Cursors {
    after: String,
    before: String,
}

#[derive(Serialize)]
struct CursorPage<'a> {
    href: String,
    items: Vec<PlayJson<'a>>,
    limit: usize,
    next: Option<String>,
    cursors: Option<Cursors>,
}

/// `plays` newest first; `has_older` tells whether older plays exist beyond this page.
pub fn recently_played(
    c: &Ctx<'_>,
    plays: &[Play],
    limit: usize,
    href_query: &str,
    has_older: bool,
) -> Vec<u8> {
    let url = format!("{}me/player/recently-played", c.base);
    let items: Vec<PlayJson<'_>> = plays
        .iter()
        .map(|p| PlayJson {
            track: track_full(c, p.track),
            played_at: fmt_millis(p.played_at_ms),
            context: p.context.map(|(k, id)| {
                let id = id_str(&id);
                ContextJson {
                    ty: k.as_str(),
                    href: format!("{}{}s/{id}", c.base, k.as_str()),
                    external_urls: json!({
                        "spotify": format!("https://open.spotify.com/{}/{id}", k.as_str())
                    }),
                    uri: format!("spotify:{}:{id}", k.as_str()),
                }
            }),
        })
        .collect();
    let cursors = match (plays.first(), plays.last()) {
        (Some(newest), Some(oldest)) => Some(Cursors {
            after: newest.played_at_ms.to_string(),
            before: oldest.played_at_ms.to_string(),
        }),
        _ => None,
    };
    let next = match (&cursors, has_older) {
        (Some(cur), true) => Some(format!("{url}?before={}&limit={limit}", cur.before)),
        _ => None,
    };
    to_vec(&CursorPage {
        href: format!("{url}?{href_query}"),
        items,
        limit,
        next,
        cursors,
    })
}
