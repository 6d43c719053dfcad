//! What each phase would send: walks, probes, resumed and incremental runs, enrichment.

use super::*;

#[test]
fn pages_of_a_walk() {
    // (offset, total, pages): an empty list still costs its first page.
    let table = [
        (0, 0, 1),
        (0, 1, 1),
        (0, 50, 1),
        (0, 51, 2),
        (0, 10_000, 200),
        (100, 10_000, 198),
        (9_950, 10_000, 1),
        (10_000, 10_000, 0),
        (10_050, 10_000, 0),
    ];
    for (offset, total, pages) in table {
        assert_eq!(
            compute::pages_from(offset, total),
            pages,
            "{offset} of {total}"
        );
    }
    // A playlist's items: none for an empty one, and what is staged is not asked again.
    let table = [
        (0, 0, 0),
        (1, 0, 1),
        (50, 0, 1),
        (101, 0, 3),
        (101, 50, 2),
        (101, 101, 0),
    ];
    for (total, staged, pages) in table {
        assert_eq!(
            compute::item_pages(total, staged),
            pages,
            "{staged} of {total}"
        );
    }
}

#[test]
fn a_fresh_database_knows_no_totals_until_a_probe() {
    let s = snapshot(&[Phase::Tracks, Phase::Playlists, Phase::Albums, Phase::Plays]);
    let plan = compute(&s, &Request::default());
    assert_eq!(plan.run.kind, RunKind::Full);
    assert!(plan.needs_probe());
    assert_eq!(
        plan.unknown,
        vec![Phase::Tracks, Phase::Playlists, Phase::Albums]
    );
    // GET /me, one page of playlists, the tracks' first page.
    assert_eq!(plan.probe_cost, 3);
    assert_eq!(phase(&plan, Phase::Tracks).basis, Basis::Unknown);
    assert!(!plan.total.exact);
    assert_eq!(phase(&plan, Phase::Plays).requests, 1);
    assert_eq!(phase(&plan, Phase::Plays).class, RequestClass::History);
    assert!(!phase(&plan, Phase::Plays).bulk);
}

#[test]
fn a_probed_first_mirror_is_exact_for_every_list() {
    let mut s = snapshot(&Phase::ALL);
    s.probe = Some(probe(
        10_000,
        vec![
            playlist("own1", Some(120), true),
            playlist("own2", Some(0), true),
            playlist("own3", Some(50), true),
            playlist("followed", Some(5_000), false),
            playlist("nocount", None, true),
        ],
    ));
    // Episodes and audiobooks: refused and failed.
    let p = s.probe.as_mut().unwrap();
    p.lists.insert(
        Phase::Episodes,
        ProbedList::Refused {
            reason: "insufficient client scope".into(),
        },
    );
    p.lists.insert(
        Phase::Audiobooks,
        ProbedList::Failed {
            reason: "500".into(),
        },
    );
    let plan = compute(&s, &Request::default());
    assert_eq!(
        figures(&plan)[..8],
        [
            (Phase::Tracks, 200, Basis::Probe),
            // GET /me, one page of the list, 3 + 0 + 1 pages of items, one for the playlist
            // without a count.
            (Phase::Playlists, 1 + 1 + 4 + 1, Basis::Unknown),
            (Phase::AlbumsSaved, 3, Basis::Probe),
            (Phase::ArtistsFollowed, 1, Basis::Probe),
            (Phase::Shows, 1, Basis::Probe),
            (Phase::Episodes, 1, Basis::Probe),
            (Phase::Audiobooks, 1, Basis::Unknown),
            // 1 + 1 + 1 + 2 + 2 + 3 pages.
            (Phase::Top, 10, Basis::Probe),
        ]
    );
    assert_eq!(phase(&plan, Phase::Tracks).items, Some(10_000));
    assert_eq!(phase(&plan, Phase::Playlists).items, None);
    // Every list phase of a full run is bulk work.
    assert!(
        plan.phases[..8]
            .iter()
            .all(|p| p.bulk && p.class == RequestClass::Mirror)
    );
    // Enrichment: estimated from the sample, one request each in Development Mode.
    let albums = phase(&plan, Phase::Albums);
    assert_eq!(albums.basis, Basis::Unknown, "a playlist without a count");
    let mut s2 = s.clone();
    s2.probe
        .as_mut()
        .unwrap()
        .playlists
        .as_mut()
        .unwrap()
        .playlists
        .pop();
    let plan = compute(&s2, &Request::default());
    let albums = phase(&plan, Phase::Albums);
    assert_eq!(albums.basis, Basis::Sample);
    assert!(!albums.exact);
    // 10,170 tracks to read: 20 × (10,170/50)^0.8.
    let want = heaps(50, 20, 10_170, false, ALBUMS_GROWTH);
    assert_eq!(albums.items, Some(want));
    assert_eq!(albums.requests, want);
    assert!((1_200..1_500).contains(&want), "{want}");
    assert_eq!(albums.class, RequestClass::Enrich);
    assert!(albums.note.as_deref().unwrap().contains("estimated"));
}

#[test]
fn a_first_mirror_with_a_known_user_skips_nothing_of_a_full_run() {
    // A new full run asks GET /me even when the id is stored.
    let mut s = snapshot(&[Phase::Playlists]);
    s.me_known = true;
    s.probe = Some(probe(0, vec![playlist("a", Some(10), true)]));
    let plan = compute(&s, &Request::default());
    assert_eq!(figures(&plan), [(Phase::Playlists, 3, Basis::Probe)]);
    // An incremental one does not.
    s.full_mirror = true;
    let plan = compute(&s, &Request::default());
    assert_eq!(plan.run.kind, RunKind::Incremental);
    assert_eq!(figures(&plan), [(Phase::Playlists, 2, Basis::Probe)]);
    assert!(!phase(&plan, Phase::Playlists).bulk);
}

fn record(run: i64, status: PhaseStatus, cp: Checkpoint) -> PhaseRecord {
    PhaseRecord {
        run_id: Some(run),
        status,
        checkpoint: cp,
        last_error: None,
    }
}

fn stored(id: &str, pending: bool, total: u64, staged: u64) -> StoredPlaylist {
    StoredPlaylist {
        id: id.into(),
        pending,
        synced: !pending,
        total: Some(total),
        items_snapshot_id: None,
        staged,
    }
}

#[test]
fn a_resumed_run_continues_from_its_checkpoints() {
    let phases = [
        Phase::Tracks,
        Phase::Playlists,
        Phase::AlbumsSaved,
        Phase::ArtistsFollowed,
        Phase::Top,
    ];
    let mut s = snapshot(&phases);
    s.me_known = true;
    s.unfinished = Some(UnfinishedRun {
        id: 7,
        kind: RunKind::Full,
        status: RunStatus::Paused,
        started_at: s.now,
        phases: phases.to_vec(),
        done: Vec::new(),
    });
    s.phases.insert(
        Phase::Tracks,
        record(
            7,
            PhaseStatus::Success,
            Checkpoint {
                current_offset: 1_000,
                total_items: Some(1_000),
                items_processed: 1_000,
                ..Checkpoint::default()
            },
        ),
    );
    s.phases.insert(
        Phase::Playlists,
        record(
            7,
            PhaseStatus::RateLimited,
            Checkpoint {
                current_offset: 3,
                cursor: Some(Cursor::Items),
                ..Checkpoint::default()
            },
        ),
    );
    s.playlists = vec![
        stored("a", false, 500, 0),
        stored("b", true, 120, 50),
        stored("c", true, 0, 0),
    ];
    s.phases.insert(
        Phase::AlbumsSaved,
        record(
            7,
            PhaseStatus::Pending,
            Checkpoint {
                current_offset: 100,
                total_items: Some(230),
                items_processed: 100,
                ..Checkpoint::default()
            },
        ),
    );
    s.phases.insert(
        Phase::ArtistsFollowed,
        record(
            7,
            PhaseStatus::Pending,
            Checkpoint {
                items_processed: 50,
                after: Some("x".into()),
                ..Checkpoint::default()
            },
        ),
    );
    // Followed artists' total from the probe; the top walk is in its fourth list.
    s.probe = Some(probe(1_000, Vec::new()));
    s.phases.insert(
        Phase::Top,
        record(
            7,
            PhaseStatus::Pending,
            Checkpoint {
                current_offset: 3 * 100_000 + 50,
                ..Checkpoint::default()
            },
        ),
    );
    let plan = compute(&s, &Request::default());
    assert_eq!(
        plan.run,
        PlannedRun {
            kind: RunKind::Full,
            resumed: true,
            run_id: Some(7)
        }
    );
    assert_eq!(
        figures(&plan),
        [
            (Phase::Tracks, 0, Basis::Done),
            // Only the rest of b (70 items: 2 pages); the list is read; no GET /me.
            (Phase::Playlists, 2, Basis::Checkpoint),
            (Phase::AlbumsSaved, 3, Basis::Checkpoint),
            // 50 of 50 followed read, the cursor says more: one page to learn the end.
            (Phase::ArtistsFollowed, 1, Basis::Probe),
            // The rest of the 99-long list (one page), then 2 + 3 pages.
            (Phase::Top, 6, Basis::Probe),
        ]
    );
    // `only` and the mode do not change what is resumed; a full sync starts over.
    let plan = compute(
        &s,
        &Request {
            mode: StartMode::Auto,
            only: vec![Phase::Tracks],
        },
    );
    assert_eq!(plan.phases.len(), 5);
    let plan = compute(
        &s,
        &Request {
            mode: StartMode::Full,
            only: vec![Phase::Tracks, Phase::Playlists],
        },
    );
    assert!(!plan.run.resumed);
    // The mirror's count, 500 + 120 items of pending playlists... only the pending ones.
    assert_eq!(
        figures(&plan),
        [
            (Phase::Tracks, 20, Basis::Probe),
            (Phase::Playlists, 1 + 1 + 3, Basis::Mirror),
        ]
    );
    // A plays poll runs on its own.
    let plan = compute(
        &s,
        &Request {
            mode: StartMode::Auto,
            only: vec![Phase::Plays],
        },
    );
    assert_eq!(plan.run.kind, RunKind::Plays);
    assert_eq!(figures(&plan), [(Phase::Plays, 1, Basis::Poll)]);
}

#[test]
fn an_incremental_run_reads_first_pages() {
    let mut s = snapshot(&Phase::ALL);
    s.full_mirror = true;
    s.me_known = true;
    s.mirrored.insert(Phase::Tracks, vec![10_000]);
    s.mirrored.insert(Phase::AlbumsSaved, vec![300]);
    s.mirrored.insert(Phase::ArtistsFollowed, vec![120]);
    s.mirrored.insert(Phase::Shows, vec![3]);
    s.mirrored.insert(Phase::Episodes, vec![0]);
    s.mirrored.insert(Phase::Audiobooks, vec![0]);
    s.mirrored.insert(Phase::Top, vec![50; 6]);
    s.top_today = true;
    s.playlists = (0..60)
        .map(|i| stored(&format!("p{i}"), false, 10, 0))
        .collect();
    s.unenriched_albums = 45;
    s.unenriched_artists = 3;
    s.catalog = CatalogCounts {
        tracks: 10_000,
        albums: 4_000,
        artists: 2_000,
    };
    let plan = compute(&s, &Request::default());
    assert_eq!(plan.run.kind, RunKind::Incremental);
    assert_eq!(
        figures(&plan),
        [
            (Phase::Tracks, 1, Basis::Incremental),
            (Phase::Playlists, 2, Basis::Incremental),
            (Phase::AlbumsSaved, 1, Basis::Incremental),
            (Phase::ArtistsFollowed, 3, Basis::Mirror),
            (Phase::Shows, 1, Basis::Incremental),
            (Phase::Episodes, 1, Basis::Incremental),
            (Phase::Audiobooks, 1, Basis::Incremental),
            (Phase::Top, 0, Basis::Database),
            (Phase::Albums, 45, Basis::Database),
            // The albums' track lists may credit artists not known yet: a floor.
            (Phase::Artists, 3, Basis::Sample),
            (Phase::Plays, 1, Basis::Poll),
        ]
    );
    // Only enrichment is bulk work in an incremental run.
    let bulk: Vec<Phase> = plan
        .phases
        .iter()
        .filter(|p| p.bulk)
        .map(|p| p.phase)
        .collect();
    assert_eq!(bulk, [Phase::Albums, Phase::Artists]);
    assert_eq!(plan.total.bulk_requests, 48);
    assert!(phase(&plan, Phase::Albums).exact);
    // A full sync of the same mirror walks every list; enrichment is still exact.
    let plan = compute(
        &s,
        &Request {
            mode: StartMode::Full,
            only: Vec::new(),
        },
    );
    assert_eq!(phase(&plan, Phase::Tracks).requests, 200);
    assert_eq!(phase(&plan, Phase::Tracks).basis, Basis::Mirror);
    assert_eq!(phase(&plan, Phase::Playlists).requests, 1 + 2);
    assert_eq!(phase(&plan, Phase::Top).requests, 6);
    assert_eq!(phase(&plan, Phase::Albums).requests, 45);
    assert_eq!(phase(&plan, Phase::Albums).basis, Basis::Database);
}

#[test]
fn enrichment_is_one_request_each_or_batched_or_left_out() {
    let mut s = snapshot(&[Phase::Albums, Phase::Artists]);
    s.unenriched_albums = 2_140;
    s.unenriched_artists = 101;
    let plan = compute(&s, &Request::default());
    assert_eq!(
        figures(&plan),
        [
            (Phase::Albums, 2_140, Basis::Database),
            (Phase::Artists, 101, Basis::Sample),
        ]
    );
    // Extended Quota: 20 albums or 50 artists a request.
    s.extended = Some(true);
    let plan = compute(&s, &Request::default());
    assert_eq!(
        figures(&plan),
        [
            (Phase::Albums, 107, Basis::Database),
            (Phase::Artists, 3, Basis::Sample),
        ]
    );
    // ... unless the batch endpoint is known to be gone.
    s.batch_albums_gone = true;
    let plan = compute(&s, &Request::default());
    assert_eq!(phase(&plan, Phase::Albums).requests, 2_140);
    assert_eq!(phase(&plan, Phase::Artists).requests, 3);
    // `enrich = ["artists"]` leaves albums out of a plain sync ...
    s.config.enrich = vec![EnrichTarget::Artists];
    let plan = compute(&s, &Request::default());
    assert!(
        plan.phases.iter().all(|p| p.phase != Phase::Albums),
        "{plan:#?}"
    );
    assert_eq!(phase(&plan, Phase::Artists).requests, 3);
    // ... but `--only albums` runs it, as the engine does.
    let only = Request {
        only: vec![Phase::Albums],
        ..Request::default()
    };
    assert_eq!(phase(&compute(&s, &only), Phase::Albums).requests, 2_140);
}

#[test]
fn a_list_refused_for_a_scope_costs_its_first_request() {
    let mut s = snapshot(&[Phase::Top]);
    s.phases.insert(
        Phase::Top,
        PhaseRecord {
            run_id: Some(3),
            status: PhaseStatus::Skipped,
            checkpoint: Checkpoint::default(),
            last_error: Some("the token lacks the user-top-read scope".into()),
        },
    );
    let plan = compute(&s, &Request::default());
    let top = phase(&plan, Phase::Top);
    assert_eq!((top.requests, top.exact), (1, true));
    assert!(top.note.as_deref().unwrap().contains("user-top-read"));
}
