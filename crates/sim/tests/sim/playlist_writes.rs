//! Writing playlists: create, change details, add / replace / reorder / remove items; limits,
//! scopes, whose playlist, new snapshot ids (covers and the controls that stage a loss:
//! `covers`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spotsync_sim::RunningSim;
use spotsync_sim::model::TruthPlaylist;

use crate::common::*;

async fn create(sim: &RunningSim, token: &str, body: Value) -> Resp {
    call(sim, Method::POST, "me/playlists", token, Some(body)).await
}

fn items_of(p: &Value) -> Vec<String> {
    p["items"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"]["uri"].as_str().unwrap_or("null").to_string())
        .collect()
}

fn track_uris(sim: &RunningSim, n: usize) -> Vec<String> {
    sim.truth()
        .tracks
        .iter()
        .take(n)
        .map(|t| t.uri.clone())
        .collect()
}

async fn playlist(sim: &RunningSim, token: &str, id: &str) -> Value {
    let r = api(sim, token, &format!("playlists/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

#[tokio::test]
async fn create_change_and_fill_a_playlist() {
    let sim = sim().await;
    let token = sim.issue_token();
    let me = sim.truth().user.id;
    let r = create(
        &sim,
        &token,
        json!({"name": "Restored 🎧", "description": "from the mirror", "public": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["owner"]["id"], me.as_str());
    assert_eq!(
        (&r.body["public"], &r.body["collaborative"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(r.body["description"], "from the mirror");
    assert_eq!(r.body["items"]["total"], 0);
    assert_eq!(r.body["images"], json!([]));
    let snap0 = r.body["snapshot_id"].as_str().unwrap().to_string();
    let first = api(&sim, &token, "me/playlists?limit=1").await.body;
    assert_eq!(
        first["items"][0]["id"],
        id.as_str(),
        "created ones come first"
    );
    // Defaults: public, not collaborative, no description.
    let r = create(&sim, &token, json!({"name": "Plain"})).await;
    assert_eq!(r.body["public"], true);
    assert_eq!(r.body["description"], Value::Null);

    // Details: 200 without a body, a new snapshot.
    let r = call(
        &sim,
        Method::PUT,
        &format!("playlists/{id}"),
        &token,
        Some(json!({"name": "Renamed", "description": "d2", "collaborative": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.is_empty());
    let p = playlist(&sim, &token, &id).await;
    assert_eq!(
        (&p["name"], &p["description"]),
        (&json!("Renamed"), &json!("d2"))
    );
    assert_eq!(p["collaborative"], true);
    let snap1 = p["snapshot_id"].as_str().unwrap().to_string();
    assert_ne!(snap1, snap0);

    // Items: add (body), insert at 0 (query), the snapshot answered is the stored one.
    let uris = track_uris(&sim, 5);
    let t0 = chrono::Utc::now().timestamp();
    let r = call(
        &sim,
        Method::POST,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"uris": &uris[..3]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let snap2 = r.body["snapshot_id"].as_str().unwrap().to_string();
    assert_ne!(snap2, snap1);
    let r = call(
        &sim,
        Method::POST,
        &format!(
            "playlists/{id}/items?position=0&uris={},{}",
            uris[3], uris[4]
        ),
        &token,
        Some(json!({"uris": [uris[0]]})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the query's uris win: {}",
        r.text
    );
    let p = playlist(&sim, &token, &id).await;
    assert_eq!(p["snapshot_id"], r.body["snapshot_id"]);
    assert_eq!(
        items_of(&p),
        [&*uris[3], &*uris[4], &*uris[0], &*uris[1], &*uris[2]]
    );
    let entry = &p["items"]["items"][0];
    assert_eq!(entry["added_by"]["id"], me.as_str());
    let added = chrono::DateTime::parse_from_rfc3339(entry["added_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!((t0 - 2..=t0 + 5).contains(&added));
    // Mosaic once it has items.
    assert!(
        p["images"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/__cdn/mosaic/{id}")),
        "{}",
        p["images"]
    );

    // Reorder: the first item before position 3.
    let r = call(
        &sim,
        Method::PUT,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"range_start": 0, "insert_before": 3, "snapshot_id": snap2})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = playlist(&sim, &token, &id).await;
    assert_eq!(
        items_of(&p),
        [&*uris[4], &*uris[0], &*uris[3], &*uris[1], &*uris[2]]
    );
    // Two at the end to the front.
    let r = call(
        &sim,
        Method::PUT,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"range_start": 3, "range_length": 2, "insert_before": 0})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        items_of(&playlist(&sim, &token, &id).await),
        [&*uris[1], &*uris[2], &*uris[4], &*uris[0], &*uris[3]]
    );

    // Remove: every occurrence of one URI, then one position of a duplicate.
    call(
        &sim,
        Method::POST,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"uris": [uris[1], uris[1]]})),
    )
    .await;
    let r = call(
        &sim,
        Method::DELETE,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"items": [{"uri": uris[2]}, {"uri": uris[1], "positions": [5]}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["snapshot_id"].is_string());
    assert_eq!(
        items_of(&playlist(&sim, &token, &id).await),
        [&*uris[1], &*uris[4], &*uris[0], &*uris[3], &*uris[1]]
    );
    // The older key `tracks` is read as `items`.
    let r = call(
        &sim,
        Method::DELETE,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"tracks": [{"uri": uris[1]}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        items_of(&playlist(&sim, &token, &id).await),
        [&*uris[4], &*uris[0], &*uris[3]]
    );

    // Replace, then clear.
    let r = call(
        &sim,
        Method::PUT,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"uris": [uris[2], uris[2]]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        items_of(&playlist(&sim, &token, &id).await),
        [&*uris[2], &*uris[2]]
    );
    let r = call(
        &sim,
        Method::PUT,
        &format!("playlists/{id}/items"),
        &token,
        Some(json!({"uris": []})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let p = playlist(&sim, &token, &id).await;
    assert_eq!(p["items"]["total"], 0);
    let t: TruthPlaylist = truth_of(&sim, 0)
        .await
        .playlists
        .into_iter()
        .find(|p| p.id == id)
        .unwrap();
    assert_eq!(
        (t.name.as_str(), t.followed, t.owned),
        ("Renamed", true, true)
    );
    assert_eq!(t.snapshot_id, p["snapshot_id"].as_str().unwrap());
    sim.shutdown().await;
}

#[tokio::test]
async fn limits_and_bad_requests_change_nothing() {
    let sim = sim().await;
    let token = sim.issue_token();
    let r = create(&sim, &token, json!({"name": "Target"})).await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let uris: Vec<String> = sim
        .truth()
        .tracks
        .iter()
        .take(101)
        .map(|t| t.uri.clone())
        .collect();
    let items = format!("playlists/{id}/items");
    let album = format!("spotify:album:{}", sim.truth().albums[0].id);
    let before = truth_of(&sim, 0).await;
    let cases: Vec<(Method, String, Value, &str)> = vec![
        (
            Method::POST,
            items.clone(),
            json!({"uris": uris}),
            "Too many URIs",
        ),
        (
            Method::PUT,
            items.clone(),
            json!({"uris": uris}),
            "Too many URIs",
        ),
        (
            Method::POST,
            items.clone(),
            json!({}),
            "Missing required parameter: uris",
        ),
        (
            Method::POST,
            items.clone(),
            json!({"uris": [album]}),
            "Unsupported URI type",
        ),
        (
            Method::POST,
            items.clone(),
            json!({"uris": ["spotify:track:0000000000000000000000"]}),
            "Payload contains a non-existing ID",
        ),
        (
            Method::POST,
            items.clone(),
            json!({"uris": [uris[0]], "position": 1}),
            "Index out of bounds",
        ),
        (
            Method::POST,
            items.clone(),
            json!({"uris": [uris[0]], "position": -1}),
            "Index out of bounds",
        ),
        (
            Method::PUT,
            items.clone(),
            json!({"uris": [uris[0]], "range_start": 0, "insert_before": 0}),
            "Either uris",
        ),
        (Method::PUT, items.clone(), json!({}), "Either uris"),
        (
            Method::PUT,
            items.clone(),
            json!({"range_start": 0, "insert_before": 1}),
            "Index out of bounds",
        ),
        (
            Method::DELETE,
            items.clone(),
            json!({"items": []}),
            "Missing required field: items",
        ),
        (
            Method::DELETE,
            items.clone(),
            json!({"items": uris.iter().map(|u| json!({"uri": u})).collect::<Vec<_>>()}),
            "Too many URIs",
        ),
        (
            Method::POST,
            "me/playlists".into(),
            json!({"description": "no name"}),
            "Missing required field: name",
        ),
        (
            Method::POST,
            "me/playlists".into(),
            json!({"name": "x", "collaborative": true}),
            "A collaborative playlist must not be public",
        ),
        (
            Method::PUT,
            format!("playlists/{id}"),
            json!({"public": true, "collaborative": true}),
            "A collaborative playlist must not be public",
        ),
        (
            Method::PUT,
            format!("playlists/{id}"),
            json!({"name": " "}),
            "The name must not be empty",
        ),
        (
            Method::POST,
            "me/playlists".into(),
            json!("not an object"),
            "Error parsing JSON.",
        ),
        (
            Method::PUT,
            "playlists/not-an-id".into(),
            json!({"name": "x"}),
            "Invalid base62 id",
        ),
    ];
    for (method, path, body, msg) in cases {
        let r = call(&sim, method.clone(), &path, &token, Some(body.clone())).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body}: {}",
            r.text
        );
        assert!(
            message(&r).starts_with(msg),
            "{method} {path}: {}",
            message(&r)
        );
    }
    // A body that is not JSON at all.
    let r = http()
        .post(format!("{}{items}", sim.api_url()))
        .bearer_auth(&token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(truth_of(&sim, 0).await, before, "nothing changed");
    // 100 at once is fine.
    let r = call(
        &sim,
        Method::POST,
        &items,
        &token,
        Some(json!({"uris": &uris[..100]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn whose_playlist_and_which_scope() {
    let sim = sim().await;
    let token = sim.issue_token();
    let t = sim.truth();
    let track = &t.tracks[0].uri;
    let others = |collab: bool| {
        t.playlists
            .iter()
            .find(|p| {
                p.followed && !p.owned && p.collaborative == collab && !p.id.starts_with("37i9")
            })
            .unwrap()
            .id
            .clone()
    };
    let (theirs, shared) = (others(false), others(true));
    let spotify = t
        .playlists
        .iter()
        .find(|p| p.id.starts_with("37i9"))
        .unwrap()
        .id
        .clone();
    let add = |id: &str| format!("playlists/{id}/items");
    // Someone else's: 403 for items and details; a collaborative one: items yes, details no.
    for (method, path, body) in [
        (Method::POST, add(&theirs), json!({"uris": [track]})),
        (
            Method::PUT,
            format!("playlists/{theirs}"),
            json!({"name": "mine now"}),
        ),
        (
            Method::PUT,
            format!("playlists/{shared}"),
            json!({"name": "mine now"}),
        ),
        (
            Method::DELETE,
            add(&theirs),
            json!({"items": [{"uri": track}]}),
        ),
    ] {
        let r = call(&sim, method.clone(), &path, &token, Some(body)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.text
        );
        assert_eq!(r.body["error"]["status"], 403);
    }
    let r = call(
        &sim,
        Method::POST,
        &add(&shared),
        &token,
        Some(json!({"uris": [track]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Spotify's own and unknown playlists: 404.
    for id in [spotify.as_str(), "0000000000000000000000"] {
        let r = call(
            &sim,
            Method::POST,
            &add(id),
            &token,
            Some(json!({"uris": [track]})),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}");
    }

    // Scopes: a public playlist needs playlist-modify-public, a private one -private.
    let public_only = token_of(&sim, 0, &["playlist-modify-public"]).await;
    let private_only = token_of(&sim, 0, &["playlist-modify-private"]).await;
    let r = create(&sim, &public_only, json!({"name": "p", "public": false})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(message(&r), "Insufficient client scope");
    let r = create(
        &sim,
        &private_only,
        json!({"name": "p", "public": false, "collaborative": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "collaborative needs both");
    let r = create(&sim, &public_only, json!({"name": "p"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let public_id = r.body["id"].as_str().unwrap().to_string();
    let r = call(
        &sim,
        Method::POST,
        &add(&public_id),
        &private_only,
        Some(json!({"uris": [track]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &sim,
        Method::POST,
        &add(&public_id),
        &public_only,
        Some(json!({"uris": [track]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Making it private needs both.
    let r = call(
        &sim,
        Method::PUT,
        &format!("playlists/{public_id}"),
        &public_only,
        Some(json!({"public": false})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let read = sim
        .issue_token_with_scopes(&["playlist-read-private"])
        .access_token;
    let r = create(&sim, &read, json!({"name": "p"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    sim.shutdown().await;
}
