//! `spotsync status`: what the database holds, the last run, holds and the daemon's health.

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use spotsync_core::plan;
use spotsync_core::store::Reader;
use spotsync_core::store::health::{self, HealthKey};
use spotsync_core::store::plays;
use spotsync_core::sync::{self, StatusSnapshot};

use spotsync_core::store::ledger::SharedView;

use super::*;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::exit;

mod all;

fn print_status(s: &StatusSnapshot, db: &std::path::Path, shared: Option<&SharedLine>) {
    outln!("Database: {}", db.display());
    match &s.current_run {
        None => outln!("No sync yet: run `spotsync sync`."),
        Some(run) => {
            outln!(
                "Sync #{} ({}) {} — started {}{}",
                run.id,
                run.kind,
                run.status.as_str(),
                local(run.started_at),
                run.finished_at
                    .map(|f| format!(", ended {}", local(f)))
                    .unwrap_or_default()
            );
            outln!(
                "  {} requests, {} added, {} updated, {} removed, {} rate limits, waited {}s",
                run.api_calls,
                run.items_added,
                run.items_updated,
                run.items_removed,
                run.rate_limited_count,
                run.waited_seconds
            );
            if let Some(e) = &run.error {
                outln!("  {e}");
            }
            for p in &s.phases {
                outln!(
                    "  {:<16} {:<12} {}{}",
                    p.phase.as_str(),
                    p.status.as_str(),
                    progress(p.done, p.total),
                    p.last_error
                        .as_ref()
                        .map(|e| format!("  ({e})"))
                        .unwrap_or_default()
                );
            }
        }
    }
    if let Some((until, reason)) = s.blocked_until {
        outln!(
            "On hold by {} until {} (in {})",
            reason.describe(),
            local(until),
            human_wait(until - Utc::now())
        );
    }
    match (shared, s.daily_budget) {
        (Some(h), _) => outln!("{}", h.words(s.calls_24h)),
        (None, Some(b)) => outln!("Requests in the last 24 h: {} of {b}", s.calls_24h),
        (None, None) => outln!("Requests in the last 24 h: {}", s.calls_24h),
    }
}

/// The household's part of the quota, for the requests line.
pub(crate) struct SharedLine {
    /// Every account's requests in the rolling 24 hours.
    pub sent: u64,
    pub daily: Option<u64>,
    pub accounts: usize,
}

impl SharedLine {
    fn of(v: &SharedView) -> SharedLine {
        SharedLine {
            sent: v.sent,
            daily: v.policy.daily,
            accounts: v.members.len().max(v.accounts.len()),
        }
    }

    /// "Requests in the last 24 h: 412 of 1,500 shared by 3 accounts (this account 120)".
    fn words(&self, own: u64) -> String {
        let of = self
            .daily
            .map(|d| format!(" of {}", plan::group(d)))
            .unwrap_or_default();
        format!(
            "Requests in the last 24 h: {}{of} shared by {} accounts (this account {})",
            plan::group(self.sent),
            self.accounts,
            plan::group(own)
        )
    }
}

/// One line on the listening history: how many plays, first and last, per source.
pub(crate) fn coverage_line(c: &plays::Coverage) -> String {
    if c.plays == 0 {
        return "Listening history: none yet (`spotsync sync --only plays`, `spotsync import`)"
            .into();
    }
    let day = |s: &Option<String>| s.as_deref().map(|s| s.get(..10).unwrap_or(s).to_owned());
    let by: Vec<String> = c
        .by_source
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    format!(
        "Listening history: {} plays from {} to {} ({}); {} gap(s) open",
        c.plays,
        day(&c.first).unwrap_or_default(),
        day(&c.last).unwrap_or_default(),
        by.join(", "),
        c.open_gaps.len()
    )
}

/// The plan in two lines: what the next sync needs and when it is done, and the quota.
fn plan_lines(p: &plan::Plan) -> [String; 2] {
    let total = p.total_line();
    let total = total.strip_prefix("total: ").unwrap_or(&total);
    [
        format!(
            "Next sync ({}): {total} — `spotsync plan` shows each phase",
            p.run_line()
        ),
        {
            let h = p.quota.headline();
            let mut c = h.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or(h)
        },
    ]
}

/// What `spotsync status` shows, read from the database (and a household's ledger).
pub(crate) struct Status {
    snap: StatusSnapshot,
    daemon: health::DaemonHealth,
    coverage: Option<plays::Coverage>,
    plan: Option<plan::Plan>,
    shared: Option<SharedView>,
}

impl Status {
    /// The daemon's process id, when one serves this account now.
    pub(crate) fn daemon_pid(&self) -> Option<&str> {
        self.daemon.get(HealthKey::Pid)
    }

    /// `spotsync status --json` of one account.
    pub(crate) fn json(&self) -> Result<serde_json::Value> {
        let mut v = serde_json::to_value(&self.snap)?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("daemon".into(), serde_json::to_value(&self.daemon.values)?);
            obj.insert(
                "listening_history".into(),
                serde_json::to_value(&self.coverage)?,
            );
            obj.insert(
                "plan".into(),
                serde_json::to_value(self.plan.as_ref().map(|p| p.summary()))?,
            );
            if let Some(v) = &self.shared {
                obj.insert(
                    "household".into(),
                    serde_json::json!({
                        "calls_24h": v.sent,
                        "daily": v.policy.daily,
                        "accounts": v.accounts,
                    }),
                );
            }
        }
        Ok(v)
    }

    /// `spotsync status` of one account, for people.
    pub(crate) fn print(&self, db: &std::path::Path) {
        let shared = self.shared.as_ref().map(SharedLine::of);
        print_status(&self.snap, db, shared.as_ref());
        if let Some(p) = &self.plan {
            for line in plan_lines(p) {
                outln!("{line}");
            }
        }
        if !self.daemon.is_empty() {
            outln!("{}", daemon_line(&self.daemon));
        }
        if let Some(c) = &self.coverage {
            outln!("{}", coverage_line(c));
        }
        for g in &self.snap.play_gaps {
            outln!(
                "Listening history gap: plays between {} and {} may be missing",
                g.after.as_deref().unwrap_or("?"),
                g.before
            );
        }
    }
}

/// Every read of `spotsync status` for `paths`' account, on a blocking thread.
pub(crate) fn load(paths: &Paths, config: &crate::config::Config) -> Result<Status> {
    let db = &paths.db;
    let budget = (config.sync.max_calls_per_day > 0).then_some(config.sync.max_calls_per_day);
    let snap = sync::load_status_with_budget(db, 10, budget).map_err(|e| eyre!(e))?;
    let daemon = Reader::read(db, |q| q.daemon_health())?;
    let coverage = plays::load_coverage(db).map_err(|e| eyre!(e))?;
    // The plan is an extra: a database it cannot read still shows its status.
    let plan = match crate::household::load_plan(paths, config, &plan::Request::default()) {
        Ok(p) => Some(p),
        Err(e) => {
            errln!("spotsync: cannot plan the next sync: {e}");
            None
        }
    };
    let shared = match crate::household::view(paths, config) {
        Ok(v) => v,
        Err(e) => {
            errln!("spotsync: cannot read the household's quota ledger: {e}");
            None
        }
    };
    Ok(Status {
        snap,
        daemon,
        coverage,
        plan,
        shared,
    })
}

/// `spotsync status [--all]`.
pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<i32> {
    let (paths, config) = setup_existing(global)?;
    if args.all {
        return all::run(&paths, &config, args.json).await;
    }
    spotsync_core::spotify::auth::warn_if_authorization_ends_soon(&paths.token_file);
    let p = paths.clone();
    let status = blocking(move || load(&p, &config)).await?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&status.json()?)?);
    } else {
        status.print(&paths.db);
    }
    Ok(exit::OK)
}

/// The daemon's health in one line.
fn daemon_line(daemon: &health::DaemonHealth) -> String {
    format!(
        "Daemon: {}; last success {}; next sync {}{}{}{}",
        if daemon.get(HealthKey::Pid).is_some() {
            "running"
        } else {
            "stopped"
        },
        daemon.get(HealthKey::LastSuccess).unwrap_or("never"),
        daemon.get(HealthKey::NextSync).unwrap_or("-"),
        daemon
            .get(HealthKey::Cadence)
            .filter(|_| daemon.get(HealthKey::Pid).is_some())
            .map(|c| format!(" ({c})"))
            .unwrap_or_default(),
        daemon
            .get(HealthKey::BlockedUntil)
            .map(|b| format!("; blocked until {b}"))
            .unwrap_or_default(),
        daemon
            .get(HealthKey::LastError)
            .map(|e| format!("; last error: {e}"))
            .unwrap_or_default()
    )
}
