//! Every format from a synced simulated library: counts equal the database's, Exportify's header,
//! CSV quoting, JSPF against the JSPF schema, XSPF well-formed, M3U8 durations in seconds; no
//! request; stdout; errors.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::events::Event;
use serde_json::Value;

use crate::common::*;
use crate::helpers::*;

/// Exportify's header, as in its source (watsonbox/exportify: `TracksBaseData.dataLabels()`
/// followed by `Added By`, `Added At`; its own test calls it `baseTrackHeaders`).
const EXPORTIFY_HEADER: &str = "\"Track URI\",\"Track Name\",\"Artist URI(s)\",\"Artist Name(s)\",\
\"Album URI\",\"Album Name\",\"Album Artist URI(s)\",\"Album Artist Name(s)\",\"Album Release Date\",\
\"Album Image URL\",\"Disc Number\",\"Track Number\",\"Track Duration (ms)\",\"Track Preview URL\",\
\"Explicit\",\"Popularity\",\"ISRC\",\"Added By\",\"Added At\"";

const TRICKY_TRACK: &str = "Comma, \"quoted\"\tTab\nNew line\r\nCRLF";
const TRICKY_ARTIST: &str = "Earth, Wind & \"Fire\"";
const TRICKY_PLAYLIST: &str = "a/b: \"c\"? <d>|e*";

/// One expected entry: type, URI, title, duration.
#[derive(Debug, Clone, PartialEq)]
struct Want {
    kind: String,
    uri: Option<String>,
    title: Option<String>,
    duration_ms: Option<i64>,
}

fn liked(c: &rusqlite::Connection) -> Vec<Want> {
    let mut st = c
        .prepare(
            "SELECT t.uri, t.name, t.duration_ms FROM saved_tracks s JOIN tracks t ON t.id = s.track_id
             WHERE s.removed_at IS NULL ORDER BY s.added_at DESC, s.track_id",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok(Want {
            kind: "track".into(),
            uri: r.get(0)?,
            title: r.get(1)?,
            duration_ms: r.get(2)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Playlists in list order: id, name, items.
fn playlists(c: &rusqlite::Connection) -> Vec<(String, String, Vec<Want>)> {
    let mut st = c
        .prepare(
            "SELECT id, name FROM playlists WHERE removed_at IS NULL ORDER BY list_position, id",
        )
        .unwrap();
    let lists: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut items = c
        .prepare(
            "SELECT i.item_type, i.uri, COALESCE(t.name, i.name), t.duration_ms
             FROM playlist_items i LEFT JOIN tracks t ON t.id = i.track_id
             WHERE i.playlist_id = ?1 ORDER BY i.position",
        )
        .unwrap();
    lists
        .into_iter()
        .map(|(id, name)| {
            let w: Vec<Want> = items
                .query_map([&id], |r| {
                    Ok(Want {
                        kind: r.get(0)?,
                        uri: r.get(1)?,
                        title: r.get(2)?,
                        duration_ms: r.get(3)?,
                    })
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (id, name, w)
        })
        .collect()
}

/// Tracks of the library: liked songs and playlist items.
const LIBRARY_TRACKS: &str = "SELECT track_id FROM saved_tracks WHERE removed_at IS NULL
     UNION SELECT i.track_id FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id
           WHERE p.removed_at IS NULL AND i.track_id IS NOT NULL";

fn csv_rows(bytes: &[u8]) -> (String, Vec<csv::StringRecord>) {
    let header = String::from_utf8_lossy(bytes.split(|b| *b == b'\n').next().unwrap()).into_owned();
    let mut r = csv::Reader::from_reader(bytes);
    (header, r.records().map(Result::unwrap).collect())
}

fn check_csv(bytes: &[u8], want: &[Want], what: &str) {
    // Exportify writes no row for an unavailable item (see consumers.rs).
    let want: Vec<Want> = want
        .iter()
        .filter(|w| w.kind != "unavailable")
        .cloned()
        .collect();
    let (header, rows) = csv_rows(bytes);
    assert_eq!(header, EXPORTIFY_HEADER, "{what}: Exportify's header");
    assert_eq!(rows.len(), want.len(), "{what}: rows");
    for (i, (row, w)) in rows.iter().zip(&want).enumerate() {
        assert_eq!(row.len(), 19);
        assert_eq!(&row[0], w.uri.as_deref().unwrap_or(""), "{what} #{i} URI");
        if w.kind != "local" {
            assert_eq!(
                &row[1],
                w.title.as_deref().unwrap_or(""),
                "{what} #{i} name"
            );
        }
        if w.kind != "local" {
            let d = w.duration_ms.map(|d| d.to_string()).unwrap_or_default();
            assert_eq!(
                &row[12],
                d.as_str(),
                "{what} #{i} duration: unknown is empty, not 0"
            );
        }
        if w.kind != "track" {
            assert_eq!(&row[15], "", "{what} #{i}: no popularity for a {}", w.kind);
        }
    }
}

fn check_m3u8(bytes: &[u8], want: &[Want], what: &str) {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("#EXTM3U"));
    assert!(lines.next().unwrap().starts_with("#PLAYLIST:"));
    let mut got = Vec::new();
    let mut comments = 0;
    while let Some(l) = lines.next() {
        if let Some(rest) = l.strip_prefix("#EXTINF:") {
            let (secs, _) = rest.split_once(',').unwrap();
            let uri = lines.next().unwrap();
            got.push((secs.parse::<i64>().unwrap(), uri.to_string()));
        } else {
            assert!(l.starts_with("# "), "{what}: {l:?}");
            comments += 1;
        }
    }
    let with_uri: Vec<&Want> = want.iter().filter(|w| w.uri.is_some()).collect();
    assert_eq!(got.len(), with_uri.len(), "{what}: entries");
    assert_eq!(
        comments,
        want.len() - with_uri.len(),
        "{what}: unavailable kept as comments"
    );
    for ((secs, uri), w) in got.iter().zip(with_uri) {
        assert_eq!(Some(uri.as_str()), w.uri.as_deref());
        if w.kind == "track" {
            let ms = w.duration_ms.unwrap();
            assert_eq!(*secs, (ms + 500) / 1000, "{what}: {uri} in whole seconds");
        }
    }
}

fn check_jspf(bytes: &[u8], want: &[Want], schema: &jsonschema::Validator, what: &str) -> Value {
    let v: Value = serde_json::from_slice(bytes).unwrap();
    let errors: Vec<String> = schema.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{what}: JSPF schema: {errors:?}");
    // No MusicBrainz id looked up here: ListenBrainz's JSPF holds none of the tracks, and
    // says how many it left out.
    let tracks = v["playlist"]["track"].as_array().unwrap();
    assert!(
        tracks.is_empty(),
        "{what}: no track without a MusicBrainz id"
    );
    let ext = &v["playlist"]["extension"]["https://musicbrainz.org/doc/jspf#playlist"];
    assert!(ext["public"].is_boolean(), "{what}");
    assert_eq!(
        ext["additional_metadata"]["left_out_without_musicbrainz_id"].as_u64(),
        Some(want.len() as u64),
        "{what}"
    );
    v
}

fn in_track_title(stack: &[String]) -> bool {
    stack.last().map(String::as_str) == Some("title") && stack.iter().any(|s| s == "track")
}

/// Parse the XSPF to the end (well-formed) and return the titles of its tracks.
fn xspf_titles(bytes: &[u8], what: &str) -> Vec<Option<String>> {
    let mut r = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut titles: Vec<Option<String>> = Vec::new();
    let mut saw_root = false;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if stack.is_empty() {
                    assert_eq!(name, "playlist");
                    let ns = e.try_get_attribute("xmlns").unwrap().unwrap();
                    assert_eq!(ns.value.as_ref(), b"http://xspf.org/ns/0/");
                    saw_root = true;
                }
                if name == "track" {
                    titles.push(None);
                }
                stack.push(name);
            }
            Ok(Event::End(e)) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                assert_eq!(
                    stack.pop().as_deref(),
                    Some(name.as_str()),
                    "{what}: nesting"
                );
            }
            Ok(Event::Text(t)) => {
                if in_track_title(&stack) {
                    let text = t.decode().unwrap();
                    let title = titles.last_mut().unwrap();
                    title.get_or_insert_with(String::new).push_str(&text);
                }
            }
            Ok(Event::GeneralRef(g)) => {
                // `&#13;`, `&amp;`… arrive as references: resolve them in place.
                if in_track_title(&stack) {
                    let name = g.decode().unwrap().into_owned();
                    let s = quick_xml::escape::unescape(&format!("&{name};"))
                        .unwrap()
                        .into_owned();
                    let title = titles.last_mut().unwrap();
                    title.get_or_insert_with(String::new).push_str(&s);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{what}: not well-formed XML: {e}"),
        }
        buf.clear();
    }
    assert!(saw_root && stack.is_empty(), "{what}: one closed root");
    titles
}

fn check_xspf(bytes: &[u8], want: &[Want], what: &str) {
    let titles = xspf_titles(bytes, what);
    assert_eq!(titles.len(), want.len(), "{what}: XSPF tracks");
    for (t, w) in titles.iter().zip(want) {
        if w.kind == "track" {
            assert_eq!(t.as_deref(), w.title.as_deref(), "{what}: XSPF title");
        }
    }
}

fn jspf_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export/jspf.schema.json"),
    )
    .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("schema compiles")
}

/// Put names in the database the simulator does not generate: commas, quotes, tabs, line breaks.
fn add_tricky_names(db: &Path) -> String {
    let c = rusqlite::Connection::open(db).unwrap();
    let tid: String = c
        .query_row(
            "SELECT track_id FROM saved_tracks WHERE removed_at IS NULL
             ORDER BY added_at DESC, track_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    c.execute(
        "UPDATE tracks SET name = ?2 WHERE id = ?1",
        [&tid, TRICKY_TRACK],
    )
    .unwrap();
    c.execute(
        "UPDATE artists SET name = ?2 WHERE id =
           (SELECT artist_id FROM track_artists WHERE track_id = ?1 AND position = 0)",
        [&tid, TRICKY_ARTIST],
    )
    .unwrap();
    c.execute(
        "UPDATE playlists SET name = ?1 WHERE id =
           (SELECT playlist_id FROM playlist_items GROUP BY playlist_id ORDER BY COUNT(*) DESC
            LIMIT 1)",
        [TRICKY_PLAYLIST],
    )
    .unwrap();
    tid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_matches_the_database() {
    let (sim, env) = synced_library(400, 12).await;
    add_tricky_names(&env.db);
    sim.reset_stats();
    let out = export(
        &env,
        &sim,
        &["--format", ALL_FORMATS, "--out", "out", "--json"],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let stats = sim.stats();
    assert_eq!(stats.total, 0, "no API request");
    assert_eq!(stats.accounts_requests, 0, "no accounts request");

    let dir = env.dir.path().join("out");
    let files = all_files(&dir);
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["files"].as_array().unwrap().len(), files.len());
    assert!(
        !files.keys().any(|n| n.starts_with('.')),
        "no temp file left"
    );

    let c = env.open();
    let liked = liked(&c);
    let lists = playlists(&c);
    assert!(
        lists
            .iter()
            .any(|(_, _, items)| items.iter().any(|w| w.kind == "local"))
    );
    assert!(
        lists
            .iter()
            .any(|(_, _, items)| items.iter().any(|w| w.kind == "unavailable"))
    );
    assert!(
        lists
            .iter()
            .any(|(_, _, items)| items.iter().any(|w| w.kind == "episode"))
    );
    let schema = jspf_schema();

    // Liked songs.
    check_csv(&files["Liked Songs.csv"], &liked, "liked");
    check_m3u8(&files["Liked Songs.m3u8"], &liked, "liked");
    check_jspf(&files["Liked Songs.jspf"], &liked, &schema, "liked");
    check_xspf(&files["Liked Songs.xspf"], &liked, "liked");

    // Playlists: map each file to its playlist through the JSPF identifier.
    let mut by_id: BTreeMap<String, String> = BTreeMap::new();
    for (name, bytes) in &files {
        if let Some(stem) = name.strip_suffix(".jspf") {
            let v: Value = serde_json::from_slice(bytes).unwrap();
            if let Some(url) = v["playlist"]["identifier"].as_str()
                && let Some(id) = url.strip_prefix("https://open.spotify.com/playlist/")
            {
                by_id.insert(id.to_string(), stem.to_string());
            }
        }
    }
    assert_eq!(by_id.len(), lists.len(), "one file per playlist");
    for ext in ["csv", "m3u8", "jspf", "xspf"] {
        let n = files
            .keys()
            .filter(|f| f.ends_with(&format!(".{ext}")))
            .count();
        let fixed = if ext == "csv" { 4 } else { 2 };
        assert_eq!(n, lists.len() + fixed, "{ext} files");
    }
    for (id, name, items) in &lists {
        let stem = &by_id[id];
        if name == TRICKY_PLAYLIST {
            assert_eq!(stem, "a_b_ _c__ _d__e_", "safe file name");
        }
        let what = format!("playlist {name:?}");
        check_csv(&files[&format!("{stem}.csv")], items, &what);
        check_m3u8(&files[&format!("{stem}.m3u8")], items, &what);
        check_jspf(&files[&format!("{stem}.jspf")], items, &schema, &what);
        check_xspf(&files[&format!("{stem}.xspf")], items, &what);
    }

    // CSV quoting of the tricky names round-trips, and the raw bytes are quoted as Exportify's.
    let raw = String::from_utf8(files["Liked Songs.csv"].clone()).unwrap();
    assert!(raw.contains("\"Comma, \"\"quoted\"\"\tTab\nNew line\r\nCRLF\""));
    let (_, rows) = csv_rows(&files["Liked Songs.csv"]);
    assert_eq!(&rows[0][1], TRICKY_TRACK);
    assert!(
        rows[0][3].starts_with("Earth\\, Wind & \"Fire\""),
        "{:?}",
        &rows[0][3]
    );
    let m3u = String::from_utf8(files["Liked Songs.m3u8"].clone()).unwrap();
    assert!(
        m3u.contains(" - Comma, \"quoted\" Tab New line  CRLF\n"),
        "one line per entry"
    );

    // Listening history, albums, artists.
    let plays = count(&c, "SELECT COUNT(*) FROM plays", &[]);
    assert!(plays > 0);
    assert_eq!(csv_rows(&files["Listening History.csv"]).1.len(), plays);
    let albums = count(
        &c,
        &format!("SELECT COUNT(DISTINCT album_id) FROM tracks WHERE id IN ({LIBRARY_TRACKS})"),
        &[],
    );
    let artists = count(
        &c,
        &format!(
            "SELECT COUNT(*) FROM (SELECT artist_id FROM track_artists WHERE track_id IN ({LIBRARY_TRACKS})
             UNION SELECT aa.artist_id FROM album_artists aa JOIN tracks t ON t.album_id = aa.album_id
                   WHERE t.id IN ({LIBRARY_TRACKS}))"
        ),
        &[],
    );
    assert_eq!(csv_rows(&files["Albums.csv"]).1.len(), albums);
    assert_eq!(csv_rows(&files["Artists.csv"]).1.len(), artists);
    assert!(
        !files.contains_key("Albums.m3u8"),
        "albums are not a track list"
    );

    // The JSON document.
    let doc: Value = serde_json::from_slice(&files["spotsync-export.json"]).unwrap();
    assert_eq!(doc["format"], "spotsync-export");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["as_of"], Value::Null);
    assert_eq!(
        doc["liked_songs"]["entries"].as_array().unwrap().len(),
        liked.len()
    );
    assert_eq!(
        doc["liked_songs"]["entries"][0]["track"]["name"],
        TRICKY_TRACK
    );
    let pls = doc["playlists"].as_array().unwrap();
    assert_eq!(pls.len(), lists.len());
    for (p, (id, name, items)) in pls.iter().zip(&lists) {
        assert_eq!(p["id"].as_str(), Some(id.as_str()));
        assert_eq!(p["name"].as_str(), Some(name.as_str()));
        let entries = p["entries"].as_array().unwrap();
        assert_eq!(entries.len(), items.len());
        for (e, w) in entries.iter().zip(items) {
            assert_eq!(e["type"].as_str(), Some(w.kind.as_str()));
            assert_eq!(e["uri"].as_str(), w.uri.as_deref());
        }
    }
    assert_eq!(doc["albums"].as_array().unwrap().len(), albums);
    assert_eq!(doc["artists"].as_array().unwrap().len(), artists);
    assert_eq!(
        doc["listening_history"]["entries"]
            .as_array()
            .unwrap()
            .len(),
        plays
    );
    // Unknown values are null, never 0: Development Mode sends no popularity.
    assert_eq!(
        doc["liked_songs"]["entries"][1]["track"]["popularity"],
        Value::Null
    );

    stdout_and_usage(&sim, &env, &files, &lists).await;
}

/// `--out -` writes exactly the file a directory export writes; what cannot be done says so.
async fn stdout_and_usage(
    sim: &spotsync::simulator::RunningSim,
    env: &Env,
    files: &BTreeMap<String, Vec<u8>>,
    lists: &[(String, String, Vec<Want>)],
) {
    let out = export(env, sim, &["liked", "--format", "csv", "--out", "-"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout.as_bytes(), files["Liked Songs.csv"].as_slice());

    let (id, name, items) = lists.iter().find(|(_, _, i)| !i.is_empty()).unwrap();
    let out = export(
        env,
        sim,
        &["--playlist", id, "--format", "m3u8", "--out", "-"],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    check_m3u8(out.stdout.as_bytes(), items, name);
    let out = export(
        env,
        sim,
        &["--playlist", name, "--format", "json", "--out", "-"],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(doc.get("liked_songs").is_none());
    assert!(
        doc["playlists"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] == name.as_str())
    );

    // Usage errors: exit 2 and a message.
    for args in [
        &["--format", "csv", "--out", "-"][..],
        &["--format", "csv,json", "--out", "-"],
        &["albums", "artists", "--format", "m3u8"],
        &["liked", "--playlist", "x", "--format", "csv"],
        &["--format", "csv", "--as-of", "last June"],
        &["--format", "wav"],
    ] {
        let out = export(env, sim, args).await;
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.is_empty());
    }
    let out = export(
        env,
        sim,
        &["--playlist", "No Such Playlist", "--format", "csv"],
    )
    .await;
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("No Such Playlist"), "{}", out.stderr);

    // A sync holding the database (the writer's lock) does not stop an export.
    let store = spotsync::store::Store::open(&env.db).unwrap();
    let out = export(env, sim, &["liked", "--format", "csv", "--out", "-"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout.as_bytes(), files["Liked Songs.csv"].as_slice());
    drop(store);
    assert_eq!(sim.stats().total, 0, "still no request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_what_is_not_a_spotsync_database() {
    let sim = start_sim(sim_options(10, spotsync::cli::SimMode::Dev)).await;
    let env = Env::new(1000);
    // No database yet.
    let out = export(&env, &sim, &["--format", "csv"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("run `spotsync sync` first"),
        "{}",
        out.stderr
    );
    assert!(!env.db.exists(), "no database created");

    // Another application's SQLite file (unversioned, then versioned), and a text file:
    // refused, byte-identical.
    let c = rusqlite::Connection::open(&env.db).unwrap();
    c.execute_batch("CREATE TABLE history (url TEXT); INSERT INTO history VALUES ('x');")
        .unwrap();
    drop(c);
    let before = std::fs::read(&env.db).unwrap();
    let out = export(&env, &sim, &["--format", "csv"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("not a spotsync database"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&env.db).unwrap(), before);
    std::fs::remove_file(&env.db).unwrap();
    let c = rusqlite::Connection::open(&env.db).unwrap();
    c.execute_batch(
        "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);
         INSERT INTO moz_places (url) VALUES ('https://example.com/');
         PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(c);
    let before = std::fs::read(&env.db).unwrap();
    let out = export(&env, &sim, &["--format", "json", "--out", "-"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("not a spotsync database"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&env.db).unwrap(), before);

    std::fs::write(&env.db, b"my notes\n".repeat(100)).unwrap();
    let out = export(&env, &sim, &["--format", "csv"]).await;
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("not a spotsync database"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&env.db).unwrap(), b"my notes\n".repeat(100));
    assert_eq!(sim.stats().total, 0);
}
