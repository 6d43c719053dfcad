//! What the main screen looks like, drawn on ratatui's TestBackend from states built by feeding
//! messages to `App::update` at fixed times.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use spotsync::tui::app::{App, DemoBanner, Setup};

use crate::fixtures::*;

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|f| app.draw(f))
        .expect("draw on the test backend");
    terminal
}

fn snap(name: &str, app: &App) {
    for (w, h) in [(80, 24), (160, 48)] {
        let terminal = render(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn idle_screen() {
    snap("idle", &idle());
}

#[test]
fn syncing_screen() {
    snap("syncing", &syncing());
}

#[test]
fn window_rate_limited_screen() {
    snap("rate_limited_window", &window_limited());
}

#[test]
fn quota_exhausted_screen() {
    snap("quota_exhausted", &quota_exhausted());
}

#[test]
fn failed_phase_screen() {
    snap("failed_phase", &failed_phase());
}

#[test]
fn history_screen() {
    snap("history", &history_populated());
}

#[test]
fn help_overlay_screen() {
    snap("help", &help());
}

#[test]
fn demo_banner_screen() {
    snap("demo", &demo());
}

/// The banner always says that the account is not touched: whole at 160 columns, in a shorter
/// form at 80 (with the simulator's address, which the end-to-end tests read), and cut with an
/// ellipsis only when even the short form cannot fit.
#[test]
fn the_demo_banner_fits_or_ends_in_an_ellipsis() {
    let banner = |w: u16| {
        let terminal = render(&demo(), w, 24);
        let buf = terminal.backend().buffer();
        (0..w)
            .map(|x| buf[(x, 1)].symbol().to_string())
            .collect::<String>()
    };
    let wide = banner(160);
    assert!(
        wide.contains("simulated Spotify at http://127.0.0.1:40123/ · throwaway database · your account is not touched"),
        "{wide}"
    );
    let compact = banner(80);
    assert!(compact.starts_with(" DEMO "), "{compact}");
    assert!(compact.contains("http://127.0.0.1:40123/"), "{compact}");
    assert!(
        compact.trim_end().ends_with("your account is not touched"),
        "{compact}"
    );
    for w in [40, 60, 79, 100, 119] {
        let line = banner(w);
        assert!(
            line.contains("your account is not touched"),
            "{w} columns: {line}"
        );
    }
    let tiny = banner(20);
    assert!(tiny.trim_end().ends_with('…'), "{tiny}");
    assert!(tiny.starts_with(" DEMO "), "{tiny}");
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

#[test]
fn countdown_follows_the_clock() {
    let mut app = quota_exhausted();
    assert!(text(&render(&app, 80, 24)).contains("resuming in 13h 42m 05s"));
    app.update(spotsync::tui::app::Msg::Tick(at(41)));
    assert!(text(&render(&app, 80, 24)).contains("resuming in 13h 42m 04s"));
    app.update(spotsync::tui::app::Msg::Tick(at(40 + 13 * 3600 + 42 * 60)));
    assert!(text(&render(&app, 80, 24)).contains("resuming in 5s"));
}

#[test]
fn every_size_from_tiny_to_huge_draws_without_panicking() {
    for app in [
        idle(),
        syncing(),
        failed_phase(),
        history_populated(),
        help(),
    ] {
        for (w, h) in [
            (1, 1),
            (20, 5),
            (40, 12),
            (80, 24),
            (119, 35),
            (120, 36),
            (300, 90),
        ] {
            render(&app, w, h);
        }
    }
}

#[test]
fn no_color_means_no_colours_at_all() {
    for app in [syncing(), window_limited(), failed_phase(), help()] {
        let t = render(&app, 160, 48);
        for cell in t.backend().buffer().content() {
            assert_eq!(cell.fg, Color::Reset, "a foreground colour with NO_COLOR");
            assert_eq!(cell.bg, Color::Reset, "a background colour with NO_COLOR");
        }
    }
}

#[test]
fn colours_are_the_16_named_ones() {
    let coloured = || {
        idle_with(Setup {
            color: true,
            demo: Some(DemoBanner {
                sim_url: "http://127.0.0.1:1/".into(),
            }),
            ..setup()
        })
    };
    for app in [
        syncing_from(coloured()),
        window_limited_from(coloured()),
        failed_phase_from(coloured()),
        help_from(coloured()),
    ] {
        let t = render(&app, 160, 48);
        let mut coloured = 0;
        for cell in t.backend().buffer().content() {
            for c in [cell.fg, cell.bg] {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "not a named colour: {c:?}"
                );
                coloured += usize::from(c != Color::Reset);
            }
        }
        assert!(coloured > 0, "colour was asked for but nothing is coloured");
    }
}

/// The key line offers only what works now: sync keys when idle, pause/cancel during a run,
/// neither without an account.
#[test]
fn the_key_line_offers_only_keys_that_work_now() {
    let key_line = |app: &App| {
        let terminal = render(app, 80, 24);
        let buf = terminal.backend().buffer();
        (0..80)
            .map(|x| buf[(x, 23)].symbol().to_string())
            .collect::<String>()
    };
    let idle_line = key_line(&idle());
    assert!(
        idle_line.contains("s start") && !idle_line.contains("p pause"),
        "{idle_line}"
    );
    let running = key_line(&syncing());
    assert!(
        running.contains("p pause") && !running.contains("s start"),
        "{running}"
    );
    let line = key_line(&not_connected("Not connected"));
    assert!(
        !line.contains("s start") && line.contains("? help") && line.contains("q quit"),
        "{line}"
    );
}

/// The cancel question names what "no" means: a paused run stays paused.
#[test]
fn the_cancel_question_fits_the_run_state() {
    let text = |app: &App| {
        let terminal = render(app, 80, 24);
        let buf = terminal.backend().buffer();
        (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut app = syncing();
    app.update(key('c'));
    let screen = text(&app);
    assert!(screen.contains("n keep syncing"), "{screen}");
    let mut app = syncing();
    app.update(key('p'));
    app.update(ev(spotsync::sync::SyncEvent::Paused, 200));
    app.update(key('c'));
    let screen = text(&app);
    assert!(screen.contains("n keep it paused"), "{screen}");
}

/// A notice longer than the screen ends in `…` instead of stopping mid-sentence.
#[test]
fn a_long_notice_ends_in_an_ellipsis() {
    let terminal = render(&failed_phase(), 80, 24);
    let buf = terminal.backend().buffer();
    let notice: String = (0..80).map(|x| buf[(x, 22)].symbol()).collect();
    assert!(
        notice.starts_with(" Sync stopped with a failure"),
        "{notice}"
    );
    assert!(notice.ends_with('…'), "{notice}");
    let wide = render(&failed_phase(), 160, 48);
    let buf = wide.backend().buffer();
    let notice: String = (0..160).map(|x| buf[(x, 46)].symbol()).collect();
    assert!(
        notice
            .trim_end()
            .ends_with("press s to retry from the checkpoints"),
        "{notice}"
    );
}

/// A log line longer than the pane ends in `…` at the edge instead of stopping mid-word.
#[test]
fn long_log_lines_end_in_an_ellipsis() {
    let mut app = idle();
    app.update(log(
        5,
        tracing::Level::WARN,
        "GET /albums/{id}: rate limited (quota) until 2026-11-25T13:40:03Z, and then some more \
         words so the line is wider than any compact screen",
    ));
    app.update(log(6, tracing::Level::INFO, "short line"));
    let terminal = render(&app, 80, 24);
    let buf = terminal.backend().buffer();
    let rows: Vec<String> = (0..24)
        .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect();
    let long = rows
        .iter()
        .find(|r| r.contains("rate limited"))
        .expect("the long line is shown");
    assert!(long.trim_end().ends_with("…│"), "{long}");
    let short = rows.iter().find(|r| r.contains("short line")).unwrap();
    assert!(!short.contains('…'), "{short}");
}
