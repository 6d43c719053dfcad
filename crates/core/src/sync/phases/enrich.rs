//! Albums and artists: details for every one never enriched, most valuable first (see
//! [`crate::store::library::value`]), in batches (`/albums?ids=`, `/artists?ids=`) where the app
//! may use them, else one request each.

use std::collections::{HashSet, VecDeque};

use super::PhaseCtx;
use crate::domain::{
    ALBUM_BATCH, ARTIST_BATCH, Capability, CapabilityValue, Checkpoint, EnrichError,
};
use crate::spotify::model::{Album, Artist};
use crate::spotify::{ApiError, Endpoint};
use crate::store::Sql;
use crate::store::library::{Counts, EnrichTable};
use crate::sync::link::{BatchCtx, ReqError, Stored};
use crate::sync::outcome::Stop;

struct Kind {
    cap: Capability,
    batch: usize,
    /// The key of the list in a batch answer.
    key: &'static str,
}

fn kind(table: EnrichTable) -> Kind {
    match table {
        EnrichTable::Albums => Kind {
            cap: Capability::BatchAlbums,
            batch: ALBUM_BATCH as usize,
            key: "albums",
        },
        EnrichTable::Artists => Kind {
            cap: Capability::BatchArtists,
            batch: ARTIST_BATCH as usize,
            key: "artists",
        },
    }
}

/// Store one full object; its id when it was stored. `force_id` names it when the answer does
/// not (a single GET is about a known id).
fn store_full(
    tx: Sql<'_>,
    table: EnrichTable,
    v: serde_json::Value,
    force_id: Option<&str>,
    at: &str,
) -> rusqlite::Result<Option<String>> {
    match table {
        EnrichTable::Albums => {
            let Ok(mut a) = serde_json::from_value::<Album>(v) else {
                return Ok(None);
            };
            if let Some(id) = force_id {
                a.id = Some(id.to_string());
            }
            Ok(tx
                .upsert_album_full(&a, at)?
                .then(|| a.id.clone())
                .flatten())
        }
        EnrichTable::Artists => {
            let Ok(mut a) = serde_json::from_value::<Artist>(v) else {
                return Ok(None);
            };
            if let Some(id) = force_id {
                a.id = Some(id.to_string());
            }
            Ok(tx
                .upsert_artist_full(&a, at)?
                .then(|| a.id.clone())
                .flatten())
        }
    }
}

/// Whether a single answer carries extended-quota fields.
fn has_extended_fields(table: EnrichTable, v: &serde_json::Value) -> bool {
    let present = |k: &str| v.get(k).is_some_and(|p| !p.is_null());
    match table {
        EnrichTable::Albums => present("popularity") || present("label"),
        EnrichTable::Artists => present("popularity") || present("followers"),
    }
}

/// The write of one batch answer: every object stored, every id asked for and not answered
/// marked as not found.
fn batch_write(
    table: EnrichTable,
    cap: Capability,
    ids: Vec<String>,
    list: Vec<serde_json::Value>,
) -> impl FnOnce(Sql<'_>, &BatchCtx, &mut Checkpoint) -> rusqlite::Result<Stored> + Send + 'static {
    move |tx, ctx, cp| {
        tx.set_capability(cap, CapabilityValue::Available, ctx.now)?;
        let mut seen = HashSet::new();
        let mut counts = Counts::default();
        for v in list.into_iter().filter(|v| !v.is_null()) {
            // Only never-enriched rows are asked for: storing their details fills fields, so
            // each one is an update.
            if let Some(id) = store_full(tx, table, v, None, &ctx.at)? {
                seen.insert(id);
                counts.updated += 1;
            }
        }
        for id in ids.iter().filter(|id| !seen.contains(*id)) {
            tx.mark_unenrichable(table, id, EnrichError::NotFound, &ctx.at)?;
        }
        cp.items_processed += ids.len() as u64;
        Ok(Stored::counts(counts))
    }
}

/// What is left to enrich, most valuable first, and every id taken off it.
#[derive(Default)]
struct Queue {
    ids: VecDeque<String>,
    /// A new look at the table never asks for one of these again.
    taken: HashSet<String>,
}

impl Queue {
    /// The first `n` are done with.
    fn take(&mut self, n: usize) {
        self.taken.extend(self.ids.drain(..n.min(self.ids.len())));
    }
}

/// The front of the queue as it stands in the database now.
struct Front {
    /// The batch endpoint may be used.
    batch_ok: bool,
    /// Those still never enriched, to ask for.
    ids: Vec<String>,
    /// How many of the queue's front were looked at.
    looked_at: usize,
}

/// Enrich every album (or artist) never enriched, in batches where the app may use them.
pub(super) async fn run(ctx: &mut PhaseCtx<'_>, table: EnrichTable) -> Result<(), Stop> {
    let kind = kind(table);
    let mut queue = Queue::default();
    ctx.cp.total_items = Some(ctx.cp.items_processed);
    loop {
        ctx.boundary().await?;
        if queue.ids.is_empty() && !refill(ctx, table, &mut queue).await? {
            break;
        }
        let front = front(ctx, table, &kind, &queue).await?;
        let looked_at = front.looked_at;
        let Some(first) = front.ids.first().cloned() else {
            ctx.cp.items_processed += looked_at as u64;
            queue.take(looked_at);
            continue;
        };
        if front.batch_ok {
            if enrich_batch(ctx, table, &kind, front).await? {
                queue.take(looked_at);
            }
            continue;
        }
        let detected = enrich_one(ctx, table, first).await?;
        queue.take(looked_at);
        if detected == Some(true) && !ctx.extended() {
            ctx.learned_extended(true).await?;
        }
    }
    ctx.complete().await
}

/// Read what is left, most valuable first: when the phase starts and again when that runs out
/// (for albums or artists stored meanwhile), not once a batch: the order is the costly query,
/// and only when something is left to order. Each batch is still committed on its own, and a
/// resumed phase reads the order again. `false` when nothing is left.
async fn refill(
    ctx: &mut PhaseCtx<'_>,
    table: EnrichTable,
    queue: &mut Queue,
) -> Result<bool, Stop> {
    let more: Vec<String> = ctx
        .read(move |q| {
            if q.count_unenriched(table)? == 0 {
                return Ok(Vec::new());
            }
            q.unenriched(table, usize::MAX)
        })
        .await?
        .into_iter()
        .filter(|id| !queue.taken.contains(id))
        .collect();
    if more.is_empty() {
        return Ok(false);
    }
    ctx.cp.total_items = Some(ctx.cp.total_items.unwrap_or(0) + more.len() as u64);
    queue.ids = more.into();
    Ok(true)
}

/// The next request's ids: a batch where the app may use the batch endpoint, else one; those
/// stored in full since the order was read are not asked for again.
async fn front(
    ctx: &PhaseCtx<'_>,
    table: EnrichTable,
    kind: &Kind,
    queue: &Queue,
) -> Result<Front, Stop> {
    let extended = ctx.extended();
    let (cap, batch) = (kind.cap, kind.batch);
    let front: Vec<String> = queue.ids.iter().take(batch).cloned().collect();
    ctx.read(move |q| {
        let batch_ok = extended && q.capability(cap)? != Some(CapabilityValue::Unavailable);
        let n = if batch_ok { batch } else { 1 };
        let front = &front[..n.min(front.len())];
        Ok(Front {
            batch_ok,
            ids: q.still_unenriched(table, front)?,
            looked_at: front.len(),
        })
    })
    .await
}

/// One batch request and its commit; `false` when the batch endpoint turned out removed (then
/// the app switches to single requests, and remembers).
async fn enrich_batch(
    ctx: &mut PhaseCtx<'_>,
    table: EnrichTable,
    kind: &Kind,
    front: Front,
) -> Result<bool, Stop> {
    let Front { ids, looked_at, .. } = front;
    let endpoint = match table {
        EnrichTable::Albums => Endpoint::Albums(ids.clone()),
        EnrichTable::Artists => Endpoint::Artists(ids.clone()),
    };
    let cap = kind.cap;
    let body: serde_json::Value = match ctx.request(endpoint).await {
        Ok(b) => b,
        Err(ReqError::Api(ApiError::Forbidden(_) | ApiError::NotFound(_) | ApiError::Other(_))) => {
            let now = chrono::Utc::now();
            ctx.write(move |tx| tx.set_capability(cap, CapabilityValue::Unavailable, now))
                .await?;
            return Ok(false);
        }
        Err(e) => return Err(e.into_stop()),
    };
    let list: Vec<serde_json::Value> = body
        .get(kind.key)
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    // Those left out of the request count as processed with it.
    ctx.cp.items_processed += (looked_at - ids.len()) as u64;
    ctx.commit(batch_write(table, cap, ids, list)).await?;
    Ok(true)
}

/// One single request and its commit; whether the answer carried Extended Quota fields.
async fn enrich_one(
    ctx: &mut PhaseCtx<'_>,
    table: EnrichTable,
    id: String,
) -> Result<Option<bool>, Stop> {
    let endpoint = match table {
        EnrichTable::Albums => Endpoint::Album(id.clone()),
        EnrichTable::Artists => Endpoint::Artist(id.clone()),
    };
    let answer: Result<serde_json::Value, ApiError> = match ctx.request(endpoint).await {
        Ok(v) => Ok(v),
        Err(ReqError::Api(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_)))) => Err(e),
        Err(e) => return Err(e.into_stop()),
    };
    ctx.commit(move |tx, batch, cp| {
        let mut counts = Counts::default();
        let mut detected = None;
        match answer {
            Ok(v) => {
                detected = Some(has_extended_fields(table, &v));
                if store_full(tx, table, v, Some(&id), &batch.at)?.is_some() {
                    // A never-enriched row gained its details: an update.
                    counts.updated += 1;
                } else {
                    tx.mark_unenrichable(table, &id, EnrichError::Unreadable, &batch.at)?;
                }
            }
            Err(ApiError::Forbidden(_)) => {
                tx.mark_unenrichable(table, &id, EnrichError::Forbidden, &batch.at)?;
            }
            Err(_) => {
                tx.mark_unenrichable(table, &id, EnrichError::NotFound, &batch.at)?;
            }
        }
        cp.items_processed += 1;
        Ok(Stored {
            counts,
            done: false,
            value: detected,
        })
    })
    .await
}
