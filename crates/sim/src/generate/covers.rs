//! Custom covers for about a quarter of the playlists (the others show Spotify's mosaic), one
//! of them larger than the 256 KB an upload may be (a client putting it back must re-encode
//! it). From a generator of their own: every other part of the library is the same.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::covers::{Cover, quadrants_jpeg};
use crate::model::*;

/// How large the one oversized cover is: 300,000 bytes of comment, about 400 KB as base64.
const LARGE: usize = 300_000;

pub(super) fn gen_covers(lib: &mut Library, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC0FE_C0FE_0C0F_EC0F);
    let mut large_done = false;
    for p in &lib.playlists {
        let custom = rng.random_bool(0.25);
        let colours: [[u8; 3]; 4] = rng.random();
        if !custom || p.spotify_owned() {
            continue;
        }
        let comment = if !large_done && p.owned_by_user() {
            large_done = true;
            vec![b'.'; LARGE]
        } else {
            Vec::new()
        };
        lib.covers
            .insert(p.id, Cover::new(quadrants_jpeg(colours, 8, &comment)));
    }
}
