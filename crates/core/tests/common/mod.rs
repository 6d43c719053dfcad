//! What the core's tests against a fake server share: serving a router on a free port, one run
//! through the engine API, and a count read from the database.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use axum::Router;
use spotsync_core::spotify::Credentials;
use spotsync_core::sync::{
    self, EngineOptions, Phase, RunRecord, StartMode, SyncCommand, SyncConfig, SyncEvent,
};

/// Serve `app` on a free port of 127.0.0.1; its base URL (with the trailing slash).
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/")
}

/// One run through the engine API against the server at `base`; its record and events.
pub async fn run(
    db: &Path,
    base: &str,
    mode: StartMode,
    only: Vec<Phase>,
) -> (RunRecord, Vec<SyncEvent>) {
    let mut handle = sync::spawn(EngineOptions {
        db: db.to_owned(),
        api_url: format!("{base}v1/"),
        accounts_url: base.to_string(),
        credentials: Credentials::AccessToken("token".into()),
        config: SyncConfig {
            requests_per_window: 10_000,
            ..SyncConfig::default()
        },
    })
    .await
    .unwrap();
    handle
        .commands
        .send(SyncCommand::Start { mode, only })
        .await
        .unwrap();
    let mut events = Vec::new();
    let run = loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), handle.events.recv())
            .await
            .expect("the engine makes progress")
            .expect("the engine finishes the run");
        events.push(ev.clone());
        if let SyncEvent::RunFinished { run } = ev {
            break run;
        }
    };
    handle.commands.send(SyncCommand::Shutdown).await.ok();
    handle.task.await.unwrap();
    (run, events)
}

/// The single number `sql` reads from the database at `db`.
pub fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}
