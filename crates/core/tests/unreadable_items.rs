//! The engine against a stand-in Web API that answers one list at a time in a shape spotsync
//! does not know (as `/me/audiobooks` really answers bare audiobooks although the OpenAPI
//! description says `{added_at, audiobook}`): the phase fails loudly, is not counted as done,
//! and nothing stored of that list is lost or marked removed. One case per kind of list.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};
use spotsync_core::sync::{Phase, RunRecord, RunStatus, StartMode, SyncEvent};

mod common;
use common::count;

/// One full run against the stand-in, of `only`'s phases (every one when empty).
async fn run(db: &Path, base: &str, only: Vec<Phase>) -> (RunRecord, Vec<SyncEvent>) {
    common::run(db, base, StartMode::Full, only).await
}

/// The list answered in an unknown shape, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Odd {
    /// `/me/tracks`: bare track objects (no `track` wrapper).
    Tracks,
    /// `/me/playlists`: playlists without an id.
    Playlists,
    /// `/playlists/{id}/items`: entries with neither `item` nor `track`.
    PlaylistItems,
    /// `/me/albums`, `/me/shows`, `/me/episodes`: the objects without their wrapper.
    Albums,
    Shows,
    Episodes,
    /// `/me/audiobooks`: a wrapper of another name, no id.
    Audiobooks,
    /// `/me/following`: artists without an id.
    Follows,
    /// `/me/top/artists`: artists without an id.
    Top,
    /// `/me/player/recently-played`: a play without `played_at` beside a readable new one.
    Plays,
}

#[derive(Default)]
struct Stand {
    odd: Mutex<Option<Odd>>,
    /// `/me/audiobooks` in the shape the OpenAPI description gives: `{added_at, audiobook}`.
    wrapped_audiobooks: Mutex<bool>,
}

type S = Arc<Stand>;

fn odd(s: &Stand, o: Odd) -> bool {
    *s.odd.lock().unwrap() == Some(o)
}

const N: usize = 3;

fn track(i: usize) -> Value {
    json!({"id": format!("t{i}"), "name": format!("Track {i}"), "uri": format!("spotify:track:t{i}"),
           "duration_ms": 200_000, "artists": [], "type": "track"})
}

fn object(kind: &str, i: usize) -> Value {
    json!({"id": format!("{kind}{i}"), "name": format!("{kind} {i}"), "type": kind})
}

fn page(items: Vec<Value>) -> Response {
    let n = items.len();
    Json(json!({"items": items, "total": n, "limit": 50, "next": null})).into_response()
}

fn at(i: usize) -> String {
    format!("2026-05-0{}T00:00:00Z", i + 1)
}

async fn tracks(State(s): State<S>) -> Response {
    let bare = odd(&s, Odd::Tracks);
    page(
        (0..N)
            .map(|i| match bare {
                true => track(i),
                false => json!({"added_at": at(i), "track": track(i)}),
            })
            .collect(),
    )
}

async fn playlists(State(s): State<S>) -> Response {
    let (no_id, snapshot) = (odd(&s, Odd::Playlists), odd(&s, Odd::PlaylistItems));
    page(
        (0..2)
            .map(|i| {
                let mut p = json!({"id": format!("p{i}"), "name": format!("Playlist {i}"),
                    "owner": {"id": "me"}, "items": {"total": N},
                    "snapshot_id": if snapshot { "s2" } else { "s1" }});
                if no_id {
                    p["id"] = Value::Null;
                }
                p
            })
            .collect(),
    )
}

async fn items(State(s): State<S>) -> Response {
    let key = if odd(&s, Odd::PlaylistItems) {
        "content"
    } else {
        "item"
    };
    page(
        (0..N)
            .map(|i| json!({"added_at": at(i), key: track(i)}))
            .collect(),
    )
}

/// A saved list of `kind` under `key`; bare objects when `bare`.
fn saved(kind: &str, key: &str, bare: bool) -> Response {
    page(
        (0..N)
            .map(|i| match bare {
                true => object(kind, i),
                false => json!({"added_at": at(i), key: object(kind, i)}),
            })
            .collect(),
    )
}

async fn albums(State(s): State<S>) -> Response {
    saved("album", "album", odd(&s, Odd::Albums))
}

async fn shows(State(s): State<S>) -> Response {
    saved("show", "show", odd(&s, Odd::Shows))
}

async fn episodes(State(s): State<S>) -> Response {
    saved("episode", "episode", odd(&s, Odd::Episodes))
}

async fn audiobooks(State(s): State<S>) -> Response {
    if odd(&s, Odd::Audiobooks) {
        return page((0..N).map(|i| json!({"book": {"title": i}})).collect());
    }
    if *s.wrapped_audiobooks.lock().unwrap() {
        return saved("audiobook", "audiobook", false);
    }
    // The shape Spotify answers: the audiobooks themselves.
    page((0..N).map(|i| object("audiobook", i)).collect())
}

fn artists(no_id: bool) -> Vec<Value> {
    (0..N)
        .map(|i| {
            let mut a = object("artist", i);
            if no_id {
                a["id"] = Value::Null;
            }
            a
        })
        .collect()
}

async fn following(State(s): State<S>) -> Response {
    let items = artists(odd(&s, Odd::Follows));
    Json(json!({"artists": {"items": items, "cursors": {"after": null}, "total": N}}))
        .into_response()
}

async fn top_artists(State(s): State<S>) -> Response {
    page(artists(odd(&s, Odd::Top)))
}

async fn top_tracks() -> Response {
    page((0..N).map(track).collect())
}

async fn recently_played(State(s): State<S>) -> Response {
    let play =
        |when: &str, i: usize| json!({"played_at": when, "track": track(i), "context": null});
    let mut items = vec![play("2026-05-01T10:00:00.000Z", 0)];
    if odd(&s, Odd::Plays) {
        items.insert(0, play("2026-05-01T12:00:00.000Z", 2));
        items.insert(
            0,
            json!({"timestamp": "2026-05-01T11:00:00.000Z", "track": track(1)}),
        );
    }
    Json(json!({"items": items, "next": null, "cursors": null, "limit": 50})).into_response()
}

async fn serve(state: S) -> String {
    let app = Router::new()
        .route("/v1/me", get(|| async { Json(json!({"id": "me"})) }))
        .route("/v1/me/tracks", get(tracks))
        .route("/v1/me/playlists", get(playlists))
        .route("/v1/playlists/{id}/items", get(items))
        .route("/v1/me/albums", get(albums))
        .route("/v1/me/shows", get(shows))
        .route("/v1/me/episodes", get(episodes))
        .route("/v1/me/audiobooks", get(audiobooks))
        .route("/v1/me/following", get(following))
        .route("/v1/me/top/artists", get(top_artists))
        .route("/v1/me/top/tracks", get(top_tracks))
        .route("/v1/me/player/recently-played", get(recently_played))
        .with_state(state);
    common::serve(app).await
}

fn case(kind: Odd) -> (Phase, &'static str, i64) {
    match kind {
        Odd::Tracks => (
            Phase::Tracks,
            "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
            3,
        ),
        Odd::Playlists => (
            Phase::Playlists,
            "SELECT COUNT(*) FROM playlists WHERE removed_at IS NULL",
            2,
        ),
        Odd::PlaylistItems => (Phase::Playlists, "SELECT COUNT(*) FROM playlist_items", 6),
        Odd::Albums => (
            Phase::AlbumsSaved,
            "SELECT COUNT(*) FROM saved_albums WHERE removed_at IS NULL",
            3,
        ),
        Odd::Shows => (
            Phase::Shows,
            "SELECT COUNT(*) FROM saved_shows WHERE removed_at IS NULL",
            3,
        ),
        Odd::Episodes => (
            Phase::Episodes,
            "SELECT COUNT(*) FROM saved_episodes WHERE removed_at IS NULL",
            3,
        ),
        Odd::Audiobooks => (
            Phase::Audiobooks,
            "SELECT COUNT(*) FROM saved_audiobooks WHERE removed_at IS NULL",
            3,
        ),
        Odd::Follows => (
            Phase::ArtistsFollowed,
            "SELECT COUNT(*) FROM followed_artists WHERE removed_at IS NULL",
            3,
        ),
        Odd::Top => (
            Phase::Top,
            "SELECT COUNT(*) FROM top_items WHERE kind = 'artist'",
            9,
        ),
        Odd::Plays => (Phase::Plays, "SELECT COUNT(*) FROM plays", 1),
    }
}

/// The list phases (no enrichment: the stand-in has no album or artist to enrich).
fn lists() -> Vec<Phase> {
    vec![
        Phase::Tracks,
        Phase::Playlists,
        Phase::AlbumsSaved,
        Phase::ArtistsFollowed,
        Phase::Shows,
        Phase::Episodes,
        Phase::Audiobooks,
        Phase::Top,
        Phase::Plays,
    ]
}

/// The status the phase's checkpoint row was left in.
fn phase_status(db: &Path, phase: Phase) -> String {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT status FROM sync_state WHERE state_key = ?1",
        [phase.to_string()],
        |r| r.get(0),
    )
    .unwrap()
}

/// A full mirror of every readable list; then `kind` answered in a shape spotsync does not
/// know: its phase fails loudly, is not done, and nothing of the list is lost or marked
/// removed; once readable again, the unfinished run resumes and completes.
async fn an_unreadable_list_fails_its_phase(kind: Odd) {
    let (phase, sql, n) = case(kind);
    let state = S::default();
    let base = serve(state.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    let (first, events) = run(&db, &base, lists()).await;
    assert_eq!(first.status, RunStatus::Success, "{events:#?}");
    assert_eq!(count(&db, sql), n, "{sql}");

    *state.odd.lock().unwrap() = Some(kind);
    let (failed, events) = run(&db, &base, vec![phase]).await;
    assert_eq!(failed.status, RunStatus::Failed, "{kind:?}: {events:#?}");
    let error = events
        .iter()
        .find_map(|e| match e {
            SyncEvent::PhaseFinished {
                phase: p, error, ..
            } if *p == phase => error.clone(),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{kind:?}: the phase fails: {events:#?}"));
    assert!(error.contains("cannot be read"), "{kind:?}: {error}");
    assert_ne!(phase_status(&db, phase), "success", "{kind:?}: not done");
    // Nothing lost, nothing marked removed; the readable new play is kept.
    let kept = if kind == Odd::Plays { n + 1 } else { n };
    assert_eq!(count(&db, sql), kept, "{kind:?}: {sql}");
    assert_eq!(failed.items_removed, 0, "{kind:?}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM library_changes WHERE change = 'removed'"
        ),
        0
    );

    *state.odd.lock().unwrap() = None;
    let (last, events) = run(&db, &base, vec![phase]).await;
    assert_eq!(last.status, RunStatus::Success, "{events:#?}");
    assert_eq!(phase_status(&db, phase), "success");
    assert_eq!(count(&db, sql), kept, "{kind:?}: {sql}");
}

/// Saved audiobooks as (id, added_at, first_position), in the Audiobooks tab's order.
fn audiobooks_stored(db: &Path) -> Vec<(String, Option<String>, i64)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare(
            "SELECT audiobook_id, added_at, first_position FROM saved_audiobooks
             WHERE removed_at IS NULL ORDER BY first_position",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Bare audiobooks are what Spotify sends: stored without a date, in the order first seen;
/// the wrapped shape the OpenAPI description gives is read too, with its dates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audiobooks_are_read_bare_or_wrapped() {
    let state = S::default();
    let base = serve(state.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.db");
    let (run1, events) = run(&bare, &base, vec![Phase::Audiobooks]).await;
    assert_eq!(run1.status, RunStatus::Success, "{events:#?}");
    let want: Vec<(String, Option<String>, i64)> = (0..N)
        .map(|i| (format!("audiobook{i}"), None, i as i64))
        .collect();
    assert_eq!(audiobooks_stored(&bare), want);

    *state.wrapped_audiobooks.lock().unwrap() = true;
    let wrapped = dir.path().join("wrapped.db");
    let (run2, events) = run(&wrapped, &base, vec![Phase::Audiobooks]).await;
    assert_eq!(run2.status, RunStatus::Success, "{events:#?}");
    let want: Vec<(String, Option<String>, i64)> = (0..N)
        .map(|i| (format!("audiobook{i}"), Some(at(i)), i as i64))
        .collect();
    assert_eq!(audiobooks_stored(&wrapped), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_tracks_without_their_wrapper_fail_the_tracks_phase() {
    an_unreadable_list_fails_its_phase(Odd::Tracks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playlists_without_an_id_fail_the_playlists_phase() {
    an_unreadable_list_fails_its_phase(Odd::Playlists).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playlist_entries_with_neither_item_nor_track_fail_the_playlists_phase() {
    an_unreadable_list_fails_its_phase(Odd::PlaylistItems).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_saved_albums_fail_the_albums_saved_phase() {
    an_unreadable_list_fails_its_phase(Odd::Albums).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_saved_shows_fail_the_shows_phase() {
    an_unreadable_list_fails_its_phase(Odd::Shows).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_saved_episodes_fail_the_episodes_phase() {
    an_unreadable_list_fails_its_phase(Odd::Episodes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audiobooks_in_an_unknown_wrapper_fail_the_audiobooks_phase() {
    an_unreadable_list_fails_its_phase(Odd::Audiobooks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followed_artists_without_an_id_fail_the_follows_phase() {
    an_unreadable_list_fails_its_phase(Odd::Follows).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_artists_without_an_id_fail_the_top_phase() {
    an_unreadable_list_fails_its_phase(Odd::Top).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_play_without_played_at_fails_the_plays_poll_after_keeping_the_readable_ones() {
    an_unreadable_list_fails_its_phase(Odd::Plays).await;
}
