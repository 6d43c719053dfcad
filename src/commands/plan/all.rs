//! `spotsync plan --all`: what every account of the household still needs, and when the quota
//! they share gets each done (bulk work shared out by their shares; an account that is done
//! leaves its part to the others), and in total.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use serde::Serialize;
use spotsync_core::plan::{self, Plan, Request};
use spotsync_core::quota::QuotaPolicy;
use spotsync_core::quota::household::{self, LONGEST_POLL_INTERVAL, Member};

use super::{load, names, probe};
use crate::cli::GlobalArgs;
use crate::commands::blocking;
use crate::config::{Config, Paths, accounts};
use crate::exit;

/// One account's part of the household's plan.
#[derive(Debug, Serialize)]
struct AccountPlan {
    account: String,
    share: u32,
    /// When its bulk work is done while the accounts share the quota (seconds; null while the
    /// daily figure is unknown and nothing is assumed).
    eta_secs: Option<u64>,
    /// How often the daemon serving the household checks its lists and polls its plays while
    /// this plan is carried out ([`household::cadence`]).
    daemon: DaemonCadence,
    plan: Plan,
}

/// The daemon's cadence for one account, in seconds.
#[derive(Debug, Serialize)]
struct DaemonCadence {
    sync_every_secs: u64,
    /// Polls go this often at most; while some account's bulk work waits they follow the
    /// listening, up to `poll_every_max_secs` apart.
    poll_every_secs: u64,
    poll_every_max_secs: u64,
}

/// The household's plan in total.
#[derive(Debug, Serialize)]
struct HouseholdTotal {
    requests: u64,
    bulk_requests: u64,
    exact: bool,
    /// When the last account is done.
    eta_secs: Option<u64>,
}

/// `spotsync plan --all [--json] [--no-probe]` (and `--full`, `--incremental`, `--only`).
pub(super) async fn run(
    global: &GlobalArgs,
    paths: &Paths,
    config: &Config,
    req: &Request,
    no_probe: bool,
    json: bool,
) -> Result<i32> {
    let dir = paths.data_dir.clone();
    let found = blocking(move || {
        accounts::discover(&dir)
            .wrap_err_with(|| format!("cannot list the accounts in {}", dir.display()))
    })
    .await?;
    if found.is_empty() {
        outln!("No account yet: `spotsync auth` connects the first one.");
        return Ok(exit::OK);
    }
    let mut plans = Vec::new();
    for a in &found {
        let p = paths.for_account(&a.name);
        let mut plan = load(&p, config, req).await?;
        if plan.needs_probe() && !no_probe {
            errln!(
                "account {}: asking Spotify for the totals of {} (about {})",
                a.name,
                names(&plan.unknown),
                plan::requests(plan.probe_cost)
            );
            if let Some(note) = probe(global, &p, config, plan.unknown.clone()).await {
                errln!("account {}: {note}", a.name);
            }
            plan = load(&p, config, req).await?;
        }
        plans.push((a.name.clone(), config.share_of(&a.name), plan));
    }
    let shared: Vec<(&Plan, u32)> = plans.iter().map(|(_, s, p)| (p, *s)).collect();
    let etas = plan::household_etas(&shared);
    let cadences = cadences(&plans, config);
    let accounts: Vec<AccountPlan> = plans
        .into_iter()
        .zip(etas)
        .zip(cadences)
        .map(|(((account, share, plan), eta), daemon)| AccountPlan {
            account,
            share,
            eta_secs: eta
                .or(Some(Duration::from_secs(plan.total.eta_secs)))
                .map(|d| d.as_secs()),
            daemon,
            plan,
        })
        .collect();
    let total = HouseholdTotal {
        requests: accounts.iter().map(|a| a.plan.total.requests).sum(),
        bulk_requests: accounts.iter().map(|a| a.plan.total.bulk_requests).sum(),
        exact: accounts.iter().all(|a| a.plan.total.exact),
        eta_secs: accounts.iter().filter_map(|a| a.eta_secs).max(),
    };
    if json {
        let v = serde_json::json!({ "accounts": accounts, "total": total });
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for line in lines(&accounts, &total) {
            outln!("{line}");
        }
    }
    Ok(exit::OK)
}

/// The daemon's cadence for each account while these plans are carried out: an account with
/// bulk work left wants some ([`household::cadence`]).
fn cadences(plans: &[(String, u32, Plan)], config: &Config) -> Vec<DaemonCadence> {
    let schedule = config.sync.schedule;
    let members: Vec<Member> = plans
        .iter()
        .map(|(account, share, plan)| Member {
            account: account.clone(),
            share: *share,
            incremental_cost: plan.quota.incremental_cost,
            wants_bulk: plan.total.bulk_requests > 0,
        })
        .collect();
    let costs: Vec<u64> = members.iter().map(|m| m.incremental_cost).collect();
    let daily = plans
        .first()
        .and_then(|(_, _, p)| p.quota.daily)
        .unwrap_or(0);
    let policy = QuotaPolicy::for_accounts(daily, &[], &schedule, &costs);
    let waiting = members.iter().any(|m| m.wants_bulk);
    members
        .iter()
        .map(|m| {
            let c =
                household::cadence(&policy, &members, &m.account, &schedule, m.wants_bulk, None);
            let most = if waiting {
                LONGEST_POLL_INTERVAL.max(c.poll_every)
            } else {
                c.poll_every
            };
            DaemonCadence {
                sync_every_secs: c.sync_every.as_secs(),
                poll_every_secs: c.poll_every.as_secs(),
                poll_every_max_secs: most.as_secs(),
            }
        })
        .collect()
}

/// The household's plan for people.
fn lines(accounts: &[AccountPlan], total: &HouseholdTotal) -> Vec<String> {
    let mut out = Vec::new();
    let Some(first) = accounts.first() else {
        return out;
    };
    let q = &first.plan.quota;
    let n = accounts.len();
    out.push(format!(
        "Plan of the household: {n} account{} share the app's daily quota",
        if n == 1 { "" } else { "s" }
    ));
    out.push(q.headline());
    if total.bulk_requests > 0 {
        let all = q
            .household
            .as_ref()
            .map_or(q.eta_bulk_per_day, |h| h.eta_bulk_per_day_all);
        out.push(format!(
            "bulk work (first mirrors, enrichment) gets ~{}/day in all, shared by the accounts \
             that have some",
            plan::group(all)
        ));
    }
    out.push(String::new());
    let width = accounts.iter().map(|a| a.account.len()).max().unwrap_or(0);
    for a in accounts {
        let t = &a.plan.total;
        let bulk = if t.bulk_requests > 0 {
            format!(" ({} of them bulk work)", plan::group(t.bulk_requests))
        } else {
            String::new()
        };
        let when = match a.eta_secs {
            Some(0) | None if t.bulk_requests == 0 => "done at its next sync".to_string(),
            Some(s) => format!("≈ {}", plan::fmt_eta(Duration::from_secs(s))),
            None => "when the quota is known".to_string(),
        };
        let share = if a.share != 1 {
            format!(", share {}", a.share)
        } else {
            String::new()
        };
        out.push(format!(
            "  {:<width$}  {}{}{bulk}{share}: {when}; the daemon checks its lists every {}",
            a.account,
            if t.exact { "" } else { "~" },
            plan::requests(t.requests),
            every(a.daemon.sync_every_secs),
        ));
    }
    if let Some(a) = accounts
        .iter()
        .find(|a| a.daemon.poll_every_max_secs > a.daemon.poll_every_secs)
    {
        out.push(format!(
            "while bulk work waits, polls follow the listening: every {} to {}",
            every(a.daemon.poll_every_secs),
            every(a.daemon.poll_every_max_secs)
        ));
    }
    out.push(String::new());
    let when = total
        .eta_secs
        .map(|s| format!(" ≈ {}", plan::fmt_eta(Duration::from_secs(s))))
        .unwrap_or_default();
    out.push(format!(
        "total: {}{}{when}",
        if total.exact { "" } else { "~" },
        plan::requests(total.requests)
    ));
    out.push("`spotsync --account NAME plan` shows one account's phases.".into());
    out
}

fn every(secs: u64) -> String {
    crate::commands::human_wait(chrono::TimeDelta::seconds(
        i64::try_from(secs).unwrap_or(i64::MAX / 1_000),
    ))
}
