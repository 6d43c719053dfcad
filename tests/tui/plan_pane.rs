//! The rate-limit & quota pane with the plan of the next sync: the quota (configured or
//! learned), the reserve, what the next sync needs and when it is done; read at start and again
//! after every run.

use chrono::TimeDelta;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::sync::{Phase, RunKind, RunStatus, SyncConfig, SyncEvent};
use spotsync::tui::app::{Action, App, Msg, Setup};
use spotsync_core::plan::{self, Plan, Request, Snapshot};
use spotsync_core::quota::Observation;

use crate::fixtures::*;

/// The plan after a first mirror of the lists: the quota learned from two `QUOTA_EXCEEDED`
/// answers (1,800), 412 requests used today, albums and artists left to enrich.
pub fn learned_plan() -> Plan {
    let mut s = Snapshot::empty(SyncConfig::default(), at(0));
    let obs = |calls: u64, hours: i64| Observation {
        at: at(0) - TimeDelta::hours(hours),
        calls,
        resets_at: at(0) - TimeDelta::hours(hours) + TimeDelta::hours(20),
    };
    s.observations = vec![obs(1_900, 50), obs(1_800, 26)];
    s.incremental_cost = 9;
    s.used = 412;
    s.full_mirror = true;
    s.me_known = true;
    for p in [Phase::Tracks, Phase::AlbumsSaved, Phase::Shows] {
        s.mirrored.insert(p, vec![3_000]);
    }
    s.mirrored.insert(Phase::Playlists, vec![20]);
    s.mirrored.insert(Phase::ArtistsFollowed, vec![120]);
    s.mirrored.insert(Phase::Top, vec![50; 6]);
    s.top_today = true;
    s.unenriched_albums = 2_140;
    s.unenriched_artists = 380;
    plan::compute(&s, &Request::default())
}

fn planned() -> App {
    planned_with(Some(SyncConfig::default()))
}

/// The app with the learned plan read, planning with `config`.
fn planned_with(config: Option<SyncConfig>) -> App {
    let mut app = idle_with(Setup {
        plan_config: config,
        ..setup()
    });
    app.update(Msg::Plan(Some(Box::new(learned_plan()))));
    app.update(ev(
        SyncEvent::ApiUsage {
            calls_24h: 412,
            budget: None,
        },
        1,
    ));
    app
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|f| app.draw(f))
        .expect("draw on the test backend");
    terminal
}

#[test]
fn the_pane_shows_the_quota_the_reserve_and_the_plan() {
    let app = planned();
    for (w, h) in [(80, 24), (160, 48)] {
        let terminal = render(&app, w, h);
        insta::assert_snapshot!(format!("plan_{w}x{h}"), terminal.backend());
    }
    let small = render(&app, 80, 24).backend().to_string();
    assert!(
        small.contains("Quota 1,800 learned · reserve 576 · next at least 2,530 req ≈ 1 day 9 h"),
        "{small}"
    );
    let roomy = render(&app, 160, 48).backend().to_string();
    for want in [
        "Daily quota: 1,800, learned from 2 QUOTA_EXCEEDED",
        "Reserve: 576 for plays polls and incremental syncs;",
        "Next sync (new incremental run): at least 2,530 req",
    ] {
        assert!(roomy.contains(want), "{want}: {roomy}");
    }
}

#[test]
fn the_plan_is_read_again_after_every_run() {
    let mut app = planned();
    let finished = SyncEvent::RunFinished {
        run: run(1, RunKind::Incremental, RunStatus::Success, 0, 30),
    };
    assert_eq!(app.update(ev(finished.clone(), 30)), Some(Action::LoadPlan));
    // Without a config to plan with (a front end that shows none), nothing is read.
    let mut unplanned = planned_with(None);
    assert_eq!(unplanned.update(ev(finished, 31)), None);
    // A plan that could not be read clears the figures: the pane shows the calls alone.
    app.update(Msg::Plan(None));
    assert!(app.limits().plan().is_none());
    let small = render(&app, 80, 24).backend().to_string();
    assert!(
        small.contains("Calls in the last 24 h: 412 (no daily budget set)"),
        "{small}"
    );
}

/// On a fresh database the phases are not sized yet (a probe would tell): each is a lower bound,
/// so the pane's total is "at least" the figure, as the plan's own lines say, not "about".
#[test]
fn a_plan_with_unsized_phases_says_at_least() {
    let fresh = plan::compute(
        &Snapshot::empty(SyncConfig::default(), at(0)),
        &Request::default(),
    );
    assert!(!fresh.unknown.is_empty(), "the fixture has unsized phases");
    let mut app = idle();
    app.update(Msg::Plan(Some(Box::new(fresh.clone()))));
    let n = plan::group(fresh.total.requests);
    let small = render(&app, 80, 24).backend().to_string();
    assert!(small.contains(&format!("next at least {n} req")), "{small}");
    assert!(!small.contains(&format!("~{n} req")), "{small}");
    let roomy = render(&app, 160, 48).backend().to_string();
    assert!(roomy.contains(&format!("): at least {n} req")), "{roomy}");
    // Once every phase is sized, an estimate is "about" again.
    let mut sized = learned_plan();
    sized.unknown.clear();
    let mut app = idle();
    app.update(Msg::Plan(Some(Box::new(sized))));
    let small = render(&app, 80, 24).backend().to_string();
    assert!(small.contains("next ~2,530 req"), "{small}");
}
