//! The enrichment beyond albums' and artists' details: the rest of long albums' track lists
//! (in the albums phase), the `history` enrichment, and what enrichment left out would cost.

use super::*;
use crate::store::library::AlbumTrackPages;

#[test]
fn the_albums_phase_counts_the_pages_of_long_albums() {
    let mut s = snapshot(&[Phase::Albums]);
    s.unenriched_albums = 40;
    s.album_track_pages = AlbumTrackPages {
        albums: 2,
        pages: 3,
        unenriched_albums: 1,
        unenriched_pages: 2,
    };
    let plan = compute(&s, &Request::default());
    let albums = phase(&plan, Phase::Albums);
    assert_eq!(albums.requests, 40 + 3 + 2);
    let note = albums.note.as_deref().unwrap();
    assert!(
        note.contains("3 requests to complete the track lists of 2 album(s)"),
        "{note}"
    );
    assert!(
        note.contains("2 requests for the rest of the tracks of 1 album(s)"),
        "{note}"
    );
    assert_eq!(plan.total.bulk_requests, 45);
}

#[test]
fn the_history_enrichment_is_left_out_unless_asked_and_its_cost_is_shown() {
    let mut s = snapshot(&[Phase::Albums, Phase::Artists, Phase::History]);
    s.unenriched_albums = 10;
    s.unenriched_tracks = 3_412;
    // Left out by default: not in the run, not in the total, but in `left_out`.
    let plan = compute(&s, &Request::default());
    assert_eq!(
        figures(&plan),
        [
            (Phase::Albums, 10, Basis::Database),
            (Phase::Artists, 0, Basis::Sample)
        ]
    );
    assert_eq!(plan.total.requests, 10);
    assert_eq!(plan.left_out.len(), 1, "{:#?}", plan.left_out);
    let h = &plan.left_out[0];
    assert_eq!(
        (h.phase, h.requests, h.items),
        (Phase::History, 3_412, Some(3_412))
    );
    assert_eq!(h.basis, Basis::Disabled);
    assert!(
        h.note
            .as_deref()
            .unwrap()
            .contains("add \"history\" to [sync] enrich")
    );
    let left_out_eta = h.eta_secs;
    assert!(left_out_eta > plan.total.eta_secs, "{h:?}");
    // Asked: one request each in Development Mode, 50 a request with the batch endpoint; done
    // when the left-out figure said it would be.
    s.config.enrich.push(EnrichTarget::History);
    let plan = compute(&s, &Request::default());
    assert_eq!(phase(&plan, Phase::History).requests, 3_412);
    assert_eq!(phase(&plan, Phase::History).eta_secs, left_out_eta);
    assert!(plan.left_out.is_empty());
    s.extended = Some(true);
    let plan = compute(&s, &Request::default());
    assert_eq!(
        phase(&plan, Phase::History).requests,
        3_412_u64.div_ceil(50)
    );
    s.batch_tracks_gone = true;
    let plan = compute(&s, &Request::default());
    assert_eq!(phase(&plan, Phase::History).requests, 3_412);
}

#[test]
fn enrichment_left_out_with_nothing_to_do_is_not_listed() {
    let mut s = snapshot(&[Phase::Tracks]);
    s.config.enrich = Vec::new();
    let plan = compute(&s, &Request::default());
    assert!(plan.left_out.is_empty(), "{:#?}", plan.left_out);
    s.unenriched_artists = 7;
    let plan = compute(&s, &Request::default());
    let listed: Vec<(Phase, u64)> = plan
        .left_out
        .iter()
        .map(|p| (p.phase, p.requests))
        .collect();
    assert_eq!(listed, [(Phase::Artists, 7)]);
    // Named with `--only`, a phase left out runs and is not listed as left out.
    let plan = compute(
        &s,
        &Request {
            mode: StartMode::Auto,
            only: vec![Phase::Artists],
        },
    );
    assert!(plan.left_out.is_empty());
    assert_eq!(phase(&plan, Phase::Artists).requests, 7);
}
