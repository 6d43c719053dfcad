//! Spotify URIs in write requests (`spotify:track:{id}`, …): parsing, the limits and scopes of
//! a request, and finding what they name in the caller's library, or in another simulated
//! user's (then brought into the caller's: the catalogue is one).

use axum::response::Response;

use super::api::error;
use super::model::{Id, Library, id_str, parse_id};
use super::read_api::locate;
use super::state::Scopes;
use super::users::LibWrite;

/// What a URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind {
    Track,
    Album,
    Episode,
    /// A show, or an audiobook (recorded audiobook URIs read `spotify:show:…`).
    Show,
    Audiobook,
    Artist,
    User,
    Playlist,
    /// `spotify:local:…` (a local file: only a playlist's own entry can be named).
    Local,
}

/// A parsed URI: its kind and id (a base62 id; any user id; the whole URI of a local file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub kind: UriKind,
    pub id: String,
}

/// Parse one URI; the message of the 400 otherwise.
pub fn parse_uri(raw: &str) -> Result<Uri, String> {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix("spotify:local:") {
        if rest.split(':').count() == 4 {
            return Ok(Uri {
                kind: UriKind::Local,
                id: raw.to_string(),
            });
        }
        return Err(format!("Invalid URI: {raw}"));
    }
    let mut parts = raw.split(':');
    let (Some("spotify"), Some(kind), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("Invalid URI: {raw}"));
    };
    let kind = match kind {
        "track" => UriKind::Track,
        "album" => UriKind::Album,
        "episode" => UriKind::Episode,
        "show" => UriKind::Show,
        "audiobook" => UriKind::Audiobook,
        "artist" => UriKind::Artist,
        "user" => UriKind::User,
        "playlist" => UriKind::Playlist,
        _ => return Err(format!("Unsupported URI type: {raw}")),
    };
    let valid = if kind == UriKind::User {
        !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    } else {
        parse_id(id).is_some()
    };
    if !valid {
        return Err(format!("Invalid URI: {raw}"));
    }
    Ok(Uri {
        kind,
        id: id.to_string(),
    })
}

/// The comma-separated `uris` of a request: at least one, at most `max`, each well-formed.
pub fn parse_list(raw: Option<&str>, max: usize) -> Result<Vec<Uri>, Response> {
    let Some(raw) = raw else {
        return Err(error(400, "Missing required parameter: uris"));
    };
    let list: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    if list.is_empty() {
        return Err(error(400, "Missing required parameter: uris"));
    }
    parse_all(list.into_iter(), max)
}

/// Each of `uris` parsed, at most `max` of them.
pub fn parse_all<'a>(
    uris: impl Iterator<Item = &'a str>,
    max: usize,
) -> Result<Vec<Uri>, Response> {
    let list: Vec<&str> = uris.collect();
    if list.len() > max {
        return Err(error(
            400,
            &format!(
                "Too many URIs: at most {max} per request, not {}",
                list.len()
            ),
        ));
    }
    list.into_iter()
        .map(|u| parse_uri(u).map_err(|m| error(400, &m)))
        .collect()
}

/// The 403 when the token lacks a scope one of `uris` needs (`scope` names it per kind).
pub fn check_scopes(
    scopes: Scopes,
    uris: &[Uri],
    scope: fn(UriKind) -> &'static str,
) -> Result<(), Response> {
    if uris.iter().all(|u| scopes.has(scope(u.kind))) {
        Ok(())
    } else {
        Err(error(403, "Insufficient client scope"))
    }
}

/// What a URI found: an index into the matching list of the library (a playlist's position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Track(u32),
    Album(u32),
    Episode(u32),
    Show(u32),
    Audiobook(u32),
    Artist(u32),
    User(Box<str>),
    /// A playlist, by id (positions move as playlists are followed).
    Playlist(Id),
    Local(String),
}

/// `uri` in `lib` alone.
pub fn find(lib: &Library, uri: &Uri) -> Option<Target> {
    let id = uri.id.as_str();
    Some(match uri.kind {
        UriKind::Track => Target::Track(lib.track_by_id(id)?),
        UriKind::Album => Target::Album(lib.album_by_id(id)?),
        UriKind::Episode => Target::Episode(lib.episode_by_id(id)?),
        UriKind::Show => match lib.show_by_id(id) {
            Some(s) => Target::Show(s),
            None => Target::Audiobook(lib.audiobook_by_id(id)?),
        },
        UriKind::Audiobook => Target::Audiobook(lib.audiobook_by_id(id)?),
        UriKind::Artist => Target::Artist(lib.artist_by_id(id)?),
        UriKind::User => Target::User(id.into()),
        UriKind::Playlist => Target::Playlist(lib.playlists[lib.playlist_pos(id)?].id),
        UriKind::Local => Target::Local(id.to_string()),
    })
}

/// `uri` in the caller's library, else in another user's (brought into the caller's); `None`
/// when no library knows it.
pub fn resolve(w: &mut LibWrite<'_>, uri: &Uri) -> Option<Target> {
    let mine = w.user();
    let (from, found) = locate(w.all(), mine, |l| find(l, uri))?;
    if from == mine {
        return Some(found);
    }
    let (dst, src) = w.with_other(from)?;
    Some(match found {
        Target::Track(t) => Target::Track(dst.import_track(src, t)),
        Target::Album(a) => Target::Album(dst.import_album(src, a)),
        Target::Episode(e) => Target::Episode(dst.import_episode(src, e)),
        Target::Show(s) => Target::Show(dst.import_show(src, s)),
        Target::Audiobook(b) => Target::Audiobook(dst.import_audiobook(src, b)),
        Target::Artist(a) => Target::Artist(dst.import_artist(src, a)),
        Target::Playlist(id) => match src.playlist_pos(id_str(&id)) {
            Some(p) => {
                dst.import_playlist(src, p);
                Target::Playlist(id)
            }
            None => return None,
        },
        other => other,
    })
}

/// Every one of `uris` resolved, or the 400 Spotify sends for an id it does not know.
pub fn resolve_all(w: &mut LibWrite<'_>, uris: &[Uri]) -> Result<Vec<Target>, Response> {
    uris.iter()
        .map(|u| resolve(w, u).ok_or_else(|| error(400, "Payload contains a non-existing ID")))
        .collect()
}

/// The URI of a playlist entry's object (`None` for an unavailable one).
pub fn item_uri(lib: &Library, kind: &super::model::ItemKind) -> Option<String> {
    use super::model::ItemKind;
    match kind {
        ItemKind::Track(t) => Some(format!(
            "spotify:track:{}",
            id_str(&lib.tracks[*t as usize].id)
        )),
        ItemKind::Episode(e) => Some(format!(
            "spotify:episode:{}",
            id_str(&lib.episodes[*e as usize].id)
        )),
        ItemKind::Local {
            artist,
            album,
            title,
            seconds,
        } => Some(super::model::local_uri(artist, album, title, *seconds)),
        ItemKind::Unavailable => None,
    }
}
