//! Each pane's state on its own, without the app: what its methods do, and that its widget
//! draws from it alone.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::sync::{LimitReason, Phase, PhaseStatus, RunKind, RunStatus};
use spotsync::tui::panes::changes::{ChangesKey, ChangesState};
use spotsync::tui::panes::history::HistoryState;
use spotsync::tui::panes::limits::{Limit, LimitsState, LimitsWidget};
use spotsync::tui::panes::log::LogState;
use spotsync::tui::panes::phases::{Batch, PhasesState};
use spotsync::tui::theme::Theme;

use crate::fixtures::*;

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn phases_follow_a_run_from_start_to_pause() {
    let mut p = PhasesState::new(&[], Vec::new());
    let shown = |p: &PhasesState| Phase::ALL.iter().filter(|ph| p.get(**ph).is_some()).count();
    assert_eq!(
        shown(&p),
        10,
        "the library phases, no plays without history"
    );
    assert_eq!(p.row_count(), 5, "the six small lists share one row");
    p.start_run(&[Phase::Tracks, Phase::Plays], false);
    assert!(p.shows_plays() && shown(&p) == 11 && p.row_count() == 6);
    p.phase_started(Phase::Tracks, 0, Some(100), at(0));
    p.batch_committed(
        Phase::Tracks,
        Batch {
            done: 50,
            total: Some(100),
            added: 50,
            updated: 0,
            removed: 0,
        },
        at(5),
    );
    let t = p.get(Phase::Tracks).unwrap();
    assert_eq!(
        (t.status, t.done, t.added),
        (PhaseStatus::InProgress, 50, 50)
    );
    assert_eq!(t.rate(at(5)), Some(10.0));
    p.paused();
    assert_eq!(p.get(Phase::Tracks).unwrap().status, PhaseStatus::Paused);
    assert!(!p.get(Phase::Albums).unwrap().in_run);
    p.move_by(10);
    assert_eq!(p.selected(), 5);
}

#[test]
fn limits_count_down_and_end_by_the_clock_only_when_idle() {
    let mut l = LimitsState::new(&Default::default(), t0(), None);
    l.hold(Limit {
        until: at(30),
        reason: LimitReason::Window,
        phase: None,
    });
    assert_eq!(l.remaining(at(10)), Some(Duration::from_secs(20)));
    l.on_tick(at(31), false);
    assert!(
        l.limit().is_some(),
        "a running engine says when the hold ends"
    );
    l.on_tick(at(31), true);
    assert!(l.limit().is_none());

    // The widget draws from this state alone.
    let mut t = Terminal::new(TestBackend::new(60, 4)).unwrap();
    l.hold(Limit {
        until: at(95),
        reason: LimitReason::Quota,
        phase: None,
    });
    t.draw(|f| {
        f.render_widget(
            LimitsWidget {
                state: &l,
                now: at(40),
                offset: chrono::Offset::fix(&chrono::Utc),
                theme: Theme { color: false },
                focused: false,
                compact: true,
                gap: None,
            },
            f.area(),
        );
    })
    .unwrap();
    let screen = t.backend().to_string();
    assert!(
        screen.contains("resuming in 55s  (daily quota)"),
        "{screen}"
    );
}

#[test]
fn history_keeps_the_cursor_in_view_and_one_row_per_run() {
    let runs: Vec<_> = (1..=10)
        .rev()
        .map(|i| run(i, RunKind::Incremental, RunStatus::Success, -100 * i, 5))
        .collect();
    let mut h = HistoryState::new(&runs);
    h.move_by(5, 3);
    assert_eq!((h.selected(), h.scroll()), (5, 3));
    h.move_by(-100, 3);
    assert_eq!((h.selected(), h.scroll()), (0, 0));
    let mut again = run(10, RunKind::Incremental, RunStatus::Failed, 0, 9);
    again.error = Some("boom".into());
    h.on_run_finished(again.clone());
    assert_eq!(h.runs().len(), 10);
    assert_eq!(h.runs().front(), Some(&again));
    h.on_run_started(10);
    assert_eq!(h.runs()[0].status, RunStatus::Running);
}

#[test]
fn the_log_keeps_its_place_when_scrolled_back() {
    let mut l = LogState::default();
    for i in 0..20 {
        let spotsync::tui::app::Msg::Log(line) = log(i, tracing::Level::INFO, "x") else {
            unreachable!()
        };
        l.push(line, 5);
    }
    l.move_by(-3, 5);
    assert_eq!(l.scroll(), 3);
    let spotsync::tui::app::Msg::Log(line) = log(21, tracing::Level::INFO, "new") else {
        unreachable!()
    };
    l.push(line, 5);
    assert_eq!(l.scroll(), 4);
    l.move_by(i64::MAX / 2, 5);
    assert_eq!(l.scroll(), 0);
}

#[test]
fn the_change_list_scrolls_within_its_rows_and_ignores_stale_answers() {
    let mut c = ChangesState::loading(5);
    assert!(!c.on_rows(4, Ok(Vec::new())), "an answer for another run");
    assert!(c.rows().is_none());
    assert!(c.on_rows(5, Ok(Vec::new())));
    assert_eq!(c.on_key(press(KeyCode::Down), 10), ChangesKey::Stay);
    assert_eq!(c.scroll(), 0, "nothing to scroll");
    assert_eq!(c.on_key(press(KeyCode::Char('z')), 10), ChangesKey::Ignored);
    assert_eq!(c.on_key(press(KeyCode::Char('q')), 10), ChangesKey::Quit);
    assert_eq!(c.on_key(press(KeyCode::Esc), 10), ChangesKey::Close);
}

/// At 120 columns the history pane is 76 wide: the date is whole (it was cut to "2026-" when
/// every column was squeezed in), the columns that do not fit are left out.
#[test]
fn the_history_date_is_whole_at_120_columns() {
    for (w, h) in [(120, 40), (100, 30), (80, 24), (160, 48)] {
        let app = history_populated();
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| app.draw(f)).unwrap();
        let screen = screen_text(&terminal);
        let date = regex_like_dates(&screen);
        assert!(date >= 2, "{w}×{h}: every run's date whole:\n{screen}");
        assert!(!screen.contains("2026- "), "{w}×{h}:\n{screen}");
    }
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows of the history pane that start with a whole date: `2026-11-20 14:05` or `11-20 14:05`.
fn regex_like_dates(screen: &str) -> usize {
    let whole = |s: &str| {
        let b = s.as_bytes();
        let short = |b: &[u8]| {
            b.len() >= 11
                && b[2] == b'-'
                && b[5] == b' '
                && b[8] == b':'
                && [0, 1, 3, 4, 6, 7, 9, 10]
                    .iter()
                    .all(|&i| b[i].is_ascii_digit())
        };
        short(b) || (b.len() >= 16 && b[4] == b'-' && short(&b[5..]))
    };
    screen
        .lines()
        .filter(|l| {
            l.split('│')
                .any(|cell| whole(cell.trim_start()) && cell.trim_start().len() >= 11)
        })
        .count()
}
