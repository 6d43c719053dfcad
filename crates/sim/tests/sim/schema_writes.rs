//! The answers of the write endpoints, validated against the OpenAPI description like every
//! other answer (see `schema`): created playlists, snapshot ids, `contains`, cover images, and
//! the errors of writes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spotsync_sim::RunningSim;

use crate::common::*;
use crate::schema::{Checker, SCHEMA, response};

/// A write that must fail: method, path, token, body, status, response schema.
type WriteCase<'a> = (Method, String, &'a str, Option<Value>, u16, &'a str);

fn snapshot_schema() -> String {
    response("PlaylistSnapshotId")
}

/// Create a playlist and put it through every write; check every answer.
pub(crate) async fn validate_writes(c: &mut Checker, sim: &RunningSim) {
    let token = sim.issue_token();
    let t = sim.truth();
    let uris: Vec<&str> = t.tracks.iter().take(4).map(|x| x.uri.as_str()).collect();
    let s = |n: &str| format!("{SCHEMA}{n}");

    let r = call(
        sim,
        Method::POST,
        "me/playlists",
        &token,
        Some(json!({"name": "Schema"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    c.check(&response("OnePlaylist"), &r.body, "created playlist");
    let id = r.body["id"].as_str().unwrap().to_string();
    let items = format!("playlists/{id}/items");
    for (method, body) in [
        (Method::POST, json!({"uris": uris})),
        (Method::PUT, json!({"range_start": 0, "insert_before": 2})),
        (Method::DELETE, json!({"items": [{"uri": uris[0]}]})),
        (Method::PUT, json!({"uris": &uris[1..]})),
    ] {
        let r = call(sim, method.clone(), &items, &token, Some(body)).await;
        assert!(r.status.is_success(), "{method}: {}", r.text);
        c.check(&snapshot_schema(), &r.body, "snapshot id");
    }
    let r = call(
        sim,
        Method::PUT,
        &format!("playlists/{id}"),
        &token,
        Some(json!({"name": "S2"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let full = api(sim, &token, &format!("playlists/{id}")).await.body;
    c.check(&s("PlaylistObject"), &full, "playlist after writes");
    let r = api(sim, &token, &format!("{items}?limit=50")).await;
    c.check(
        &s("PagingPlaylistTrackObject"),
        &r.body,
        "items after writes",
    );

    // Covers: a custom one (sizes null) and a mosaic.
    for p in t
        .playlists
        .iter()
        .filter(|p| !p.id.starts_with("37i9"))
        .take(6)
    {
        let v = api(sim, &token, &format!("playlists/{}/images", p.id))
            .await
            .body;
        c.check(&response("ArrayOfImages"), &v, "playlist images");
    }
    let custom = t
        .playlists
        .iter()
        .find(|p| p.custom_cover.is_some())
        .unwrap();
    let full = api(sim, &token, &format!("playlists/{}", custom.id)).await;
    if full.status == StatusCode::OK {
        c.check(
            &s("PlaylistObject"),
            &full.body,
            "playlist with a custom cover",
        );
    }
    let mine = api(sim, &token, "me/playlists?limit=50").await.body;
    c.check(&s("PagingPlaylistObject"), &mine, "playlists with covers");

    // The library: save, check, remove.
    let track = t.tracks.last().unwrap().uri.clone();
    let r = call(
        sim,
        Method::PUT,
        &format!("me/library?uris={track}"),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = api(
        sim,
        &token,
        &format!("me/library/contains?uris={track},{}", uris[0]),
    )
    .await
    .body;
    c.check(&response("ArrayOfBooleans"), &v, "contains");
    assert_eq!(
        v,
        json!([
            true,
            t.saved_tracks
                .iter()
                .any(|x| format!("spotify:track:{}", x.track_id) == uris[0])
        ])
    );

    // Errors of writes carry Spotify's wrapped error object.
    let forty_one = vec![track.as_str(); 41].join(",");
    let narrow = sim
        .issue_token_with_scopes(&["user-library-read"])
        .access_token;
    let cases: [WriteCase<'_>; 5] = [
        (
            Method::PUT,
            format!("me/library?uris={forty_one}"),
            &token,
            None,
            400,
            "BadRequest",
        ),
        (
            Method::POST,
            items.clone(),
            &token,
            Some(json!({"uris": vec![track.as_str(); 101]})),
            400,
            "BadRequest",
        ),
        (
            Method::PUT,
            format!("me/library?uris={track}"),
            &narrow,
            None,
            403,
            "Forbidden",
        ),
        (
            Method::POST,
            "playlists/0000000000000000000000/items".into(),
            &token,
            Some(json!({"uris": [track]})),
            404,
            "NotFound",
        ),
        (
            Method::DELETE,
            items.clone(),
            &token,
            Some(Value::String("x".into())),
            400,
            "BadRequest",
        ),
    ];
    for (method, path, tok, body, status, name) in cases {
        let r = call(sim, method.clone(), &path, tok, body).await;
        assert_eq!(r.status.as_u16(), status, "{method} {path}: {}", r.text);
        c.check(&response(name), &r.body, "write error");
    }
}
