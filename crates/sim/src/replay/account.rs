//! The replayed account, composed from the recordings of `real-world/api/` (its `SOURCES.md`
//! says which file is which endpoint). Every object is served as recorded; what is composed is
//! only which list it is in, and in what order:
//!
//! - `/me`: exportify's `watsonbox` (the account replayed);
//! - saved tracks: every recorded `/me/tracks` page (JMPerez, exportify, drodmay1,
//!   nathanhall762 without the audio features that tool merged in, ofarukaydin, ccleung), each
//!   recording's items in their recorded order, the recordings newest first; a track saved in
//!   two recordings is listed once (the newer save);
//! - playlists: watsonbox's listing (with the `null` its test appends), JMPerez's "Mola" and
//!   rspotify's 2026 test playlist (their full objects, listed with `items: {href, total}` in
//!   place of their item page), ofarukaydin's listing, rspotify's Spotify-owned "Sexta"; the
//!   items of watsonbox's own playlist are its recorded pages (the `track: null` entry, the two
//!   local files, the same track twice: an entry equal to one already listed is not repeated),
//!   then the entries recorded without their playlist (rspotify's episode as a track,
//!   JMPerez's entry of 2013, Spotify's local-file example, clayton-knapp's page), so that a
//!   Development Mode app, which reads only its own playlists, meets them all; "Mola", the
//!   2026 playlist and "Kaçıp Gidenler" keep their own entries;
//! - saved albums, shows, episodes: every recorded page's items, each recording in its order
//!   (spotify-web-api-java's episodes are recorded oldest first), the recordings newest first;
//!   saved audiobooks: jwilsson's bare audiobooks;
//! - follows: the recorded cursor pages chained (JMPerez's page, then spotify-web-api-java's,
//!   then jwilsson's), each answered as recorded for the `after` the previous one names;
//! - top lists: chekos' three ranges, the other projects' top pages after chekos' long-term
//!   list, in `SOURCES.md` order;
//! - recently played: the newest 50 recorded plays (Spotify keeps 50);
//! - full albums and artists by id: every recorded full object (the first one recorded wins).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Value, json};

use super::ReplayError;

/// Top lists: artists and tracks, by time range (`short_term`, `medium_term`, `long_term`).
#[derive(Debug, Clone, Default)]
pub struct TopLists {
    pub artists: [Vec<Value>; 3],
    pub tracks: [Vec<Value>; 3],
}

/// Everything the replay serves.
#[derive(Debug, Clone, Default)]
pub struct Account {
    pub me: Value,
    /// `{added_at, track}` entries, newest recording first.
    pub saved_tracks: Vec<Value>,
    /// Simplified playlists (and a `null`), in listing order.
    pub playlists: Vec<Value>,
    /// Playlist id → its entries.
    pub items: HashMap<String, Vec<Value>>,
    pub saved_albums: Vec<Value>,
    pub saved_shows: Vec<Value>,
    pub saved_episodes: Vec<Value>,
    pub saved_audiobooks: Vec<Value>,
    /// The recorded `artists` cursor pages of `/me/following`, in chain order.
    pub follows: Vec<Value>,
    pub top: TopLists,
    /// Plays, newest first.
    pub plays: Vec<Value>,
    /// Full albums and artists by id.
    pub albums: HashMap<String, Value>,
    pub artists: HashMap<String, Value>,
}

/// The recordings, by file name.
struct Files(HashMap<String, Value>);

impl Files {
    fn load(dir: &Path) -> Result<Files, ReplayError> {
        let mut out = HashMap::new();
        let entries = std::fs::read_dir(dir).map_err(|source| ReplayError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().and_then(|x| x.to_str()) != Some("json") {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).map_err(|source| ReplayError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let v = serde_json::from_str(&text).map_err(|source| ReplayError::Json {
                path: path.display().to_string(),
                source,
            })?;
            out.insert(name, v);
        }
        Ok(Files(out))
    }

    /// The recording `key` of file `file` (`""`: the file itself).
    fn get(&self, file: &str, key: &str) -> Result<&Value, ReplayError> {
        let v = self
            .0
            .get(file)
            .ok_or_else(|| ReplayError::Missing(file.to_string()))?;
        if key.is_empty() {
            return Ok(v);
        }
        v.get(key)
            .ok_or_else(|| ReplayError::Missing(format!("{file} → {key}")))
    }

    /// The `items` of recording `key` of `file`.
    fn items(&self, file: &str, key: &str) -> Result<Vec<Value>, ReplayError> {
        Ok(list(self.get(file, key)?.get("items")))
    }
}

fn list(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array).cloned().unwrap_or_default()
}

fn id_of(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

const EXPORTIFY: &str = "exportify_handlers.json";
const JMPEREZ: &str = "jmperez_spotify-web-api-js.json";
const JMPEREZ_LIB: &str = "jmperez_spotify-web-api-js_library.json";
const JAVA: &str = "spotify-web-api-java_fixtures.json";
const JWILSSON: &str = "jwilsson_spotify-web-api-php_fixtures.json";
const DART: &str = "rinukkusu_spotify-dart_test_data.json";
const ZMB3: &str = "zmb3_spotify_test_data.json";
const RSPOTIFY: &str = "rspotify_test_models.json";
const OFARUK: &str = "ofarukaydin_react-spotify-youtube.json";
const CHEKOS_TOP: &str = "chekos_spotify-git-scraping_top_items.json";
const API: &str = "handlers: GET https://api.spotify.com/v1";
const FIX: &str = "__test__/fixtures";
const JAVA_DATA: &str = "src/test/fixtures/requests/data";

/// The newest `added_at` of a recording's entries (to order recordings newest first).
fn newest(items: &[Value]) -> String {
    items
        .iter()
        .filter_map(|i| i.get("added_at").and_then(Value::as_str))
        .max()
        .unwrap_or("")
        .to_string()
}

/// Recordings' items joined, the recordings newest first, each in its recorded order.
fn newest_first(mut recordings: Vec<Vec<Value>>) -> Vec<Value> {
    recordings.sort_by_cached_key(|r| std::cmp::Reverse(newest(r)));
    recordings.into_iter().flatten().collect()
}

/// `items` without a second entry for an object listed already (by the id under `key`).
fn once_by(items: Vec<Value>, key: &str) -> Vec<Value> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|i| match i.get(key).and_then(id_of) {
            Some(id) => seen.insert(id.to_string()),
            None => true,
        })
        .collect()
}

impl Account {
    /// Compose the account from the recordings in `dir`.
    pub fn load(dir: &Path) -> Result<Account, ReplayError> {
        let f = Files::load(dir)?;
        let mut a = Account {
            me: f.get(EXPORTIFY, &format!("{API}/me"))?.clone(),
            ..Account::default()
        };
        a.saved_tracks = saved_tracks(&f)?;
        (a.playlists, a.items) = super::playlists::compose(&f.0)?;
        a.saved_albums = once_by(
            newest_first(vec![
                f.items(ZMB3, "test_data/current_users_albums.txt")?,
                f.items(DART, "test/data/v1/me/albums.json")?,
                f.items(
                    JAVA,
                    &format!("{JAVA_DATA}/library/GetCurrentUsersSavedAlbumsRequest.json"),
                )?,
                f.items(JWILSSON, "tests/fixtures/user-albums.json")?,
            ]),
            "album",
        );
        a.saved_shows = once_by(
            newest_first(vec![
                f.items(JMPEREZ_LIB, &format!("{FIX}/user_saved_shows.json"))?,
                f.items(JWILSSON, "tests/fixtures/user-shows.json")?,
            ]),
            "show",
        );
        a.saved_episodes = once_by(
            newest_first(vec![
                f.items(
                    JAVA,
                    &format!("{JAVA_DATA}/library/GetUsersSavedEpisodesRequest.json"),
                )?,
                f.items(JWILSSON, "tests/fixtures/user-episodes.json")?,
            ]),
            "episode",
        );
        a.saved_audiobooks = f.items(JWILSSON, "tests/fixtures/user-audiobooks.json")?;
        a.follows = vec![
            f.get(JMPEREZ, &format!("{FIX}/followed_artists.json"))?["artists"].clone(),
            f.get(
                JAVA,
                &format!("{JAVA_DATA}/follow/GetUsersFollowedArtistsRequest.json"),
            )?["artists"]
                .clone(),
            f.get(JWILSSON, "tests/fixtures/user-followed-artists.json")?["artists"].clone(),
        ];
        a.top = top_lists(&f)?;
        a.plays = plays(&f)?;
        a.albums = albums(&f, &a)?;
        a.artists = artists(&f, &a)?;
        Ok(a)
    }
}

fn saved_tracks(f: &Files) -> Result<Vec<Value>, ReplayError> {
    // nathanhall762's tool merged audio features into each saved-track object.
    let nathan: Vec<Value> = list(Some(f.get("nathanhall762_saved_tracks.json", "")?))
        .into_iter()
        .map(|i| json!({"added_at": i["added_at"], "track": i["track"]}))
        .collect();
    let recordings = vec![
        f.items(JMPEREZ, &format!("{FIX}/user_saved_tracks.json"))?,
        f.items(EXPORTIFY, &format!("{API}/me/tracks"))?,
        f.items(EXPORTIFY, &format!("{API}/me/tracks #2"))?,
        list(
            f.get("drodmay1_44620_P7_saved_tracks.json", "")?
                .get("items"),
        ),
        nathan,
        f.items(OFARUK, "src/utils/mockedLikedSongsData.ts")?,
        list(
            f.get("ccleung_spotify-video_response-data.json", "")?
                .get("items"),
        ),
    ];
    // A relinked track is saved under the id it stands in for.
    let mut seen = HashSet::new();
    Ok(newest_first(recordings)
        .into_iter()
        .filter(|i| {
            let t = &i["track"];
            let id = t["linked_from"]["id"].as_str().or_else(|| id_of(t));
            id.is_none_or(|id| seen.insert(id.to_string()))
        })
        .collect())
}

fn top_lists(f: &Files) -> Result<TopLists, ReplayError> {
    let mut top = TopLists::default();
    for (i, range) in ["short_term", "medium_term", "long_term"]
        .iter()
        .enumerate()
    {
        top.artists[i] = f.items(CHEKOS_TOP, &format!("data/top_50_artists_{range}.json"))?;
        top.tracks[i] = f.items(CHEKOS_TOP, &format!("data/top_50_tracks_{range}.json"))?;
    }
    let simplified = format!("{JAVA_DATA}/personalization/simplified");
    for (file, key) in [
        (ZMB3, "test_data/current_users_top_artists.txt"),
        (
            JAVA,
            &format!("{simplified}/GetUsersTopArtistsRequest.json"),
        ),
        (JMPEREZ, &format!("{FIX}/user_top_artists.json")),
        (DART, "test/data/v1/me/top/artists.json"),
        (JWILSSON, "tests/fixtures/top-artists-and-tracks.json"),
    ] {
        top.artists[2].extend(f.items(file, key)?);
    }
    for (file, key) in [
        (ZMB3, "test_data/current_users_top_tracks.txt"),
        (JAVA, &format!("{simplified}/GetUsersTopTracksRequest.json")),
        (JMPEREZ_LIB, &format!("{FIX}/user_top_tracks.json")),
        (DART, "test/data/v1/me/top/tracks.json"),
    ] {
        top.tracks[2].extend(f.items(file, key)?);
    }
    Ok(top)
}

/// The newest 50 recorded plays, newest first.
fn plays(f: &Files) -> Result<Vec<Value>, ReplayError> {
    let mut plays = f.items(
        "chekos_spotify-git-scraping_recently_played.json",
        "data/recently_played.json",
    )?;
    plays.extend(f.items(JMPEREZ, &format!("{FIX}/recently_played_tracks.json"))?);
    plays.sort_by_cached_key(|p| {
        std::cmp::Reverse(p["played_at"].as_str().unwrap_or("").to_string())
    });
    plays.truncate(50);
    Ok(plays)
}

/// Insert each object with an id, the first one recorded winning.
fn collect(into: &mut HashMap<String, Value>, objects: impl IntoIterator<Item = Value>) {
    for o in objects {
        if let Some(id) = id_of(&o) {
            into.entry(id.to_string()).or_insert_with(|| o.clone());
        }
    }
}

fn albums(f: &Files, a: &Account) -> Result<HashMap<String, Value>, ReplayError> {
    let mut out = HashMap::new();
    collect(&mut out, a.saved_albums.iter().map(|e| e["album"].clone()));
    collect(
        &mut out,
        list(Some(f.get(
            JMPEREZ,
            &format!("{FIX}/user_saved_albums.json#unique-albums"),
        )?)),
    );
    collect(
        &mut out,
        [
            f.get(JMPEREZ, &format!("{FIX}/album.json"))?.clone(),
            f.get(JMPEREZ, &format!("{FIX}/albums.json"))?.clone(),
            f.get(OFARUK, "src/utils/mockedAlbumData.ts")?.clone(),
        ],
    );
    collect(
        &mut out,
        list(f.get(EXPORTIFY, &format!("{API}/albums"))?.get("albums")),
    );
    Ok(out)
}

fn artists(f: &Files, a: &Account) -> Result<HashMap<String, Value>, ReplayError> {
    let mut out = HashMap::new();
    collect(
        &mut out,
        list(f.get(EXPORTIFY, &format!("{API}/artists"))?.get("artists")),
    );
    collect(
        &mut out,
        [
            f.get(JMPEREZ, &format!("{FIX}/artist.json"))?.clone(),
            f.get(JMPEREZ, &format!("{FIX}/artists.json"))?.clone(),
            f.get(OFARUK, "src/utils/mockedArtistData.ts#mockedArtistInfoData")?
                .clone(),
            f.get(RSPOTIFY, "test_full_artist")?.clone(),
        ],
    );
    collect(
        &mut out,
        list(
            f.get(JMPEREZ, &format!("{FIX}/artist_related_artists.json"))?
                .get("artists"),
        ),
    );
    let chekos = f.get("chekos_spotify-git-scraping_top_artists.json", "artists")?;
    if let Some(m) = chekos.as_object() {
        collect(&mut out, m.values().cloned());
    }
    for page in &a.follows {
        collect(&mut out, list(page.get("items")));
    }
    for range in &a.top.artists {
        collect(&mut out, range.iter().cloned());
    }
    Ok(out)
}
