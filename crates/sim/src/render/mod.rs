//! JSON of the Web API, built per request from the compact library (no JSON is kept in memory).
//!
//! The structs here borrow from the library and serialize straight into the response buffer:
//! - [`mod@json`]: the building blocks (links, URIs, timestamps, cover art);
//! - [`catalog`]: tracks, albums, artists and saved-track pages;
//! - [`playlists`]: playlists, their items (tracks, episodes, local files) and pages;
//! - [`plays`]: the listening history;
//! - [`library`]: saved albums, shows, episodes, audiobooks, followed artists, top lists;
//! - here: the context every renderer needs, paging objects, users and error bodies.

pub mod catalog;
pub mod json;
pub mod library;
pub mod playlists;
pub mod plays;

pub use catalog::*;
pub use json::*;
pub use library::*;
pub use playlists::*;
pub use plays::*;

use serde::Serialize;
use serde_json::{Value, json};

use super::model::*;

/// Markets sent in Extended Quota mode (Development Mode removed `available_markets`).
pub(crate) const MARKETS: &[&str] = &["CA", "DE", "ES", "FR", "GB", "JP", "SE", "US"];

/// What every renderer needs: the library, the server's own addresses and the mode.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub lib: &'a Library,
    /// `http://127.0.0.1:PORT/v1/`
    pub base: &'a str,
    /// `http://127.0.0.1:PORT/`, where the image CDN (`__cdn/…`) is.
    pub cdn: &'a str,
    pub extended: bool,
    /// The library is the caller's own (its user 0 is the caller); `false` when a user reads
    /// a playlist of another simulated user's library.
    pub own: bool,
}

/// A paging object (`href`, `items`, `limit`, `next`, `offset`, `previous`, `total`).
#[derive(Serialize)]
pub struct Page<I: Serialize> {
    pub href: String,
    pub items: I,
    pub limit: usize,
    pub next: Option<String>,
    pub offset: usize,
    pub previous: Option<String>,
    pub total: usize,
}

/// Build a page over `total` items; `url` is the endpoint's absolute URL without query
/// (`extra` is appended to every link's query, e.g. `&market=SE`).
pub fn page<I: Serialize>(
    url: &str,
    offset: usize,
    limit: usize,
    total: usize,
    items: I,
) -> Page<I> {
    let link = |o: usize| format!("{url}?offset={o}&limit={limit}");
    Page {
        href: link(offset),
        items,
        limit,
        next: (offset + limit < total).then(|| link(offset + limit)),
        offset,
        previous: (offset > 0).then(|| link(offset.saturating_sub(limit))),
        total,
    }
}

pub fn to_vec<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 * 1024);
    // Serializing these types cannot fail (no maps with non-string keys, no failing Display).
    let _ = serde_json::to_writer(&mut out, v);
    out
}

// --- users -----------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct UserRefJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<Option<&'a str>>,
    external_urls: ExtUrls<'a>,
    href: Href<'a>,
    id: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    uri: SpUri<'a>,
}

pub(crate) fn user_ref<'a>(c: &Ctx<'a>, u: u32, with_name: bool) -> UserRefJson<'a> {
    let u = &c.lib.users[u as usize];
    UserRefJson {
        display_name: with_name.then_some(u.display_name.as_deref()),
        external_urls: ext("user", &u.id),
        href: Href(c.base, "user", &u.id),
        id: &u.id,
        ty: "user",
        uri: SpUri("user", &u.id),
    }
}

pub fn me(c: &Ctx<'_>) -> Vec<u8> {
    let u = c.lib.user();
    let mut v = json!({
        "account_id": c.lib.account_id,
        "display_name": u.display_name.as_deref(),
        "external_urls": {"spotify": format!("https://open.spotify.com/user/{}", u.id)},
        "href": format!("{}users/{}", c.base, u.id),
        "id": &*u.id,
        "images": [],
        "type": "user",
        "uri": format!("spotify:user:{}", u.id),
    });
    if let (true, Value::Object(m)) = (c.extended, &mut v) {
        m.insert("country".into(), json!("SE"));
        m.insert("email".into(), json!(format!("{}@example.com", u.id)));
        m.insert("product".into(), json!("premium"));
        m.insert("followers".into(), json!({"href": null, "total": 3}));
        m.insert(
            "explicit_content".into(),
            json!({"filter_enabled": false, "filter_locked": false}),
        );
    }
    to_vec(&v)
}

/// `{"error":{"status":N,"message":"…"}}` (+ `reason`).
pub fn error_body(status: u16, message: &str, reason: Option<&str>) -> Vec<u8> {
    let mut e = json!({"status": status, "message": message});
    if let (Some(r), Value::Object(m)) = (reason, &mut e) {
        m.insert("reason".into(), json!(r));
    }
    to_vec(&json!({ "error": e }))
}
