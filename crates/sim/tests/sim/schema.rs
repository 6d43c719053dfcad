//! Every kind of response the simulator serves, validated against the schemas of Spotify's
//! OpenAPI description (read where it lies; never copied into the repository).
//!
//! The OpenAPI 3.0 schemas are converted to JSON Schema: `#/components/...` references stay
//! resolvable by validating against a document that holds `components`, `nullable: true`
//! becomes a `null` alternative, and `discriminator` entries (which have no mapping) are
//! dropped. Deliberate real-world deviations are patched in from the three short lists below;
//! anything else that does not match is a mistake in the simulator.

use std::ffi::OsStr;
use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};
use spotsync_sim::RunningSim;
use spotsync_sim::SimMode;

use crate::common::*;

/// Nulls Spotify sends and documents, though the description types the field as non-null.
const REAL_WORLD_NULLS: &[(&str, &str)] = &[
    // Unavailable tracks in a playlist come as `item: null` / `track: null`.
    ("PlaylistTrackObject", "item"),
    ("PlaylistTrackObject", "track"),
    // "some very old playlists may return null in this field".
    ("PlaylistTrackObject", "added_at"),
    ("PlaylistTrackObject", "added_by"),
    // Local files (`is_local: true`) have no Spotify id, href or album/artist ids.
    ("TrackObject", "id"),
    ("TrackObject", "href"),
    ("AlbumBase", "id"),
    ("AlbumBase", "href"),
    ("AlbumBase", "uri"),
    ("AlbumBase", "album_type"),
    ("AlbumBase", "release_date"),
    ("AlbumBase", "release_date_precision"),
    ("SimplifiedArtistObject", "id"),
    ("SimplifiedArtistObject", "href"),
    ("SimplifiedArtistObject", "uri"),
    // A play started outside any album/playlist/artist has `context: null` (documented as
    // "Can be null" on the same object in the player endpoints).
    ("PlayHistoryObject", "context"),
    // Cursor paging: `next` is "null if none"; `cursors` is null on an empty page.
    ("CursorPagingObject", "next"),
    ("CursorPagingObject", "cursors"),
    // The last page of followed artists has `cursors: {"after": null}`.
    ("CursorObject", "after"),
];

/// Required fields that Development Mode (February 2026) no longer sends.
const DEV_MODE_REMOVED: &[(&str, &str)] = &[
    ("AlbumBase", "available_markets"),
    ("AlbumObject", "label"),
    ("AlbumObject", "popularity"),
];

/// Shapes Spotify answers although the description says otherwise, as recorded from the real
/// API: `(schema, JSON pointer inside it, the schema that takes its place)`.
const REAL_WORLD_SHAPES: &[(&str, &str, &str)] = &[
    // `GET /me/audiobooks` answers a page of bare (simplified) audiobook objects, with no
    // `added_at` and no `audiobook` wrapper (spotify-web-api-php's 2026 recording
    // `user-audiobooks.json`; Spotify's own reference says "Pages of audiobooks").
    (
        "PagingSavedAudiobookObject",
        "/allOf/1/properties/items/items",
        "SimplifiedAudiobookObject",
    ),
];

/// What a test does when something it needs (here the spec file) is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// Say so loudly and pass: a developer's machine may lack it.
    Skip,
    /// Fail: under CI every test must run.
    Fail,
}

/// Decide from the value of the `CI` variable: set to anything but empty, `0` or `false` means
/// a CI runner.
fn when_missing(ci: Option<&OsStr>) -> Missing {
    let under_ci = ci.is_some_and(|v| {
        let v = v.to_string_lossy();
        let v = v.trim();
        !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false")
    });
    if under_ci {
        Missing::Fail
    } else {
        Missing::Skip
    }
}

#[test]
fn a_missing_spec_fails_under_ci_and_skips_elsewhere() {
    let ci = |v: &str| when_missing(Some(OsStr::new(v)));
    assert_eq!(when_missing(None), Missing::Skip);
    assert_eq!(ci(""), Missing::Skip);
    assert_eq!(ci("0"), Missing::Skip);
    assert_eq!(ci("false"), Missing::Skip);
    assert_eq!(ci("true"), Missing::Fail);
    assert_eq!(ci("1"), Missing::Fail);
}

fn spec_path() -> PathBuf {
    match std::env::var_os("SPOTSYNC_OPENAPI_SPEC") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/spotify-api/fixed-spotify-open-api.yml"),
    }
}

/// The description's `components`, converted; `None` (after a loud notice) when absent.
fn load_components(dev: bool) -> Option<Value> {
    let path = spec_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        let why = format!(
            "OpenAPI description not found at {} (set SPOTSYNC_OPENAPI_SPEC)",
            path.display()
        );
        match when_missing(std::env::var_os("CI").as_deref()) {
            Missing::Fail => panic!(
                "{why}; under CI (the CI variable is set) the schema test must run, not skip"
            ),
            Missing::Skip => {
                eprintln!("SKIPPED: schema validation did not run: {why}");
                return None;
            }
        }
    };
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("OpenAPI YAML parses");
    let spec: Value = serde_json::to_value(yaml).expect("YAML as JSON");
    let mut components = convert(spec["components"].clone());
    for (schema, prop) in REAL_WORLD_NULLS {
        let p = &mut components["schemas"][schema]["properties"][prop];
        assert!(
            !p.is_null(),
            "allow-list entry {schema}.{prop} exists in the description"
        );
        *p = json!({"anyOf": [p.take(), {"type": "null"}]});
    }
    for (schema, pointer, instead) in REAL_WORLD_SHAPES {
        let p = components["schemas"][schema]
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{schema}{pointer} exists in the description"));
        assert!(p.is_object(), "{schema}{pointer} is a schema");
        *p = json!({"$ref": format!("#/components/schemas/{instead}")});
    }
    if dev {
        for (schema, field) in DEV_MODE_REMOVED {
            let req = components["schemas"][schema]["required"]
                .as_array_mut()
                .unwrap_or_else(|| panic!("{schema} has required fields"));
            let before = req.len();
            req.retain(|f| f != field);
            assert_eq!(req.len() + 1, before, "{schema} requires {field}");
        }
    }
    Some(components)
}

/// OpenAPI 3.0 schema → JSON Schema: `nullable`, and no `discriminator`.
fn convert(v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            m.remove("discriminator");
            let nullable = m.remove("nullable") == Some(Value::Bool(true));
            let mut m: serde_json::Map<String, Value> =
                m.into_iter().map(|(k, v)| (k, convert(v))).collect();
            if nullable {
                match m.get("type").cloned() {
                    Some(Value::String(t)) => {
                        m.insert("type".into(), json!([t, "null"]));
                    }
                    _ => return json!({"anyOf": [Value::Object(m), {"type": "null"}]}),
                }
            }
            Value::Object(m)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(convert).collect()),
        other => other,
    }
}

pub(crate) struct Checker {
    components: Value,
    pub(crate) checked: usize,
}

impl Checker {
    /// Validate `instance` against `#/components/{pointer}`.
    pub(crate) fn check(&mut self, pointer: &str, instance: &Value, what: &str) {
        let errors = self.errors(pointer, instance);
        assert!(
            errors.is_empty(),
            "{what} does not match {pointer}:\n{}\n{}",
            errors.join("\n"),
            instance.to_string().chars().take(2000).collect::<String>()
        );
        self.checked += 1;
    }

    pub(crate) fn errors(&self, pointer: &str, instance: &Value) -> Vec<String> {
        let root = json!({
            "$ref": format!("#/components/{pointer}"),
            "components": self.components,
        });
        let validator = jsonschema::validator_for(&root).expect("schema compiles");
        validator
            .iter_errors(instance)
            .map(|e| format!("  at {}: {e}", e.instance_path()))
            .take(20)
            .collect()
    }
}

pub(crate) const SCHEMA: &str = "schemas/";
pub(crate) fn response(name: &str) -> String {
    format!("responses/{name}/content/application~1json/schema")
}

/// Spotify's accounts service is not in the description: its token answer as documented.
fn token_schema() -> Value {
    json!({
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {"type": "string", "minLength": 1},
            "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer", "minimum": 1},
            "refresh_token": {"type": "string", "minLength": 1},
            "scope": {"type": "string"},
        }
    })
}

async fn get_ok(sim: &RunningSim, token: &str, path: &str) -> Value {
    let r = api(sim, token, path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.body
}

/// Validate every kind of response of one simulator.
async fn validate_all(c: &mut Checker, sim: &RunningSim, extended: bool) {
    let token = sim.issue_token();
    let truth = sim.truth();
    let s = |n: &str| format!("{SCHEMA}{n}");

    c.check(
        &s("PrivateUserObject"),
        &get_ok(sim, &token, "me").await,
        "/me",
    );
    for off in [0, 50] {
        let page = get_ok(sim, &token, &format!("me/tracks?limit=50&offset={off}")).await;
        c.check(&s("PagingSavedTrackObject"), &page, "saved tracks page");
    }
    let playlists = get_ok(sim, &token, "me/playlists?limit=50").await;
    c.check(&s("PagingPlaylistObject"), &playlists, "playlists page");
    for p in &truth.playlists {
        let readable = extended || p.items_readable_in_dev;
        if !extended && p.id.starts_with("37i9") {
            continue;
        }
        let full = get_ok(sim, &token, &format!("playlists/{}", p.id)).await;
        c.check(&s("PlaylistObject"), &full, "playlist");
        if readable {
            // Every page of the items.
            let mut url = Some(format!(
                "{}playlists/{}/items?limit=50",
                sim.api_url(),
                p.id
            ));
            while let Some(u) = url {
                let r = get_url(&u, Some(&token)).await;
                assert_eq!(r.status, StatusCode::OK);
                c.check(
                    &s("PagingPlaylistTrackObject"),
                    &r.body,
                    "playlist items page",
                );
                url = r.body["next"].as_str().map(str::to_string);
            }
        }
    }
    for a in truth.artists.iter().take(4) {
        let v = get_ok(sim, &token, &format!("artists/{}", a.id)).await;
        c.check(&s("ArtistObject"), &v, "artist");
    }
    for a in truth.albums.iter().take(6) {
        let v = get_ok(sim, &token, &format!("albums/{}", a.id)).await;
        c.check(&s("AlbumObject"), &v, "album");
    }
    // A long album: its object, and every page of its tracks.
    let long = truth
        .albums
        .iter()
        .find(|a| a.track_ids.len() > 50)
        .unwrap();
    let v = get_ok(sim, &token, &format!("albums/{}", long.id)).await;
    c.check(&s("AlbumObject"), &v, "long album");
    for q in [
        "",
        "?limit=50&offset=50",
        "?limit=7&offset=3",
        "?offset=500",
    ] {
        let v = get_ok(sim, &token, &format!("albums/{}/tracks{q}", long.id)).await;
        c.check(&s("PagingSimplifiedTrackObject"), &v, "album tracks");
    }
    if extended {
        let ids: Vec<&str> = truth
            .artists
            .iter()
            .take(50)
            .map(|a| a.id.as_str())
            .collect();
        let v = get_ok(sim, &token, &format!("artists?ids={}", ids.join(","))).await;
        c.check(&response("ManyArtists"), &v, "several artists");
        let ids: Vec<&str> = truth
            .albums
            .iter()
            .take(20)
            .map(|a| a.id.as_str())
            .collect();
        let v = get_ok(sim, &token, &format!("albums?ids={}", ids.join(","))).await;
        c.check(&response("ManyAlbums"), &v, "several albums");
    }
    for q in [
        "limit=50",
        "limit=5&before=1795170000000",
        "after=1&limit=3",
        "before=1",
    ] {
        let v = get_ok(sim, &token, &format!("me/player/recently-played?{q}")).await;
        c.check(&s("CursorPagingPlayHistoryObject"), &v, "recently played");
    }

    validate_library_lists(c, sim, &token).await;
    crate::schema_writes::validate_writes(c, sim).await;

    // Errors.
    let cases: [(&str, Option<&str>, u16, &str); 4] = [
        ("me", None, 401, "Unauthorized"),
        ("me/tracks?limit=99", Some(&token), 400, "BadRequest"),
        (
            "artists/0000000000000000000000",
            Some(&token),
            404,
            "NotFound",
        ),
        (
            "playlists/x/tracks",
            Some(&token),
            if extended { 400 } else { 403 },
            "Forbidden",
        ),
    ];
    for (path, tok, status, name) in cases {
        let r = get_url(&format!("{}{path}", sim.api_url()), tok).await;
        assert_eq!(r.status.as_u16(), status, "{path}");
        c.check(&response(name), &r.body, "error");
        c.check(&s("ErrorObject"), &r.body["error"], "error object");
    }
    sim.exhaust_quota(100);
    let r = api(sim, &token, "me").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    c.check(&response("TooManyRequests"), &r.body, "quota error");
    sim.reset_limits();
}

/// Saved albums, shows, episodes, audiobooks, followed artists, top lists, and their errors.
async fn validate_library_lists(c: &mut Checker, sim: &RunningSim, token: &str) {
    let s = |n: &str| format!("{SCHEMA}{n}");
    let lists = [
        ("me/albums?limit=50", "PagingSavedAlbumObject"),
        ("me/albums?limit=2&offset=1", "PagingSavedAlbumObject"),
        ("me/shows?limit=50", "PagingSavedShowObject"),
        ("me/episodes?limit=50", "PagingSavedEpisodeObject"),
        ("me/audiobooks?limit=50", "PagingSavedAudiobookObject"),
        ("me/top/artists?limit=50", "PagingArtistObject"),
        ("me/top/artists?time_range=short_term", "PagingArtistObject"),
        (
            "me/top/artists?time_range=long_term&limit=3",
            "PagingArtistObject",
        ),
        ("me/top/tracks?limit=50", "PagingTrackObject"),
        ("me/top/tracks?time_range=short_term", "PagingTrackObject"),
        (
            "me/top/tracks?time_range=long_term&limit=3",
            "PagingTrackObject",
        ),
    ];
    for (path, schema) in lists {
        let v = get_ok(sim, token, path).await;
        assert!(
            !v["items"].as_array().unwrap().is_empty(),
            "{path} has items"
        );
        c.check(&s(schema), &v, path);
    }
    // Every page of the followed artists, the last one with `after: null`.
    let mut url = Some(format!("{}me/following?type=artist&limit=4", sim.api_url()));
    let mut pages = 0;
    while let Some(u) = url {
        let r = get_url(&u, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK);
        c.check(&response("CursorPagedArtists"), &r.body, "followed artists");
        url = r.body["artists"]["next"].as_str().map(str::to_string);
        pages += 1;
    }
    assert!(pages >= 2);
    let narrow = sim
        .issue_token_with_scopes(&["user-library-read"])
        .access_token;
    for (path, tok, status, name) in [
        (
            "me/following?type=artist",
            narrow.as_str(),
            403,
            "Forbidden",
        ),
        ("me/top/tracks", narrow.as_str(), 403, "Forbidden"),
        ("me/top/artists?time_range=ever", token, 400, "BadRequest"),
        (
            "me/following?type=artist&limit=51",
            token,
            400,
            "BadRequest",
        ),
        ("me/albums", "", 401, "Unauthorized"),
    ] {
        let r = api(sim, tok, path).await;
        assert_eq!(r.status.as_u16(), status, "{path}");
        c.check(&response(name), &r.body, path);
    }
}

#[tokio::test]
async fn responses_match_the_openapi_description() {
    let Some(dev_components) = load_components(true) else {
        return;
    };
    let strict = load_components(false).expect("loaded once already");
    let sim = sim_with(|o| {
        o.tracks = 150;
        o.playlists = 12;
    })
    .await;
    let mut dev = Checker {
        components: dev_components,
        checked: 0,
    };
    validate_all(&mut dev, &sim, false).await;

    // Tokens (not in the description: checked against the accounts service's documented shape).
    let (s, t) = control(&sim, "__sim/token", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let v = jsonschema::validator_for(&token_schema()).unwrap();
    assert!(v.is_valid(&t), "{t}");
    let bad = json!({"access_token": "x", "token_type": "bearer", "expires_in": 0, "scope": ""});
    assert!(!v.is_valid(&bad), "the token schema can fail");
    sim.shutdown().await;

    let ext = sim_with(|o| {
        o.tracks = 1300;
        o.playlists = 10;
        o.mode = SimMode::Extended;
    })
    .await;
    let mut full = Checker {
        components: strict,
        checked: 0,
    };
    validate_all(&mut full, &ext, true).await;
    assert!(
        dev.checked > 80 && full.checked > 80,
        "{} {}",
        dev.checked,
        full.checked
    );

    // The validator catches mistakes: a page without `total`, a track with a string duration,
    // an album without `label` in Extended Quota mode.
    let token = ext.issue_token();
    let mut page = api(&ext, &token, "me/tracks?limit=2").await.body;
    page.as_object_mut().unwrap().remove("total");
    assert!(
        !full
            .errors("schemas/PagingSavedTrackObject", &page)
            .is_empty()
    );
    let mut page = api(&ext, &token, "me/tracks?limit=2").await.body;
    page["items"][0]["track"]["duration_ms"] = json!("3:12");
    assert!(
        !full
            .errors("schemas/PagingSavedTrackObject", &page)
            .is_empty()
    );
    let album_id = ext.truth().albums[0].id.clone();
    let mut album = api(&ext, &token, &format!("albums/{album_id}")).await.body;
    album.as_object_mut().unwrap().remove("label");
    assert!(!full.errors("schemas/AlbumObject", &album).is_empty());
    assert!(dev.errors("schemas/AlbumObject", &album).is_empty());
    // … a bare audiobook without `total_chapters`, an audiobook in the wrapper the
    // description names (the patched schema wants the real shape), a followed-artists page
    // without `artists`.
    let books = api(&ext, &token, "me/audiobooks?limit=1").await.body;
    assert!(
        full.errors("schemas/PagingSavedAudiobookObject", &books)
            .is_empty()
    );
    let mut wrapped = books.clone();
    wrapped["items"][0] =
        json!({"added_at": "2026-01-01T00:00:00Z", "audiobook": books["items"][0]});
    assert!(
        !full
            .errors("schemas/PagingSavedAudiobookObject", &wrapped)
            .is_empty()
    );
    let mut books = books;
    books["items"][0]
        .as_object_mut()
        .unwrap()
        .remove("total_chapters");
    assert!(
        !full
            .errors("schemas/PagingSavedAudiobookObject", &books)
            .is_empty()
    );
    let follows = api(&ext, &token, "me/following?type=artist").await.body;
    assert!(
        !full
            .errors(&response("CursorPagedArtists"), &follows["artists"])
            .is_empty()
    );
    ext.shutdown().await;
}
