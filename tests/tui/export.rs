//! `e` and `E` on the Library screen: the export each tab asks for, the format cycle, the notice
//! on the outcome, and the real export (the function the event loop runs) into a directory.

use std::path::PathBuf;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::store::browse::Tab;
use spotsync::tui::app::{Action, App, Msg, NoticeLevel, Screen, Setup};
use spotsync::tui::export::{self, ExportRequest, ExportWhat};
use spotsync_core::export::{Format, Section, Written, csv};

use crate::fixtures::*;
use crate::library_db::{build, library_app_with, send};

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal.backend().to_string()
}

fn out_dir() -> PathBuf {
    PathBuf::from("/home/me/spotsync-export")
}

/// The app on `tab` of the fixed library, exporting into [`out_dir`].
fn on_tab(db: &std::path::Path, tab: Tab) -> App {
    on_tab_into(db, tab, out_dir())
}

/// The app on `tab` of the fixed library, exporting into `dir`.
fn on_tab_into(db: &std::path::Path, tab: Tab, dir: PathBuf) -> App {
    let setup = Setup {
        export_dir: dir,
        ..setup()
    };
    library_app_with(db, tab, setup)
}

fn request(what: ExportWhat, format: Format) -> Action {
    Action::Export(ExportRequest {
        what,
        format,
        dir: out_dir(),
    })
}

fn notice(app: &App) -> (NoticeLevel, String) {
    let n = app.notice().cloned().expect("a notice");
    (n.level, n.text)
}

fn quoted(header: &[&str]) -> String {
    header
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn e_asks_for_the_export_of_each_tab() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let cases = [
        (Tab::Liked, ExportWhat::Liked),
        (
            Tab::Playlists,
            ExportWhat::Playlist {
                id: "pl1".into(),
                name: "Road Trip".into(),
            },
        ),
        (Tab::Albums, ExportWhat::Albums),
        (Tab::Artists, ExportWhat::Artists),
        (Tab::Plays, ExportWhat::Plays),
    ];
    for (tab, what) in cases {
        let mut app = on_tab(&db, tab);
        let label = what.label();
        assert_eq!(
            app.update(key('e')),
            Some(request(what, Format::Csv)),
            "{tab:?}"
        );
        let (level, text) = notice(&app);
        assert_eq!(level, NoticeLevel::Info);
        assert!(
            text.contains(&label) && text.contains("/home/me/spotsync-export"),
            "{text}"
        );
    }
    // The selected playlist, not the first one.
    let mut app = on_tab(&db, Tab::Playlists);
    send(&mut app, &db, code(KeyCode::Down));
    assert_eq!(
        app.update(key('e')),
        Some(request(
            ExportWhat::Playlist {
                id: "pl2".into(),
                name: "Late Night".into()
            },
            Format::Csv
        ))
    );
    // A playlist that left the library (shown with the `removed` filter): nothing to export
    // now, and how to get it.
    send(&mut app, &db, key('/'));
    for c in "removed".chars() {
        send(&mut app, &db, key(c));
    }
    send(&mut app, &db, code(KeyCode::Enter));
    assert_eq!(
        app.library().current().selected_row().unwrap().name,
        "Old Favourites"
    );
    assert_eq!(app.update(key('e')), None);
    let (level, text) = notice(&app);
    assert_eq!(level, NoticeLevel::Warn);
    assert!(
        text.contains("Old Favourites") && text.contains("--as-of"),
        "{text}"
    );
    // The Changes tab exports nothing, and says so.
    let mut app = on_tab(&db, Tab::Changes);
    assert_eq!(app.update(key('e')), None);
    assert_eq!(notice(&app).0, NoticeLevel::Warn);
    // While a filter is typed, e is text.
    let mut app = on_tab(&db, Tab::Liked);
    app.update(key('/'));
    assert_eq!(app.update(key('e')), None);
    assert_eq!(app.library().filter_text(), "e");
    // On the Sync screen, e does nothing.
    let mut app = idle();
    assert_eq!(app.update(key('e')), None);
}

#[test]
fn shift_e_cycles_the_format_and_tables_stay_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let mut app = on_tab(&db, Tab::Liked);
    assert_eq!(app.update(key('E')), None);
    assert_eq!(app.export_format(), Format::Json);
    assert!(notice(&app).1.contains("JSON"), "{:?}", app.notice());
    assert_eq!(
        app.update(key('e')),
        Some(request(ExportWhat::Liked, Format::Json))
    );
    app.update(key('E'));
    app.update(key('E'));
    assert_eq!(app.export_format(), Format::Jspf);
    assert_eq!(
        app.update(key('e')),
        Some(request(ExportWhat::Liked, Format::Jspf))
    );
    // Albums are a table: a track-list format writes them as CSV.
    send(&mut app, &db, code(KeyCode::Tab));
    send(&mut app, &db, code(KeyCode::Tab));
    assert_eq!(app.library().tab(), Tab::Albums);
    assert_eq!(
        app.update(key('e')),
        Some(request(ExportWhat::Albums, Format::Csv))
    );
    app.update(key('E'));
    assert_eq!(app.export_format(), Format::Xspf);
    // ListenBrainz takes listens only: albums stay CSV, the liked songs go as JSPF.
    app.update(key('E'));
    assert_eq!(app.export_format(), Format::ListenBrainz);
    assert!(
        notice(&app).1.contains("ListenBrainz"),
        "{:?}",
        app.notice()
    );
    assert_eq!(
        app.update(key('e')),
        Some(request(ExportWhat::Albums, Format::Csv))
    );
    send(&mut app, &db, code(KeyCode::BackTab));
    send(&mut app, &db, code(KeyCode::BackTab));
    assert_eq!(app.library().tab(), Tab::Liked);
    assert_eq!(
        app.update(key('e')),
        Some(request(ExportWhat::Liked, Format::Jspf))
    );
    app.update(key('E'));
    assert_eq!(app.export_format(), Format::Csv);
    // The help lists the keys and where the files go.
    app.update(key('?'));
    let help = render(&app, 80, 24);
    assert!(help.contains("e  E"), "{help}");
    assert!(help.contains("/home/me/spotsync-export (CSV)"), "{help}");
}

#[test]
fn the_outcome_is_a_notice() {
    let mut app = idle();
    let req = ExportRequest {
        what: ExportWhat::Playlist {
            id: "pl1".into(),
            name: "Road Trip".into(),
        },
        format: Format::Csv,
        dir: out_dir(),
    };
    let path = out_dir().join("Road Trip.csv");
    let action = app.update(Msg::Exported {
        request: req.clone(),
        result: Ok(vec![Written {
            path: path.clone(),
            format: Format::Csv,
            section: Section::Playlist,
            items: 6,
            left_out: 0,
        }]),
    });
    assert_eq!(action, None);
    let (level, text) = notice(&app);
    assert_eq!(level, NoticeLevel::Info);
    assert_eq!(
        text,
        "Wrote /home/me/spotsync-export/Road Trip.csv (playlist “Road Trip”, 6 items)"
    );
    // On the Library screen at 80×24.
    app.update(key('2'));
    assert_eq!(app.screen(), Screen::Library);
    app.update(Msg::Resize(80, 24));
    let screen = render(&app, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    insta::assert_snapshot!(
        "export_notice_80x24",
        lines[lines.len().saturating_sub(2)..].join("\n")
    );
    // A failure says what failed and why.
    app.update(Msg::Exported {
        request: req,
        result: Err(
            "cannot write /home/me/spotsync-export/Road Trip.csv: Permission denied".into(),
        ),
    });
    let (level, text) = notice(&app);
    assert_eq!(level, NoticeLevel::Error);
    assert_eq!(
        text,
        "Export of playlist “Road Trip” failed: cannot write \
         /home/me/spotsync-export/Road Trip.csv: Permission denied"
    );
}

#[test]
fn the_real_export_writes_the_files_and_the_notice_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let out = dir.path().join("spotsync-export");
    // The selected playlist, in CSV.
    let mut app = on_tab_into(&db, Tab::Playlists, out.clone());
    let Some(Action::Export(req)) = app.update(key('e')) else {
        panic!("e asks for an export");
    };
    let result = export::run(&db, &req);
    let path = out.join("Road Trip.csv");
    assert_eq!(result.as_ref().unwrap()[0].path, path);
    // Six entries, one of them unavailable: Exportify writes no row for it.
    assert_eq!(result.as_ref().unwrap()[0].items, 5);
    app.update(Msg::Exported {
        request: req,
        result,
    });
    let (level, text) = notice(&app);
    assert_eq!(level, NoticeLevel::Info);
    assert!(text.contains(&path.display().to_string()), "{text}");
    let body = std::fs::read_to_string(&path).unwrap();
    assert_eq!(body.lines().next().unwrap(), quoted(&csv::EXPORTIFY_HEADER));
    // Only that playlist was written.
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["Road Trip.csv"]);
    // The liked songs: 11 now (one was un-liked).
    send(&mut app, &db, code(KeyCode::BackTab));
    let Some(Action::Export(req)) = app.update(key('e')) else {
        panic!("e asks for an export");
    };
    let written = export::run(&db, &req).unwrap();
    assert_eq!(written[0].path, out.join("Liked Songs.csv"));
    assert_eq!(written[0].items, 11);
    let body = std::fs::read_to_string(&written[0].path).unwrap();
    assert_eq!(body.lines().next().unwrap(), quoted(&csv::EXPORTIFY_HEADER));
    // The artists, as CSV even with JSPF chosen.
    while app.export_format() != Format::Jspf {
        app.update(key('E'));
    }
    for _ in 0..3 {
        send(&mut app, &db, code(KeyCode::Tab));
    }
    assert_eq!(app.library().tab(), Tab::Artists);
    let Some(Action::Export(req)) = app.update(key('e')) else {
        panic!("e asks for an export");
    };
    let written = export::run(&db, &req).unwrap();
    assert_eq!(written[0].path, out.join("Artists.csv"));
    let body = std::fs::read_to_string(&written[0].path).unwrap();
    assert_eq!(body.lines().next().unwrap(), quoted(&csv::ARTISTS_HEADER));
    // The listening history as JSPF (past the shows, episodes and audiobooks).
    for _ in 0..4 {
        send(&mut app, &db, code(KeyCode::Tab));
    }
    assert_eq!(app.library().tab(), Tab::Plays);
    let Some(Action::Export(req)) = app.update(key('e')) else {
        panic!("e asks for an export");
    };
    assert_eq!(req.format, Format::Jspf);
    let written = export::run(&db, &req).unwrap();
    assert_eq!(written[0].path, out.join("Listening History.jspf"));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&written[0].path).unwrap()).unwrap();
    let tracks = doc["playlist"]["track"].as_array().unwrap();
    assert_eq!(tracks.len(), written[0].items);
    // No play has a MusicBrainz recording yet: ListenBrainz takes none, and the notice says
    // how many were left out and how to look them up.
    assert!(tracks.is_empty());
    assert!(written[0].left_out > 0);
    app.update(Msg::Exported {
        request: req,
        result: Ok(written),
    });
    let (_, text) = notice(&app);
    assert!(text.contains("without a MusicBrainz id left out"), "{text}");
    assert!(text.contains("spotsync musicbrainz"), "{text}");
}

#[test]
fn an_export_without_a_database_is_an_error_notice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    let out = dir.path().join("out");
    let req = ExportRequest {
        what: ExportWhat::Liked,
        format: Format::Csv,
        dir: out.clone(),
    };
    let result = export::run(&db, &req);
    let err = result.clone().unwrap_err();
    assert!(err.contains("no database"), "{err}");
    assert!(!out.exists(), "nothing written");
    let mut app = idle();
    app.update(Msg::Exported {
        request: req,
        result,
    });
    let (level, text) = notice(&app);
    assert_eq!(level, NoticeLevel::Error);
    assert!(
        text.starts_with("Export of the liked songs failed: no database"),
        "{text}"
    );
}
