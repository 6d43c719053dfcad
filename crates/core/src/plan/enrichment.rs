//! Enrichment's figures: albums' and artists' details (one request each, or batched, plus an
//! estimate of those the list walks still bring), the rest of the albums longer than a page
//! (part of the albums phase), the `history` enrichment (tracks only an imported data export
//! knows), and what the enrichment the config leaves out would cost if asked.

use super::estimate::{growth_sample, heaps};
use super::figure::{Ctx, Figure};
use super::*;

/// The albums phase's second step: pages of albums' track lists past the first (which comes
/// with the album's details). Exact for lists partly stored; for albums not enriched yet, from
/// the `total_tracks` their tracks carried.
pub(super) fn album_tracks(c: &Ctx<'_>) -> Option<Figure> {
    let p = c.s.album_track_pages;
    if p.pages + p.unenriched_pages == 0 {
        return None;
    }
    let mut f = Figure::new(p.pages + p.unenriched_pages, None, Basis::Database);
    if p.pages > 0 {
        f = f.note(format!(
            "{} to complete the track lists of {} album(s) longer than {PAGE} tracks",
            requests(p.pages),
            group(p.albums)
        ));
    }
    if p.unenriched_pages > 0 {
        f = f.note(format!(
            "{} for the rest of the tracks of {} album(s) not enriched yet",
            requests(p.unenriched_pages),
            group(p.unenriched_albums)
        ));
    }
    Some(f)
}

/// The artists' figure when the albums phase runs before it with albums to fetch: their track
/// lists may credit artists the database does not know yet (featured artists, the artists of a
/// compilation), so the figure is a floor until they are fetched.
pub(super) fn featured_artists_to_come(f: Figure, albums_first: bool) -> Figure {
    if !albums_first {
        return f;
    }
    Figure {
        basis: f.basis.max(Basis::Sample),
        ..f
    }
    .note("plus the artists the track lists of the albums fetched before it credit (known once they are)")
}

/// The `history` enrichment: one request per track only an imported data export knows (or one
/// per [`TRACK_BATCH`] where the app has `GET /tracks?ids=`), most-played first.
pub(super) fn history(c: &Ctx<'_>) -> Figure {
    let n = c.s.unenriched_tracks;
    let batched = c.extended() && !c.s.batch_tracks_gone;
    let requests = if batched {
        n.div_ceil(u64::from(TRACK_BATCH))
    } else {
        n
    };
    let f = Figure::new(requests, Some(n), Basis::Database).note(format!(
        "{} track(s) only the imported data export knows, most-played first",
        group(n)
    ));
    if batched {
        f.note(format!("{TRACK_BATCH} per request (batch endpoint)"))
    } else {
        f.note("one request each (Development Mode)")
    }
}

/// Albums or artists never enriched, plus (estimated) those the list walks before it bring.
pub(super) fn enrich(c: &Ctx<'_>, phase: Phase, incoming: Option<u64>) -> Figure {
    let (stored, batch, gone, what) = match phase {
        Phase::Albums => (
            c.s.unenriched_albums,
            u64::from(ALBUM_BATCH),
            c.s.batch_albums_gone,
            "albums",
        ),
        _ => (
            c.s.unenriched_artists,
            u64::from(ARTIST_BATCH),
            c.s.batch_artists_gone,
            "artists",
        ),
    };
    // A phase `enrich` leaves out is not planned at all unless named with `--only` (then it
    // runs, as in the engine).
    let batched = c.extended() && !gone;
    let per_request = |n: u64| if batched { n.div_ceil(batch) } else { n };
    let Some(incoming) = incoming else {
        return Figure::new(per_request(stored), None, Basis::Unknown).note(format!(
            "{} never enriched, plus those of tracks not counted yet",
            group(stored)
        ));
    };
    let (sample, in_db, source) = growth_sample(c.s);
    let extra = if phase == Phase::Albums {
        heaps(sample.tracks, sample.albums, incoming, in_db, ALBUMS_GROWTH)
    } else {
        heaps(
            sample.tracks,
            sample.artists,
            incoming,
            in_db,
            ARTISTS_GROWTH,
        )
    };
    let n = stored + extra;
    let requests = per_request(n);
    let mut f = if incoming > 0 {
        Figure::new(requests, Some(n), Basis::Sample).note(format!(
            "estimated: {} never enriched + ~{} from {} tracks still to read ({source}; \
             harvested ones are not asked for); exact once tracks and playlists are mirrored",
            group(stored),
            group(extra),
            group(incoming)
        ))
    } else {
        Figure::new(requests, Some(n), Basis::Database).note(format!("{what} never enriched"))
    };
    if batched {
        f = f.note(format!("{batch} per request (batch endpoint)"));
    } else {
        f = f.note("one request each (Development Mode)");
    }
    f
}

/// What to call a left-out enrichment target in the config.
fn target(phase: Phase) -> &'static str {
    match phase {
        Phase::Albums => "albums",
        Phase::Artists => "artists",
        _ => "history",
    }
}

/// The enrichment phases the config's `enrich` leaves out of this sync that have work, each
/// with what it would cost (its ETA as if it ran alone after this sync's `bulk` requests).
pub(super) fn left_out(
    c: &Ctx<'_>,
    phases: &[Phase],
    bulk: u64,
    eta: impl Fn(u64) -> u64,
) -> Vec<PhasePlan> {
    [Phase::Albums, Phase::Artists, Phase::History]
        .into_iter()
        .filter(|p| !phases.contains(p) && c.s.config.enrich_disabled(*p))
        .filter_map(|phase| {
            let f = match phase {
                Phase::History => history(c),
                Phase::Albums => {
                    let details = enrich(c, phase, Some(0));
                    match album_tracks(c) {
                        Some(t) => details.plus(t),
                        None => details,
                    }
                }
                _ => enrich(c, phase, Some(0)),
            };
            (f.requests > 0).then(|| {
                let f = f.note(format!(
                    "left out by `enrich`: add \"{}\" to [sync] enrich to run it",
                    target(phase)
                ));
                PhasePlan {
                    phase,
                    class: RequestClass::Enrich,
                    requests: f.requests,
                    items: f.items,
                    exact: f.basis.exact(),
                    basis: Basis::Disabled,
                    note: Some(f.notes.join("; ")),
                    bulk: true,
                    eta_secs: eta(bulk + f.requests),
                }
            })
        })
        .collect()
}
