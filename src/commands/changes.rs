//! `spotsync changes`: the change journal.

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, eyre};

use super::*;
use crate::cli::{ChangesArgs, GlobalArgs};
use crate::exit;

fn parse_since(s: &str) -> Result<String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(spotsync_core::store::ts(t.with_timezone(&Utc)));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(format!("{}T00:00:00Z", d.format("%Y-%m-%d")));
    }
    Err(eyre!(
        "--since {s:?}: expected a date (2026-11-20) or an RFC 3339 time (2026-11-20T12:00:00Z)"
    ))
}

/// `spotsync changes`.
pub async fn run(global: &GlobalArgs, args: &ChangesArgs) -> Result<i32> {
    let (paths, _config) = setup(global)?;
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let Some(conn) = spotsync_core::store::open_read_only(&paths.db)? else {
        if args.json {
            println!("[]");
        } else {
            println!("No sync yet.");
        }
        return Ok(exit::OK);
    };
    let changes = conn
        .sql()
        .changes(&spotsync_core::store::journal::ChangeFilter {
            since,
            run: args.run,
            limit: args.limit,
        })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&changes)?);
        return Ok(exit::OK);
    }
    if changes.is_empty() {
        println!("No changes recorded.");
    }
    for c in &changes {
        let what = c.describe();
        println!(
            "{}  #{:<4} {:<11} {:<24} {}",
            c.changed_at,
            c.sync_history_id.map(|i| i.to_string()).unwrap_or_default(),
            c.entity_type.replace('_', " "),
            what,
            c.label()
        );
    }
    Ok(exit::OK)
}
