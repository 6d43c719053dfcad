//! What the restore tests share: a simulator, a home whose binary talks to it with a token,
//! the simulator's controls to stage a loss, and the account as the tests compare it.

#![allow(dead_code)]

use std::process::Command;

use serde_json::Value;
use spotsync::cli::SimOptions;
use spotsync::simulator::{self, LibraryTruth, RunningSim, SimConfig};

use crate::common::{Home, Run, finish};
pub use crate::compare::*;

/// A simulator with `tracks` saved tracks and `playlists` playlists and a loose rate window.
pub async fn sim(tracks: usize, playlists: usize) -> RunningSim {
    simulator::start(
        SimConfig::new(SimOptions {
            tracks,
            playlists,
            window: 100_000,
            ..SimOptions::default()
        }),
        0,
    )
    .await
    .unwrap()
}

/// A home on `sim` whose commands send `token`, pacing loosely.
pub struct Account {
    pub home: Home,
    pub token: String,
}

impl Account {
    pub fn new(sim: &RunningSim, token: String) -> Account {
        let home = Home::with_sim(sim);
        home.write_config("[sync]\nrequests_per_window = 100000\n");
        Account { home, token }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = self.home.command(args);
        c.env("SPOTSYNC_ACCESS_TOKEN", &self.token);
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args))
    }

    /// `spotsync restore ARGS --json`: the exit code and the JSON object.
    pub fn restore(&self, args: &[&str]) -> (Option<i32>, Value, Run) {
        let mut a = vec!["restore", "--json"];
        a.extend_from_slice(args);
        let run = self.run(&a);
        let v: Value = serde_json::from_str(run.stdout.trim()).unwrap_or(Value::Null);
        (run.code, v, run)
    }

    pub fn sync(&self) {
        let r = self.run(&["sync"]);
        assert_eq!(r.code, Some(0), "{r:?}");
    }
}

/// A control request to the simulator (`/__sim/...`).
pub async fn control(sim: &RunningSim, method: &str, path: &str, body: Value) -> Value {
    let url = format!("{}__sim/{path}", sim.base_url());
    let c = reqwest::Client::new();
    let req = match method {
        "DELETE" => c.delete(&url),
        _ => c.post(&url),
    };
    let resp = req.json(&body).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

pub fn albums_set(t: &LibraryTruth) -> Vec<String> {
    let mut v: Vec<String> = t.saved_albums.iter().map(|s| s.id.clone()).collect();
    v.sort();
    v
}

pub fn follows_set(t: &LibraryTruth) -> Vec<String> {
    let mut v = t.followed_artists.clone();
    v.sort();
    v
}
