//! A handful of saved albums longer than the 50 tracks an album object carries: compilations of
//! Various Artists and deluxe editions on several discs, so that a mirror has to page
//! `/albums/{id}/tracks`. Generated last, from a generator of their own: every other part of
//! the library is what the same seed gave without them; the catalogue gains their tracks at its
//! end, and they are slipped into the saved albums between two existing saves.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalogue::{AlbumShape, gen_shaped_album, skewed_artist};
use super::words::{ADJ, NOUN};
use super::{gen_name, pick};
use crate::model::*;

/// How many long albums a library of `tracks` liked songs holds: 2 to 5.
pub fn long_albums(tracks: usize) -> usize {
    (2 + tracks / 1000).min(5)
}

/// The `k`-th long album's shape: even ones compilations of 51–150 tracks on one disc, odd
/// ones deluxe editions of 51–80 tracks on two or three discs.
fn shape(rng: &mut ChaCha8Rng, k: usize) -> AlbumShape {
    if k.is_multiple_of(2) {
        AlbumShape {
            album_type: AlbumType::Compilation,
            n_tracks: rng.random_range(51..=150),
            discs: Some(1),
            name: Some(format!(
                "{} {}: The Collection",
                pick(rng, ADJ),
                pick(rng, NOUN)
            )),
        }
    } else {
        AlbumShape {
            album_type: AlbumType::Album,
            n_tracks: rng.random_range(51..=80),
            discs: Some(rng.random_range(2..=3)),
            name: Some(format!("{} (Deluxe Edition)", gen_name(rng))),
        }
    }
}

/// Save `album` between two existing saves (or after the oldest), keeping the list newest
/// first with distinct times.
fn slip_in(list: &mut Vec<SavedItem>, rng: &mut ChaCha8Rng, album: u32) {
    let at = rng.random_range(1..=list.len().max(1));
    let added_at = match (list.get(at - 1), list.get(at)) {
        (Some(newer), Some(older)) => older.added_at + (newer.added_at - older.added_at) / 2,
        (Some(newer), None) => newer.added_at - rng.random_range(60..=86_400),
        _ => super::ANCHOR_SECS - 3_600,
    };
    let at = at.min(list.len());
    list.insert(
        at,
        SavedItem {
            item: album,
            added_at,
        },
    );
}

/// Add the long albums to the catalogue and the saved albums.
pub(super) fn gen_long_albums(lib: &mut Library, seed: u64, tracks: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0D15_C5A1_B0C5_E7A1);
    let rng = &mut rng;
    for k in 0..long_albums(tracks) {
        let primary = skewed_artist(rng, lib.artists.len());
        let shape = shape(rng, k);
        let album = gen_shaped_album(lib, rng, primary, shape);
        slip_in(&mut lib.saved_albums, rng, album);
    }
    lib.rebuild_indexes();
}
