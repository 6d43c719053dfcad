//! Generated extended streaming history files of any size, shaped like Spotify's (one object
//! per row with every field, pretty-printed, ~16,000 rows per file), written as a stream.
//! Shared by the import tests and `benches/import.rs`.

#![allow(dead_code)]

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Rows per file, as in real exports.
pub const ROWS_PER_FILE: u64 = 16_000;
/// The `ip_addr` of every generated row.
pub const GEN_IP: &str = "192.0.2.201";

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A 22-character base62 id for track number `n`.
pub fn track_id(n: u64) -> String {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5151;
    (0..22)
        .map(|_| {
            let c = B62[(x % 62) as usize] as char;
            x = x / 62 + n.wrapping_mul(31);
            c
        })
        .collect()
}

/// Start of the generated history: 2014-01-01T00:00:00Z, in seconds.
pub const START_SECS: i64 = 1_388_534_400;

fn ts(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Row `i` of the generated history (its `ts` grows with `i`, ~3 minutes apart).
pub fn row(i: u64) -> String {
    let track = (i * 7_919) % 20_000;
    let ended = START_SECS + i as i64 * 181;
    let ms = 30_000 + (i % 200) * 1_000;
    let offline = i.is_multiple_of(9);
    format!(
        r#"    {{
        "ts": "{ts}",
        "platform": "Android OS 13 API 33 (Google, Pixel 7)",
        "ms_played": {ms},
        "conn_country": "DE",
        "ip_addr": "{GEN_IP}",
        "master_metadata_track_name": "Track {track}",
        "master_metadata_album_artist_name": "Artist {artist}",
        "master_metadata_album_album_name": "Album {album}",
        "spotify_track_uri": "spotify:track:{id}",
        "episode_name": null,
        "episode_show_name": null,
        "spotify_episode_uri": null,
        "audiobook_title": null,
        "audiobook_uri": null,
        "audiobook_chapter_uri": null,
        "audiobook_chapter_title": null,
        "reason_start": "trackdone",
        "reason_end": "{reason_end}",
        "shuffle": {shuffle},
        "skipped": {skipped},
        "offline": {offline},
        "offline_timestamp": {offline_ts},
        "incognito_mode": false
    }}"#,
        ts = ts(ended),
        artist = track % 3_000,
        album = track % 8_000,
        id = track_id(track),
        reason_end = if i % 4 == 1 { "fwdbtn" } else { "trackdone" },
        shuffle = i.is_multiple_of(2),
        skipped = i % 4 == 1,
        offline_ts = if offline {
            (ended - ms as i64 / 1000).to_string()
        } else {
            "null".into()
        },
    )
}

/// Write `rows` rows as `Streaming_History_Audio_<n>.json` files in `dir`.
pub fn write_history(dir: &Path, rows: u64) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("create export dir");
    let mut files = Vec::new();
    let mut i = 0;
    let mut n = 0;
    while i < rows {
        let path = dir.join(format!("Streaming_History_Audio_2014-2026_{n}.json"));
        let mut w =
            BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).expect("create"));
        w.write_all(b"[\n").expect("write");
        let end = (i + ROWS_PER_FILE).min(rows);
        while i < end {
            w.write_all(row(i).as_bytes()).expect("write");
            w.write_all(if i + 1 < end { b",\n" } else { b"\n" })
                .expect("write");
            i += 1;
        }
        w.write_all(b"]").expect("write");
        w.flush().expect("flush");
        files.push(path);
        n += 1;
    }
    files
}
