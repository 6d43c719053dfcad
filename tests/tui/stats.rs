//! The Stats screen drawn from statistics handed to `App::update`: the coverage column's words.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::store::browse::{Answer, Coverage, Period, Query, Stats};
use spotsync::tui::app::{App, Msg};

use crate::fixtures::*;

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal.backend().to_string()
}

/// The Stats screen showing `coverage`.
fn stats_with(coverage: Coverage) -> App {
    let mut app = idle();
    app.update(key('3'));
    let period = Period::month_of(t0());
    let stats = Stats {
        today: Some(t0().date_naive()),
        per_day: vec![0; 90],
        period: Some(period),
        coverage,
        ..Stats::default()
    };
    app.update(Msg::Browse {
        query: Query::Stats {
            today: t0().date_naive(),
            period: Some(period),
            offset_minutes: 0,
        },
        answer: Ok(Answer::Stats(Box::new(stats))),
    });
    app
}

#[test]
fn coverage_labels_stand_apart_from_their_figures_and_one_day_is_singular() {
    let app = stats_with(Coverage {
        days_by_source: vec![("extended".into(), 3), ("polled".into(), 1)],
        first: Some("2026-11-01T08:00:00Z".into()),
        last: Some("2026-11-25T09:00:00Z".into()),
        plays: 40,
        gaps: Vec::new(),
        gap_count: 0,
    });
    for (w, h) in [(80, 24), (160, 48)] {
        let screen = render(&app, w, h);
        let line = |label: &str| {
            screen
                .lines()
                .find_map(|l| {
                    l.find(&format!(" {label}"))
                        .map(|i| l[i..].trim_end().to_string())
                })
                .unwrap_or_else(|| panic!("no {label} line: {screen}"))
        };
        let extended = line("extended");
        assert!(extended.starts_with(" extended 3 days"), "{extended}");
        let polled = line("polled");
        assert!(polled.contains(" 1 day"), "{polled}");
        assert!(!polled.contains("1 days"), "{polled}");
        // The figures line up under each other.
        let column = |l: &str| l.find(|c: char| c.is_ascii_digit());
        assert_eq!(column(&extended), column(&polled), "{screen}");
        assert!(!screen.contains("extended3"), "{screen}");
    }
}
