//! Read the library from the database, now or as of a date, into the export's model. The rows
//! come from the store's read handle, all in one read transaction ([`Reader::snapshot`]: a
//! consistent library while a sync commits beside it); this module builds the model from them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::ExportError;
use super::model::*;
use super::rows::{PlaylistRow, entry_from};
use crate::store::browse::export::{self as stored, Credited};
use crate::store::musicbrainz::{MbRecording, MbStatus};
use crate::store::{Reader, Sql};

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

/// Read everything `sel` asks for.
pub fn load(reader: &Reader, sel: &Selection) -> Result<Library, ExportError> {
    reader.snapshot(|sql| load_from(sql, sel))
}

fn load_from(sql: Sql<'_>, sel: &Selection) -> Result<Library, ExportError> {
    for t in REQUIRED_TABLES {
        if !sql.has_table(t)? {
            return Err(ExportError::NotSpotsync(format!("it has no `{t}` table")));
        }
    }
    let has_versions = sql.has_table("playlist_versions")?;
    let as_of = sel.as_of.as_deref();
    let mut albums = Albums::read(sql)?;
    let musicbrainz = load_musicbrainz(sql)?;
    let tracks = load_tracks(sql, &albums, &musicbrainz)?;
    let derive = sel.albums || sel.artists;
    let mut lib = Library {
        as_of: sel.as_of.clone(),
        exported_at: Some(crate::store::ts(chrono::Utc::now())),
        account: load_account(sql)?,
        ..Library::default()
    };
    if sel.liked || derive {
        lib.liked = Some(load_liked(sql, &tracks, as_of)?);
    }
    if sel.playlists || derive {
        let (lists, skipped) = load_playlists(sql, &tracks, as_of, has_versions)?;
        lib.playlists = Some(lists);
        lib.skipped = skipped;
    }
    if derive {
        let (albums, artists) = albums_artists(sql, &lib, &mut albums)?;
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
        lib.plays = Some(load_plays(sql, &tracks, as_of)?);
    }
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

fn load_account(sql: Sql<'_>) -> Result<Account, ExportError> {
    Ok(Account {
        user_id: sql.account("user_id")?,
        display_name: sql.account("display_name")?,
    })
}

/// The URL of the first image in an `images` JSON column (untrusted: anything else is `None`).
fn first_image(images: Option<&str>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(images?).ok()?;
    v.get(0)?.get("url")?.as_str().map(str::to_string)
}

/// The names in a `genres` JSON column (untrusted: anything else is none).
fn genres(json: Option<&str>) -> Vec<String> {
    json.and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
        .unwrap_or_default()
}

/// Artist credits per owner id (track or album), in credit order.
fn credits(sql: Sql<'_>, of: Credited) -> Result<HashMap<String, Vec<Credit>>, ExportError> {
    let mut out: HashMap<String, Vec<Credit>> = HashMap::new();
    for c in sql.credit_rows(of)? {
        out.entry(c.owner).or_default().push(Credit {
            id: c.id,
            uri: c.uri,
            name: c.name,
        });
    }
    Ok(out)
}

/// Every album with its artist credits, read once: the tracks point at them, and the albums
/// list is built from them.
struct Albums {
    rows: Vec<stored::AlbumRow>,
    credits: HashMap<String, Vec<Credit>>,
}

impl Albums {
    fn read(sql: Sql<'_>) -> Result<Albums, ExportError> {
        Ok(Albums {
            rows: sql.album_rows()?,
            credits: credits(sql, Credited::Albums)?,
        })
    }

    /// What a track says of its album.
    fn refs(&self) -> HashMap<&str, AlbumRef> {
        self.rows
            .iter()
            .map(|a| {
                let album = AlbumRef {
                    id: a.id.clone(),
                    uri: a.uri.clone(),
                    name: a.name.clone(),
                    release_date: a.release_date.clone(),
                    image_url: first_image(a.images.as_deref()),
                    artists: self.credits.get(&a.id).cloned().unwrap_or_default(),
                };
                (a.id.as_str(), album)
            })
            .collect()
    }
}

/// The cached MusicBrainz recordings by (normalised) ISRC: of several recordings, the first
/// MusicBrainz lists (a database without the cache has none).
fn load_musicbrainz(sql: Sql<'_>) -> Result<HashMap<String, Vec<MbRecording>>, ExportError> {
    if !sql.has_musicbrainz_cache()? {
        return Ok(HashMap::new());
    }
    Ok(sql
        .musicbrainz_lookups()?
        .into_iter()
        .filter(|l| l.status == MbStatus::Found && !l.recordings.is_empty())
        .map(|l| (l.isrc, l.recordings))
        .collect())
}

/// An ISRC as the cache keys it: upper case, without dashes or spaces.
pub fn normalise_isrc(isrc: &str) -> String {
    isrc.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .flat_map(char::to_uppercase)
        .collect()
}

/// The recording for a track: of the ISRC's recordings, the one whose length is nearest the
/// track's (MusicBrainz's order breaks ties, and decides when lengths are unknown).
fn pick_recording(recs: &[MbRecording], duration_ms: Option<i64>) -> Option<MbMatch> {
    let distance = |r: &MbRecording| match (r.length_ms, duration_ms) {
        (Some(l), Some(d)) => (l as i64 - d).unsigned_abs(),
        _ => u64::MAX,
    };
    let best = recs.iter().min_by_key(|r| distance(r))?;
    Some(MbMatch {
        recording_mbid: best.id.clone(),
        title: best.title.clone(),
        artist_mbids: best.artists.iter().map(|a| a.id.clone()).collect(),
    })
}

/// Every track, with its album and artists.
fn load_tracks(
    sql: Sql<'_>,
    albums: &Albums,
    musicbrainz: &HashMap<String, Vec<MbRecording>>,
) -> Result<HashMap<String, Arc<Track>>, ExportError> {
    let albums = albums.refs();
    let mut track_artists = credits(sql, Credited::Tracks)?;
    let mut out = HashMap::new();
    for t in sql.track_rows()? {
        let track = Track {
            artists: track_artists.remove(&t.id).unwrap_or_default(),
            album: t.album_id.and_then(|a| albums.get(a.as_str()).cloned()),
            id: t.id.clone(),
            uri: t.uri,
            name: t.name,
            duration_ms: t.duration_ms,
            explicit: t.explicit,
            disc_number: t.disc_number,
            track_number: t.track_number,
            musicbrainz: t
                .isrc
                .as_deref()
                .and_then(|i| musicbrainz.get(&normalise_isrc(i)))
                .and_then(|recs| pick_recording(recs, t.duration_ms)),
            isrc: t.isrc,
            popularity: t.popularity,
        };
        out.insert(t.id, Arc::new(track));
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

/// An entry of the liked songs or the plays: the track it names, if the mirror holds it.
fn track_entry(position: usize, track: Option<Arc<Track>>, added_at: Option<String>) -> Entry {
    Entry {
        position: position as u64,
        kind: ItemKind::Track,
        uri: track.as_ref().and_then(|t| t.uri.clone()),
        name: track.as_ref().and_then(|t| t.name.clone()),
        added_at,
        added_by: None,
        context_type: None,
        context_uri: None,
        local: None,
        play: None,
        track,
    }
}

/// Liked songs, newest first; as of a date: saved by then and not yet seen removed.
fn load_liked(
    sql: Sql<'_>,
    tracks: &HashMap<String, Arc<Track>>,
    as_of: Option<&str>,
) -> Result<TrackList, ExportError> {
    let entries = sql
        .liked_rows(as_of)?
        .into_iter()
        .enumerate()
        .map(|(i, l)| track_entry(i, tracks.get(&l.track_id).cloned(), l.added_at))
        .collect();
    Ok(liked_list(entries))
}

fn playlist_rows(sql: Sql<'_>, as_of: Option<&str>) -> Result<Vec<PlaylistRow>, ExportError> {
    let rows = sql.playlist_rows(as_of)?.into_iter().map(|p| {
        let has_items = p.items_status == "synced";
        PlaylistRow {
            current_name: p.name.clone().unwrap_or_default(),
            list: TrackList {
                kind: ListKind::Playlist,
                id: Some(p.id),
                uri: p.uri,
                name: p.name.unwrap_or_default(),
                description: p.description,
                owner_id: p.owner_id,
                owner_name: p.owner_name,
                public: p.public,
                collaborative: p.collaborative,
                snapshot_id: if has_items { p.items_snapshot_id } else { None },
                items_status: Some(p.items_status),
                entries: Vec::new(),
            },
        }
    });
    Ok(rows.collect())
}

/// Playlists in list order, with their items (now, or as of a date from the stored versions),
/// and the ones whose history does not reach back that far.
fn load_playlists(
    sql: Sql<'_>,
    tracks: &HashMap<String, Arc<Track>>,
    as_of: Option<&str>,
    has_versions: bool,
) -> Result<(Vec<TrackList>, Vec<Skipped>), ExportError> {
    let rows = playlist_rows(sql, as_of)?;
    let Some(at) = as_of else {
        let mut items: HashMap<String, Vec<Entry>> = HashMap::new();
        for i in sql.playlist_item_rows()? {
            let e = entry_from(i.item, tracks, &i.playlist_id)?;
            items.entry(i.playlist_id).or_default().push(e);
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
    super::as_of::playlists(sql, rows, tracks, at, has_versions)
}

/// The listening history, newest first.
fn load_plays(
    sql: Sql<'_>,
    tracks: &HashMap<String, Arc<Track>>,
    as_of: Option<&str>,
) -> Result<TrackList, ExportError> {
    let entries = sql
        .play_rows(as_of)?
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let track = p.track_id.and_then(|t| tracks.get(&t).cloned());
            let kind = if track.is_some() || p.track_name.is_some() {
                ItemKind::Track
            } else {
                ItemKind::Unavailable
            };
            let entry = track_entry(i, track, Some(p.played_at));
            Entry {
                kind,
                uri: entry.uri.clone().or(p.uri),
                name: entry.name.clone().or_else(|| p.track_name.clone()),
                context_type: p.context_type,
                context_uri: p.context_uri,
                play: Some(PlayFields {
                    track_name: p.track_name,
                    artist_name: p.artist_name,
                    album_name: p.album_name,
                    ms_played: p.ms_played,
                }),
                ..entry
            }
        })
        .collect();
    Ok(TrackList {
        kind: ListKind::ListeningHistory,
        name: "Listening History".into(),
        ..liked_list(entries)
    })
}

/// The albums and artists of the tracks in the liked songs and playlists loaded in `lib`.
fn albums_artists(
    sql: Sql<'_>,
    lib: &Library,
    stored_albums: &mut Albums,
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
    let credits = &mut stored_albums.credits;
    let mut albums: Vec<Album> = std::mem::take(&mut stored_albums.rows)
        .into_iter()
        .filter(|a| album_ids.contains(&a.id))
        .map(|a| Album {
            artists: credits.remove(&a.id).unwrap_or_default(),
            id: a.id,
            uri: a.uri,
            name: a.name,
            album_type: a.album_type,
            release_date: a.release_date,
            total_tracks: a.total_tracks,
            label: a.label,
            upc: a.upc,
            popularity: a.popularity,
            image_url: first_image(a.images.as_deref()),
            genres: genres(a.genres.as_deref()),
        })
        .collect();
    albums.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let mut artists: Vec<Artist> = sql
        .artist_rows()?
        .into_iter()
        .filter(|a| artist_ids.contains(&a.id))
        .map(|a| Artist {
            id: a.id,
            uri: a.uri,
            name: a.name,
            genres: genres(a.genres.as_deref()),
            popularity: a.popularity,
            followers: a.followers,
            image_url: first_image(a.images.as_deref()),
        })
        .collect();
    artists.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok((albums, artists))
}
