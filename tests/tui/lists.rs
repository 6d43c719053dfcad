//! The small library lists (saved albums, followed artists, shows, episodes, audiobooks, top)
//! share one row of the phases pane; a phase skipped for a missing scope says why.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::sync::{Phase, PhaseStatus, RunKind, SyncEvent};
use spotsync::tui::app::App;

use crate::fixtures::*;

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

#[test]
fn the_lists_share_a_row_and_a_skipped_phase_says_why() {
    let mut app = idle();
    app.update(ev(
        SyncEvent::RunStarted {
            run_id: 1,
            kind: RunKind::Full,
            phases: Phase::ALL.to_vec(),
            resumed: false,
        },
        0,
    ));
    for (i, phase) in [Phase::Tracks, Phase::Playlists, Phase::AlbumsSaved]
        .into_iter()
        .enumerate()
    {
        app.update(ev(
            SyncEvent::PhaseFinished {
                phase,
                status: PhaseStatus::Success,
                error: None,
            },
            i as i64,
        ));
    }
    app.update(ev(
        SyncEvent::PhaseFinished {
            phase: Phase::ArtistsFollowed,
            status: PhaseStatus::Skipped,
            error: Some(
                "the token lacks the user-follow-read scope: run `spotsync auth` to grant it"
                    .into(),
            ),
        },
        4,
    ));
    let rows = app.phases().rows();
    assert_eq!(
        rows.len(),
        6,
        "tracks, playlists, lists, albums, artists, plays"
    );
    let (name, lists, detail) = &rows[2];
    assert_eq!(*name, "lists");
    // Some lists done, the others still to come: the row is under way.
    assert_eq!(lists.status, PhaseStatus::InProgress);
    assert!(
        detail
            .as_deref()
            .unwrap()
            .starts_with("artists_followed skipped: ")
    );
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("lists "), "{screen}");
    assert!(
        screen.contains("artists_followed skipped: the token lacks the user-follow-read"),
        "{screen}"
    );
    // Every list finished (one skipped): the row is done.
    for phase in [Phase::Shows, Phase::Episodes, Phase::Audiobooks, Phase::Top] {
        app.update(ev(
            SyncEvent::PhaseFinished {
                phase,
                status: PhaseStatus::Success,
                error: None,
            },
            5,
        ));
    }
    assert_eq!(app.phases().rows()[2].1.status, PhaseStatus::Success);
}
