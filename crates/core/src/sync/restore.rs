//! A restore as the engine carries it out ([`super::SyncCommand::Restore`]): read the account
//! (an incremental sync of the lists restored), pin the restore (or go on with the unfinished
//! one of the same selection), plan it, and when asked write it (a run of kind `restore`),
//! then read the account again: the restore is done when the account equals its target, and
//! the changes that sync journals of what the restore wrote get the source `restore`.

use std::collections::HashSet;

use chrono::Utc;

use super::events::{ErrorKind, RestoreRequest, RunStatus, StartMode, SyncEvent};
use super::link::Link;
use super::outcome::Stop;
use super::runner;
use crate::domain::Phase;
use crate::restore::{self, Diff, Kind, Pinned, RestorePlan, Selection};
use crate::settings::SyncConfig;
use crate::store::ts;

/// The list phases that read what `sel` restores.
fn list_phases(sel: &Selection) -> Vec<Phase> {
    sel.kinds
        .iter()
        .map(|k| match k {
            Kind::Liked => Phase::Tracks,
            Kind::Playlists => Phase::Playlists,
            Kind::Albums => Phase::AlbumsSaved,
            Kind::Shows => Phase::Shows,
            Kind::Episodes => Phase::Episodes,
            Kind::Audiobooks => Phase::Audiobooks,
            Kind::Artists => Phase::ArtistsFollowed,
        })
        .collect()
}

/// Read the account into the mirror: an incremental sync of `phases` (an unfinished sync is
/// resumed first). The run's id, and whether the lists it read are current.
async fn read_account(
    link: &mut Link<'_>,
    config: &SyncConfig,
    phases: &[Phase],
) -> (Option<i64>, RunStatus, bool) {
    runner::run(
        link.reborrow(),
        config,
        StartMode::Incremental,
        phases.to_vec(),
    )
    .await;
    let wanted: Vec<Phase> = phases.to_vec();
    let read = link
        .db()
        .read(move |q| {
            let Some(run) = q.last_run()? else {
                return Ok(None);
            };
            let rows = q.phases_of_run(run.id)?;
            let current = run.status == RunStatus::Success
                || rows
                    .iter()
                    .filter(|r| wanted.contains(&r.phase))
                    .all(|r| r.done_in(run.id));
            Ok(Some((run.id, run.status, current)))
        })
        .await;
    match read {
        Ok(Some((id, status, current))) => (Some(id), status, current),
        _ => (None, RunStatus::Failed, false),
    }
}

/// The restore to carry out: the unfinished one of the same selection (no date asked), or a
/// new one pinned as of the date asked, else of the mirror as it is before this restore reads
/// the account. A household restore (`--from`) reads its target from the other account's
/// database, and keeps the covers of its playlists in this one.
async fn pin(link: &Link<'_>, req: &RestoreRequest) -> Result<(Pinned, bool, String), String> {
    let (sel, as_of) = (req.selection.clone(), req.as_of.clone());
    let source = match (&req.from_db, &sel.from) {
        (Some(path), Some(account)) => {
            let (path, account) = (path.clone(), account.clone());
            let (at, kinds) = (as_of.clone(), sel.kinds.clone());
            let read = tokio::task::spawn_blocking(move || {
                restore::read_source(&path, &account, at.as_deref(), &kinds)
            })
            .await
            .map_err(|e| format!("reading the other account's mirror stopped: {e}"))?;
            Some(read.map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let pinned = link
        .db()
        .write(move |tx| {
            Ok((|| {
                let earliest = match &source {
                    Some(s) => s.earliest.clone(),
                    None => restore::target::earliest(tx)?,
                };
                if as_of.is_none()
                    && let Some(p) = restore::reusable(tx, &sel)?
                {
                    return Ok((p, true, earliest));
                }
                let now = ts(Utc::now());
                let p = match source {
                    Some(s) => {
                        for (sha, bytes) in &s.covers {
                            tx.keep_cover_image(sha, bytes, &now)?;
                        }
                        restore::pin_target(tx, as_of.as_deref(), &sel, &now, s.target)?
                    }
                    None => restore::pin(tx, as_of.as_deref(), &sel, &now)?,
                };
                Ok((p, false, earliest))
            })())
        })
        .await
        .map_err(|e| e.describe())?;
    pinned.map_err(|e: restore::RestoreError| e.to_string())
}

async fn plan_of(link: &Link<'_>, p: &Pinned) -> Result<(Diff, u64), String> {
    let p = p.clone();
    let planned = link
        .db()
        .read(move |q| {
            let writes = q.restore_write_count(p.id)?;
            Ok(restore::plan(q, &p).map(|d| (d, writes)))
        })
        .await
        .map_err(|e| e.describe())?;
    planned.map_err(|e| e.to_string())
}

/// The scopes the writes of `diff` need that the authorization lacks (when its scopes are
/// known).
async fn missing_scopes(link: &Link<'_>, diff: &Diff) -> Vec<&'static str> {
    let Some(granted) = link.granted_scopes().await else {
        return Vec::new();
    };
    let mut need: HashSet<&'static str> = HashSet::new();
    for l in diff.lists.iter().filter(|l| l.requests > 0) {
        need.insert(l.kind.scope());
    }
    for p in &diff.playlists {
        need.insert("playlist-modify-public");
        need.insert("playlist-modify-private");
        if p.cover {
            need.insert("ugc-image-upload");
        }
    }
    let mut missing: Vec<&'static str> =
        need.into_iter().filter(|s| !granted.contains(*s)).collect();
    missing.sort_unstable();
    missing
}

/// What a restore ended with.
struct End {
    restore_id: Option<i64>,
    done: bool,
    status: RunStatus,
    writes: u64,
    left: u64,
    error: Option<String>,
}

async fn finished(link: &mut Link<'_>, e: End) {
    let unavailable = match e.restore_id {
        Some(id) => link
            .db()
            .read(move |q| q.restore_unavailable(id))
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if let Some(err) = &e.error {
        tracing::warn!("restore: {err}");
    }
    link.emit(SyncEvent::RestoreFinished {
        restore_id: e.restore_id,
        done: e.done,
        status: e.status,
        writes: e.writes,
        left: e.left,
        error: e.error,
        unavailable,
    })
    .await;
}

/// Read, plan, (write, read again).
pub(super) async fn restore(mut link: Link<'_>, config: &SyncConfig, req: RestoreRequest) {
    let phases = list_phases(&req.selection);
    let fail = |status, error: String| End {
        restore_id: None,
        done: false,
        status,
        writes: 0,
        left: 0,
        error: Some(error),
    };
    let (pinned, resumed, earliest) = match pin(&link, &req).await {
        Ok(p) => p,
        Err(e) => return finished(&mut link, fail(RunStatus::Failed, e)).await,
    };
    // Stored times have whole seconds: what the sync below finds is stamped after the second
    // the restore is pinned at, so the same date read again later gives the same target.
    let pinned_at = ts(Utc::now());
    while ts(Utc::now()) == pinned_at {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, status, current) = read_account(&mut link, config, &phases).await;
    if !current {
        let e = "the account could not be read (see the sync above); nothing was written";
        return finished(&mut link, fail(status, e.into())).await;
    }
    let (diff, writes) = match plan_of(&link, &pinned).await {
        Ok(d) => d,
        Err(e) => return finished(&mut link, fail(RunStatus::Failed, e)).await,
    };
    let quota = link.quota_view(diff.requests);
    let plan = RestorePlan {
        restore: pinned.clone(),
        resumed,
        earliest,
        diff: diff.clone(),
        quota,
    };
    link.emit(SyncEvent::RestorePlanned {
        plan: Box::new(plan),
    })
    .await;
    let mut end = End {
        restore_id: Some(pinned.id),
        done: diff.is_empty(),
        status: RunStatus::Success,
        writes,
        left: diff.requests,
        error: None,
    };
    if req.apply && diff.is_empty() {
        mark_done(&link, pinned.id).await;
    }
    if !req.apply || diff.is_empty() {
        return finished(&mut link, end).await;
    }
    let missing = missing_scopes(&link, &diff).await;
    if !missing.is_empty() {
        let msg = format!(
            "the authorization lacks the {} scope{} a restore needs to write: run `spotsync \
             auth --write` to grant {}; nothing was written",
            missing.join(", "),
            if missing.len() == 1 { "" } else { "s" },
            if missing.len() == 1 { "it" } else { "them" }
        );
        link.emit(SyncEvent::Error {
            kind: ErrorKind::Auth,
            message: msg.clone(),
        })
        .await;
        end.status = RunStatus::Failed;
        end.error = Some(msg);
        return finished(&mut link, end).await;
    }
    end = apply(&mut link, config, &pinned, &phases, end).await;
    finished(&mut link, end).await;
}

/// Write, then read the account again and see what is left.
async fn apply(
    link: &mut Link<'_>,
    config: &SyncConfig,
    pinned: &Pinned,
    phases: &[Phase],
    mut end: End,
) -> End {
    let status = runner::run_restore(link.reborrow(), pinned.id).await;
    end.status = status.unwrap_or(RunStatus::Failed);
    if status != Some(RunStatus::Success) {
        end.error = Some(
            "the restore stopped before its end; run `spotsync restore --apply` again: it reads \
             the account and goes on (nothing is written twice)"
                .into(),
        );
        end.writes = written(link, pinned.id).await;
        return end;
    }
    let (run, status, current) = read_account(link, config, phases).await;
    let id = pinned.id;
    if let Some(run) = run {
        let labelled = link
            .db()
            .write(move |tx| tx.label_restore_changes(run, id))
            .await;
        if let Err(e) = labelled {
            tracing::warn!("cannot label the restore's changes: {}", e.describe());
        }
    }
    end.writes = written(link, id).await;
    if !current {
        end.status = status;
        end.error = Some("the account could not be read again after the writes".into());
        return end;
    }
    match plan_of(link, pinned).await {
        Ok((d, _)) => {
            end.left = d.requests;
            end.done = d.is_empty();
        }
        Err(e) => end.error = Some(e),
    }
    if end.done {
        mark_done(link, id).await;
    } else if end.error.is_none() {
        end.error = Some(format!(
            "the account still differs from the target ({} write request(s) left): run \
             `spotsync restore --apply` again",
            end.left
        ));
    }
    end
}

async fn written(link: &Link<'_>, id: i64) -> u64 {
    link.db()
        .read(move |q| q.restore_write_count(id))
        .await
        .unwrap_or(0)
}

async fn mark_done(link: &Link<'_>, id: i64) {
    let now = ts(Utc::now());
    let marked: Result<(), Stop> = link
        .db()
        .write(move |tx| tx.set_restore_status(id, "done", &now))
        .await;
    if let Err(e) = marked {
        tracing::warn!("cannot record that restore {id} is done: {}", e.describe());
    }
}
