//! An export of a synced library with tricky names, MusicBrainz ids resolved against the
//! simulated MusicBrainz, fed to the receiving tools' own rules (see `consumers.rs`): Exportify's
//! rows, ListenBrainz's playlist import and listen import, troi's reader, the JSPF schema.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use crate::consumers::*;
use crate::helpers::*;

/// Names the simulator does not generate: quotes, line breaks, backslashes, commas in artist
/// names, emoji, NUL.
fn add_tricky_names(db: &Path) {
    let c = rusqlite::Connection::open(db).unwrap();
    let tracks: Vec<String> = c
        .prepare(
            "SELECT track_id FROM saved_tracks WHERE removed_at IS NULL
             ORDER BY added_at DESC, track_id LIMIT 6",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let names = [
        "Say \"Hi\", then\nleave",
        "Back\\slash \\n not a newline",
        "🎧 Emoji ☕ & friends",
        "Tab\there, CRLF\r\nthere",
        "Comma, comma, comma",
        "Nul\u{0}byte",
    ];
    let artists = [
        "Earth, Wind & Fire",
        "Crosby, Stills, Nash & Young",
        "\\\\ Back, Slash",
        "Ünïcødé 🎸",
        "\"Quoted\"",
        "Tyler, the Creator",
    ];
    for ((t, name), artist) in tracks.iter().zip(names).zip(artists) {
        c.execute("UPDATE tracks SET name = ?2 WHERE id = ?1", [t, name])
            .unwrap();
        c.execute(
            "UPDATE artists SET name = ?2 WHERE id =
               (SELECT artist_id FROM track_artists WHERE track_id = ?1 AND position = 0)",
            [t, artist],
        )
        .unwrap();
    }
    c.execute_batch(
        "UPDATE playlists SET name = 'Road 🚗 \"Trip\", vol. 2\\3' WHERE id =
           (SELECT playlist_id FROM playlist_items GROUP BY playlist_id ORDER BY COUNT(*) DESC
            LIMIT 1);",
    )
    .unwrap();
}

async fn mb_settings(sim: &spotsync::simulator::RunningSim, body: Value) {
    control(
        sim,
        reqwest::Method::POST,
        "__sim/musicbrainz/settings",
        body,
    )
    .await;
}

async fn mb_stats(sim: &spotsync::simulator::RunningSim) -> Value {
    reqwest::get(format!("{}__sim/musicbrainz/stats", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The ISRC → recording the export should carry: of the simulated recordings, the one nearest
/// the track's length.
fn expected_mbids(c: &rusqlite::Connection) -> BTreeMap<String, String> {
    let mut st = c
        .prepare("SELECT uri, isrc, duration_ms FROM tracks WHERE isrc IS NOT NULL")
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .filter_map(|(uri, isrc, ms)| {
        let recs = spotsync_sim::musicbrainz::lookup(&isrc);
        let best = recs
            .iter()
            .min_by_key(|r| ms.map_or(u64::MAX, |m| (i64::from(r.length_ms) - m).unsigned_abs()))?;
        Some((uri, best.id.clone()))
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_file_passes_the_receiving_tools_rules() {
    let (sim, env) = synced_library(300, 10).await;
    add_tricky_names(&env.db);
    sim.reset_stats();
    mb_settings(
        &sim,
        json!({"min_interval_ms": 0, "reset_stats": true, "fail_next": 2}),
    )
    .await;

    // Resolution in two runs: the first stops after 5 ISRCs, the second resumes; a 503 at the
    // start is waited out.
    let fast = ["--musicbrainz-interval-ms", "1"];
    let out = spotsync(
        &env,
        &sim,
        "musicbrainz",
        &[&["--limit", "5"][..], &fast].concat(),
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("Looked up 5 of 5"), "{}", out.stdout);
    let out = spotsync(
        &env,
        &sim,
        "musicbrainz",
        &[&["--json"][..], &fast].concat(),
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let last: Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["summary"]["interrupted"], false);
    let stats = mb_stats(&sim).await;
    assert_eq!(stats["rate_limited"], 2, "the staged 503s");
    assert!(
        stats["lookups"]
            .as_object()
            .unwrap()
            .values()
            .all(|n| n == 1),
        "each ISRC once"
    );
    let c = env.open();
    let isrcs = count(&c, "SELECT COUNT(*) FROM musicbrainz_isrcs", &[]);
    assert_eq!(stats["lookups"].as_object().unwrap().len(), isrcs);
    assert!(
        stats["user_agents"]
            .as_object()
            .unwrap()
            .keys()
            .all(|ua| ua.starts_with("spotsync/"))
    );
    // Nothing left to look up: a third run asks nothing.
    let out = spotsync(&env, &sim, "musicbrainz", &fast).await;
    assert!(out.stdout.contains("Looked up 0 of 0"), "{}", out.stdout);

    let out = export(
        &env,
        &sim,
        &[
            "--format",
            "csv,json,m3u8,jspf,xspf,listenbrainz",
            "--out",
            "out",
            "--json",
        ],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        sim.stats().total,
        0,
        "no Spotify request, from MusicBrainz or the export"
    );
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    let dir = env.dir.path().join("out");
    let top = files(&dir);
    assert_eq!(
        top.keys().collect::<Vec<_>>(),
        ["spotsync-export.json"],
        "only the JSON document and the folders at the top"
    );

    let playlists = files(&dir.join("playlists"));
    let n_lists = count(
        &c,
        "SELECT COUNT(*) FROM playlists WHERE removed_at IS NULL",
        &[],
    ) + 1;
    for ext in ["csv", "m3u8", "jspf", "xspf"] {
        let n = playlists
            .keys()
            .filter(|f| f.ends_with(&format!(".{ext}")))
            .count();
        assert_eq!(
            n, n_lists,
            "{ext}: the liked songs and each playlist, nothing else"
        );
    }
    let mbids = expected_mbids(&c);
    let schema = jspf_schema();
    let mut csv_left_out = 0;
    for (name, bytes) in &playlists {
        if name.ends_with(".csv") {
            check_exportify(bytes, name);
        }
        if name.ends_with(".jspf") {
            let v: Value = serde_json::from_slice(bytes).unwrap();
            let errors: Vec<String> = schema.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{name}: JSPF schema: {errors:?}");
            let stored = listenbrainz_create(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
            let (_, recordings) = troi_read(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(recordings.len(), stored.len());
            for t in v["playlist"]["track"].as_array().unwrap() {
                let uri = t["location"][0].as_str().unwrap();
                let want = format!("https://musicbrainz.org/recording/{}", mbids[uri]);
                assert_eq!(t["identifier"][0], want.as_str(), "{name}: {uri}");
            }
        }
    }
    for f in summary["files"].as_array().unwrap() {
        if f["format"] == "csv" && f["section"] == "playlist" {
            csv_left_out += f["left_out"].as_u64().unwrap();
        }
    }
    let unavailable = count(
        &c,
        "SELECT COUNT(*) FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id
         WHERE p.removed_at IS NULL AND i.item_type = 'unavailable'",
        &[],
    );
    assert!(unavailable > 0);
    assert_eq!(
        csv_left_out as usize, unavailable,
        "unavailable rows left out, and counted"
    );
    // The liked songs' JSPF holds every liked track with a recording, and no other.
    let liked: Value = serde_json::from_slice(&playlists["Liked Songs.jspf"]).unwrap();
    let liked_with_mbid: BTreeSet<String> = c
        .prepare("SELECT t.uri FROM saved_tracks s JOIN tracks t ON t.id = s.track_id WHERE s.removed_at IS NULL")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|u| mbids.contains_key(u))
        .collect();
    let got: BTreeSet<String> = liked["playlist"]["track"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["location"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, liked_with_mbid);
    assert!(!got.is_empty());

    history_and_tables(&dir, &c, &mbids);
    let doc: Value = serde_json::from_slice(&top["spotsync-export.json"]).unwrap();
    assert_eq!(doc["spotsync_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["as_of"], Value::Null);
    assert!(doc["exported_at"].as_str().unwrap().ends_with('Z'));
    let local = doc["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["entries"].as_array().unwrap())
        .find(|e| e["type"] == "local")
        .expect("a local file");
    for k in ["artist", "album", "title", "duration_ms"] {
        assert!(local["local"].get(k).is_some(), "local.{k}: {local}");
    }
}

fn history_and_tables(dir: &Path, c: &rusqlite::Connection, mbids: &BTreeMap<String, String>) {
    let history = files(&dir.join("history"));
    let library = files(&dir.join("library"));
    assert_eq!(
        library.keys().collect::<Vec<_>>(),
        ["Albums.csv", "Artists.csv"]
    );
    let plays = count(c, "SELECT COUNT(*) FROM plays", &[]);
    let mut r = csv::Reader::from_reader(history["Listening History.csv"].as_slice());
    assert_eq!(r.headers().unwrap().get(0), Some("Played At"));
    assert_eq!(r.records().count(), plays);
    let now = chrono::Utc::now().timestamp();
    let listens = listenbrainz_import(
        "Listening History.zip",
        &history["Listening History.zip"],
        now,
    );
    let lines: Vec<Value> = std::str::from_utf8(&history["Listening History.jsonl"])
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listens, lines, "the ZIP holds the JSON lines");
    assert_eq!(
        listens.len(),
        plays,
        "every play of a known track is a listen"
    );
    let times: Vec<i64> = listens
        .iter()
        .map(|l| l["listened_at"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let with_mbid = listens
        .iter()
        .filter(|l| {
            let info = &l["track_metadata"]["additional_info"];
            let uri = info["spotify_id"]
                .as_str()
                .and_then(|u| u.strip_prefix("https://open.spotify.com/track/"))
                .map(|id| format!("spotify:track:{id}"));
            let want = uri.and_then(|u| mbids.get(&u));
            assert_eq!(info["recording_mbid"].as_str(), want.map(String::as_str));
            want.is_some()
        })
        .count();
    assert!(with_mbid > 0);
}

fn jspf_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export/jspf.schema.json"),
    )
    .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("schema compiles")
}

/// MusicBrainz's etiquette, at its real pace: one request a second, a User-Agent naming
/// spotsync; a generic User-Agent is what the service refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn musicbrainz_is_asked_at_most_once_a_second() {
    let (sim, env) = synced_library(40, 2).await;
    sim.reset_stats();
    mb_settings(&sim, json!({"reset_stats": true})).await;
    let started = std::time::Instant::now();
    let out = spotsync(
        &env,
        &sim,
        "musicbrainz",
        &["--limit", "4", "--contact", "me@example.com"],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        started.elapsed().as_secs_f64() >= 3.0,
        "4 requests take 3 s at least"
    );
    let stats = mb_stats(&sim).await;
    assert_eq!(stats["answered"], 4);
    assert_eq!(stats["rate_limited"], 0, "never too fast");
    assert!(stats["min_gap_ms"].as_u64().unwrap() >= 1000, "{stats}");
    let ua = format!("spotsync/{} ( me@example.com )", env!("CARGO_PKG_VERSION"));
    assert_eq!(stats["user_agents"][&ua], 4, "{stats}");
    let r = reqwest::Client::new()
        .get(format!("{}ws/2/isrc/USABC2600001?fmt=json", sim.base_url()))
        .header("User-Agent", "reqwest/0.12")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(sim.stats().total, 0, "MusicBrainz is not Spotify");
}
