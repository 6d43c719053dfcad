//! `spotsync demo`: the terminal app on a simulated Spotify account and a throwaway database.
//!
//! The simulator runs in this process on 127.0.0.1 with a generated library, a realistic rate
//! window and some latency so progress is visible. Before the app opens, the simulated account's
//! data export (with [`HISTORY_YEARS`] of listening) is imported, as a new user's would be, so
//! the Library and Stats show years of plays. A while after the first sync starts the simulator
//! imposes a short quota block, so the countdown shows too.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::{mpsc, oneshot};

use super::app::{DemoBanner, Locations, Notice, NoticeLevel, Setup};
use super::event_loop;
use super::startup::{new_app, require_terminal, setup, start_engine};
use crate::cli::{DemoArgs, GlobalArgs};
use crate::config::{Paths, SyncConfig};
use crate::logging;
use crate::simulator::{self, SimConfig};
use crate::spotify::Credentials;
use crate::sync::EngineOptions;

/// Years of listening in the demo's data export.
pub const HISTORY_YEARS: u32 = 3;

/// The demo's daily figure (`max_calls_per_day`): the high end of Development Mode quotas.
const DEMO_DAILY_QUOTA: u64 = 2_600;

/// `spotsync demo`.
pub async fn run_demo(global: &GlobalArgs, args: &DemoArgs) -> Result<i32> {
    require_terminal("`spotsync demo`")?;
    let dir = tempfile::Builder::new()
        .prefix("spotsync-demo-")
        .tempdir()
        .wrap_err("cannot create a temporary directory for the demo database")?;
    // Logs go where the real app's go (the help shows the path); without a home, beside the
    // throwaway database.
    let log_dir = Paths::resolve(global)
        .map(|p| p.log_dir)
        .unwrap_or_else(|_| dir.path().join("logs"));
    let (log_tx, log_rx) = mpsc::channel(4096);
    let (_log_guard, log_file) = logging::init_tui(&log_dir, log_tx);

    let sim = simulator::start(
        SimConfig {
            options: args.sim.clone(),
        },
        args.port,
    )
    .await
    .wrap_err("cannot start the simulated Spotify for the demo")?;
    let base_url = sim.base_url();
    let ignored = ignored_global_flags(global);
    if !ignored.is_empty() {
        tracing::warn!(
            "demo: {} ignored: the demo always syncs its own simulated Spotify into a throwaway database",
            ignored.join(", ")
        );
    }
    tracing::info!(url = %base_url, tracks = args.sim.tracks, seed = args.sim.seed, "demo: simulated Spotify listening");

    let db = import_history(&sim, dir.path()).await;
    let config = demo_config(args);
    let setup = Setup {
        mouse: !global.no_mouse,
        locations: Locations {
            db: db.display().to_string(),
            log_file: log_file.map(|p| p.display().to_string()),
            config_file: None,
        },
        demo: Some(DemoBanner {
            sim_url: base_url.clone(),
        }),
        pacing: Some(config.requests_per_window),
        plan_config: Some(config.clone()),
        notice: Some(first_notice(args, &ignored)),
        ..setup()
    };
    let mut app = new_app(&db, Ok(Default::default()), setup);
    let options = EngineOptions {
        db: db.clone(),
        api_url: sim.api_url(),
        accounts_url: sim.accounts_url(),
        credentials: Credentials::AccessToken(sim.issue_token()),
        config,
    };
    // A throwaway database of the simulator's own: no household's quota to share.
    let engine = start_engine(&mut app, options, None).await;

    let (first_run_tx, first_run_rx) = oneshot::channel();
    let block = (args.quota_block_after > 0).then(|| {
        tokio::spawn(quota_block(
            base_url.clone(),
            first_run_rx,
            Duration::from_secs(args.quota_block_after),
            args.quota_block_secs,
        ))
    });

    let result = event_loop::run(app, engine, log_rx, Some(first_run_tx), None).await;
    if let Some(b) = block {
        b.abort();
    }
    sim.shutdown().await;
    drop(dir);
    result
}

/// The demo's database in `dir`, with the simulated account's data export imported as
/// `spotsync import` would; the log says how it went (the demo opens either way).
async fn import_history(sim: &simulator::RunningSim, dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("spotsync-demo.db");
    match write_and_import(sim, dir, &db).await {
        Ok(s) => tracing::info!(
            rows = s.rows,
            added = s.added,
            "demo: imported the simulated account's data export ({HISTORY_YEARS} years of plays)"
        ),
        Err(e) => tracing::warn!("demo: the simulated data export was not imported: {e}"),
    }
    db
}

/// Write the export and import it off the runtime.
async fn write_and_import(
    sim: &simulator::RunningSim,
    dir: &std::path::Path,
    db: &std::path::Path,
) -> Result<spotsync_core::import::ImportSummary> {
    let zip = dir.join("my_spotify_data.zip");
    sim.write_export_zip_with_years(&zip, HISTORY_YEARS)
        .wrap_err("cannot write the simulated data export")?;
    let db = db.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<spotsync_core::import::ImportSummary> {
        let mut store = crate::store::Store::open(&db).wrap_err("cannot open the demo database")?;
        spotsync_core::import::import(&mut store, &[zip], &Default::default(), &mut |_| {})
            .wrap_err("cannot import the simulated data export")
    })
    .await
    .wrap_err("the import stopped")?
}

/// The demo's sync settings: paced like the simulated window (an unlimited simulator gets an
/// engine that does not hold itself back either), and the highest daily figure reported for
/// Development Mode (the demo's quota block is staged: a figure learned from it would hold the
/// sync back for a day).
fn demo_config(args: &DemoArgs) -> SyncConfig {
    SyncConfig {
        requests_per_window: if args.sim.window > 0 {
            args.sim.window
        } else {
            10_000
        },
        max_calls_per_day: DEMO_DAILY_QUOTA,
        ..SyncConfig::default()
    }
}

/// What the demo says first: what to press, or which flags it ignores.
fn first_notice(args: &DemoArgs, ignored: &[&str]) -> Notice {
    if ignored.is_empty() {
        Notice {
            level: NoticeLevel::Info,
            text: format!(
                "A demo library of {} tracks is waiting: press s to sync it, ? for help",
                args.sim.tracks
            ),
        }
    } else {
        Notice {
            level: NoticeLevel::Warn,
            text: format!(
                "Ignored in the demo: {} (it uses a throwaway database); s syncs",
                ignored.join(", ")
            ),
        }
    }
}

/// The global flags (or their environment variables) that make no sense in the demo and are set.
fn ignored_global_flags(global: &GlobalArgs) -> Vec<&'static str> {
    let mut ignored = Vec::new();
    if global.db.is_some() {
        ignored.push("--db (SPOTSYNC_DB)");
    }
    if global.api_url != "https://api.spotify.com/v1/" {
        ignored.push("--api-url (SPOTSYNC_API_URL)");
    }
    if global.accounts_url != "https://accounts.spotify.com/" {
        ignored.push("--accounts-url (SPOTSYNC_ACCOUNTS_URL)");
    }
    if global.config.is_some() {
        ignored.push("--config (SPOTSYNC_CONFIG)");
    }
    ignored
}

/// After the first run has gone on for `after`, make the simulator answer QUOTA_EXCEEDED for
/// `secs` seconds.
async fn quota_block(
    base_url: String,
    first_run: oneshot::Receiver<()>,
    after: Duration,
    secs: u64,
) {
    if first_run.await.is_err() {
        return;
    }
    tokio::time::sleep(after).await;
    let url = format!("{base_url}__sim/quota/exhaust");
    let body = serde_json::json!({ "retry_after": secs });
    match reqwest::Client::new().post(&url).json(&body).send().await {
        Ok(r) if r.status().is_success() => {
            tracing::info!(
                seconds = secs,
                "demo: the simulator now answers QUOTA_EXCEEDED"
            );
        }
        Ok(r) => tracing::warn!(status = %r.status(), "demo: could not impose the quota block"),
        Err(e) => tracing::warn!(error = %e, "demo: could not impose the quota block"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn global(args: &[&str]) -> GlobalArgs {
        let mut argv = vec!["spotsync"];
        argv.extend_from_slice(args);
        argv.push("demo");
        crate::cli::Cli::try_parse_from(argv).expect("parse").global
    }

    #[test]
    fn flags_the_demo_does_not_use_are_named() {
        // (Environment variables may be set where the tests run: compare with and without.)
        let base = ignored_global_flags(&global(&[]));
        let with = ignored_global_flags(&global(&["--db", "/tmp/x.db", "--config", "/tmp/c.toml"]));
        assert!(with.contains(&"--db (SPOTSYNC_DB)"), "{with:?}");
        assert!(with.contains(&"--config (SPOTSYNC_CONFIG)"), "{with:?}");
        assert!(with.len() >= base.len());
        let url = ignored_global_flags(&global(&["--api-url", "http://127.0.0.1:1/v1/"]));
        assert!(url.contains(&"--api-url (SPOTSYNC_API_URL)"), "{url:?}");
    }
}
