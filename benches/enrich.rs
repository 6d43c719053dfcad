//! What to enrich first, on a 20,000-track library written straight into SQLite (8,000
//! albums, 4,000 artists, 100 playlists of 100 entries, 100,000 plays), nothing enriched yet:
//!
//! 1. one `unenriched` call, the value order of every album / artist with its limit of one
//!    batch (1 in Development Mode, 20 albums / 50 artists with Extended Quota);
//! 2. the same for every id at once (what the enrichment phase reads once per run);
//! 3. `still_unenriched` over one batch (what the phase checks before each request).
//!
//! Run: `cargo bench --bench enrich` (release). Prints one line per figure (median of 15).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may fail loudly

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::params;
use spotsync::store::Store;
use spotsync::store::library::EnrichTable;

const TRACKS: usize = 20_000;
const ALBUMS: usize = 8_000;
const ARTISTS: usize = 4_000;
const PLAYLISTS: usize = 100;
const PLAYS: usize = 100_000;
const RUNS: usize = 15;

/// A small deterministic generator (same database every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
}

fn build(db: &Path) {
    drop(Store::open(db).unwrap());
    let c = rusqlite::Connection::open(db).unwrap();
    let mut r = Lcg(7);
    c.execute_batch("BEGIN").unwrap();
    {
        let mut st = c
            .prepare("INSERT INTO artists (id, name) VALUES (?1, ?1)")
            .unwrap();
        for i in 0..ARTISTS {
            st.execute([format!("ar{i:05}")]).unwrap();
        }
        let mut st = c
            .prepare("INSERT INTO albums (id, name) VALUES (?1, ?1)")
            .unwrap();
        let mut aa = c
            .prepare("INSERT INTO album_artists (album_id, artist_id, position) VALUES (?1, ?2, 0)")
            .unwrap();
        for i in 0..ALBUMS {
            st.execute([format!("al{i:05}")]).unwrap();
            aa.execute(params![
                format!("al{i:05}"),
                format!("ar{:05}", i % ARTISTS)
            ])
            .unwrap();
        }
        let mut st = c
            .prepare("INSERT INTO tracks (id, name, album_id) VALUES (?1, ?1, ?2)")
            .unwrap();
        let mut ta = c
            .prepare(
                "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, ?2, ?3)",
            )
            .unwrap();
        let mut saved = c
            .prepare("INSERT INTO saved_tracks (track_id, added_at) VALUES (?1, '2025-01-01')")
            .unwrap();
        for i in 0..TRACKS {
            let id = format!("t{i:06}");
            let album = r.next() % ALBUMS;
            st.execute(params![id, format!("al{album:05}")]).unwrap();
            ta.execute(params![id, format!("ar{:05}", album % ARTISTS), 0])
                .unwrap();
            if i % 7 == 0 {
                ta.execute(params![id, format!("ar{:05}", r.next() % ARTISTS), 1])
                    .unwrap();
            }
            saved.execute([&id]).unwrap();
        }
        let mut pl = c
            .prepare("INSERT INTO playlists (id, name, items_status) VALUES (?1, ?1, 'synced')")
            .unwrap();
        let mut pi = c
            .prepare(
                "INSERT INTO playlist_items (playlist_id, position, item_type, track_id)
                 VALUES (?1, ?2, 'track', ?3)",
            )
            .unwrap();
        for p in 0..PLAYLISTS {
            pl.execute([format!("pl{p}")]).unwrap();
            for k in 0..100 {
                pi.execute(params![
                    format!("pl{p}"),
                    k as i64,
                    format!("t{:06}", r.next() % TRACKS)
                ])
                .unwrap();
            }
        }
        let mut play = c
            .prepare(
                "INSERT INTO plays (played_at, source, item_type, track_id)
                 VALUES (?1, 'extended', 'track', ?2)",
            )
            .unwrap();
        for i in 0..PLAYS {
            // Skewed: a tenth of the library gets most of the plays.
            let t = if r.next().is_multiple_of(4) {
                r.next() % TRACKS
            } else {
                r.next() % (TRACKS / 10)
            };
            play.execute(params![format!("2024-{i:07}"), format!("t{t:06}")])
                .unwrap();
        }
    }
    c.execute_batch("COMMIT").unwrap();
}

fn median(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("enrich.db");
    let t = Instant::now();
    build(&db);
    println!(
        "built: {TRACKS} tracks, {ALBUMS} albums, {ARTISTS} artists, {PLAYS} plays in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let store = Store::open(&db).unwrap();
    let q = store.sql();
    for (table, name, batch) in [
        (EnrichTable::Albums, "albums", 20),
        (EnrichTable::Artists, "artists", 50),
    ] {
        let all = q.unenriched(table, usize::MAX).unwrap();
        assert_eq!(all.len(), if name == "albums" { ALBUMS } else { ARTISTS });
        for limit in [1, batch] {
            let d = median(|| {
                let ids = q.unenriched(table, limit).unwrap();
                assert_eq!(ids.len(), limit);
            });
            println!("unenriched({name}, {limit}): {}", ms(d));
        }
        let d = median(|| {
            q.unenriched(table, usize::MAX).unwrap();
        });
        println!("unenriched({name}, all {}): {}", all.len(), ms(d));
        let first: Vec<String> = all[..batch].to_vec();
        let d = median(|| {
            assert_eq!(q.still_unenriched(table, &first).unwrap().len(), batch);
        });
        println!("still_unenriched({name}, {batch}): {}", ms(d));
    }
}
