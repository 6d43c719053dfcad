//! `spotsync status --all`: every account of the household (each as `spotsync --account NAME
//! status` shows it), then the quota they share and what the daemon serves.

use color_eyre::eyre::{Result, WrapErr};
use spotsync_core::plan;
use spotsync_core::store::ledger::SharedView;

use super::{Status, load};
use crate::commands::blocking;
use crate::config::{Config, Paths, accounts};
use crate::exit;

/// One account's status, or why it cannot be read, with the exit code `status` would have.
struct AccountStatus {
    name: String,
    paths: Paths,
    status: Result<Status, String>,
}

impl AccountStatus {
    fn exit_code(&self) -> i32 {
        match self.status {
            Ok(_) => exit::OK,
            Err(_) => exit::ERROR,
        }
    }
}

/// `spotsync status --all [--json]`: exit 0, or the first account's failing code.
pub(super) async fn run(paths: &Paths, config: &Config, json: bool) -> Result<i32> {
    let (p, c) = (paths.clone(), config.clone());
    let (statuses, shared) = blocking(move || {
        let found = accounts::discover(&p.data_dir)
            .wrap_err_with(|| format!("cannot list the accounts in {}", p.data_dir.display()))?;
        let statuses: Vec<AccountStatus> = found
            .iter()
            .map(|a| {
                let paths = p.for_account(&a.name);
                let status = load(&paths, &c).map_err(|e| crate::commands::error_words(&e));
                AccountStatus {
                    name: a.name.clone(),
                    paths,
                    status,
                }
            })
            .collect();
        let shared = crate::household::view(&p, &c).unwrap_or(None);
        Ok((statuses, shared))
    })
    .await?;
    let code = statuses
        .iter()
        .map(AccountStatus::exit_code)
        .find(|&c| c != exit::OK)
        .unwrap_or(exit::OK);
    if json {
        print_json(&statuses, shared.as_ref())?;
        return Ok(code);
    }
    if statuses.is_empty() {
        outln!("No account yet: `spotsync auth` connects the first one.");
        return Ok(code);
    }
    for s in &statuses {
        outln!("== account {} ==", s.name);
        match &s.status {
            Ok(st) => st.print(&s.paths.db),
            Err(e) => outln!("cannot read it: {e}"),
        }
        outln!();
    }
    for line in household_lines(&statuses, shared.as_ref()) {
        outln!("{line}");
    }
    Ok(code)
}

fn print_json(statuses: &[AccountStatus], shared: Option<&SharedView>) -> Result<()> {
    let mut accounts = Vec::new();
    for s in statuses {
        let (status, error) = match &s.status {
            Ok(st) => (st.json()?, None),
            Err(e) => (serde_json::Value::Null, Some(e.clone())),
        };
        accounts.push(serde_json::json!({
            "account": s.name,
            "exit_code": s.exit_code(),
            "error": error,
            "database": s.paths.db,
            "status": status,
        }));
    }
    let household = shared.map(|v| {
        serde_json::json!({
            "daily": v.policy.daily,
            "source": v.policy.source,
            "reserve": v.policy.reserve,
            "history_reserve": v.policy.history_reserve,
            "calls_24h": v.sent,
            "used_24h": v.used,
            "blocked_until": v.hold,
            "accounts": v.accounts,
        })
    });
    let v = serde_json::json!({ "accounts": accounts, "household": household });
    outln!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

/// The shared quota and the daemon, in a few lines.
fn household_lines(statuses: &[AccountStatus], shared: Option<&SharedView>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = shared {
        let of = v
            .policy
            .daily
            .map(|d| format!(" of {} ({})", plan::group(d), v.policy.source.as_str()))
            .unwrap_or_else(|| " (daily quota not known yet)".into());
        let per: Vec<String> = statuses
            .iter()
            .map(|s| format!("{} {}", s.name, plan::group(v.usage_of(&s.name).sent)))
            .collect();
        out.push(format!(
            "Shared quota: {} requests in the last 24 h{of}: {}",
            plan::group(v.sent),
            per.join(", ")
        ));
        if let Some((until, reason)) = v.hold {
            out.push(format!(
                "Every account is on hold by {} until {}",
                reason.describe(),
                crate::commands::local(until)
            ));
        }
    }
    let served: Vec<String> = statuses
        .iter()
        .filter_map(|s| {
            let pid = s.status.as_ref().ok()?.daemon_pid()?;
            Some(format!("{} (pid {pid})", s.name))
        })
        .collect();
    out.push(if served.is_empty() {
        "Daemon: not running for any account".into()
    } else {
        format!("Daemon: serving {}", served.join(", "))
    });
    out
}
