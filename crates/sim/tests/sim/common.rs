//! Shared code for the simulator tests: starting a simulator, HTTP calls, paging.

#![allow(dead_code)]

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use spotsync_sim::{self as simulator, RunningSim, SimConfig};
use spotsync_sim::{SimMode, SimOptions};

/// A small library in the given mode; `f` adjusts the options.
pub async fn sim_with(f: impl FnOnce(&mut SimOptions)) -> RunningSim {
    let mut o = SimOptions {
        tracks: 180,
        playlists: 12,
        ..SimOptions::default()
    };
    f(&mut o);
    simulator::start(SimConfig::new(o), 0)
        .await
        .expect("simulator starts")
}

pub async fn sim() -> RunningSim {
    sim_with(|_| {}).await
}

pub async fn sim_extended() -> RunningSim {
    sim_with(|o| o.mode = SimMode::Extended).await
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

/// GET an absolute URL with an optional bearer token.
pub async fn get_url(url: &str, token: Option<&str>) -> Resp {
    let mut req = http().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request sent");
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
        text,
    }
}

/// GET `path` relative to the API base (`me/tracks?limit=5`).
pub async fn api(sim: &RunningSim, token: &str, path: &str) -> Resp {
    get_url(&format!("{}{}", sim.api_url(), path), Some(token)).await
}

/// POST JSON to the control API (`__sim/...`) and return the JSON answer.
pub async fn control(sim: &RunningSim, path: &str, body: Value) -> (StatusCode, Value) {
    let r = http()
        .post(format!("{}{}", sim.base_url(), path))
        .json(&body)
        .send()
        .await
        .expect("control request");
    let status = r.status();
    let v = r.json().await.unwrap_or(Value::Null);
    (status, v)
}

/// Follow `next` links from `first`, collecting every item (as JSON).
pub async fn collect_pages(first_url: &str, token: &str) -> (Vec<Value>, u64) {
    let mut url = Some(first_url.to_string());
    let mut items = Vec::new();
    let mut total = None;
    while let Some(u) = url {
        let r = get_url(&u, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.text);
        let t = r.body["total"].as_u64().expect("total");
        if let Some(prev) = total {
            assert_eq!(prev, t, "total changed while paging");
        }
        total = Some(t);
        items.extend(r.body["items"].as_array().expect("items").iter().cloned());
        url = r.body["next"].as_str().map(str::to_string);
    }
    (items, total.unwrap_or(0))
}

/// The error message of a Spotify error body.
pub fn message(r: &Resp) -> &str {
    r.body["error"]["message"].as_str().unwrap_or("")
}

/// A request of `method` to `path` under the API base with `token`, a JSON body when given.
pub async fn call(
    sim: &RunningSim,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Resp {
    let mut req = http()
        .request(method, format!("{}{}", sim.api_url(), path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request sent");
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
        text,
    }
}

/// `GET /__sim/library?user=N`, parsed.
pub async fn truth_of(sim: &RunningSim, user: usize) -> spotsync_sim::LibraryTruth {
    let r = get_url(
        &format!("{}__sim/library?user={user}", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    serde_json::from_value(r.body).expect("library truth parses")
}

/// A token of `user` with exactly `scopes`, from the control API.
pub async fn token_of(sim: &RunningSim, user: usize, scopes: &[&str]) -> String {
    let (s, t) = control(
        sim,
        "__sim/token",
        serde_json::json!({"user": user, "scopes": scopes}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    t["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}
