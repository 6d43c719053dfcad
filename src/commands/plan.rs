//! `spotsync plan` (and `spotsync sync --dry-run`): what the next sync needs, per phase, against
//! the daily quota. `plan` asks Spotify for the totals a fresh database lacks (the probe: a
//! handful of requests through the engine's gate); `sync --dry-run` never sends anything.

use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use spotsync_core::plan::{self, Plan, Request};
use spotsync_core::sync::{Phase, SpawnError, StartMode, SyncCommand, SyncConfig, SyncEvent};

use super::*;
use crate::cli::{GlobalArgs, PhaseArg, PlanArgs, SyncArgs};
use crate::config::Paths;
use crate::exit;

/// The longest hold the probe waits out before giving up on the totals.
const PROBE_MAX_WAIT: Duration = Duration::from_secs(60);
/// The longest the probe may take in all.
const PROBE_TIMEOUT: Duration = Duration::from_secs(600);

fn request(full: bool, incremental: bool, only: &[PhaseArg]) -> Request {
    let mode = if full {
        StartMode::Full
    } else if incremental {
        StartMode::Incremental
    } else {
        StartMode::Auto
    };
    Request {
        mode,
        only: only.iter().map(|p| Phase::from(*p)).collect(),
    }
}

/// `spotsync plan`.
pub async fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    let req = request(args.full, args.incremental, &args.only);
    let mut plan = load(&paths, &config.sync, &req).await?;
    if plan.needs_probe() {
        if args.no_probe {
            errln!(
                "totals unknown for {}: `spotsync plan` without --no-probe asks Spotify (about {})",
                names(&plan.unknown),
                plan::requests(plan.probe_cost)
            );
        } else {
            let _log = crate::logging::init(&paths.log_dir, false);
            // Only the lists whose totals the database lacks.
            let phases = plan.unknown.clone();
            errln!(
                "asking Spotify for the totals of {} (about {}; nothing of the library is stored)",
                names(&plan.unknown),
                plan::requests(plan.probe_cost)
            );
            if let Some(note) = probe(global, &paths, &config, phases).await {
                errln!("{note}");
            }
            plan = load(&paths, &config.sync, &req).await?;
        }
    }
    print(&plan, args.json)?;
    Ok(exit::OK)
}

/// `spotsync sync --dry-run`: the plan from what the database knows; nothing is sent.
pub async fn dry_run(global: &GlobalArgs, args: &SyncArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    let req = request(args.full, args.incremental, &args.only);
    let plan = load(&paths, &config.sync, &req).await?;
    if plan.needs_probe() {
        errln!(
            "totals unknown for {}: `spotsync plan` asks Spotify (about {})",
            names(&plan.unknown),
            plan::requests(plan.probe_cost)
        );
    }
    print(&plan, args.json)?;
    Ok(exit::OK)
}

/// The plan from what the database knows, read on a blocking thread.
async fn load(paths: &Paths, config: &SyncConfig, req: &Request) -> Result<Plan> {
    let (db, config, req) = (paths.db.clone(), config.clone(), req.clone());
    blocking(move || plan::load_plan(&db, &config, &req, Utc::now()).map_err(|e| eyre!(e))).await
}

/// The lists a probe reads, by name (enrichment is unknown only because they are).
fn names(phases: &[Phase]) -> String {
    phases
        .iter()
        .filter(|p| plan::probed_by_first_page(**p) || **p == Phase::Playlists)
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Run the probe through the engine; `Some(words)` when it could not (or not completely).
async fn probe(
    global: &GlobalArgs,
    paths: &Paths,
    config: &crate::config::Config,
    phases: Vec<Phase>,
) -> Option<String> {
    let credentials = match spotsync_core::spotify::auth::load_credentials(
        &paths.token_file,
        config.client_id().as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            return Some(format!(
                "not asking Spotify ({e}); the totals stay unknown until `spotsync auth`"
            ));
        }
    };
    let mut handle =
        match spotsync_core::sync::spawn(super::engine_options(global, paths, config, credentials))
            .await
        {
            Ok(h) => h,
            Err(SpawnError::Locked(p)) => {
                return Some(format!(
                    "not asking Spotify: another spotsync is using {} (its sync learns the totals)",
                    p.display()
                ));
            }
            Err(SpawnError::Other(m)) => return Some(format!("not asking Spotify: {m}")),
        };
    let mut note = None;
    if send(&handle, SyncCommand::SetMaxWait(Some(PROBE_MAX_WAIT))).await
        && send(&handle, SyncCommand::Probe { only: phases }).await
    {
        let waited = tokio::time::timeout(PROBE_TIMEOUT, async {
            while let Some(ev) = handle.events.recv().await {
                match ev {
                    SyncEvent::Probed { probe } => return Some(probe),
                    SyncEvent::RateLimited { .. } | SyncEvent::Error { .. } => {
                        if let Some(line) = describe_event(&ev) {
                            errln!("{line}");
                        }
                    }
                    _ => {}
                }
            }
            None
        })
        .await;
        note = match waited {
            Ok(Some(p)) => p.error.map(|e| {
                format!(
                    "the probe stopped early ({e}); {} sent, what it learned is used",
                    plan::requests(p.requests)
                )
            }),
            Ok(None) => Some("the probe ended without an answer".into()),
            Err(_) => {
                handle.cancel.cancel();
                Some("the probe took too long and was stopped".into())
            }
        };
    }
    send(&handle, SyncCommand::Shutdown).await;
    finish_engine(handle).await;
    note
}

/// The plan on stdout: one JSON object, or lines for people.
fn print(plan: &Plan, json: bool) -> Result<()> {
    if json {
        outln!("{}", serde_json::to_string_pretty(plan)?);
    } else {
        for line in lines(plan) {
            outln!("{line}");
        }
    }
    Ok(())
}

/// The plan for people.
pub(crate) fn lines(plan: &Plan) -> Vec<String> {
    let q = &plan.quota;
    let mut out = vec![
        format!("Plan of the next sync: {}", plan.run_line()),
        q.headline(),
    ];
    if plan.total.bulk_requests > 0 {
        let room = q
            .room_now
            .map(|r| format!("; {} left now", plan::group(r)))
            .unwrap_or_default();
        out.push(format!(
            "bulk work (full walks, enrichment) gets {}{room}",
            q.rate()
        ));
    }
    out.push(String::new());
    for p in &plan.phases {
        out.push(format!("  {}", p.line(q)));
        if !p.exact
            && let Some(n) = &p.note
        {
            out.push(format!("      {n}"));
        }
    }
    out.push(String::new());
    out.push(plan.total_line());
    let probed = plan.phases.iter().any(|p| p.basis == plan::Basis::Probe);
    if let Some(p) = plan.probe.as_ref().filter(|_| probed) {
        out.push(format!(
            "totals from a probe of Spotify at {} ({})",
            local(p.at),
            plan::requests(p.requests)
        ));
    }
    out
}
