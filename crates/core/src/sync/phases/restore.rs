//! The restore phase (a run of kind `restore`): the writes of a pinned restore's diff, each
//! through the gate (class `restore`) and journaled with the phase's checkpoint in one
//! transaction (`restore_writes`). The diff is computed from the mirror as the incremental
//! sync before the run left it, so what an earlier (killed) apply wrote is not written again.
//!
//! Saved lists go oldest first in batches of 40 (one each with `--exact-order`); a batch
//! refused for an id Spotify no longer has is sent again item by item, and the unavailable
//! ones are journaled as such. A playlist is created with a marker in its description (found
//! again after a kill before its id was recorded); the marker goes when its details are
//! written, after its items.

use base64::Engine as _;

use super::PhaseCtx;
use crate::restore::diff::{Action, ITEMS_BATCH, LIBRARY_BATCH, ListDiff, PlaylistDiff, marker};
use crate::restore::{self, Kind, Pinned};
use crate::spotify::ApiError;
use crate::spotify::write::{WriteRequest, is_scope_refusal};
use crate::store::library::Counts;
use crate::store::restore::WriteRecord;
use crate::sync::link::{ReqError, Stored};
use crate::sync::outcome::Stop;

/// The largest cover an upload takes: 256 KB of base64.
pub(crate) const MAX_COVER_BASE64: usize = 256 * 1024;

/// What every write of the run shares.
struct Writer {
    restore: i64,
    /// The target's day (copies' names and markers).
    date: String,
    exact: bool,
}

/// The phase: plan from the mirror, then every write of the plan.
pub(super) async fn run(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    let id = ctx
        .run
        .restore
        .ok_or_else(|| Stop::Fatal("a restore run without a restore to apply".into()))?;
    let planned = ctx
        .read(move |q| {
            Ok(restore::load(q, id).and_then(|p| {
                let p: Pinned = p.ok_or(restore::RestoreError::Damaged(format!(
                    "restore {id} is missing"
                )))?;
                let d = restore::plan(q, &p)?;
                Ok((p, d))
            }))
        })
        .await?;
    let (pinned, diff) = planned.map_err(|e| Stop::PhaseFailed(e.to_string()))?;
    ctx.cp.total_items = Some(ctx.cp.items_processed + diff.requests);
    let w = Writer {
        restore: id,
        date: pinned.date().to_string(),
        exact: pinned.selection.exact_order,
    };
    for l in &diff.lists {
        list(ctx, &w, l).await?;
    }
    for p in &diff.playlists {
        playlist(ctx, &w, p).await?;
    }
    ctx.complete().await
}

/// Send one write; a refusal for want of a scope stops the run, naming it.
async fn send(
    ctx: &mut PhaseCtx<'_>,
    req: &WriteRequest,
    scope: &str,
) -> Result<Result<String, ApiError>, Stop> {
    match ctx.send(req).await {
        Ok(body) => Ok(Ok(body)),
        Err(ReqError::Stop(s)) => Err(s),
        Err(ReqError::Api(e)) if is_scope_refusal(&e) => Err(Stop::Auth(format!(
            "{}: the token lacks the {scope} scope a restore needs: run `spotsync auth --write` \
             to grant it",
            req.template
        ))),
        Err(ReqError::Api(e)) => Ok(Err(e)),
    }
}

/// What one write leaves in the journal.
struct Entry {
    target: String,
    ids: Vec<String>,
    outcome: String,
    counts: Counts,
    /// A playlist it created: (source id, copy date or "", new id, marker).
    created: Option<(String, String, String, String)>,
}

/// Journal one write with the phase's checkpoint, in one transaction.
async fn journal(
    ctx: &mut PhaseCtx<'_>,
    w: &Writer,
    req: &WriteRequest,
    e: Entry,
) -> Result<(), Stop> {
    let (restore, request) = (w.restore, req.template);
    ctx.commit(move |tx, batch, cp| {
        let ids = serde_json::to_string(&e.ids).unwrap_or_else(|_| "[]".into());
        if let Some((source, copy_of, id, m)) = &e.created {
            tx.record_restored_playlist(source, copy_of, id, m, restore, &batch.at)?;
        }
        tx.record_restore_write(&WriteRecord {
            restore_id: restore,
            run: Some(batch.run.get()),
            at: &batch.at,
            request,
            target: &e.target,
            ids: &ids,
            items: e.ids.len() as u64,
            outcome: &e.outcome,
        })?;
        cp.items_processed += 1;
        Ok(Stored::counts(e.counts))
    })
    .await
}

fn done(target: &str, ids: Vec<String>, counts: Counts) -> Entry {
    Entry {
        target: target.to_string(),
        ids,
        outcome: "done".into(),
        counts,
        created: None,
    }
}

/// A 400 for an id Spotify does not have (any more).
fn unknown_id(e: &ApiError) -> bool {
    matches!(e, ApiError::Other(m) if m.starts_with("HTTP 400"))
}

/// A saved list: its additions oldest first, then its removals.
async fn list(ctx: &mut PhaseCtx<'_>, w: &Writer, l: &ListDiff) -> Result<(), Stop> {
    let per = if w.exact { 1 } else { LIBRARY_BATCH };
    for chunk in l.add.chunks(per) {
        let ids: Vec<String> = chunk.iter().map(|s| s.id.clone()).collect();
        library_batch(ctx, w, l.kind, ids, false).await?;
    }
    for chunk in l.remove.chunks(LIBRARY_BATCH) {
        library_batch(ctx, w, l.kind, chunk.to_vec(), true).await?;
    }
    Ok(())
}

fn uris(kind: Kind, ids: &[String]) -> Vec<String> {
    let ty = kind.uri_type().unwrap_or("track");
    ids.iter().map(|id| format!("spotify:{ty}:{id}")).collect()
}

/// One `PUT`/`DELETE /me/library` batch; a batch refused for an unknown id goes again item by
/// item.
async fn library_batch(
    ctx: &mut PhaseCtx<'_>,
    w: &Writer,
    kind: Kind,
    ids: Vec<String>,
    remove: bool,
) -> Result<(), Stop> {
    ctx.boundary().await?;
    let u = uris(kind, &ids);
    let req = if remove {
        WriteRequest::remove(&u)
    } else {
        WriteRequest::save(&u)
    };
    let n = ids.len() as u64;
    let counts = if remove {
        Counts {
            removed: n,
            ..Counts::default()
        }
    } else {
        Counts {
            added: n,
            ..Counts::default()
        }
    };
    match send(ctx, &req, kind.scope()).await? {
        Ok(_) => journal(ctx, w, &req, done(kind.as_str(), ids, counts)).await,
        Err(e) if unknown_id(&e) && ids.len() > 1 => {
            for id in ids {
                single(ctx, w, kind, id, remove).await?;
            }
            Ok(())
        }
        Err(e) if unknown_id(&e) => {
            let entry = Entry {
                outcome: format!("unavailable: {e}"),
                ..done(kind.as_str(), ids, Counts::default())
            };
            journal(ctx, w, &req, entry).await
        }
        Err(e) => Err(Stop::PhaseFailed(format!("{}: {e}", req.template))),
    }
}

/// One item alone (after its batch was refused for an unknown id).
async fn single(
    ctx: &mut PhaseCtx<'_>,
    w: &Writer,
    kind: Kind,
    id: String,
    remove: bool,
) -> Result<(), Stop> {
    ctx.boundary().await?;
    let u = uris(kind, std::slice::from_ref(&id));
    let req = if remove {
        WriteRequest::remove(&u)
    } else {
        WriteRequest::save(&u)
    };
    let outcome = match send(ctx, &req, kind.scope()).await? {
        Ok(_) => "done".to_string(),
        Err(e) if unknown_id(&e) => format!("unavailable: {e}"),
        Err(e) => return Err(Stop::PhaseFailed(format!("{}: {e}", req.template))),
    };
    let counts = Counts {
        added: u64::from(outcome == "done" && !remove),
        removed: u64::from(outcome == "done" && remove),
        ..Counts::default()
    };
    let entry = Entry {
        outcome,
        ..done(kind.as_str(), vec![id], counts)
    };
    journal(ctx, w, &req, entry).await
}

/// One playlist's writes.
async fn playlist(ctx: &mut PhaseCtx<'_>, w: &Writer, d: &PlaylistDiff) -> Result<(), Stop> {
    let t = &d.target;
    let all = || Some(t.writable_uris());
    match d.action {
        Action::Follow => follow(ctx, w, &t.id, false).await.map(|_| ()),
        Action::Unfollow => follow(ctx, w, &t.id, true).await.map(|_| ()),
        Action::RollBack => {
            let id = d.current.as_ref().map_or(t.id.clone(), |c| c.id.clone());
            if id != t.id {
                adopt(ctx, w, d, &id).await?;
            }
            parts(ctx, w, d, &id, d.details, d.items.clone(), d.cover).await
        }
        Action::Recreate => {
            if follow(ctx, w, &t.id, false).await? {
                parts(ctx, w, d, &t.id, d.details, d.items.clone(), d.cover).await
            } else {
                let id = create(ctx, w, d, "").await?;
                parts(ctx, w, d, &id, true, all(), t.cover.is_some()).await
            }
        }
        Action::Create => {
            let id = create(ctx, w, d, "").await?;
            parts(ctx, w, d, &id, true, all(), t.cover.is_some()).await
        }
        Action::Copy => {
            let date = w.date.clone();
            let id = create(ctx, w, d, &date).await?;
            parts(ctx, w, d, &id, true, all(), t.cover.is_some()).await
        }
    }
}

/// A playlist an earlier apply created (found by its marker, or recorded): record it as the
/// target's, before its details take the marker away.
async fn adopt(ctx: &mut PhaseCtx<'_>, w: &Writer, d: &PlaylistDiff, id: &str) -> Result<(), Stop> {
    let copy_of = if d.name != d.target.name {
        w.date.clone()
    } else {
        String::new()
    };
    let (source, id, restore) = (d.target.id.clone(), id.to_string(), w.restore);
    let m = marker(&source, &copy_of);
    let now = crate::store::ts(chrono::Utc::now());
    ctx.write(move |tx| tx.record_restored_playlist(&source, &copy_of, &id, &m, restore, &now))
        .await
}

/// Follow (or unfollow) a playlist; `false` when Spotify no longer has it.
async fn follow(ctx: &mut PhaseCtx<'_>, w: &Writer, id: &str, un: bool) -> Result<bool, Stop> {
    ctx.boundary().await?;
    let u = vec![format!("spotify:playlist:{id}")];
    let req = if un {
        WriteRequest::remove(&u)
    } else {
        WriteRequest::save(&u)
    };
    match send(ctx, &req, "playlist-modify-public").await? {
        Ok(_) => {
            let counts = Counts {
                added: u64::from(!un),
                removed: u64::from(un),
                ..Counts::default()
            };
            journal(ctx, w, &req, done(id, vec![id.to_string()], counts)).await?;
            Ok(true)
        }
        Err(e) if unknown_id(&e) || matches!(e, ApiError::NotFound(_)) => Ok(false),
        Err(e) => Err(Stop::PhaseFailed(format!("{}: {e}", req.template))),
    }
}

/// Create the playlist of `d` (its marker in the description) and record its id.
async fn create(
    ctx: &mut PhaseCtx<'_>,
    w: &Writer,
    d: &PlaylistDiff,
    copy_of: &str,
) -> Result<String, Stop> {
    ctx.boundary().await?;
    let t = &d.target;
    let m = marker(&t.id, copy_of);
    let description = format!("{} {m}", t.description.as_deref().unwrap_or(""))
        .trim()
        .to_string();
    let name = d
        .name
        .clone()
        .or_else(|| t.name.clone())
        .unwrap_or_default();
    let collaborative = t.collaborative.unwrap_or(false);
    let public = t.public.unwrap_or(false);
    let req = WriteRequest::create_playlist(&name, &description, public, collaborative);
    let body = match send(ctx, &req, "playlist-modify-private").await? {
        Ok(b) => b,
        Err(e) => return Err(Stop::PhaseFailed(format!("{}: {e}", req.template))),
    };
    let id = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("id")?.as_str().map(str::to_string))
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| {
            Stop::PhaseFailed(format!(
                "{}: the answer names no playlist id; the next apply finds it by its marker",
                req.template
            ))
        })?;
    let entry = Entry {
        created: Some((t.id.clone(), copy_of.to_string(), id.clone(), m)),
        ..done(
            &id,
            vec![id.clone()],
            Counts {
                added: 1,
                ..Counts::default()
            },
        )
    };
    journal(ctx, w, &req, entry).await?;
    Ok(id)
}

/// A playlist's items (replace, then append by 100), details (the marker goes), and cover.
async fn parts(
    ctx: &mut PhaseCtx<'_>,
    w: &Writer,
    d: &PlaylistDiff,
    id: &str,
    details: bool,
    items: Option<Vec<String>>,
    cover: bool,
) -> Result<(), Stop> {
    let t = &d.target;
    let scope = "playlist-modify-public / playlist-modify-private";
    if let Some(items) = items {
        let chunks: Vec<&[String]> = if items.is_empty() {
            vec![&[]]
        } else {
            items.chunks(ITEMS_BATCH).collect()
        };
        for (i, chunk) in chunks.into_iter().enumerate() {
            ctx.boundary().await?;
            let req = if i == 0 {
                WriteRequest::replace_items(id, chunk)
            } else {
                WriteRequest::add_items(id, chunk)
            };
            write_one(ctx, w, &req, id, scope, chunk.len() as u64).await?;
        }
    }
    if details {
        ctx.boundary().await?;
        let name = d.name.as_deref().or(t.name.as_deref());
        let description = t.description.as_deref().unwrap_or("");
        let req = WriteRequest::details(id, name, description, t.public, t.collaborative);
        write_one(ctx, w, &req, id, scope, 0).await?;
    }
    if cover && let Some(sha) = t.cover.clone() {
        upload_cover(ctx, w, id, sha).await?;
    }
    Ok(())
}

/// A write to a playlist that must succeed (else the phase fails, resumable).
async fn write_one(
    ctx: &mut PhaseCtx<'_>,
    w: &Writer,
    req: &WriteRequest,
    id: &str,
    scope: &str,
    n: u64,
) -> Result<(), Stop> {
    match send(ctx, req, scope).await? {
        Ok(_) => {
            let counts = Counts {
                updated: n.max(1),
                ..Counts::default()
            };
            journal(ctx, w, req, done(id, vec![id.to_string()], counts)).await
        }
        Err(e) => Err(Stop::PhaseFailed(format!("{}: {e}", req.template))),
    }
}

/// Upload the archived cover `sha` (re-encoded smaller when its base64 is over 256 KB).
async fn upload_cover(
    ctx: &mut PhaseCtx<'_>,
    w: &Writer,
    id: &str,
    sha: String,
) -> Result<(), Stop> {
    ctx.boundary().await?;
    let source = sha.clone();
    let bytes = ctx.read(move |q| q.cover_image(&sha)).await?;
    let Some(bytes) = bytes else {
        tracing::warn!("playlist {id}: its archived cover is missing; not uploaded");
        return Ok(());
    };
    let Some(b64) = crate::restore::cover::fit(&bytes, MAX_COVER_BASE64) else {
        tracing::warn!("playlist {id}: its cover cannot be made small enough to upload");
        return Ok(());
    };
    let uploaded = super::covers::sha256_hex(&b64);
    let req = WriteRequest::cover(id, base64::engine::general_purpose::STANDARD.encode(b64));
    match send(ctx, &req, "ugc-image-upload").await? {
        Ok(_) => {
            let (restore, target) = (w.restore, id.to_string());
            ctx.commit(move |tx, batch, cp| {
                // A re-encoded cover stands for the archived one.
                tx.record_cover_upload(&uploaded, &source)?;
                tx.record_restore_write(&WriteRecord {
                    restore_id: restore,
                    run: Some(batch.run.get()),
                    at: &batch.at,
                    request: "PUT /playlists/{id}/images",
                    target: &target,
                    ids: &serde_json::json!([target]).to_string(),
                    items: 1,
                    outcome: "done",
                })?;
                cp.items_processed += 1;
                Ok(Stored::counts(Counts::default()))
            })
            .await
        }
        Err(e) => Err(Stop::PhaseFailed(format!("{}: {e}", req.template))),
    }
}
