//! `spotsync daemon`: incremental syncs and plays polls on the configured schedule
//! (`[daemon]` in the config file; `--every` / `--plays-every` override it), for every account
//! of the household at once (or the one `--account` names), each with its own engine and
//! health rows, their requests kept within the shared quota by its ledger.

mod account;
mod cadence;
mod health;

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use spotsync_core::quota::Schedule;
use spotsync_core::store::health::HealthKey;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use self::account::{Served, Tick};
use self::health::HealthWriter;
use super::signals::StopSignals;
use super::*;
use crate::cli::{DaemonArgs, GlobalArgs};
use crate::config::{DaemonConfig, accounts};
use crate::exit;

/// The daemon's cadence: the command line's flags where given, else the config file's
/// `[daemon]` values (whose own defaults are 30m and 10m).
pub fn schedule(args: &DaemonArgs, config: &DaemonConfig) -> Result<Schedule, String> {
    let every = match args.every {
        Some(d) => d,
        None => config.every().map_err(|m| format!("`daemon.every` {m}"))?,
    };
    let plays_every = match args.plays_every {
        Some(d) => d,
        None => config
            .plays_every()
            .map_err(|m| format!("`daemon.plays_every` {m}"))?,
    };
    Ok(Schedule { every, plays_every })
}

/// Which accounts the daemon serves: the one named (`--account`, or `--db`), else every
/// account of the household that has a token (the first account when there is none yet: it
/// then says what to do, as before accounts existed).
fn accounts_to_serve(global: &GlobalArgs, paths: &Paths) -> Vec<String> {
    if global.account.is_some() || global.db.is_some() {
        return vec![paths.account.clone()];
    }
    let connected: Vec<String> = accounts::discover(&paths.data_dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.token_file.exists())
        .map(|a| a.name)
        .collect();
    if connected.is_empty() {
        vec![paths.account.clone()]
    } else {
        connected
    }
}

/// Start serving account `name`: its engine, its health rows. `Err(exit code)` when it cannot
/// (the reason is on stderr and in the log).
async fn start_account(
    global: &GlobalArgs,
    paths: &Paths,
    config: &Config,
) -> std::result::Result<Served, i32> {
    let handle = start_engine(global, paths, config, |p| {
        format!("another spotsync is using {}", p.display())
    })
    .await?;
    let health = match HealthWriter::open(&paths.db) {
        Ok(h) => h,
        Err(e) => {
            errln!("spotsync: account {}: {}", paths.account, error_words(&e));
            handle.cancel.cancel();
            finish_engine(handle).await;
            return Err(exit::ERROR);
        }
    };
    health.set(HealthKey::Pid, Some(&std::process::id().to_string()));
    health.set_time(HealthKey::StartedAt, Utc::now());
    health.set(HealthKey::LastError, None);
    Ok(Served {
        name: paths.account.clone(),
        handle,
        health,
        cadence: cadence::CadenceSource::new(paths.clone(), config.clone()),
    })
}

/// `spotsync daemon`: incremental syncs and plays polls on schedule for every account of the
/// household (or the one named), in one process.
pub async fn run(global: &GlobalArgs, args: &DaemonArgs) -> Result<i32> {
    let (paths, mut config) = setup(global)?;
    let schedule = schedule(args, &config.daemon)
        .map_err(|m| eyre!("config file {}: {m}", paths.config_file.display()))?;
    // The reserve is sized from the cadence this daemon keeps (flags included).
    config.sync.schedule = schedule;
    let _log = crate::logging::init(&paths.log_dir, true);
    let names = accounts_to_serve(global, &paths);
    let mut served = Vec::new();
    let mut first_failure = None;
    for name in &names {
        let p = if *name == paths.account {
            paths.clone()
        } else {
            paths.for_account(name)
        };
        match start_account(global, &p, &config).await {
            Ok(s) => served.push(s),
            Err(code) => {
                first_failure.get_or_insert(code);
            }
        }
    }
    if served.is_empty() {
        return Ok(first_failure.unwrap_or(exit::ERROR));
    }
    tracing::info!(
        "daemon: serving {}: an incremental sync every {}, a listening-history poll every {}",
        served
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        human_wait(chrono::TimeDelta::from_std(schedule.every).unwrap_or_default()),
        human_wait(chrono::TimeDelta::from_std(schedule.plays_every).unwrap_or_default()),
    );
    let stop = CancellationToken::new();
    let watcher = tokio::spawn({
        let stop = stop.clone();
        async move {
            StopSignals::new().any().await;
            stop.cancel();
        }
    });
    let mut house = House {
        global,
        paths: &paths,
        config: &config,
        schedule,
        stop: stop.clone(),
        tasks: JoinSet::new(),
        names: names.clone(),
        serve_all: global.account.is_none() && global.db.is_none(),
    };
    house.start(served).await;
    let ends = house.follow().await;
    watcher.abort();
    Ok(exit_code(&ends, stop.is_cancelled()))
}

/// The daemon's exit code from how serving each account ended: 0 when stopped by a signal (or
/// when every account ended normally), 3 when every account's authorization was refused,
/// 1 when an engine ended by itself.
fn exit_code(ends: &[(String, Tick)], stopped: bool) -> i32 {
    for (name, end) in ends {
        match end {
            Tick::AuthFailed => errln!(
                "spotsync: account {name}: authorization refused: run `{}`, then restart the \
                 daemon",
                super::accounts::auth_command(name)
            ),
            Tick::EngineGone => {
                errln!(
                    "spotsync: account {name}: the sync engine stopped unexpectedly; see the log"
                )
            }
            Tick::Stop | Tick::Done => {}
        }
    }
    if stopped
        && ends
            .iter()
            .all(|(_, e)| matches!(e, Tick::Stop | Tick::Done))
    {
        return exit::OK;
    }
    if ends.iter().any(|(_, e)| *e == Tick::EngineGone) {
        exit::ERROR
    } else if ends.iter().any(|(_, e)| *e == Tick::AuthFailed) {
        exit::AUTH_NEEDED
    } else {
        exit::OK
    }
}

/// The accounts being served, and how to serve more.
struct House<'a> {
    global: &'a GlobalArgs,
    paths: &'a Paths,
    config: &'a Config,
    schedule: Schedule,
    stop: CancellationToken,
    tasks: JoinSet<(String, Tick)>,
    /// Every account served (or tried) so far.
    names: Vec<String>,
    /// Serve accounts connected while the daemon runs too.
    serve_all: bool,
}

impl House<'_> {
    /// Serve these accounts: with several, every account's first plays poll goes before any
    /// account's sync starts (Spotify keeps only the last 50 plays; bulk work can wait).
    async fn start(&mut self, mut served: Vec<Served>) {
        if served.len() > 1 {
            let stop = self.stop.clone();
            let polls = served.iter_mut().map(|s| s.first_poll(&stop));
            futures::future::join_all(polls).await;
        }
        for s in served {
            let span = tracing::info_span!("account", name = %s.name);
            let task = s.serve(self.schedule, self.stop.clone());
            self.tasks
                .spawn(tracing::Instrument::instrument(task, span));
        }
    }

    /// Follow the accounts until every one has ended (or the daemon stops); meanwhile, at every
    /// sync interval, start serving accounts connected since. How each ended.
    async fn follow(&mut self) -> Vec<(String, Tick)> {
        let mut ends = Vec::new();
        let mut rescan = tokio::time::interval(self.schedule.every);
        rescan.tick().await;
        loop {
            tokio::select! {
                joined = self.tasks.join_next() => match joined {
                    Some(Ok(end)) => ends.push(end),
                    Some(Err(e)) => {
                        tracing::error!("serving an account ended abnormally: {e}");
                        ends.push((String::from("?"), Tick::EngineGone));
                    }
                    None => break,
                },
                _ = rescan.tick(), if self.serve_all && !self.stop.is_cancelled() => {
                    self.serve_new_accounts().await;
                }
            }
        }
        ends
    }

    /// Accounts connected (`spotsync auth --account NAME`) since the daemon started.
    async fn serve_new_accounts(&mut self) {
        let new: Vec<String> = accounts_to_serve(self.global, self.paths)
            .into_iter()
            .filter(|n| !self.names.contains(n))
            .collect();
        let mut served = Vec::new();
        for name in new {
            self.names.push(name.clone());
            tracing::info!("account {name} was connected: serving it too");
            let p = self.paths.for_account(&name);
            if let Ok(s) = start_account(self.global, &p, self.config).await {
                served.push(s);
            }
        }
        self.start(served).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn args(every: Option<u64>, plays_every: Option<u64>) -> DaemonArgs {
        DaemonArgs {
            every: every.map(Duration::from_secs),
            plays_every: plays_every.map(Duration::from_secs),
        }
    }

    #[test]
    fn the_schedule_comes_from_the_config_and_flags_override_it() {
        let config = DaemonConfig {
            every: "2h".into(),
            plays_every: "45s".into(),
        };
        let s = schedule(&args(None, None), &config).unwrap();
        assert_eq!(s.every, Duration::from_secs(7200));
        assert_eq!(s.plays_every, Duration::from_secs(45));
        let s = schedule(&args(Some(60), None), &config).unwrap();
        assert_eq!(
            (s.every, s.plays_every),
            (Duration::from_secs(60), Duration::from_secs(45))
        );
        let s = schedule(&args(None, Some(5)), &config).unwrap();
        assert_eq!(
            (s.every, s.plays_every),
            (Duration::from_secs(7200), Duration::from_secs(5))
        );
        let s = schedule(&args(None, None), &DaemonConfig::default()).unwrap();
        assert_eq!(s, Schedule::default());
    }

    #[test]
    fn bad_config_values_name_the_key() {
        for (every, plays_every, key) in [
            ("500ms", "10m", "daemon.every"),
            ("30m", "nope", "daemon.plays_every"),
            ("5", "10m", "daemon.every"),
        ] {
            let config = DaemonConfig {
                every: every.into(),
                plays_every: plays_every.into(),
            };
            let e = schedule(&args(None, None), &config).unwrap_err();
            assert!(e.contains(key), "{every} {plays_every}: {e}");
        }
    }
}
