//! Albums and artists: details for every one never enriched, most valuable first (see
//! [`crate::store::library::value`]), in batches (`/albums?ids=`, `/artists?ids=`) where the app
//! may use them, else one request each.

use std::collections::{HashSet, VecDeque};

use crate::domain::{Capability, CapabilityValue, Checkpoint, EnrichError, Phase};
use crate::spotify::model::{Album, Artist};
use crate::spotify::{ApiError, Endpoint};
use crate::store::Sql;
use crate::store::library::{Counts, EnrichTable};
use crate::sync::engine::{BatchCtx, Engine, ReqError, Written};
use crate::sync::outcome::Stop;

const ALBUM_BATCH: usize = 20;
const ARTIST_BATCH: usize = 50;

struct Kind {
    phase: Phase,
    cap: Capability,
    batch: usize,
    /// The key of the list in a batch answer.
    key: &'static str,
}

fn kind(table: EnrichTable) -> Kind {
    match table {
        EnrichTable::Albums => Kind {
            phase: Phase::Albums,
            cap: Capability::BatchAlbums,
            batch: ALBUM_BATCH,
            key: "albums",
        },
        EnrichTable::Artists => Kind {
            phase: Phase::Artists,
            cap: Capability::BatchArtists,
            batch: ARTIST_BATCH,
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
) -> impl FnOnce(Sql<'_>, &BatchCtx, &mut Checkpoint) -> rusqlite::Result<Written> + Send + 'static
{
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
        Ok(Written::counts(counts))
    }
}

impl Engine {
    pub(crate) async fn phase_enrich(
        &mut self,
        mut cp: Checkpoint,
        table: EnrichTable,
    ) -> Result<(), Stop> {
        let Kind {
            phase,
            cap,
            batch,
            key,
        } = kind(table);
        // What is left, most valuable first: read when the phase starts and again when that
        // runs out (for albums or artists stored meanwhile), not once a batch: the order is the
        // costly query, and only when something is left to order. Each batch is still
        // committed on its own, and a resumed phase reads the order again.
        let mut queue: VecDeque<String> = VecDeque::new();
        // Every id taken off the queue: a new look at the table never asks for one again.
        let mut taken: HashSet<String> = HashSet::new();
        cp.total_items = Some(cp.items_processed);
        loop {
            self.boundary(phase).await?;
            if queue.is_empty() {
                let more: Vec<String> = self
                    .db(move |s| {
                        let q = s.sql();
                        if q.count_unenriched(table)? == 0 {
                            return Ok(Vec::new());
                        }
                        q.unenriched(table, usize::MAX)
                    })
                    .await?
                    .into_iter()
                    .filter(|id| !taken.contains(id))
                    .collect();
                if more.is_empty() {
                    break;
                }
                cp.total_items = Some(cp.total_items.unwrap_or(0) + more.len() as u64);
                queue = more.into();
            }
            let extended = self.extended();
            let front: Vec<String> = queue.iter().take(batch).cloned().collect();
            let (batch_ok, ids, looked_at) = self
                .db(move |s| {
                    let q = s.sql();
                    let batch_ok =
                        extended && q.capability(cap)? != Some(CapabilityValue::Unavailable);
                    let n = if batch_ok { batch } else { 1 };
                    let front = &front[..n.min(front.len())];
                    // One stored in full since the order was read is not asked for again.
                    let ids = q.still_unenriched(table, front)?;
                    Ok((batch_ok, ids, front.len()))
                })
                .await?;
            let Some(first) = ids.first().cloned() else {
                cp.items_processed += looked_at as u64;
                taken.extend(queue.drain(..looked_at));
                continue;
            };
            if batch_ok {
                let endpoint = match table {
                    EnrichTable::Albums => Endpoint::Albums(ids.clone()),
                    EnrichTable::Artists => Endpoint::Artists(ids.clone()),
                };
                let body: serde_json::Value = match self.request(Some(phase), endpoint).await {
                    Ok(b) => b,
                    Err(ReqError::Api(
                        ApiError::Forbidden(_) | ApiError::NotFound(_) | ApiError::Other(_),
                    )) => {
                        // Removed batch endpoint: switch to single GETs, and remember.
                        let now = chrono::Utc::now();
                        self.db(move |s| {
                            s.sql()
                                .set_capability(cap, CapabilityValue::Unavailable, now)
                        })
                        .await?;
                        continue;
                    }
                    Err(e) => return Err(e.into_stop()),
                };
                let list: Vec<serde_json::Value> = body
                    .get(key)
                    .and_then(|v| v.as_array())
                    .cloned()
                    .unwrap_or_default();
                // Those left out of the request count as processed with it.
                cp.items_processed += (looked_at - ids.len()) as u64;
                self.commit_batch(phase, &mut cp, batch_write(table, cap, ids, list))
                    .await?;
                taken.extend(queue.drain(..looked_at));
                continue;
            }
            let endpoint = match table {
                EnrichTable::Albums => Endpoint::Album(first.clone()),
                EnrichTable::Artists => Endpoint::Artist(first.clone()),
            };
            let answer: Result<serde_json::Value, ApiError> = match self
                .request(Some(phase), endpoint)
                .await
            {
                Ok(v) => Ok(v),
                Err(ReqError::Api(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_)))) => Err(e),
                Err(e) => return Err(e.into_stop()),
            };
            let detected = self
                .commit_batch(phase, &mut cp, move |tx, ctx, cp| {
                    let mut counts = Counts::default();
                    let mut detected = None;
                    match answer {
                        Ok(v) => {
                            detected = Some(has_extended_fields(table, &v));
                            if store_full(tx, table, v, Some(&first), &ctx.at)?.is_some() {
                                // A never-enriched row gained its details: an update.
                                counts.updated += 1;
                            } else {
                                tx.mark_unenrichable(
                                    table,
                                    &first,
                                    EnrichError::Unreadable,
                                    &ctx.at,
                                )?;
                            }
                        }
                        Err(ApiError::Forbidden(_)) => {
                            tx.mark_unenrichable(table, &first, EnrichError::Forbidden, &ctx.at)?;
                        }
                        Err(_) => {
                            tx.mark_unenrichable(table, &first, EnrichError::NotFound, &ctx.at)?;
                        }
                    }
                    cp.items_processed += 1;
                    Ok(Written {
                        counts,
                        done: false,
                        value: detected,
                    })
                })
                .await?;
            taken.extend(queue.drain(..looked_at));
            if detected == Some(true) && !self.extended() {
                self.detect_extended(true).await?;
            }
        }
        self.complete_phase(phase, &mut cp).await
    }
}
