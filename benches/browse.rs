//! Library and Stats screen figures (run with `cargo bench --bench browse`), on a database of
//! 100,000 liked tracks and 500,000 plays written straight into SQLite:
//!
//! 1. time to first list: the Liked songs query on a read-only connection, the rows into the
//!    app, the first frame; and the store's read of that tab against baselines in the same
//!    run: the same SQL over a plain read-only connection (opened as the store opens its
//!    readers), each row read by position into a tuple, and each column read by name (the
//!    ratios are what to compare between runs: the machine may be shared);
//! 2. filter keystroke to redraw at 100k rows (aim < 30 ms);
//! 3. frame time of the Library screen (aim < 2 ms);
//! 4. the statistics queries (aim < 200 ms);
//! 5. peak memory (VmHWM, aim < 100 MB) from after the database is built, up to the Stats screen
//!    (the keystroke timings copy the app) and from there; the app's own steps (the Liked songs
//!    list, a month's and a year's stats) alone in a fresh process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may fail loudly

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rusqlite::{Connection, OpenFlags, params};
use spotsync::store::Store;
use spotsync::store::browse::{self, Query, Tab};
use spotsync::sync::StatusSnapshot;
use spotsync::tui::app::{Action, App, Msg, Setup};

const TRACKS: usize = 100_000;
const PLAYS: usize = 500_000;
const ALBUMS: usize = 10_000;
const ARTISTS: usize = 5_000;
const PLAYLISTS: usize = 200;

const WORDS: [&str; 40] = [
    "love", "night", "dream", "fire", "heart", "blue", "summer", "rain", "city", "light", "shadow",
    "river", "gold", "midnight", "echo", "wild", "ocean", "star", "moon", "storm", "velvet",
    "electric", "silver", "paper", "glass", "neon", "winter", "desert", "honey", "ghost", "garden",
    "highway", "radio", "crystal", "thunder", "sugar", "broken", "golden", "dancing", "secret",
];

/// A small deterministic generator (no dependency, same database every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn words(&mut self, n: usize) -> String {
        let w: Vec<String> = (0..n)
            .map(|_| {
                let w = WORDS[self.next() % WORDS.len()];
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        w.join(" ")
    }
}

fn build(db: &Path) {
    // The store creates the schema; the rows go in over a plain connection.
    drop(Store::open(db).unwrap());
    let conn = rusqlite::Connection::open(db).unwrap();
    let c = &conn;
    let mut r = Lcg(42);
    c.execute_batch("BEGIN").unwrap();
    {
        let mut st = c
            .prepare("INSERT INTO artists (id, name) VALUES (?1, ?2)")
            .unwrap();
        for i in 0..ARTISTS {
            st.execute(params![format!("ar{i}"), r.words(2)]).unwrap();
        }
        let mut st = c
            .prepare("INSERT INTO albums (id, name, release_date) VALUES (?1, ?2, ?3)")
            .unwrap();
        let mut aa = c
            .prepare("INSERT INTO album_artists (album_id, artist_id, position) VALUES (?1, ?2, 0)")
            .unwrap();
        for i in 0..ALBUMS {
            let date = format!(
                "{}-0{}-1{}",
                1960 + r.next() % 65,
                1 + r.next() % 9,
                r.next() % 10
            );
            st.execute(params![format!("al{i}"), r.words(3), date])
                .unwrap();
            aa.execute(params![format!("al{i}"), format!("ar{}", i % ARTISTS)])
                .unwrap();
        }
        let mut st = c
            .prepare(
                "INSERT INTO tracks (id, name, album_id, duration_ms, track_number, isrc)
                 VALUES (?1, ?2, ?3, 200000, ?4, ?5)",
            )
            .unwrap();
        let mut ta = c
            .prepare(
                "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, ?2, ?3)",
            )
            .unwrap();
        let mut saved = c
            .prepare(
                "INSERT INTO saved_tracks (track_id, added_at, removed_at) VALUES (?1, ?2, ?3)",
            )
            .unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        for i in 0..TRACKS {
            let id = format!("t{i:06}");
            let album = i % ALBUMS;
            let n_words = 1 + r.next() % 4;
            st.execute(params![
                id,
                r.words(n_words),
                format!("al{album}"),
                (i % 12 + 1) as i64,
                format!("ISRC{i:08}")
            ])
            .unwrap();
            ta.execute(params![id, format!("ar{}", album % ARTISTS), 0])
                .unwrap();
            if i % 7 == 0 {
                ta.execute(params![id, format!("ar{}", r.next() % ARTISTS), 1])
                    .unwrap();
            }
            let added = spotsync::store::ts(t0 - chrono::Duration::minutes((i * 13) as i64));
            let removed = (i % 50 == 0).then(|| spotsync::store::ts(t0));
            saved.execute(params![id, added, removed]).unwrap();
        }
        let mut pl = c
            .prepare(
                "INSERT INTO playlists (id, name, owner_id, items_status, list_position)
                 VALUES (?1, ?2, 'me', 'synced', ?3)",
            )
            .unwrap();
        let mut pi = c
            .prepare(
                "INSERT INTO playlist_items (playlist_id, position, item_type, track_id)
                 VALUES (?1, ?2, 'track', ?3)",
            )
            .unwrap();
        for p in 0..PLAYLISTS {
            pl.execute(params![format!("pl{p}"), r.words(2), p as i64])
                .unwrap();
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
                "INSERT INTO plays (played_at, source, api_played_at, track_id)
                 VALUES (?1, 'api', ?1, ?2)",
            )
            .unwrap();
        // 500,000 plays over about three years, newest at t0.
        for i in 0..PLAYS {
            let at = t0 - chrono::Duration::seconds((i * 190 + r.next() % 60) as i64);
            let n = play
                .execute(params![
                    spotsync::store::ts(at),
                    format!("t{:06}", r.next() % TRACKS)
                ])
                .unwrap();
            assert_eq!(n, 1, "a play row is written");
        }
    }
    c.execute_batch("COMMIT").unwrap();
}

fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The peak memory so far, in MB, for the figures of each step.
fn peak_mb() -> String {
    vm_hwm_kb().map_or_else(|| "?".to_string(), |k| (k / 1024).to_string())
}

/// Print the peak memory so far, after `step`.
fn peak_after(step: &str) {
    println!("   peak memory {step}: {} MB", peak_mb());
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) -> Duration {
    let start = Instant::now();
    terminal.draw(|f| app.draw(f)).unwrap();
    start.elapsed()
}

/// Carry out the reads an update asked for, at once, timing them.
fn act(app: &mut App, db: &Path, action: Option<Action>) -> Duration {
    let mut took = Duration::ZERO;
    match action {
        Some(Action::Browse(q)) => {
            let start = Instant::now();
            let answer = browse::run(db, &q);
            app.update(Msg::Browse { query: q, answer });
            took += start.elapsed();
        }
        Some(Action::Many(v)) => {
            for a in v {
                took += act(app, db, Some(a));
            }
        }
        _ => {}
    }
    took
}

/// The Liked songs tab's query, written out: the baseline's SQL.
const LIKED_SQL: &str = "WITH pc AS (SELECT track_id, count(*) AS n FROM plays
                 WHERE track_id IS NOT NULL GROUP BY track_id),
     named AS (SELECT lower(track_name) AS track, lower(artist_name) AS artist,
                      count(*) AS n FROM plays
               WHERE track_id IS NULL AND COALESCE(item_type, 'track') = 'track'
                 AND track_name IS NOT NULL AND artist_name IS NOT NULL
               GROUP BY lower(track_name), lower(artist_name)),
     inpl AS (SELECT pi.track_id, group_concat(pl.name, char(31)) AS names
              FROM playlist_items pi JOIN playlists pl ON pl.id = pi.playlist_id
              WHERE pi.track_id IS NOT NULL AND pl.removed_at IS NULL
              GROUP BY pi.track_id)
     SELECT t.id, COALESCE(t.name, ''),
            COALESCE((SELECT group_concat(ar.name, ', ' ORDER BY ta.position)
                      FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id
                      WHERE ta.track_id = t.id), ''),
            COALESCE(al.name, ''), al.release_date, s.added_at, s.removed_at,
            COALESCE(pc.n, 0) + COALESCE((SELECT named.n FROM named
                WHERE named.track = lower(t.name)
                  AND named.artist = (SELECT lower(ar.name) FROM track_artists ta
                                      JOIN artists ar ON ar.id = ta.artist_id
                                      WHERE ta.track_id = t.id
                                      ORDER BY ta.position LIMIT 1)), 0),
            COALESCE(inpl.names, '')
     FROM saved_tracks s JOIN tracks t ON t.id = s.track_id
     LEFT JOIN albums al ON al.id = t.album_id
     LEFT JOIN pc ON pc.track_id = t.id
     LEFT JOIN inpl ON inpl.track_id = t.id
     ORDER BY s.added_at DESC, t.id";

type PlainRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    String,
);

/// A baseline: the Liked songs query over a plain read-only connection, each column read by
/// position (`by_name` false) or by its name; the rows read.
fn liked_plain(db: &Path, by_name: bool) -> usize {
    let c = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    let mut st = c.prepare(LIKED_SQL).unwrap();
    let names: Vec<String> = st.column_names().iter().map(|n| n.to_string()).collect();
    let rows: Vec<PlainRow> = st
        .query_map([], |r| {
            if by_name {
                let n = |i: usize| names[i].as_str();
                Ok((
                    r.get(n(0))?,
                    r.get(n(1))?,
                    r.get(n(2))?,
                    r.get(n(3))?,
                    r.get(n(4))?,
                    r.get(n(5))?,
                    r.get(n(6))?,
                    r.get(n(7))?,
                    r.get(n(8))?,
                ))
            } else {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            }
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.len()
}

/// The median of `times`.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The store's read of the Liked songs tab against the baselines, in turn, 9 times each: the
/// medians and their ratios to the read by position.
fn liked_against_plain(db: &Path) {
    let (mut store, mut by_position, mut by_name) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..9 {
        let start = Instant::now();
        let n_store = match browse::run(db, &Query::Tab(Tab::Liked)) {
            Ok(browse::Answer::Rows(_, r)) => r.len(),
            other => panic!("no rows: {other:?}"),
        };
        store.push(start.elapsed());
        let start = Instant::now();
        let n_position = liked_plain(db, false);
        by_position.push(start.elapsed());
        let start = Instant::now();
        let n_name = liked_plain(db, true);
        by_name.push(start.elapsed());
        assert_eq!(
            (n_store, n_store),
            (n_position, n_name),
            "the baselines read the same rows"
        );
    }
    let (store, by_position, by_name) = (median(store), median(by_position), median(by_name));
    let ratio = |d: Duration| d.as_secs_f64() / by_position.as_secs_f64();
    println!(
        "   Liked songs (medians of 9): the store's read {} ({:.2}× the same SQL read by \
         position on a plain connection, {}); read by column name there {} ({:.2}×)",
        ms(store),
        ratio(store),
        ms(by_position),
        ms(by_name),
        ratio(by_name)
    );
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Names the database in the child process that runs [`app_peak`].
const APP_PEAK: &str = "BROWSE_BENCH_APP_PEAK";

/// The app's own steps in a fresh process: the Liked songs list, then the Stats screen's month
/// and year, as a user goes; prints the peak memory.
fn app_peak(db: &Path) {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mut app = App::new(StatusSnapshot::default(), now, Setup::default());
    app.update(Msg::Resize(200, 60));
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let tab = Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    for msg in [key('2'), key('3'), tab] {
        let action = app.update(msg);
        act(&mut app, db, action);
        draw(&mut terminal, &app);
    }
    println!("{}", peak_mb());
}

/// [`app_peak`] in a child process.
fn app_peak_child(db: &Path) -> String {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe).env(APP_PEAK, db).output();
    let out = out.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn main() {
    if let Some(db) = std::env::var_os(APP_PEAK) {
        app_peak(Path::new(&db));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("browse-100k.db");
    let start = Instant::now();
    build(&db);
    println!(
        "database: {TRACKS} tracks ({} liked), {PLAYS} plays, {ALBUMS} albums, {ARTISTS} artists, \
         {PLAYLISTS} playlists × 100 items, built in {:.1} s, {} MB on disk",
        TRACKS,
        start.elapsed().as_secs_f64(),
        std::fs::metadata(&db)
            .map(|m| m.len() / 1_000_000)
            .unwrap_or(0)
    );
    // Peak memory from here on (the build above is not part of the app).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = vm_hwm_kb();

    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mut app = App::new(StatusSnapshot::default(), now, Setup::default());
    app.update(Msg::Resize(200, 60));
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();

    // 1. Time to first list.
    let start = Instant::now();
    let action = app.update(key('2'));
    let query = act(&mut app, &db, action);
    let frame = draw(&mut terminal, &app);
    println!(
        "1. time to first list (Liked songs, {} rows): {} (query + rows into the app {}, first frame {})",
        app.library().current().rows().len(),
        ms(start.elapsed()),
        ms(query),
        ms(frame)
    );
    peak_after("so far");
    liked_against_plain(&db);
    for tab in [
        Tab::Playlists,
        Tab::Albums,
        Tab::Artists,
        Tab::Plays,
        Tab::Changes,
    ] {
        let start = Instant::now();
        let answer = browse::run(&db, &Query::Tab(tab));
        let rows = match &answer {
            Ok(browse::Answer::Rows(_, r)) => r.len(),
            _ => 0,
        };
        println!(
            "   {:<12} {rows:>7} rows in {}",
            tab.title(),
            ms(start.elapsed())
        );
    }

    peak_after("after the Liked songs baselines and the other tabs");

    // 2. Filter keystroke to redraw: each keystroke 7 times from the same state; the median
    // (the machine is shared: single runs are noisy).
    app.update(key('/'));
    let mut medians = Vec::new();
    let typed = "night lo";
    let mut text = String::new();
    let steps: Vec<(String, Msg)> = typed
        .chars()
        .map(|c| (c, key(c)))
        .chain(typed.chars().rev().map(|c| {
            (
                c,
                Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            )
        }))
        .map(|(c, msg)| {
            let before = text.clone();
            if matches!(&msg, Msg::Key(k) if k.code == KeyCode::Backspace) {
                text.pop();
            } else {
                text.push(c);
            }
            (before, msg)
        })
        .collect();
    for (before, msg) in steps {
        let mut times = Vec::new();
        // Every run from the same state (the filter line reading `before`).
        let from = app.clone();
        for _ in 0..7 {
            app = from.clone();
            let start = Instant::now();
            app.update(msg.clone());
            draw(&mut terminal, &app);
            times.push(start.elapsed());
        }
        times.sort();
        medians.push(times[3]);
        println!(
            "   {:?} → {:?}: {} rows shown, median {} (min {}, max {})",
            before,
            app.library().filter_text(),
            app.library().current().shown().len(),
            ms(times[3]),
            ms(times[0]),
            ms(times[6])
        );
    }
    let mean = medians.iter().sum::<Duration>() / medians.len() as u32;
    let worst = medians.iter().max().copied().unwrap_or_default();
    let start = Instant::now();
    for c in "artist:love year:1990..1999 ".chars() {
        app.update(key(c));
    }
    draw(&mut terminal, &app);
    println!(
        "   prefixes \"artist:love year:1990..1999\" typed in one go: {} rows, {}",
        app.library().current().shown().len(),
        ms(start.elapsed())
    );
    println!(
        "2. filter keystroke to redraw at {} rows: mean of medians {}, worst median {} (aim < 30 ms)",
        app.library().current().rows().len(),
        ms(mean),
        ms(worst)
    );
    app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    for _ in 0..4 {
        let start = Instant::now();
        app.update(key('o'));
        draw(&mut terminal, &app);
        println!(
            "   o: sorted by {:?} and redrawn in {}",
            app.library().sort(),
            ms(start.elapsed())
        );
    }

    peak_after("after the keystroke timings (each from a copy of the app)");

    // 3. Frame time.
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        app.update(Msg::Resize(w, h));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        let n = 200;
        let mut total = Duration::ZERO;
        for i in 0..n {
            app.update(Msg::Key(KeyEvent::new(
                if i % 2 == 0 {
                    KeyCode::Down
                } else {
                    KeyCode::PageDown
                },
                KeyModifiers::NONE,
            )));
            total += draw(&mut terminal, &app);
        }
        println!(
            "3. Library frame at {w}×{h}: mean {} (aim < 2 ms)",
            ms(total / n)
        );
    }

    // 4. Stats. The peak restarts here (what the allocator kept of the copies stays resident).
    let before_stats = vm_hwm_kb();
    peak_after("before the Stats screen");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    peak_after("restarts from what is resident");
    let start = Instant::now();
    let action = app.update(key('3'));
    let query = act(&mut app, &db, action);
    let frame = draw(&mut terminal, &app);
    peak_after("after a month's stats");
    let year_start = Instant::now();
    let action = app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    let year = act(&mut app, &db, action);
    peak_after("after a year's stats");
    println!(
        "4. stats queries (90 days, month's tops, clock, coverage over {PLAYS} plays): {} \
         (a whole year: {}); first stats frame {}; all {} (aim < 200 ms)",
        ms(query),
        ms(year),
        ms(frame),
        ms(start.elapsed() - year_start.elapsed() + year)
    );

    // 5. Peak memory: the highest of the two spans measured.
    let [b, before, stats] = [base, before_stats, vm_hwm_kb()].map(|k| k.unwrap_or(0) / 1024);
    println!(
        "5. peak memory (VmHWM): {} MB (at the start of the measurements: {b} MB; up to the \
         Stats screen {before} MB, from there {stats} MB) (aim < 100 MB)",
        before.max(stats)
    );
    println!(
        "   the app's own steps alone (Liked songs, then a month's and a year's stats, in a \
         fresh process): {} MB",
        app_peak_child(&db)
    );
}
