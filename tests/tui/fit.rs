//! What a small or narrow terminal shows: a screen too small for its panes says so (and how
//! big it must be) instead of drawing bare borders; a name cut to its column ends in `…`, at a
//! word boundary where one is near.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::store::browse::{Answer, Query, Row, Tab};
use spotsync::tui::app::{App, Msg};

use crate::fixtures::*;

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal.backend().to_string()
}

#[test]
fn a_terminal_too_small_for_the_sync_screen_says_so() {
    let mut app = syncing();
    app.update(Msg::Resize(40, 10));
    let screen = render(&app, 40, 10);
    assert!(screen.contains("too small"), "{screen}");
    assert!(screen.contains("40×10"), "the size it is: {screen}");
    assert!(screen.contains("72×22"), "the size it needs: {screen}");
    assert!(!screen.contains("Rate limit"), "no bare borders: {screen}");
    // One column or one row short is too small as well.
    for (w, h) in [(71, 22), (72, 21)] {
        app.update(Msg::Resize(w, h));
        assert!(render(&app, w, h).contains("too small"), "{w}×{h}");
    }
    // Big enough: the panes, and no such sentence.
    for (w, h) in [(72, 22), (80, 24), (160, 48)] {
        app.update(Msg::Resize(w, h));
        let screen = render(&app, w, h);
        assert!(!screen.contains("too small"), "{w}×{h}: {screen}");
        assert!(screen.contains("Rate limit"), "{w}×{h}: {screen}");
    }
    // q still quits on a screen too small to show the panes.
    app.update(Msg::Resize(40, 10));
    assert_eq!(app.update(key('q')), Some(spotsync::tui::app::Action::Quit));
}

fn liked(names: &[(&str, &str)]) -> Msg {
    let rows = names
        .iter()
        .enumerate()
        .map(|(i, (name, artist))| Row {
            id: format!("t{i}"),
            name: (*name).into(),
            artist: (*artist).into(),
            album: "Discovery".into(),
            added: Some("2026-11-20T10:00:00Z".into()),
            ..Row::default()
        })
        .collect();
    Msg::Browse {
        query: Query::Tab(Tab::Liked),
        answer: Ok(Answer::Rows(Tab::Liked, rows)),
    }
}

fn row_of<'a>(screen: &'a str, start: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.trim_start_matches('"').starts_with(start))
        .unwrap_or_else(|| panic!("no row starting with {start:?}: {screen}"))
}

#[test]
fn names_cut_to_their_column_end_in_an_ellipsis_at_a_word_boundary() {
    let mut app = idle();
    app.update(key('2'));
    app.update(liked(&[
        (
            "Harder, Better, Faster, Stronger than the Extended Version of Everything",
            "Daft Punk",
        ),
        ("Aerodynamicaerodynamicaerodynamicaerodynamic", "Daft Punk"),
        ("One More Time", "Daft Punk"),
    ]));
    let screen = render(&app, 80, 24);
    // The title column, up to the artist's.
    let title = |start: &str| {
        let row = row_of(&screen, start).trim_start_matches('"');
        row[..row.find("Daft Punk").expect("the artist column")]
            .trim_end()
            .to_string()
    };
    // Cut after a whole word, then the ellipsis; never in the middle of one.
    assert_eq!(title("Harder"), "Harder, Better, Faster, Stronger…");
    // One long word: cut inside it, but still marked as cut.
    let word = title("Aerodynamic");
    assert_eq!(word, "Aerodynamicaerodynamicaerodynamicaer…");
    // A name that fits is left alone.
    assert_eq!(title("One More Time"), "One More Time");
    // Narrower columns cut earlier, still at a word boundary where one is near.
    app.update(Msg::Resize(60, 24));
    let screen = render(&app, 60, 24);
    let row = row_of(&screen, "Harder").trim_start_matches('"');
    let cut = row[..row.find("Daft").expect("the artist column")].trim_end();
    assert_eq!(cut, "Harder, Better, Faster…", "{screen}");
}

/// Every name the rows may hold: the cut fits its column, keeps the start of the name, and ends
/// in `…` exactly when something was left out.
mod ellipsis {
    use proptest::prelude::*;
    use ratatui::text::Line;
    use spotsync::tui::format::ellipsize_words;

    fn width(s: &str) -> usize {
        Line::from(s).width()
    }

    proptest! {
        #[test]
        fn fits_keeps_the_start_and_says_it_was_cut(
            name in "[a-zA-Z,é漢 -]{0,40}",
            max in 0usize..45,
        ) {
            let cut = ellipsize_words(&name, max);
            prop_assert!(width(&cut) <= max, "{cut:?} is wider than {max}");
            if width(&name) <= max {
                prop_assert_eq!(cut, name);
            } else if max > 0 {
                let head = cut.strip_suffix('…').expect("a cut name ends in an ellipsis");
                prop_assert!(name.starts_with(head), "{head:?} is not the start of {name:?}");
            }
        }
    }

    #[test]
    fn a_word_boundary_is_used_only_when_it_keeps_half_the_room() {
        assert_eq!(ellipsize_words("Harder, Better, Faster", 12), "Harder…");
        assert_eq!(
            ellipsize_words("Harder, Better, Faster", 16),
            "Harder, Better…"
        );
        // The last space is too early: the word is cut instead.
        assert_eq!(
            ellipsize_words("A Supercalifragilistic", 12),
            "A Supercali…"
        );
        assert_eq!(ellipsize_words("漢字漢字漢字", 5), "漢字…");
        assert_eq!(ellipsize_words("abc", 0), "");
    }
}

/// `spotsync demo` at 80×24 (a banner line more, and the plays phase once history exists) shows
/// every screen; each screen has its own smallest size.
#[test]
fn every_screen_fits_the_demo_at_80x24_and_says_when_it_does_not() {
    let mut app = demo();
    app.update(ev(
        spotsync::sync::SyncEvent::PhaseStarted {
            phase: spotsync::sync::Phase::Plays,
            done: 0,
            total: None,
        },
        41,
    ));
    assert_eq!(app.phases().row_count(), 6, "plays have their row");
    for (screen, small) in [('1', (72, 23)), ('2', (40, 9)), ('3', (60, 18))] {
        app.update(key(screen));
        app.update(Msg::Resize(80, 24));
        let fits = render(&app, 80, 24);
        assert!(!fits.contains("too small"), "screen {screen}: {fits}");
        assert!(fits.contains("your account is not touched"), "{fits}");
        app.update(Msg::Resize(small.0, small.1));
        let cut = render(&app, small.0, small.1);
        assert!(cut.contains("too small"), "screen {screen}: {cut}");
        assert!(cut.contains(" DEMO "), "the banner stays: {cut}");
    }
}
