//! The Stats screen on a database made only by importing a real export folder with the real
//! binary (`../shared/real-world/exports` beside the checkout, or the folder `SPOTSYNC_REAL_EXPORTS` names): it
//! opens on the month of that person's latest play with their top artists, tracks and albums
//! and a chart with plays; tab shows the year in review.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::store::browse::Period;
use spotsync::tui::app::{App, Msg};

use crate::fixtures::*;
use crate::library_db::send;
use crate::real_exports::real_exports;

/// `spotsync import FOLDER` into `dir/library.db` (nothing else writes it).
fn import(dir: &Path, folder: &Path) -> PathBuf {
    let db = dir.join("library.db");
    let out = Command::new(env!("CARGO_BIN_EXE_spotsync"))
        .arg("--db")
        .arg(&db)
        .arg("--config")
        .arg(dir.join("config.toml"))
        .arg("import")
        .arg(folder)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("HOME", dir)
        .env_remove("SPOTSYNC_DB")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn stats_of_an_imported_real_export_open_on_its_latest_month_and_review_its_year() {
    let folder = real_exports().join("efekeskiner_DSA210Project");
    assert!(folder.is_dir(), "{} is missing", folder.display());
    let dir = tempfile::tempdir().unwrap();
    let db = import(dir.path(), &folder);
    let mut app = idle();
    send(&mut app, &db, key('3'));
    let s = app.stats().stats().cloned().expect("statistics were read");
    // The export's plays end in 2024, two years before the fixtures' today.
    let Some(Period::Month { year: 2024, .. }) = s.period else {
        panic!("opens on the month of the latest play: {:?}", s.period);
    };
    assert_eq!(s.period, s.latest);
    assert!(s.per_day.iter().sum::<u64>() > 0, "a chart with plays");
    assert!(s.top_artists.len() >= 5, "{:?}", s.top_artists);
    assert!(s.top_tracks.len() >= 5, "{:?}", s.top_tracks);
    assert!(s.top_albums.len() >= 5, "{:?}", s.top_albums);
    for (w, h) in [(80, 24), (160, 48)] {
        app.update(Msg::Resize(w, h));
        let screen = render(&app, w, h);
        assert!(!screen.contains("no plays in this period"), "{screen}");
        insta::assert_snapshot!(format!("stats_real_{w}x{h}"), screen);
    }

    // tab: the year in review of 2024.
    send(&mut app, &db, code(crossterm::event::KeyCode::Tab));
    assert_eq!(app.stats().period(), Some(Period::Year(2024)));
    let r = app.stats().stats().unwrap().review.clone().unwrap();
    assert!(r.minutes > 1_000 && r.days > 10, "{r:?}");
    assert!(r.streak.is_some() && r.busiest_day.is_some(), "{r:?}");
    assert!(r.new_artist_count > 0);
    for (w, h) in [(80, 24), (160, 48)] {
        app.update(Msg::Resize(w, h));
        let screen = render(&app, w, h);
        assert!(screen.contains("2024 in review"), "{screen}");
        insta::assert_snapshot!(format!("stats_real_review_{w}x{h}"), screen);
    }
}
