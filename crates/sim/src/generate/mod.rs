//! Deterministic library generation: the same seed and sizes give the same library.
//! The words names are made of live in `words`, artists, albums and podcasts in `catalogue`,
//! the playlists in `playlists`, the other lists of the library in `collections`, the saved
//! albums longer than one page of tracks in `long_albums`.

mod catalogue;
mod collections;
mod covers;
mod long_albums;
mod playlists;
mod words;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::*;
pub(crate) use catalogue::{gen_album, skewed_artist};
use catalogue::{gen_albums_until_saved, gen_artists, gen_podcasts};
pub use collections::CollectionSizes;
pub use long_albums::long_albums;
use playlists::gen_playlist;
use words::{ADJ, EMOJI, FIRST, NOUN, UNICODE_NAMES};

/// Newest saved track / play of a generated library: 2026-11-20T12:00:00Z.
pub const ANCHOR_SECS: i64 = 1_795_176_000;

/// Sizes of a library to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenParams {
    pub seed: u64,
    pub tracks: usize,
    pub playlists: usize,
}

pub(super) fn pick<'a, T: ?Sized>(rng: &mut ChaCha8Rng, xs: &'a [&'a T]) -> &'a T {
    xs[rng.random_range(0..xs.len())]
}

/// A title-ish name: mostly plain, sometimes unicode, emoji or very long.
pub(crate) fn gen_name(rng: &mut ChaCha8Rng) -> String {
    let r: f64 = rng.random();
    if r < 0.04 {
        pick(rng, UNICODE_NAMES).to_string()
    } else if r < 0.07 {
        format!(
            "{} {} {}",
            pick(rng, ADJ),
            pick(rng, NOUN),
            pick(rng, EMOJI)
        )
    } else if r < 0.075 {
        // Very long names exist (classical works, remix lists).
        let mut s = String::new();
        while s.len() < 260 {
            s.push_str(pick(rng, ADJ));
            s.push(' ');
            s.push_str(pick(rng, NOUN));
            s.push_str(" - ");
        }
        s.push_str("(Extended Remastered Live Version)");
        s
    } else if r < 0.5 {
        format!("{} {}", pick(rng, ADJ), pick(rng, NOUN))
    } else if r < 0.8 {
        format!("The {} {}", pick(rng, NOUN), pick(rng, NOUN))
    } else {
        pick(rng, NOUN).to_string()
    }
}

pub(crate) fn gen_artist_name(rng: &mut ChaCha8Rng, i: usize) -> String {
    let r: f64 = rng.random();
    if r < 0.06 {
        format!("{} {}", pick(rng, UNICODE_NAMES), i)
    } else if r < 0.4 {
        format!("{} {} {}", pick(rng, FIRST), pick(rng, NOUN), i)
    } else {
        format!("The {} {}s {}", pick(rng, ADJ), pick(rng, NOUN), i)
    }
}

pub(crate) fn snapshot(rng: &mut ChaCha8Rng) -> String {
    use base64::Engine;
    let bytes: [u8; 24] = rng.random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The simulated user (`users[0]`) and Spotify (`users[1]`).
fn first_users(seed: u64) -> Vec<User> {
    vec![
        User {
            id: format!("listener.{seed}").into_boxed_str(),
            display_name: Some("Sim Listener 🎧".into()),
        },
        User {
            id: "spotify".into(),
            display_name: Some("Spotify".into()),
        },
    ]
}

/// The account id of a data export: ten base62 characters.
fn account_id(rng: &mut ChaCha8Rng) -> String {
    let id = random_id(rng);
    id_str(&id)[..10].to_string()
}

/// Six other users (owners of followed playlists, collaborators); one has no display name.
fn friends(rng: &mut ChaCha8Rng) -> Vec<User> {
    (0..6)
        .map(|i| User {
            id: format!(
                "friend{}_{}",
                i,
                id_str(&random_id(rng))[..6].to_lowercase()
            )
            .into_boxed_str(),
            display_name: if i == 3 {
                None
            } else {
                Some(format!("{} {}", FIRST[i % FIRST.len()], pick(rng, NOUN)).into())
            },
        })
        .collect()
}

/// The saved tracks, newest first, each saved up to two hours before the next. Saving happens
/// in runs (a whole album at once) and at random: the tracks are shuffled in blocks.
fn saving_order(rng: &mut ChaCha8Rng, tracks: &[u32]) -> Vec<Saved> {
    let mut blocks: Vec<&[u32]> = tracks.chunks(4).collect();
    blocks.shuffle(rng);
    let mut t = ANCHOR_SECS;
    blocks
        .concat()
        .into_iter()
        .map(|track| {
            let s = Saved { track, added_at: t };
            t -= rng.random_range(1..=7_200);
            s
        })
        .collect()
}

/// How many plays the history holds: more than the 50 the API serves.
const PLAYS: usize = 80;

/// The listening history, newest first: mostly recently saved tracks, each played from an
/// album, a playlist, an artist or nothing.
fn listening_history(lib: &Library, rng: &mut ChaCha8Rng) -> Vec<Play> {
    let mut at = ANCHOR_SECS * 1000 - 3_600_000;
    let mut plays = Vec::with_capacity(PLAYS);
    for _ in 0..PLAYS {
        let track = if !lib.saved.is_empty() && rng.random_bool(0.8) {
            lib.saved[rng.random_range(0..lib.saved.len().min(500))].track
        } else {
            rng.random_range(0..lib.tracks.len()) as u32
        };
        plays.push(Play {
            played_at_ms: at,
            track,
            context: play_context(lib, rng, track),
        });
        at -= rng.random_range(120_000..=420_000);
    }
    plays
}

/// What `track` was played from: its album (half the time), a playlist, its artist, or nothing.
fn play_context(lib: &Library, rng: &mut ChaCha8Rng, track: u32) -> Option<(ContextKind, Id)> {
    let track = &lib.tracks[track as usize];
    match rng.random_range(0..10) {
        0..=4 => Some((ContextKind::Album, lib.albums[track.album as usize].id)),
        5..=7 if !lib.playlists.is_empty() => Some((
            ContextKind::Playlist,
            lib.playlists[rng.random_range(0..lib.playlists.len())].id,
        )),
        8 => Some((
            ContextKind::Artist,
            lib.artists[track.artists[0] as usize].id,
        )),
        _ => None,
    }
}

/// Generate the whole library.
pub fn generate(p: GenParams) -> Library {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let rng = &mut rng;
    let mut lib = Library {
        users: first_users(p.seed),
        ..Default::default()
    };
    lib.account_id = account_id(rng);
    lib.users.extend(friends(rng));
    // Artists: several albums each (about 25 saved tracks per artist on average).
    let n_artists = (p.tracks / 25).max(8) + 1;
    lib.artists = gen_artists(rng, n_artists);
    let saved = gen_albums_until_saved(&mut lib, rng, p.tracks, n_artists);
    lib.saved = saving_order(rng, &saved);
    gen_podcasts(&mut lib, rng);
    lib.rebuild_indexes();
    for i in 0..p.playlists {
        let pl = gen_playlist(&lib, rng, i);
        lib.playlists.push(pl);
    }
    lib.plays = listening_history(&lib, rng);
    collections::gen_collections(&mut lib, p.seed, p.tracks);
    long_albums::gen_long_albums(&mut lib, p.seed, p.tracks);
    covers::gen_covers(&mut lib, p.seed);
    lib
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let p = GenParams {
            seed: 7,
            tracks: 500,
            playlists: 12,
        };
        let a = generate(p).truth();
        let b = generate(p).truth();
        assert_eq!(a, b);
        assert_eq!(a.saved_tracks.len(), 500);
        for w in a.saved_tracks.windows(2) {
            assert!(
                w[0].added_at > w[1].added_at,
                "added_at strictly descending"
            );
        }
        assert!(a.tracks.iter().all(|t| t.id.len() == 22));
        assert!(a.tracks.iter().any(|t| t.artist_ids.len() >= 2));
        assert!(a.playlists.iter().any(|p| p.id.starts_with("37i9")));
        let c = generate(GenParams { seed: 8, ..p }).truth();
        assert_ne!(a, c);
    }
}
