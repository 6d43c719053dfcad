//! `spotsync history`: past runs, newest first.

use color_eyre::eyre::{Result, eyre};
use spotsync_core::sync::{self};

use super::*;
use crate::cli::{GlobalArgs, HistoryArgs};
use crate::exit;

/// `spotsync history`.
pub async fn run(global: &GlobalArgs, args: &HistoryArgs) -> Result<i32> {
    let (paths, _config) = setup(global)?;
    let (db, limit) = (paths.db, args.limit);
    let snap = blocking(move || sync::load_status(&db, limit).map_err(|e| eyre!(e))).await?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&snap.history)?);
        return Ok(exit::OK);
    }
    if snap.history.is_empty() {
        outln!("No sync yet.");
    }
    for r in &snap.history {
        outln!(
            "#{:<5} {:<11} {:<12} {}  {:>6} req  +{} ~{} -{}{}",
            r.id,
            r.kind.as_str(),
            r.status.as_str(),
            local(r.started_at),
            r.api_calls,
            r.items_added,
            r.items_updated,
            r.items_removed,
            r.error
                .as_ref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default()
        );
    }
    Ok(exit::OK)
}
