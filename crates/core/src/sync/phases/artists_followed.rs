//! Followed artists (`/me/following?type=artist`, needs `user-follow-read`): a cursor walk
//! (`after` = the last artist of the previous page, kept in the checkpoint), every run, since
//! follows carry no date to stop at. Each page carries full artist objects, stored as enriched
//! (harvest). The walk's end marks every artist not seen as unfollowed.

use super::{PhaseCtx, list_mirrored, scope_refusal};
use crate::domain::{PAGE, Phase, mirrored_key};
use crate::spotify::Endpoint;
use crate::spotify::model::{Artist, Following};
use crate::store::library::Counts;
use crate::sync::link::{ReqError, Stored};
use crate::sync::outcome::Stop;

const PHASE: Phase = Phase::ArtistsFollowed;
const SCOPE: &str = "user-follow-read";

/// Walk the follows from the checkpoint's cursor to the end.
pub(super) async fn run(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    let cp = &ctx.cp;
    if cp.total_items.is_some_and(|t| cp.items_processed >= t) && cp.after.is_none() {
        // Resumed after its last page was committed.
        return Ok(());
    }
    let mirrored = list_mirrored(ctx, PHASE).await?;
    while !page(ctx, mirrored).await? {}
    Ok(())
}

/// One page of follows after the checkpoint's cursor, committed; `true` when it was the last.
async fn page(ctx: &mut PhaseCtx<'_>, mirrored: bool) -> Result<bool, Stop> {
    ctx.boundary().await?;
    let endpoint = Endpoint::FollowedArtists {
        after: ctx.cp.after.clone(),
        limit: PAGE,
    };
    let page: Following = match ctx.request(endpoint).await {
        Ok(p) => p,
        Err(ReqError::Api(e)) => {
            return Err(
                scope_refusal(&e, Some(SCOPE)).unwrap_or_else(|| Stop::PhaseFailed(e.to_string()))
            );
        }
        Err(ReqError::Stop(s)) => return Err(s),
    };
    let page = page.artists;
    let artists: Vec<Option<Artist>> = page
        .items
        .iter()
        .map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    let n = page.items.len() as u64;
    let after = page.cursors.and_then(|c| c.after);
    if after.is_some() && after == ctx.cp.after {
        return Err(Stop::PhaseFailed(
            "GET /me/following: the cursor did not move; the follows were not all read".into(),
        ));
    }
    // The walk is over without a next cursor. An empty page with one ends it too, but then
    // nothing is marked unfollowed: the list was not seen to its end.
    let last = n == 0 || after.is_none();
    let complete = after.is_none();
    ctx.commit(move |tx, batch, cp| {
        let mut counts = Counts::default();
        let j = batch.list_journal(mirrored);
        for a in artists.iter().flatten() {
            if !tx.upsert_artist_full(a, &batch.at)? {
                continue;
            }
            if let Some(id) = a.id.as_deref() {
                counts.record(tx.upsert_followed(id, batch.run, j)?);
            }
        }
        cp.items_processed += n;
        if complete {
            counts.removed = tx.mark_unfollowed(batch.run, &batch.at, j)?;
            tx.set_account(&mirrored_key(PHASE), Some(&batch.at), batch.now)?;
        }
        if last {
            cp.after = None;
            cp.total_items = Some(cp.items_processed);
        } else {
            cp.after = after;
        }
        Ok(Stored {
            counts,
            done: last,
            value: last,
        })
    })
    .await
}
