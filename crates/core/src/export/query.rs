//! Read the library from the database, now or as of a date. Read-only, one read transaction (a
//! consistent snapshot while a sync commits beside it).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rusqlite::Connection;

use super::ExportError;
use super::model::*;
use super::rows::{ItemRow, PlaylistRow, entry_from};

/// What to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub liked: bool,
    pub playlists: bool,
    pub albums: bool,
    pub artists: bool,
    pub plays: bool,
    /// Only these playlists (name, id or `spotify:playlist:` URI); empty = all.
    pub playlist_filter: Vec<String>,
    /// ISO-8601 UTC timestamp (`2026-06-01T23:59:59Z`): the library as it was then.
    pub as_of: Option<String>,
}

const REQUIRED_TABLES: &[&str] = &[
    "tracks",
    "albums",
    "artists",
    "track_artists",
    "album_artists",
    "saved_tracks",
    "playlists",
    "playlist_items",
    "plays",
    "library_changes",
    "account",
];

fn table_exists(c: &Connection, name: &str) -> Result<bool, ExportError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [name],
        |r| r.get(0),
    )?)
}

/// Read everything `sel` asks for.
pub fn load(c: &Connection, sel: &Selection) -> Result<Library, ExportError> {
    for t in REQUIRED_TABLES {
        if !table_exists(c, t)? {
            return Err(ExportError::NotSpotsync(format!("it has no `{t}` table")));
        }
    }
    let has_versions = table_exists(c, "playlist_versions")?;
    let tx = c.unchecked_transaction()?;
    let as_of = sel.as_of.as_deref();
    let tracks = load_tracks(&tx)?;
    let derive = sel.albums || sel.artists;
    let mut lib = Library {
        as_of: sel.as_of.clone(),
        account: load_account(&tx)?,
        ..Library::default()
    };
    if sel.liked || derive {
        lib.liked = Some(load_liked(&tx, &tracks, as_of)?);
    }
    if sel.playlists || derive {
        let (lists, skipped) = load_playlists(&tx, &tracks, as_of, has_versions)?;
        lib.playlists = Some(lists);
        lib.skipped = skipped;
    }
    if derive {
        let (albums, artists) = load_albums_artists(&tx, &lib)?;
        lib.albums = sel.albums.then_some(albums);
        lib.artists = sel.artists.then_some(artists);
    }
    if !sel.liked {
        lib.liked = None;
    }
    if sel.playlists {
        if !sel.playlist_filter.is_empty()
            && let Some(lists) = lib.playlists.take()
        {
            lib.playlists = Some(filter_playlists(lists, &sel.playlist_filter)?);
        }
    } else {
        lib.playlists = None;
        lib.skipped.clear();
    }
    if sel.plays {
        lib.plays = Some(load_plays(&tx, &tracks, as_of)?);
    }
    tx.finish()?;
    Ok(lib)
}

fn filter_playlists(
    lists: Vec<TrackList>,
    wanted: &[String],
) -> Result<Vec<TrackList>, ExportError> {
    for w in wanted {
        let found = lists.iter().any(|l| matches_playlist(l, w));
        if !found {
            return Err(ExportError::NoSuchPlaylist(w.clone()));
        }
    }
    Ok(lists
        .into_iter()
        .filter(|l| wanted.iter().any(|w| matches_playlist(l, w)))
        .collect())
}

fn matches_playlist(l: &TrackList, w: &str) -> bool {
    l.id.as_deref() == Some(w) || l.uri.as_deref() == Some(w) || l.name == w
}

fn load_account(c: &Connection) -> Result<Account, ExportError> {
    let mut st = c.prepare("SELECT key, value FROM account")?;
    let mut a = Account::default();
    for row in st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })? {
        let (k, v) = row?;
        match k.as_str() {
            "user_id" => a.user_id = v,
            "display_name" => a.display_name = v,
            _ => {}
        }
    }
    Ok(a)
}

/// The URL of the first image in an `images` JSON column (untrusted: anything else is `None`).
fn first_image(images: Option<String>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(images.as_deref()?).ok()?;
    v.get(0)?.get("url")?.as_str().map(str::to_string)
}

fn genres(json: Option<String>) -> Vec<String> {
    json.and_then(|j| serde_json::from_str::<Vec<String>>(&j).ok())
        .unwrap_or_default()
}

/// Artist credits per owner id (track or album), in credit order.
fn credits(
    c: &Connection,
    table: &str,
    key: &str,
) -> Result<HashMap<String, Vec<Credit>>, ExportError> {
    let sql = format!(
        "SELECT x.{key}, a.id, a.uri, a.name FROM {table} x JOIN artists a ON a.id = x.artist_id
         ORDER BY x.{key}, x.position"
    );
    let mut st = c.prepare(&sql)?;
    let mut out: HashMap<String, Vec<Credit>> = HashMap::new();
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Credit {
                id: r.get(1)?,
                uri: r.get(2)?,
                name: r.get(3)?,
            },
        ))
    })?;
    for row in rows {
        let (owner, credit) = row?;
        out.entry(owner).or_default().push(credit);
    }
    Ok(out)
}

/// Every track, with its album and artists.
fn load_tracks(c: &Connection) -> Result<HashMap<String, Arc<Track>>, ExportError> {
    let mut album_artists = credits(c, "album_artists", "album_id")?;
    let mut albums: HashMap<String, AlbumRef> = HashMap::new();
    {
        let mut st = c.prepare("SELECT id, uri, name, release_date, images FROM albums")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (id, uri, name, release_date, images) = row?;
            let artists = album_artists.remove(&id).unwrap_or_default();
            albums.insert(
                id.clone(),
                AlbumRef {
                    id,
                    uri,
                    name,
                    release_date,
                    image_url: first_image(images),
                    artists,
                },
            );
        }
    }
    let mut track_artists = credits(c, "track_artists", "track_id")?;
    let mut st = c.prepare(
        "SELECT id, uri, name, album_id, duration_ms, explicit, disc_number, track_number, isrc,
                popularity
         FROM tracks",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, Option<i64>>(7)?,
            r.get::<_, Option<String>>(8)?,
            r.get::<_, Option<i64>>(9)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, uri, name, album_id, duration_ms, explicit, disc, number, isrc, popularity) = row?;
        let track = Track {
            artists: track_artists.remove(&id).unwrap_or_default(),
            album: album_id.and_then(|a| albums.get(&a).cloned()),
            id: id.clone(),
            uri,
            name,
            duration_ms,
            explicit: explicit.map(|e| e != 0),
            disc_number: disc,
            track_number: number,
            isrc,
            popularity,
        };
        out.insert(id, Arc::new(track));
    }
    Ok(out)
}

fn liked_list(entries: Vec<Entry>) -> TrackList {
    TrackList {
        kind: ListKind::LikedSongs,
        id: None,
        uri: None,
        name: "Liked Songs".into(),
        description: None,
        owner_id: None,
        owner_name: None,
        public: None,
        collaborative: None,
        snapshot_id: None,
        items_status: None,
        entries,
    }
}

/// Liked songs, newest first; as of a date: saved by then and not yet seen removed.
fn load_liked(
    c: &Connection,
    tracks: &HashMap<String, Arc<Track>>,
    as_of: Option<&str>,
) -> Result<TrackList, ExportError> {
    let mut st = c.prepare(
        "SELECT track_id, added_at FROM saved_tracks
         WHERE CASE WHEN ?1 IS NULL THEN removed_at IS NULL
                    ELSE (added_at IS NULL OR added_at <= ?1)
                         AND (removed_at IS NULL OR removed_at > ?1) END
         ORDER BY added_at DESC, track_id",
    )?;
    let rows = st.query_map([as_of], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    let mut entries = Vec::new();
    for (i, row) in rows.enumerate() {
        let (id, added_at) = row?;
        let track = tracks.get(&id).cloned();
        entries.push(Entry {
            position: i as u64,
            kind: ItemKind::Track,
            uri: track.as_ref().and_then(|t| t.uri.clone()),
            name: track.as_ref().and_then(|t| t.name.clone()),
            added_at,
            added_by: None,
            context_type: None,
            context_uri: None,
            track,
        });
    }
    Ok(liked_list(entries))
}

fn playlist_rows(c: &Connection, as_of: Option<&str>) -> Result<Vec<PlaylistRow>, ExportError> {
    let mut st = c.prepare(
        "SELECT id, uri, name, description, owner_id, owner_name, public, collaborative,
                items_snapshot_id, items_status
         FROM playlists
         WHERE removed_at IS NULL OR (?1 IS NOT NULL AND removed_at > ?1)
         ORDER BY list_position, id",
    )?;
    let rows = st.query_map([as_of], |r| {
        let name: Option<String> = r.get(2)?;
        let status: String = r.get(9)?;
        let has_items = status == "synced";
        Ok(PlaylistRow {
            current_name: name.clone().unwrap_or_default(),
            list: TrackList {
                kind: ListKind::Playlist,
                id: Some(r.get(0)?),
                uri: r.get(1)?,
                name: name.unwrap_or_default(),
                description: r.get(3)?,
                owner_id: r.get(4)?,
                owner_name: r.get(5)?,
                public: r.get::<_, Option<i64>>(6)?.map(|v| v != 0),
                collaborative: r.get::<_, Option<i64>>(7)?.map(|v| v != 0),
                snapshot_id: if has_items { r.get(8)? } else { None },
                items_status: Some(status),
                entries: Vec::new(),
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Playlists in list order, with their items (now, or as of a date from the stored versions),
/// and the ones whose history does not reach back that far.
fn load_playlists(
    c: &Connection,
    tracks: &HashMap<String, Arc<Track>>,
    as_of: Option<&str>,
    has_versions: bool,
) -> Result<(Vec<TrackList>, Vec<Skipped>), ExportError> {
    let rows = playlist_rows(c, as_of)?;
    let Some(at) = as_of else {
        let mut items: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut st = c.prepare(
            "SELECT playlist_id, position, item_type, track_id, episode_id, uri, name, added_at,
                    added_by
             FROM playlist_items ORDER BY playlist_id, position",
        )?;
        let q = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ),
            ))
        })?;
        for row in q {
            let (pid, item): (String, ItemRow) = row?;
            let e = entry_from(item, tracks, &pid)?;
            items.entry(pid).or_default().push(e);
        }
        let lists = rows
            .into_iter()
            .map(|mut p| {
                if let Some(id) = &p.list.id {
                    p.list.entries = items.remove(id).unwrap_or_default();
                }
                p.list
            })
            .collect();
        return Ok((lists, Vec::new()));
    };
    super::as_of::playlists(c, rows, tracks, at, has_versions)
}

/// The listening history, newest first.
fn load_plays(
    c: &Connection,
    tracks: &HashMap<String, Arc<Track>>,
    as_of: Option<&str>,
) -> Result<TrackList, ExportError> {
    let mut st = c.prepare(
        "SELECT played_at, track_id, context_type, context_uri FROM plays
         WHERE ?1 IS NULL OR played_at <= ?1 ORDER BY played_at DESC",
    )?;
    let rows = st.query_map([as_of], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut entries = Vec::new();
    for (i, row) in rows.enumerate() {
        let (played_at, track_id, context_type, context_uri) = row?;
        let track = track_id.and_then(|t| tracks.get(&t).cloned());
        entries.push(Entry {
            position: i as u64,
            kind: if track.is_some() {
                ItemKind::Track
            } else {
                ItemKind::Unavailable
            },
            uri: track.as_ref().and_then(|t| t.uri.clone()),
            name: track.as_ref().and_then(|t| t.name.clone()),
            added_at: Some(played_at),
            added_by: None,
            context_type,
            context_uri,
            track,
        });
    }
    Ok(TrackList {
        kind: ListKind::ListeningHistory,
        name: "Listening History".into(),
        ..liked_list(entries)
    })
}

/// The albums and artists of the tracks in the liked songs and playlists loaded in `lib`.
fn load_albums_artists(
    c: &Connection,
    lib: &Library,
) -> Result<(Vec<Album>, Vec<Artist>), ExportError> {
    let mut album_ids = BTreeSet::new();
    let mut artist_ids = BTreeSet::new();
    let lists = lib.liked.iter().chain(lib.playlists.iter().flatten());
    for t in lists
        .flat_map(|l| l.entries.iter())
        .filter_map(|e| e.track.as_ref())
    {
        artist_ids.extend(t.artists.iter().map(|a| a.id.clone()));
        if let Some(a) = &t.album {
            album_ids.insert(a.id.clone());
            artist_ids.extend(a.artists.iter().map(|a| a.id.clone()));
        }
    }
    let mut album_artists = credits(c, "album_artists", "album_id")?;
    let mut albums = Vec::new();
    let mut st = c.prepare(
        "SELECT id, uri, name, album_type, release_date, total_tracks, label, upc, popularity,
                images, genres
         FROM albums",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Album {
            id: r.get(0)?,
            uri: r.get(1)?,
            name: r.get(2)?,
            album_type: r.get(3)?,
            release_date: r.get(4)?,
            total_tracks: r.get(5)?,
            label: r.get(6)?,
            upc: r.get(7)?,
            popularity: r.get(8)?,
            image_url: first_image(r.get(9)?),
            artists: Vec::new(),
            genres: genres(r.get(10)?),
        })
    })?;
    for row in rows {
        let mut a = row?;
        if album_ids.contains(&a.id) {
            a.artists = album_artists.remove(&a.id).unwrap_or_default();
            albums.push(a);
        }
    }
    albums.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let mut artists = Vec::new();
    let mut st =
        c.prepare("SELECT id, uri, name, genres, popularity, followers, images FROM artists")?;
    let rows = st.query_map([], |r| {
        Ok(Artist {
            id: r.get(0)?,
            uri: r.get(1)?,
            name: r.get(2)?,
            genres: genres(r.get(3)?),
            popularity: r.get(4)?,
            followers: r.get(5)?,
            image_url: first_image(r.get(6)?),
        })
    })?;
    for row in rows {
        let a = row?;
        if artist_ids.contains(&a.id) {
            artists.push(a);
        }
    }
    artists.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok((albums, artists))
}
