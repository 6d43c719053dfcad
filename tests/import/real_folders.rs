//! The counts of every real export folder, written down: rows read and plays kept (all, from
//! the extended history, from account data), each folder in its own database. The rule for
//! "each play once" is the README's: rows identical in time, item and `ms_played` are one play
//! (the exact duplicates the folders carry: BernardoMarta 8, Th1nhNg0 4, acidnbase 4,
//! lshatkin 21), and an account row is the extended row of the same play when both are there
//! (fdac25's 6 account rows). A second import of a folder adds and merges nothing.

use crate::common::*;
use crate::real_exports::real_exports;

/// Folder, rows, plays, extended plays, account plays.
const FOLDERS: [(&str, u64, i64, i64, i64); 10] = [
    ("BernardoMarta_Spotify", 4997, 4989, 4989, 0),
    (
        "Prof-Starsky_Spotify-Extended-Streaming-History",
        223,
        223,
        223,
        0,
    ),
    (
        "Th1nhNg0_Spotify-Extended-Streaming-History",
        2752,
        2748,
        2748,
        0,
    ),
    ("acidnbase_My-Spotify-EDA", 1116, 1112, 1112, 0),
    (
        "cosmoduende_r-spotify-history-analysis",
        6866,
        6866,
        0,
        6866,
    ),
    ("efekeskiner_DSA210Project", 6167, 6167, 6167, 0),
    ("fdac25_spVis", 519, 513, 513, 0),
    (
        "hobbies-w-erin_Spotify-Account-Data",
        10608,
        10608,
        0,
        10608,
    ),
    ("lshatkin_What_I_Listen", 5124, 5103, 5103, 0),
    (
        "mariovalkovic_spotify_data_exploration",
        1350,
        1350,
        1350,
        0,
    ),
];

#[test]
fn each_real_folder_keeps_the_plays_counted_here_and_nothing_personal() {
    let root = real_exports();
    for (folder, rows, plays, extended, account) in FOLDERS {
        let env = Env::new();
        let (code, summary, stderr) = env.import(&[&root.join(folder)]);
        assert_eq!(code, 0, "{folder}: {stderr}");
        assert_eq!(summary["failed"], 0, "{folder}: {summary:#}");
        assert_eq!(summary["rows"], rows, "{folder}");
        let (_, ext, acc) = env.by_source();
        assert_eq!(
            (env.count("SELECT COUNT(*) FROM plays"), ext, acc),
            (plays, extended, account),
            "{folder}: {summary:#}"
        );
        // The database, its WAL and its shared memory.
        let bytes = env.db_bytes();
        for needle in ["REDACTED-ip", "REDACTED-ua"] {
            assert!(!contains(&bytes, needle), "{folder}: {needle} stored");
        }
        let (code, again, _) = env.import(&[&root.join(folder)]);
        assert_eq!(code, 0);
        assert_eq!(
            (again["added"].as_u64(), again["merged"].as_u64()),
            (Some(0), Some(0))
        );
        assert_eq!(env.count("SELECT COUNT(*) FROM plays"), plays, "{folder}");
    }
}
