//! The library lists besides liked songs and playlists: saved albums, followed artists, saved
//! shows, episodes and audiobooks, top lists. Paging (offset and cursor), limits, both modes,
//! and the generated overlap with the liked songs (scopes and control: `library_control`).

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt;
use reqwest::StatusCode;
use rspotify::model::TimeRange as RsRange;
use rspotify::prelude::*;
use rspotify::{AuthCodePkceSpotify, Config, Credentials, OAuth, Token};
use serde_json::{Value, json};
use spotsync_sim::generate::{CollectionSizes, GenParams, generate, long_albums};
use spotsync_sim::model::{TimeRange, TruthSavedItem};
use spotsync_sim::{RunningSim, SimMode};

use crate::common::*;

/// An rspotify client holding `token`, fetching `chunks` items per page.
fn client(sim: &RunningSim, chunks: u32) -> AuthCodePkceSpotify {
    let t = sim.issue_token_full();
    let token = Token {
        access_token: t.access_token,
        expires_in: chrono::TimeDelta::seconds(t.expires_in as i64),
        expires_at: Some(chrono::Utc::now() + chrono::TimeDelta::seconds(t.expires_in as i64)),
        refresh_token: t.refresh_token,
        scopes: t.scope.split(' ').map(String::from).collect(),
    };
    AuthCodePkceSpotify::from_token_with_config(
        token,
        Credentials::new_pkce("spotsync-test-client"),
        OAuth::default(),
        Config {
            api_base_url: sim.api_url(),
            auth_base_url: sim.accounts_url(),
            pagination_chunks: chunks,
            ..Default::default()
        },
    )
}

fn ids_and_dates(list: &[TruthSavedItem]) -> Vec<(String, String)> {
    list.iter()
        .map(|s| (s.id.clone(), s.added_at.clone()))
        .collect()
}

fn rfc3339(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Every item of an offset-paged list through raw JSON, `limit` at a time: `(id, added_at)`.
async fn saved_raw(sim: &RunningSim, token: &str, path: &str, key: &str) -> Vec<(String, String)> {
    let (items, total) = collect_pages(&format!("{}{path}", sim.api_url()), token).await;
    assert_eq!(items.len() as u64, total, "{path}");
    items
        .iter()
        .map(|i| {
            (
                i[key]["id"].as_str().expect("id").to_string(),
                i["added_at"].as_str().expect("added_at").to_string(),
            )
        })
        .collect()
}

/// Walk `/me/following` with `limit`, checking the cursors; returns the ids in order.
pub(crate) async fn following_raw(sim: &RunningSim, token: &str, limit: usize) -> Vec<String> {
    let mut url = Some(format!(
        "{}me/following?type=artist&limit={limit}",
        sim.api_url()
    ));
    let mut ids = Vec::new();
    while let Some(u) = url {
        let r = get_url(&u, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.text);
        let a = &r.body["artists"];
        assert_eq!(a["limit"], json!(limit));
        let items = a["items"].as_array().expect("items");
        assert!(items.len() <= limit);
        let page: Vec<String> = items
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect();
        url = a["next"].as_str().map(str::to_string);
        match &url {
            Some(next) => {
                let last = page.last().expect("a page with a next link has items");
                assert_eq!(a["cursors"]["after"].as_str(), Some(last.as_str()));
                assert!(next.contains(&format!("after={last}")), "{next}");
                assert!(!next.contains("offset"), "{next}");
            }
            None => assert!(a["cursors"]["after"].is_null(), "{}", r.text),
        }
        ids.extend(page);
    }
    ids
}

#[tokio::test]
async fn every_list_pages_to_its_last_item() {
    let sim = sim_with(|o| o.tracks = 400).await;
    let truth = sim.truth();
    let token = sim.issue_token();
    let sizes = CollectionSizes::for_tracks(400);
    assert_eq!(
        truth.saved_albums.len(),
        sizes.saved_albums + long_albums(400)
    );
    assert_eq!(
        truth.followed_artists.len(),
        sizes.followed_liked + sizes.followed_other
    );

    // rspotify, 7 items a page: saved albums, saved shows, top artists and tracks.
    let spotify = client(&sim, 7);
    let albums: Vec<_> = spotify
        .current_user_saved_albums(None)
        .try_collect()
        .await
        .expect("saved albums parse in rspotify");
    let got: Vec<(String, String)> = albums
        .iter()
        .map(|a| (a.album.id.id().to_string(), rfc3339(a.added_at)))
        .collect();
    assert_eq!(got, ids_and_dates(&truth.saved_albums));
    let by_id: HashMap<&str, _> = truth.albums.iter().map(|a| (a.id.as_str(), a)).collect();
    for a in &albums {
        let t = by_id[a.album.id.id()];
        assert_eq!(a.album.name, t.name);
        // The full album object: its track list comes along.
        assert_eq!(a.album.tracks.total as usize, t.track_ids.len());
        let tracks: Vec<&str> = a
            .album
            .tracks
            .items
            .iter()
            .filter_map(|x| x.id.as_ref())
            .map(|i| i.id())
            .collect();
        // The first page of them (50): a long album's other tracks are a request away.
        assert_eq!(
            tracks,
            t.track_ids
                .iter()
                .take(50)
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
    }
    let shows: Vec<_> = spotify
        .get_saved_show()
        .try_collect()
        .await
        .expect("saved shows parse in rspotify");
    let got: Vec<(String, String)> = shows
        .iter()
        .map(|s| (s.show.id.id().to_string(), s.added_at.clone()))
        .collect();
    assert_eq!(got, ids_and_dates(&truth.saved_shows));
    for (range, rs) in [
        (TimeRange::Short, RsRange::ShortTerm),
        (TimeRange::Medium, RsRange::MediumTerm),
        (TimeRange::Long, RsRange::LongTerm),
    ] {
        let artists: Vec<String> = spotify
            .current_user_top_artists(Some(rs))
            .map_ok(|a| a.id.id().to_string())
            .try_collect()
            .await
            .expect("top artists");
        assert_eq!(artists, truth.top_artists.get(range), "{range:?}");
        let tracks: Vec<String> = spotify
            .current_user_top_tracks(Some(rs))
            .map_ok(|t| t.id.expect("id").id().to_string())
            .try_collect()
            .await
            .expect("top tracks");
        assert_eq!(tracks, truth.top_tracks.get(range), "{range:?}");
        assert!(!tracks.is_empty());
    }
    assert_ne!(truth.top_tracks.short_term, truth.top_tracks.long_term);

    // Followed artists through rspotify's cursor call, 3 at a time.
    let mut after: Option<String> = None;
    let mut followed = Vec::new();
    loop {
        let page = spotify
            .current_user_followed_artists(after.as_deref(), Some(3))
            .await
            .expect("followed artists parse in rspotify");
        assert_eq!(page.total, Some(truth.followed_artists.len() as u32));
        followed.extend(page.items.iter().map(|a| a.id.id().to_string()));
        match page.cursors.and_then(|c| c.after) {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    assert_eq!(followed, truth.followed_artists);

    // Raw JSON, 2 a page: episodes and audiobooks (and albums again).
    let t = &token;
    assert_eq!(
        saved_raw(&sim, t, "me/episodes?limit=2", "episode").await,
        ids_and_dates(&truth.saved_episodes)
    );
    // Audiobooks come bare: the objects themselves, no `added_at`, in saving order.
    let (books, total) = collect_pages(&format!("{}me/audiobooks?limit=2", sim.api_url()), t).await;
    assert_eq!(books.len() as u64, total);
    let ids: Vec<&str> = books.iter().map(|b| b["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = truth
        .saved_audiobooks
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(ids, want);
    assert_eq!(
        saved_raw(&sim, t, "me/albums?limit=2", "album").await,
        ids_and_dates(&truth.saved_albums)
    );
    for b in &books {
        let id = b["id"].as_str().unwrap();
        let tb = truth.audiobooks.iter().find(|x| x.id == id).unwrap();
        assert_eq!(b["type"], "audiobook");
        assert_eq!(
            b["uri"],
            format!("spotify:show:{id}"),
            "as recorded: a show's URI"
        );
        assert_eq!(b["total_chapters"], json!(tb.total_chapters));
        assert_eq!(b["name"], tb.name.as_str());
        for gone in ["added_at", "audiobook", "chapters"] {
            assert!(b.get(gone).is_none(), "{gone} in {b}");
        }
    }
    let (eps, _) = collect_pages(&format!("{}me/episodes?limit=50", sim.api_url()), t).await;
    assert!(eps.iter().all(|e| e["episode"]["resume_point"].is_object()));
    assert_eq!(following_raw(&sim, t, 1).await, truth.followed_artists);
    assert_eq!(following_raw(&sim, t, 50).await, truth.followed_artists);
    sim.shutdown().await;
}

#[tokio::test]
async fn following_is_cursor_paged_by_artist_id() {
    let sim = sim().await;
    let truth = sim.truth();
    let token = sim.issue_token();
    let f = &truth.followed_artists;
    let mut sorted = f.clone();
    sorted.sort();
    assert_eq!(&sorted, f, "served in ascending id order");

    // Default limit 20; `after` is exclusive; `offset` does not exist and is ignored.
    let r = api(&sim, &token, "me/following?type=artist").await;
    assert_eq!(r.body["artists"]["limit"], json!(20));
    assert_eq!(r.body["artists"]["total"], json!(f.len()));
    let r = api(
        &sim,
        &token,
        &format!("me/following?type=artist&after={}&offset=3", f[0]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body["artists"]["items"][0]["id"].as_str(),
        f.get(1).map(String::as_str)
    );
    let last = f.last().unwrap();
    let r = api(
        &sim,
        &token,
        &format!("me/following?type=artist&after={last}"),
    )
    .await;
    assert_eq!(r.body["artists"]["items"], json!([]));
    assert!(r.body["artists"]["next"].is_null());
    // A followed artist unfollowed between two pages does not shift the next page.
    let (s, _) = control(&sim, "__sim/artists/unfollow", json!({"ids": [f[1]]})).await;
    assert_eq!(s, StatusCode::OK);
    let r = api(
        &sim,
        &token,
        &format!("me/following?type=artist&limit=1&after={}", f[1]),
    )
    .await;
    assert_eq!(
        r.body["artists"]["items"][0]["id"].as_str(),
        Some(f[2].as_str())
    );

    for (q, why) in [
        ("me/following", "type is required"),
        ("me/following?type=user", "only artists"),
        ("me/following?type=artist&limit=0", "limit too small"),
        ("me/following?type=artist&limit=51", "limit too large"),
        ("me/following?type=artist&limit=x", "limit not a number"),
        (
            "me/following?type=artist&after=not-an-id",
            "after not an id",
        ),
    ] {
        let r = api(&sim, &token, q).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.text);
        assert_eq!(r.body["error"]["status"], json!(400));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn limits_offsets_and_time_ranges() {
    let sim = sim().await;
    let truth = sim.truth();
    let token = sim.issue_token();
    for path in [
        "me/albums",
        "me/shows",
        "me/episodes",
        "me/audiobooks",
        "me/top/artists",
        "me/top/tracks",
    ] {
        let r = api(&sim, &token, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.body["limit"], json!(20), "{path}: default limit");
        assert_eq!(r.body["offset"], json!(0));
        let r = api(&sim, &token, &format!("{path}?limit=50")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for q in ["limit=51", "limit=0", "offset=-1", "limit=abc"] {
            let r = api(&sim, &token, &format!("{path}?{q}")).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}?{q}");
        }
        // Past the end: an empty page with the right total.
        let r = api(&sim, &token, &format!("{path}?offset=5000")).await;
        assert_eq!(r.body["items"], json!([]));
        assert!(r.body["total"].as_u64().unwrap() > 0, "{path} is not empty");
    }
    // time_range: default medium_term, the three values, and Spotify's 400 otherwise.
    let medium = api(&sim, &token, "me/top/tracks?limit=50").await.body;
    let ids: Vec<&str> = medium["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, truth.top_tracks.medium_term);
    assert!(
        medium["next"].is_null()
            || medium["next"]
                .as_str()
                .unwrap()
                .contains("time_range=medium_term")
    );
    let r = api(&sim, &token, "me/top/artists?time_range=short_term&limit=2").await;
    assert_eq!(r.body["total"], json!(truth.top_artists.short_term.len()));
    let next = r.body["next"].as_str().expect("more than 2 top artists");
    // The links' query in the order the 2026 recordings show: offset, limit, time_range.
    assert_eq!(
        next,
        format!(
            "{}me/top/artists?offset=2&limit=2&time_range=short_term",
            sim.api_url()
        )
    );
    for bad in ["forever", "", "SHORT_TERM"] {
        let r = api(&sim, &token, &format!("me/top/artists?time_range={bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(message(&r), "Invalid time range");
    }
    sim.shutdown().await;
}

#[test]
fn the_generated_lists_overlap_the_liked_songs_like_a_real_library() {
    for tracks in [180, 2000] {
        let p = GenParams {
            seed: 42,
            tracks,
            playlists: 5,
        };
        let t = generate(p).truth();
        assert_eq!(t, generate(p).truth(), "deterministic");
        let liked: HashSet<&str> = t.saved_tracks.iter().map(|s| s.track_id.as_str()).collect();
        let tracks_by_id: HashMap<&str, _> = t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
        let albums: HashMap<&str, _> = t.albums.iter().map(|a| (a.id.as_str(), a)).collect();
        let liked_artists: HashSet<&str> = liked
            .iter()
            .flat_map(|id| tracks_by_id[id].artist_ids.iter().map(String::as_str))
            .collect();

        // Saved albums: some partly liked (some tracks liked, some not), some not at all.
        let liked_count = |a: &str| {
            albums[a]
                .track_ids
                .iter()
                .filter(|x| liked.contains(x.as_str()))
                .count()
        };
        let partly = t.saved_albums.iter().filter(|s| {
            let n = liked_count(&s.id);
            n > 0 && n < albums[s.id.as_str()].track_ids.len()
        });
        assert!(partly.count() >= 2, "{tracks}: saved albums partly liked");
        let unliked = t
            .saved_albums
            .iter()
            .filter(|s| liked_count(&s.id) == 0)
            .count();
        assert!(unliked >= 1 && unliked < t.saved_albums.len(), "{tracks}");
        for w in t.saved_albums.windows(2) {
            assert!(w[0].added_at > w[1].added_at, "newest first");
        }

        // Followed artists: some in the liked songs, some not.
        let (in_liked, not): (Vec<&String>, Vec<&String>) = t
            .followed_artists
            .iter()
            .partition(|a| liked_artists.contains(a.as_str()));
        assert!(
            in_liked.len() >= 3 && not.len() >= 2,
            "{tracks}: {in_liked:?} / {not:?}"
        );

        // Podcasts and audiobooks: a few, saved in part.
        assert!(!t.saved_shows.is_empty() && t.saved_shows.len() < t.shows.len());
        assert!(!t.saved_episodes.is_empty() && t.saved_episodes.len() < t.episodes.len());
        assert!(!t.saved_audiobooks.is_empty() && t.saved_audiobooks.len() < t.audiobooks.len());

        // Top lists come from the library.
        for r in TimeRange::ALL {
            assert!(!t.top_tracks.get(r).is_empty());
            assert!(
                t.top_tracks
                    .get(r)
                    .iter()
                    .all(|x| liked.contains(x.as_str()))
            );
            assert!(
                t.top_artists
                    .get(r)
                    .iter()
                    .all(|x| liked_artists.contains(x.as_str()))
            );
            assert!(t.top_tracks.get(r).len() <= 99 && t.top_artists.get(r).len() <= 99);
        }
        let n = CollectionSizes::for_tracks(tracks);
        assert_eq!(t.saved_albums.len(), n.saved_albums + long_albums(tracks));
        assert_eq!(t.audiobooks.len(), n.audiobooks);
    }
    let small = CollectionSizes::for_tracks(180);
    let big = CollectionSizes::for_tracks(2000);
    assert!(
        big.saved_albums > 2 * small.saved_albums && big.followed_liked > 2 * small.followed_liked
    );
}

#[tokio::test]
async fn extended_mode_serves_the_same_lists_with_the_extra_fields() {
    let sim = sim_with(|o| o.mode = SimMode::Extended).await;
    let token = sim.issue_token();
    let r = api(&sim, &token, "me/albums?limit=1").await;
    let album = &r.body["items"][0]["album"];
    assert!(
        album["label"].is_string() && album["popularity"].is_u64(),
        "{album}"
    );
    let r = api(&sim, &token, "me/following?type=artist&limit=1").await;
    let artist: &Value = &r.body["artists"]["items"][0];
    assert!(artist["followers"]["total"].is_u64(), "{artist}");
    let dev = sim_with(|_| {}).await;
    let token = dev.issue_token();
    let r = api(&dev, &token, "me/albums?limit=1").await;
    assert!(r.body["items"][0]["album"].get("label").is_none());
    sim.shutdown().await;
    dev.shutdown().await;
}
