//! The rest of the albums longer than a page: every full album (saved, or enriched by the albums
//! phase) brings the first page of its track list at no extra request; the albums phase then
//! pages the rest through `GET /albums/{id}/tracks`, most valuable album first (see
//! [`crate::store::library::value`]), one album at a time to its end.
//!
//! A page the server refuses (403, 404), or one that contradicts the list's length (an empty
//! page before the end), ends that album's paging for good (`albums.tracks_error`): what was
//! stored of it stays, and the next runs do not ask again.

use super::PhaseCtx;
use crate::domain::{EnrichError, PAGE};
use crate::spotify::model::Page;
use crate::spotify::{ApiError, Endpoint};
use crate::store::library::Counts;
use crate::sync::link::{ReqError, Stored};
use crate::sync::outcome::Stop;

/// Page the rest of every album whose track list is not complete.
pub(super) async fn run(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    let albums = ctx.read(|q| q.albums_with_tracks_left(usize::MAX)).await?;
    if albums.is_empty() {
        return Ok(());
    }
    let pages: u64 = albums
        .iter()
        .map(|(_, next, total)| pages_left(*next, *total))
        .sum();
    ctx.cp.total_items = Some(ctx.cp.total_items.unwrap_or(0) + pages);
    tracing::info!(
        "albums: {} album(s) longer than a page, about {pages} page(s) of tracks to fetch",
        albums.len()
    );
    for (id, next, _) in albums {
        let mut offset = Some(next);
        while let Some(at) = offset {
            ctx.boundary().await?;
            offset = page(ctx, &id, at).await?;
        }
    }
    Ok(())
}

/// Pages from `next` to `total` (one when the length is unknown).
fn pages_left(next: u64, total: Option<u64>) -> u64 {
    total.map_or(1, |t| {
        t.saturating_sub(next).div_ceil(u64::from(PAGE)).max(1)
    })
}

/// One page of album `id`'s tracks at `offset`, committed; the offset of the next page.
async fn page(ctx: &mut PhaseCtx<'_>, id: &str, offset: u64) -> Result<Option<u64>, Stop> {
    let endpoint = Endpoint::AlbumTracks {
        id: id.to_string(),
        offset,
        limit: PAGE,
    };
    let answer: Result<Page, EnrichError> = match ctx.request(endpoint).await {
        Ok(p) => Ok(p),
        Err(ReqError::Api(ApiError::NotFound(_))) => Err(EnrichError::NotFound),
        Err(ReqError::Api(ApiError::Forbidden(_))) => Err(EnrichError::Forbidden),
        Err(e) => return Err(e.into_stop()),
    };
    let id = id.to_string();
    ctx.commit(move |tx, _batch, cp| {
        cp.items_processed += 1;
        let page = match answer {
            Ok(p) if !p.items.is_empty() => p,
            Ok(_) => {
                // Empty before the end the list said it had: the list cannot be completed.
                tx.album_tracks_unavailable(&id, EnrichError::Unreadable)?;
                return Ok(Stored::new(None));
            }
            Err(why) => {
                tx.album_tracks_unavailable(&id, why)?;
                return Ok(Stored::new(None));
            }
        };
        let left = tx.put_album_tracks(&id, offset, &page)?;
        Ok(Stored {
            counts: Counts::default(),
            done: false,
            value: left.next,
        })
    })
    .await
}
