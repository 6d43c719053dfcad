//! `export --format m3u8 --music-dir DIR` on a folder of real tagged files (MP3, FLAC, Ogg,
//! M4A) made for a synced library: a table of which liked song should land on which file, and
//! which on none.

use std::collections::BTreeMap;

use crate::audio::{self, Kind};
use crate::helpers::*;

/// A liked song, as the database has it.
#[derive(Debug, Clone)]
struct Song {
    uri: String,
    title: String,
    artist: String,
    seconds: f64,
    isrc: String,
}

fn liked_songs(c: &rusqlite::Connection, n: usize) -> Vec<Song> {
    c.prepare(
        "SELECT t.uri, t.name, t.duration_ms, t.isrc,
                (SELECT a.name FROM track_artists ta JOIN artists a ON a.id = ta.artist_id
                  WHERE ta.track_id = t.id ORDER BY ta.position LIMIT 1) AS artist
         FROM saved_tracks s JOIN tracks t ON t.id = s.track_id
         WHERE s.removed_at IS NULL ORDER BY s.added_at DESC, s.track_id LIMIT ?1",
    )
    .unwrap()
    .query_map([n as i64], |r| {
        Ok(Song {
            uri: r.get(0)?,
            title: r.get(1)?,
            seconds: r.get::<_, i64>(2)? as f64 / 1000.0,
            isrc: r.get(3)?,
            artist: r.get(4)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Shout it, strip nothing else: what a tagger with other habits writes.
fn accents_and_case(s: &str) -> String {
    s.to_uppercase().replace('E', "É")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn music_dir_matches_what_it_should_and_nothing_else() {
    let (sim, env) = synced_library(60, 2).await;
    let c = env.open();
    let songs = liked_songs(&c, 10);
    let music = env.dir.path().join("Music");
    let s = |i: usize| &songs[i];
    // (file, format, length, artist tag, title tag, ISRC tag)
    type Row<'a> = (&'a str, Kind, f64, String, String, Option<String>);
    let files: Vec<Row> = vec![
        // 0: by ISRC, whatever the names say.
        (
            "a/isrc.mp3",
            Kind::Mp3,
            s(0).seconds,
            "Someone Else".into(),
            "Other".into(),
            Some(s(0).isrc.to_lowercase()),
        ),
        // 1: names only, another case and accents, a "feat." part, 2 s longer.
        (
            "b/names.flac",
            Kind::Flac,
            s(1).seconds + 2.0,
            format!("{} feat. Guest", accents_and_case(&s(1).artist)),
            format!("{} (feat. Guest)", s(1).title.to_lowercase()),
            None,
        ),
        // 2: right names, 5 s longer: another recording.
        (
            "c/too-long.ogg",
            Kind::Ogg,
            s(2).seconds + 5.0,
            s(2).artist.clone(),
            s(2).title.clone(),
            None,
        ),
        // 3: a live version: another title.
        (
            "d/live.m4a",
            Kind::M4a,
            s(3).seconds,
            s(3).artist.clone(),
            format!("{} (Live)", s(3).title),
            None,
        ),
        // 4: two near-duplicates: the nearer in length wins.
        (
            "e/near.ogg",
            Kind::Ogg,
            s(4).seconds + 0.4,
            s(4).artist.clone(),
            s(4).title.clone(),
            None,
        ),
        (
            "e/far.m4a",
            Kind::M4a,
            s(4).seconds - 2.5,
            s(4).artist.clone(),
            s(4).title.clone(),
            None,
        ),
        // 5: ISRC beats names: the file named like it is not chosen.
        (
            "f/named.flac",
            Kind::Flac,
            s(5).seconds,
            s(5).artist.clone(),
            s(5).title.clone(),
            None,
        ),
        (
            "f/tagged.m4a",
            Kind::M4a,
            s(5).seconds + 10.0,
            "x".into(),
            "y".into(),
            Some(s(5).isrc.clone()),
        ),
        // 6: another artist with the same title.
        (
            "g/other-artist.mp3",
            Kind::Mp3,
            s(6).seconds,
            "Not The Artist".into(),
            s(6).title.clone(),
            None,
        ),
        // 7: all four formats read: an M4A by names.
        (
            "h/names.m4a",
            Kind::M4a,
            s(7).seconds - 1.0,
            s(7).artist.clone(),
            s(7).title.clone(),
            None,
        ),
    ];
    for (path, kind, secs, artist, title, isrc) in &files {
        audio::write(
            &music.join(path),
            *kind,
            *secs,
            artist,
            title,
            isrc.as_deref(),
        );
    }
    std::fs::write(music.join("broken.mp3"), b"not audio at all").unwrap();
    std::fs::write(music.join("notes.txt"), b"ignored").unwrap();
    let before: BTreeMap<_, _> = walk(&music);

    let table: Vec<(usize, Option<&str>)> = vec![
        (0, Some("a/isrc.mp3")),
        (1, Some("b/names.flac")),
        (2, None),
        (3, None),
        (4, Some("e/near.ogg")),
        (5, Some("f/tagged.m4a")),
        (6, None),
        (7, Some("h/names.m4a")),
        (8, None),
        (9, None),
    ];

    let out = export(
        &env,
        &sim,
        &[
            "liked",
            "--format",
            "m3u8",
            "--music-dir",
            "Music",
            "--out",
            "out",
            "--json",
        ],
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let m3u =
        std::fs::read_to_string(env.dir.path().join("out/playlists/Liked Songs.m3u8")).unwrap();
    let mut got: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut lines = m3u.lines().skip(2);
    let mut position = 0;
    while let Some(l) = lines.next() {
        let song = &songs.get(position);
        if let Some(rest) = l.strip_prefix("# not found: ") {
            if let Some(song) = song {
                assert!(rest.contains(&song.uri), "{rest}");
                got.insert(song.uri.clone(), None);
            }
        } else if l.starts_with("#EXTINF:") {
            let path = lines.next().unwrap();
            let rel = path
                .strip_prefix("../../Music/")
                .unwrap_or_else(|| panic!("relative: {path}"));
            if let Some(song) = song {
                got.insert(song.uri.clone(), Some(rel.to_string()));
            }
        } else {
            panic!("unexpected line {l:?}");
        }
        position += 1;
    }
    for (i, want) in &table {
        assert_eq!(
            got.get(&songs[*i].uri).cloned().flatten().as_deref(),
            *want,
            "song {i}: {:?}",
            songs[*i]
        );
    }
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let file = &summary["files"][0];
    let liked = count(
        &c,
        "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
        &[],
    );
    let matched = table.iter().filter(|(_, w)| w.is_some()).count();
    assert_eq!(file["items"].as_u64(), Some(matched as u64));
    assert_eq!(file["unmatched"].as_array().unwrap().len(), liked - matched);
    assert_eq!(walk(&music), before, "the music folder is not written");

    // Usage: --music-dir is for m3u8; a missing folder is an error that names it.
    let out = export(&env, &sim, &["--format", "csv", "--music-dir", "Music"]).await;
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let out = export(&env, &sim, &["--format", "m3u8", "--music-dir", "Nowhere"]).await;
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("Nowhere"), "{}", out.stderr);
}

fn walk(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.insert(p.display().to_string(), std::fs::read(&p).unwrap());
        }
    }
    out
}
