//! Several users of one app: each their own library, listening, tokens and scopes; one rate
//! window and one daily quota for all of them; the login approving as a chosen user; controls
//! and statistics per user; a user writing what another user's library holds.

use reqwest::{Method, StatusCode};
use serde_json::json;
use spotsync_sim::accounts::s256;
use spotsync_sim::{RunningSim, SimOptions};

use crate::common::*;

async fn household(f: impl FnOnce(&mut SimOptions)) -> RunningSim {
    sim_with(|o| {
        o.users = 3;
        o.user_tracks = vec![120, 300, 50];
        f(o);
    })
    .await
}

#[tokio::test]
async fn each_user_has_their_own_library_and_user_0_is_the_single_users() {
    let sim = household(|_| {}).await;
    let single = sim_with(|o| o.tracks = 120).await;
    assert_eq!(sim.users(), 3);
    assert_eq!(
        sim.truth(),
        single.truth(),
        "user 0 = the one user of the same seed"
    );
    let mut ids = Vec::new();
    for (u, tracks) in [(0usize, 120u64), (1, 300), (2, 50)] {
        let token = token_of(&sim, u, &["user-library-read"]).await;
        let me = api(&sim, &token, "me").await.body;
        let t = truth_of(&sim, u).await;
        assert_eq!(me["id"], t.user.id.as_str());
        assert_eq!(me["account_id"], t.user.account_id.as_str());
        let page = api(&sim, &token, "me/tracks?limit=1").await.body;
        assert_eq!(page["total"], tracks, "user {u}");
        assert_eq!(
            page["items"][0]["track"]["id"],
            t.saved_tracks[0].track_id.as_str()
        );
        ids.push((
            t.user.id.clone(),
            me["display_name"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(ids[0].1, "Sim Listener 🎧");
    assert_eq!(ids[1].1, "Sim Listener 2 🎧");
    assert!(ids[0].0 != ids[1].0 && ids[1].0 != ids[2].0 && ids[0].0 != ids[2].0);
    assert_ne!(
        truth_of(&sim, 1).await.tracks[0].id,
        truth_of(&sim, 2).await.tracks[0].id
    );
    // Per-user sizes from the options; the rest from --tracks.
    let more = sim_with(|o| {
        o.users = 2;
        o.tracks = 70;
        o.user_playlists = vec![12, 3];
    })
    .await;
    assert_eq!(more.truth_of(1).saved_tracks.len(), 70);
    assert_eq!(more.truth_of(1).playlists.len(), 3);
    sim.shutdown().await;
    single.shutdown().await;
    more.shutdown().await;
}

#[tokio::test]
async fn controls_act_on_the_user_named_and_statistics_are_per_user() {
    let sim = household(|_| {}).await;
    let before: Vec<_> = [
        truth_of(&sim, 0).await,
        truth_of(&sim, 1).await,
        truth_of(&sim, 2).await,
    ]
    .to_vec();
    let (s, v) = control(&sim, "__sim/tracks/save?user=1", json!({"count": 2})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = control(&sim, "__sim/plays?user=2", json!({"count": 3})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = control(
        &sim,
        "__sim/albums/unsave?user=2",
        json!({"ids": [before[2].saved_albums[0].id]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(truth_of(&sim, 0).await, before[0], "user 0 untouched");
    assert_eq!(
        truth_of(&sim, 1).await.saved_tracks.len(),
        before[1].saved_tracks.len() + 2
    );
    let t2 = truth_of(&sim, 2).await;
    assert_eq!(t2.plays.len(), before[2].plays.len() + 3);
    assert_eq!(t2.saved_albums.len(), before[2].saved_albums.len() - 1);
    // Each user's recently-played is their own.
    let t2_token = token_of(&sim, 2, &["user-read-recently-played"]).await;
    let rp = api(&sim, &t2_token, "me/player/recently-played?limit=1")
        .await
        .body;
    assert_eq!(rp["items"][0]["played_at"], t2.plays[0].played_at.as_str());
    // An unknown user: 400 everywhere.
    for path in [
        "__sim/tracks/save?user=3",
        "__sim/plays?user=x",
        "__sim/artists/follow?user=-1",
    ] {
        let (s, _) = control(&sim, path, json!({"count": 1})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}");
    }
    let (s, _) = control(&sim, "__sim/token", json!({"user": 3})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let r = get_url(&format!("{}__sim/library?user=9", sim.base_url()), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    sim.reset_stats();
    let t1 = token_of(&sim, 1, &["user-library-read", "user-library-modify"]).await;
    for _ in 0..3 {
        api(&sim, &t1, "me/tracks").await;
    }
    let track = &before[1].tracks[0].uri;
    call(
        &sim,
        Method::PUT,
        &format!("me/library?uris={track}"),
        &t1,
        None,
    )
    .await;
    api(&sim, &t2_token, "me").await;
    api(&sim, "not-a-token", "me").await;
    let st = sim.stats();
    assert_eq!(st.total, 6);
    assert_eq!(st.per_user.len(), 3);
    assert_eq!((st.user(1).total, st.user(1).writes), (4, 1));
    assert_eq!(st.user(1).endpoint("GET /v1/me/tracks"), 3);
    assert_eq!(st.user(2).total, 1);
    assert_eq!(st.user(0).total, 0);
    assert_eq!(
        st.count("401"),
        1,
        "a request without a user's token is only in the totals"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn one_quota_and_one_window_for_the_whole_app() {
    let sim = household(|o| o.quota = 6).await;
    let tokens = [
        token_of(&sim, 0, &[]).await,
        token_of(&sim, 1, &[]).await,
        token_of(&sim, 2, &[]).await,
    ];
    for t in &tokens[..2] {
        for _ in 0..3 {
            assert_eq!(api(&sim, t, "me").await.status, StatusCode::OK);
        }
    }
    // User 2 has sent nothing, and is over the app's quota all the same.
    let r = api(&sim, &tokens[2], "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"]["reason"], "QUOTA_EXCEEDED");
    for t in &tokens {
        let r = api(&sim, t, "me").await;
        assert_eq!(
            r.body["error"]["reason"], "QUOTA_EXCEEDED",
            "a block holds every user"
        );
    }
    let st = sim.stats();
    assert_eq!(
        (st.user(0).total, st.user(1).total, st.user(2).total),
        (4, 4, 2)
    );
    assert_eq!(st.quota_exceeded, 4);
    assert_eq!(st.user(2).quota_exceeded, 2);
    sim.shutdown().await;

    let sim = household(|o| o.window = 4).await;
    let a = token_of(&sim, 0, &[]).await;
    let b = token_of(&sim, 2, &[]).await;
    for t in [&a, &b, &a, &b] {
        assert_eq!(api(&sim, t, "me").await.status, StatusCode::OK);
    }
    let r = api(&sim, &b, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.body["error"].get("reason").is_none(),
        "the 30-s window, shared"
    );
    sim.shutdown().await;
}

/// Whose token the answer of the token endpoint holds (`/me`'s id).
async fn who(sim: &RunningSim, t: serde_json::Value) -> String {
    let token = t["access_token"].as_str().unwrap().to_string();
    api(sim, &token, "me").await.body["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Log in through `/authorize` and `/api/token` (PKCE); `extra` is added to the authorize URL.
async fn login(sim: &RunningSim, extra: &str) -> serde_json::Value {
    let verifier = "v".repeat(64);
    let url = format!(
        "{}authorize?client_id=app&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8888%2Fcb\
         &code_challenge_method=S256&code_challenge={}&scope=user-library-read{extra}",
        sim.base_url(),
        s256(&verifier)
    );
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FOUND,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let code = url::Url::parse(&loc)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let r = http()
        .post(format!("{}api/token", sim.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:8888/cb"),
            ("client_id", "app"),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_login_approves_as_the_chosen_user_and_refreshing_keeps_them() {
    let sim = household(|_| {}).await;
    let ids: Vec<String> = (0..3).map(|u| sim.truth_of(u).user.id).collect();
    assert_eq!(
        who(&sim, login(&sim, "").await).await,
        ids[0],
        "user 0 by default"
    );
    let (s, v) = control(&sim, "__sim/login-as", json!({"user": 2})).await;
    assert_eq!((s, v["user"].clone()), (StatusCode::OK, json!(2)));
    let r = get_url(&format!("{}__sim/login-as", sim.base_url()), None).await;
    assert_eq!(r.body["user"], 2);
    let t = login(&sim, "").await;
    assert_eq!(who(&sim, t.clone()).await, ids[2]);
    // Refreshing keeps the user.
    let r = http()
        .post(format!("{}api/token", sim.base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ("client_id", "app"),
        ])
        .send()
        .await
        .unwrap();
    let refreshed: serde_json::Value = r.json().await.unwrap();
    assert_eq!(who(&sim, refreshed).await, ids[2]);
    // `sim_user` on the authorize URL wins for that login.
    assert_eq!(who(&sim, login(&sim, "&sim_user=1").await).await, ids[1]);
    let r = http()
        .get(format!(
            "{}authorize?client_id=app&response_type=code&redirect_uri=https://x.example/cb\
             &code_challenge_method=S256&code_challenge={}&sim_user=7",
            sim.base_url(),
            s256(&"v".repeat(64))
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (s, _) = control(&sim, "__sim/login-as", json!({"user": 3})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_user_saves_and_follows_what_another_users_library_holds() {
    let sim = household(|_| {}).await;
    let a = sim.truth_of(0);
    let c_token = token_of(
        &sim,
        2,
        &[
            "user-library-modify",
            "playlist-modify-public",
            "playlist-modify-private",
            "user-library-read",
        ],
    )
    .await;
    // User 0's liked songs into user 2's library.
    let uris: Vec<String> = a.saved_tracks[..5]
        .iter()
        .map(|s| format!("spotify:track:{}", s.track_id))
        .collect();
    let r = call(
        &sim,
        Method::PUT,
        &format!("me/library?uris={}", uris.join(",")),
        &c_token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = truth_of(&sim, 2).await;
    let newest: Vec<&str> = c.saved_tracks[..5]
        .iter()
        .map(|s| s.track_id.as_str())
        .collect();
    let want: Vec<&str> = a.saved_tracks[..5]
        .iter()
        .rev()
        .map(|s| s.track_id.as_str())
        .collect();
    assert_eq!(newest, want);
    // Its catalogue now knows them with their album and artists, as user 0's does.
    let track = c.tracks.iter().find(|t| t.id == newest[0]).unwrap();
    let original = a.tracks.iter().find(|t| t.id == track.id).unwrap();
    assert_eq!(
        (&track.name, &track.album_id, &track.artist_ids),
        (&original.name, &original.album_id, &original.artist_ids)
    );
    let page = api(&sim, &c_token, "me/tracks?limit=1").await.body;
    assert_eq!(
        page["items"][0]["track"]["album"]["id"],
        original.album_id.as_str()
    );
    // … and into a playlist of user 2's own.
    let r = call(
        &sim,
        Method::POST,
        "me/playlists",
        &c_token,
        Some(json!({"name": "from user 0"})),
    )
    .await;
    let pid = r.body["id"].as_str().unwrap().to_string();
    let r = call(
        &sim,
        Method::POST,
        &format!("playlists/{pid}/items"),
        &c_token,
        Some(json!({"uris": uris})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // User 0's playlist is someone else's to user 2: following it is fine, writing is not.
    let theirs = a
        .playlists
        .iter()
        .find(|p| p.owned && p.followed && !p.collaborative && !p.items.is_empty())
        .unwrap();
    let r = call(
        &sim,
        Method::POST,
        &format!("playlists/{}/items", theirs.id),
        &c_token,
        Some(json!({"uris": [uris[0]]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api(&sim, &c_token, &format!("playlists/{}", theirs.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["owner"]["id"], a.user.id.as_str());
    let r = api(&sim, &c_token, &format!("playlists/{}/items", theirs.id)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not owned by user 2");
    let r = call(
        &sim,
        Method::PUT,
        &format!("me/library?uris=spotify:playlist:{}", theirs.id),
        &c_token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let first = api(&sim, &c_token, "me/playlists?limit=1").await.body;
    assert_eq!(first["items"][0]["id"], theirs.id.as_str());
    assert_eq!(first["items"][0]["owner"]["id"], a.user.id.as_str());
    assert_eq!(truth_of(&sim, 0).await, a, "user 0's library is unchanged");
    sim.shutdown().await;
}
