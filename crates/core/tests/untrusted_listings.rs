//! The engine against a stand-in Web API whose listings contradict themselves: what such an
//! answer must never do to the mirror (mark the library removed, stop the plays poll).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};
use spotsync_core::sync::{self, Phase, RunStatus, StartMode, SyncEvent};

mod common;
use common::{count, run};

/// Saved tracks of the stand-in's library.
const SAVED: usize = 120;
/// Items of each playlist.
const ITEMS: usize = 3;

/// `/me/tracks` past the first page: empty, with a total far beyond.
const EMPTY_TRACKS: u8 = 1;
/// `/me/playlists`: empty, with a total far beyond.
const EMPTY_LIST: u8 = 2;
/// `/playlists/{id}/items`: empty with the playlist's real total (and every playlist has a new
/// snapshot, so its items are read again).
const EMPTY_ITEMS: u8 = 4;

#[derive(Default)]
struct Stand {
    hostile: AtomicU8,
    /// `/me/player/recently-played` items, newest first.
    plays: Mutex<Vec<Value>>,
    /// The `after` of every plays poll.
    polled_after: Mutex<Vec<Option<i64>>>,
}

type S = Arc<Stand>;

fn hostile(s: &Stand, flag: u8) -> bool {
    s.hostile.load(Ordering::SeqCst) & flag != 0
}

fn track(i: usize) -> Value {
    json!({
        "id": format!("t{i:03}"),
        "name": format!("Track {i}"),
        "uri": format!("spotify:track:t{i:03}"),
        "duration_ms": 200_000,
        "artists": [],
    })
}

fn offset_of(q: &HashMap<String, String>) -> usize {
    q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0)
}

fn page(items: Vec<Value>, total: usize, next: bool) -> Response {
    Json(json!({
        "items": items,
        "total": total,
        "limit": 50,
        "next": next.then_some("http://stand-in/next"),
    }))
    .into_response()
}

async fn me() -> Response {
    Json(json!({"id": "me", "display_name": "Me"})).into_response()
}

async fn tracks(State(s): State<S>, Query(q): Query<HashMap<String, String>>) -> Response {
    let offset = offset_of(&q);
    if hostile(&s, EMPTY_TRACKS) {
        let items = if offset == 0 {
            (0..50).map(saved).collect()
        } else {
            Vec::new()
        };
        return page(items, 10_000, true);
    }
    let end = (offset + 50).min(SAVED);
    page(
        (offset.min(end)..end).map(saved).collect(),
        SAVED,
        end < SAVED,
    )
}

/// Saved track `i`, newest first (one minute apart).
fn saved(i: usize) -> Value {
    let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap()
        - chrono::Duration::minutes(i as i64);
    json!({"added_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "track": track(i)})
}

async fn playlists(State(s): State<S>) -> Response {
    if hostile(&s, EMPTY_LIST) {
        return page(Vec::new(), 500, true);
    }
    let snapshot = if hostile(&s, EMPTY_ITEMS) { "s2" } else { "s1" };
    let list = ["p1", "p2"]
        .iter()
        .map(|id| {
            json!({
                "id": id,
                "name": format!("Playlist {id}"),
                "owner": {"id": "me"},
                "snapshot_id": snapshot,
                "items": {"total": ITEMS},
            })
        })
        .collect();
    page(list, 2, false)
}

async fn items(State(s): State<S>, UrlPath(_id): UrlPath<String>) -> Response {
    if hostile(&s, EMPTY_ITEMS) {
        return page(Vec::new(), ITEMS, false);
    }
    let entries = (0..ITEMS)
        .map(|i| json!({"added_at": "2026-05-01T00:00:00Z", "item": track(i)}))
        .collect();
    page(entries, ITEMS, false)
}

async fn recently_played(State(s): State<S>, Query(q): Query<HashMap<String, String>>) -> Response {
    let after = q.get("after").and_then(|a| a.parse::<i64>().ok());
    s.polled_after.lock().unwrap().push(after);
    let items: Vec<Value> = s
        .plays
        .lock()
        .unwrap()
        .iter()
        .filter(|p| {
            let at = p["played_at"].as_str().unwrap();
            let ms = chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .timestamp_millis();
            after.is_none_or(|a| ms > a)
        })
        .cloned()
        .collect();
    Json(json!({"items": items, "next": null, "cursors": null, "limit": 50})).into_response()
}

async fn serve(state: S) -> String {
    let app = Router::new()
        .route("/v1/me", get(me))
        .route("/v1/me/tracks", get(tracks))
        .route("/v1/me/playlists", get(playlists))
        .route("/v1/playlists/{id}/items", get(items))
        .route("/v1/me/player/recently-played", get(recently_played))
        .with_state(state);
    common::serve(app).await
}

fn phase_error(events: &[SyncEvent], phase: Phase) -> Option<String> {
    events.iter().find_map(|e| match e {
        SyncEvent::PhaseFinished {
            phase: p, error, ..
        } if *p == phase => Some(error.clone().unwrap_or_default()),
        _ => None,
    })
}

/// An empty page while the answer's own total says the list goes on is not the end of the
/// list: the phase fails, nothing is marked removed, and the next run retries and completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_page_below_the_total_marks_nothing_removed() {
    let state = S::default();
    let base = serve(state.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    let phases = vec![Phase::Tracks, Phase::Playlists];
    let saved_now = "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL";
    let playlists_now = "SELECT COUNT(*) FROM playlists WHERE removed_at IS NULL";
    let items_now = "SELECT COUNT(*) FROM playlist_items";

    let (first, events) = run(&db, &base, StartMode::Full, phases.clone()).await;
    assert_eq!(first.status, RunStatus::Success, "{events:#?}");
    assert_eq!(count(&db, saved_now), SAVED as i64);
    assert_eq!(count(&db, playlists_now), 2);
    assert_eq!(count(&db, items_now), 2 * ITEMS as i64);

    // The saved tracks and the playlist list answer with empty pages below their totals.
    state
        .hostile
        .store(EMPTY_TRACKS | EMPTY_LIST, Ordering::SeqCst);
    let (hostile, events) = run(&db, &base, StartMode::Full, phases.clone()).await;
    assert_eq!(
        count(&db, saved_now),
        SAVED as i64,
        "no saved track removed"
    );
    assert_eq!(count(&db, playlists_now), 2, "no playlist removed");
    assert_eq!(hostile.items_removed, 0);
    assert_eq!(hostile.status, RunStatus::Failed, "{events:#?}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM library_changes WHERE change = 'removed'"
        ),
        0
    );
    let error = hostile.error.clone().unwrap_or_default();
    assert!(error.contains("the list was incomplete"), "{error}");
    for phase in [Phase::Tracks, Phase::Playlists] {
        let e = phase_error(&events, phase).unwrap_or_else(|| panic!("{phase} finished"));
        assert!(e.contains("the list was incomplete"), "{phase}: {e}");
    }
    // The tracks' checkpoint stays after the page that was stored.
    let status = sync::load_status(&db, 5).unwrap();
    let tracks = status
        .phases
        .iter()
        .find(|p| p.phase == Phase::Tracks)
        .unwrap();
    assert_eq!(tracks.done, 50, "{tracks:?}");

    // Every playlist changed, and its items answer with an empty page below their total: the
    // stored items are kept.
    state.hostile.store(EMPTY_ITEMS, Ordering::SeqCst);
    let (items_run, events) = run(&db, &base, StartMode::Full, phases.clone()).await;
    assert_eq!(items_run.status, RunStatus::Failed, "{events:#?}");
    let e = phase_error(&events, Phase::Playlists).unwrap_or_default();
    assert!(e.contains("the list was incomplete"), "{e}");
    assert_eq!(count(&db, items_now), 2 * ITEMS as i64, "items kept");
    assert_eq!(count(&db, saved_now), SAVED as i64);

    // The answers are whole again: the unfinished run resumes and completes.
    state.hostile.store(0, Ordering::SeqCst);
    let (resumed, events) = run(&db, &base, StartMode::Auto, vec![]).await;
    assert!(
        matches!(
            events.first(),
            Some(SyncEvent::RunStarted { resumed: true, run_id, .. }) if *run_id == items_run.id
        ),
        "{events:#?}"
    );
    assert_eq!(resumed.status, RunStatus::Success, "{events:#?}");
    assert_eq!(count(&db, saved_now), SAVED as i64);
    assert_eq!(count(&db, items_now), 2 * ITEMS as i64);
}

fn play(at: chrono::DateTime<chrono::Utc>, track_index: usize) -> Value {
    json!({
        "played_at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "track": track(track_index),
        "context": null,
    })
}

fn stored_plays(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT played_at FROM plays ORDER BY played_at")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A play stamped in year 9999 is not stored and does not become the poll's cursor: the plays
/// that follow are still found, and no poll asks for plays after a time later than now. A
/// database that already holds such a play (stored by an older version) polls on too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_play_from_the_future_does_not_stop_the_plays_poll() {
    let state = S::default();
    let base = serve(state.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    let now = chrono::Utc::now();
    let far = chrono::DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let an_hour_ago = now - chrono::Duration::hours(1);
    *state.plays.lock().unwrap() = vec![play(far, 0), play(an_hour_ago, 1)];

    let (first, events) = run(&db, &base, StartMode::Auto, vec![Phase::Plays]).await;
    assert_eq!(first.status, RunStatus::Success, "{events:#?}");
    assert_eq!(
        stored_plays(&db),
        vec![an_hour_ago.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)],
        "the play from the future is skipped"
    );

    // A new play: the next poll finds it.
    let a_minute_ago = chrono::Utc::now() - chrono::Duration::minutes(1);
    state.plays.lock().unwrap().insert(1, play(a_minute_ago, 2));
    let (second, events) = run(&db, &base, StartMode::Auto, vec![Phase::Plays]).await;
    assert_eq!(second.status, RunStatus::Success, "{events:#?}");
    assert_eq!(stored_plays(&db).len(), 2, "the new play is found");

    // A database holding a polled play from the future already (stored by an older spotsync,
    // so the API's own time): it is not the cursor.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "INSERT INTO plays (played_at, source, api_played_at) VALUES (?1, 'api', ?1)",
            ["9999-12-31T23:59:59.000Z"],
        )
        .unwrap();
    let just_now = chrono::Utc::now();
    state.plays.lock().unwrap().insert(1, play(just_now, 3));
    let (third, events) = run(&db, &base, StartMode::Auto, vec![Phase::Plays]).await;
    assert_eq!(third.status, RunStatus::Success, "{events:#?}");
    assert!(
        stored_plays(&db).contains(&just_now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        "the poll after a stored play from the future still finds new plays"
    );

    let limit = chrono::Utc::now().timestamp_millis();
    let polled = state.polled_after.lock().unwrap().clone();
    assert_eq!(polled.len(), 3);
    assert!(
        polled.iter().flatten().all(|&a| a <= limit),
        "no cursor past now: {polled:?}"
    );
}
