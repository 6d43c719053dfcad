//! Generated extended streaming history files of any size, shaped like the real exports in
//! `../shared/real-world/exports` (2024 and 2025 key sets, two-space pretty-printing, ~16,000
//! rows per file): short platform names, about 40 % of rows with non-ASCII names (Turkish,
//! Portuguese, Vietnamese, Japanese, emoji), one row in ten a podcast episode, a few names with
//! escaped quotes, `offline_timestamp` in seconds or null, `ms_played` 0 now and then, a
//! repeated `ts` now and then. Every row is a distinct play. Written as a stream.
//! Shared by the import tests and `benches/import.rs`.

#![allow(dead_code)]

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Rows per file, as in real exports.
pub const ROWS_PER_FILE: u64 = 16_000;
/// The `ip_addr` of every generated row.
pub const GEN_IP: &str = "192.0.2.201";

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A 22-character base62 id for item number `n`.
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

/// Words of titles, as the real files mix them (escaped quotes are written by [`json_str`]).
const WORDS: &[&str] = &[
    "Yandım",
    "Kafama Göre",
    "Sábana santa",
    "Hable con ella",
    "Tình yêu",
    "Người ấy",
    "夜に駆ける",
    "Love",
    "Night",
    "Remastered 2011",
    "Türk Lokumuyla",
    "Canção",
    "🔥",
    "feat.",
    "Live",
    "Acoustic",
    "Part II",
    "Midnight",
    "Saudade",
    "Blue",
];
const PLATFORMS: &[&str] = &["ios", "ios", "ios", "android", "windows", "osx"];
const COUNTRIES: &[&str] = &["TR", "PT", "US", "VN", "DE", "JP"];
const REASONS_START: &[&str] = &["trackdone", "trackdone", "clickrow", "fwdbtn", "playbtn"];
const REASONS_END: &[&str] = &["trackdone", "trackdone", "endplay", "fwdbtn", "logout"];

/// `n`'s name made of two or three words; about 40 % of them with non-ASCII characters.
fn name(prefix: &str, n: u64) -> String {
    let w = |k: u64| WORDS[(k % WORDS.len() as u64) as usize];
    let base = if n % 5 < 2 {
        format!("{} {}", w(n), w(n / 7 + 3))
    } else {
        format!("{prefix} {n}")
    };
    if n.is_multiple_of(97) {
        format!("{base} \"{}\"", w(n / 3))
    } else {
        base
    }
}

/// A JSON string literal (quotes and backslashes escaped, as Spotify writes them).
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn pick(list: &[&'static str], n: u64) -> &'static str {
    list[(n % list.len() as u64) as usize]
}

/// The end of row `i`, in seconds: ~3 minutes apart, every 500th row at the same second as the
/// one before it (a different item, so still a different play).
pub fn ended_secs(i: u64) -> i64 {
    let step = i - i / 500;
    START_SECS + step as i64 * 181
}

/// Row `i` of the generated history. `audiobook_keys`: the 2025 key set (with the four
/// `audiobook_*` keys, null), else the 2024 one.
pub fn row(i: u64, audiobook_keys: bool) -> String {
    let ended = ended_secs(i);
    let podcast = i % 10 == 3;
    let ms = if i.is_multiple_of(19) {
        0
    } else {
        30_000 + (i % 200) * 1_000
    };
    let (track, artist, album, track_uri, episode, show, episode_uri) = if podcast {
        let ep = (i * 31) % 2_000;
        (
            "null".to_string(),
            "null".to_string(),
            "null".to_string(),
            "null".to_string(),
            json_str(&name("Episode", ep)),
            json_str(&name("Show", ep % 60)),
            json_str(&format!("spotify:episode:{}", track_id(ep + 1_000_000))),
        )
    } else {
        let t = (i * 7_919) % 20_000;
        (
            json_str(&name("Track", t)),
            json_str(&name("Artist", t % 3_000)),
            json_str(&name("Album", t % 8_000)),
            json_str(&format!("spotify:track:{}", track_id(t))),
            "null".to_string(),
            "null".to_string(),
            "null".to_string(),
        )
    };
    let audiobook = if audiobook_keys {
        "\n    \"audiobook_title\": null,\n    \"audiobook_uri\": null,\n    \
         \"audiobook_chapter_uri\": null,\n    \"audiobook_chapter_title\": null,"
    } else {
        ""
    };
    let offline_ts = if i.is_multiple_of(7) {
        "null".to_string()
    } else {
        (ended - ms as i64 / 1000).to_string()
    };
    format!(
        r#"  {{
    "ts": "{ts}",
    "platform": "{platform}",
    "ms_played": {ms},
    "conn_country": "{country}",
    "ip_addr": "{GEN_IP}",
    "master_metadata_track_name": {track},
    "master_metadata_album_artist_name": {artist},
    "master_metadata_album_album_name": {album},
    "spotify_track_uri": {track_uri},
    "episode_name": {episode},
    "episode_show_name": {show},
    "spotify_episode_uri": {episode_uri},{audiobook}
    "reason_start": "{reason_start}",
    "reason_end": "{reason_end}",
    "shuffle": {shuffle},
    "skipped": {skipped},
    "offline": {offline},
    "offline_timestamp": {offline_ts},
    "incognito_mode": {incognito}
  }}"#,
        ts = ts(ended),
        platform = pick(PLATFORMS, i / 50),
        country = pick(COUNTRIES, i / 2_000),
        reason_start = pick(REASONS_START, i / 3),
        reason_end = pick(REASONS_END, i / 2),
        shuffle = i.is_multiple_of(2),
        skipped = i % 4 == 1,
        offline = i.is_multiple_of(9),
        incognito = i.is_multiple_of(101),
    )
}

/// Write `rows` rows as `Streaming_History_Audio_<years>_<n>.json` files in `dir`, alternating
/// the 2025 and 2024 key sets from file to file.
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
            w.write_all(row(i, n % 2 == 0).as_bytes()).expect("write");
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
