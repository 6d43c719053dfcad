//! The library besides liked songs and playlists: saved albums, followed artists, saved shows,
//! episodes and audiobooks, top lists. Generated after everything else from a generator of its
//! own, so the rest of the library is the same as without these lists.
//!
//! Realistic overlap: about two thirds of the saved albums are albums of liked songs (with
//! some of their tracks liked, others not), the rest are albums nobody liked a track of, by
//! artists that appear nowhere in the liked songs; the followed artists are partly artists of
//! liked songs and partly those other artists.

use std::collections::{HashMap, HashSet};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::words::{ADJ, FIRST, GENRES, NOUN};
use super::{ANCHOR_SECS, gen_album, gen_artist_name, gen_name, pick};
use crate::model::*;

/// Sizes of the lists for a library of `tracks` liked songs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionSizes {
    pub saved_albums: usize,
    /// Saved albums with no liked track.
    pub other_albums: usize,
    /// Artists that appear in no liked song.
    pub other_artists: usize,
    /// Followed artists among the artists of liked songs.
    pub followed_liked: usize,
    /// Followed artists among the other artists.
    pub followed_other: usize,
    pub audiobooks: usize,
    pub top_artists: usize,
    pub top_tracks: usize,
}

impl CollectionSizes {
    pub fn for_tracks(tracks: usize) -> Self {
        let saved_albums = (tracks / 20).max(4);
        let other_artists = (tracks / 100).max(3);
        CollectionSizes {
            saved_albums,
            other_albums: (saved_albums / 3).max(1),
            other_artists,
            followed_liked: (tracks / 40).max(4),
            followed_other: (other_artists * 2 / 3).max(2),
            audiobooks: (3 + tracks / 1000).min(40),
            top_artists: (tracks / 25).clamp(5, 99),
            top_tracks: (tracks / 10).clamp(5, 99),
        }
    }
}

/// `n` times, newest first, starting just before the anchor, `gap` apart at most.
fn times(rng: &mut ChaCha8Rng, n: usize, gap: i64) -> Vec<i64> {
    let mut t = ANCHOR_SECS - rng.random_range(60..=3_600);
    (0..n)
        .map(|_| {
            let now = t;
            t -= rng.random_range(60..=gap);
            now
        })
        .collect()
}

fn saved_list(rng: &mut ChaCha8Rng, items: Vec<u32>, gap: i64) -> Vec<SavedItem> {
    let at = times(rng, items.len(), gap);
    items
        .into_iter()
        .zip(at)
        .map(|(item, added_at)| SavedItem { item, added_at })
        .collect()
}

/// Artists nobody liked a song of, each with an album; returns the first such artist and the
/// albums to save among theirs.
fn gen_other_artists(
    lib: &mut Library,
    rng: &mut ChaCha8Rng,
    n: &CollectionSizes,
) -> (u32, Vec<u32>) {
    let first_other = lib.artists.len() as u32;
    for k in 0..n.other_artists {
        let genres: Vec<&'static str> = (0..rng.random_range(0..=2))
            .map(|_| pick(rng, GENRES))
            .collect();
        let name = gen_artist_name(rng, first_other as usize + k);
        lib.artists.push(Artist {
            id: random_id(rng),
            name: name.into_boxed_str(),
            genres: genres.into_boxed_slice(),
            followers: rng.random_range(0..500_000),
            popularity: rng.random_range(0..=100),
        });
    }
    let mut other_albums = Vec::with_capacity(n.other_albums);
    for k in 0..n.other_albums.max(n.other_artists) {
        let primary = first_other + (k % n.other_artists) as u32;
        let a = gen_album(lib, rng, primary);
        if k < n.other_albums {
            other_albums.push(a);
        }
    }
    (first_other, other_albums)
}

/// Saved albums: albums of liked songs (more than one track, so that part of them stays
/// unliked) mixed with `other_albums`.
fn saved_albums(
    lib: &Library,
    rng: &mut ChaCha8Rng,
    n: &CollectionSizes,
    other_albums: Vec<u32>,
) -> Vec<SavedItem> {
    let mut seen = HashSet::new();
    let mut liked_albums: Vec<u32> = lib
        .saved
        .iter()
        .map(|s| lib.tracks[s.track as usize].album)
        .filter(|&a| lib.albums[a as usize].tracks.len() > 1 && seen.insert(a))
        .collect();
    liked_albums.shuffle(rng);
    liked_albums.truncate(n.saved_albums - n.other_albums);
    let mut albums = liked_albums;
    albums.extend(other_albums);
    albums.shuffle(rng);
    saved_list(rng, albums, 172_800)
}

/// Followed artists: primary artists of liked songs, and some of the others (from
/// `first_other` on).
fn followed_artists(
    lib: &Library,
    rng: &mut ChaCha8Rng,
    n: &CollectionSizes,
    first_other: u32,
) -> Vec<u32> {
    let mut seen = HashSet::new();
    let mut liked_artists: Vec<u32> = lib
        .saved
        .iter()
        .map(|s| lib.tracks[s.track as usize].artists[0])
        .filter(|&a| a != 0 && seen.insert(a))
        .collect();
    liked_artists.shuffle(rng);
    liked_artists.truncate(n.followed_liked);
    let mut followed = liked_artists;
    followed.extend((0..n.followed_other as u32).map(|k| first_other + k));
    followed
}

/// Shows and episodes: all shows but one saved, some episodes (more in a larger library).
fn save_podcasts(lib: &mut Library, rng: &mut ChaCha8Rng, tracks: usize) {
    let mut shows: Vec<u32> = (0..lib.shows.len() as u32).collect();
    shows.shuffle(rng);
    shows.truncate(
        lib.shows
            .len()
            .saturating_sub(1)
            .max(1)
            .min(lib.shows.len()),
    );
    lib.saved_shows = saved_list(rng, shows, 604_800);
    let mut episodes: Vec<u32> = (0..lib.episodes.len() as u32).collect();
    episodes.shuffle(rng);
    episodes.truncate((6 + tracks / 500).min(lib.episodes.len()));
    lib.saved_episodes = saved_list(rng, episodes, 259_200);
}

/// A name of a person (an author, a narrator).
fn person(rng: &mut ChaCha8Rng) -> Box<str> {
    format!("{} {}", pick(rng, FIRST), pick(rng, NOUN)).into_boxed_str()
}

/// An audiobook of three to twelve chapters, by one or two authors.
fn gen_audiobook(rng: &mut ChaCha8Rng) -> Audiobook {
    let chapters = (0..rng.random_range(3..=12))
        .map(|c| Chapter {
            id: random_id(rng),
            name: format!("Chapter {}: {}", c + 1, gen_name(rng)).into_boxed_str(),
            duration_ms: rng.random_range(300_000..=3_600_000),
        })
        .collect();
    let authors: Vec<Box<str>> = (0..rng.random_range(1..=2)).map(|_| person(rng)).collect();
    Audiobook {
        id: random_id(rng),
        name: format!("The {} {}", pick(rng, ADJ), pick(rng, NOUN)).into_boxed_str(),
        authors: authors.into_boxed_slice(),
        narrators: vec![person(rng)].into_boxed_slice(),
        publisher: format!("{} House", pick(rng, NOUN)).into_boxed_str(),
        description: "A simulated audiobook.".into(),
        edition: "Unabridged".into(),
        chapters,
    }
}

/// Top lists from the liked songs: the newest ones for the short term, all for the long; the
/// artists ranked by how many of those songs are theirs.
fn top_lists(lib: &mut Library, rng: &mut ChaCha8Rng, n: &CollectionSizes) {
    let liked = lib.saved.len();
    for r in TimeRange::ALL {
        let window = match r {
            TimeRange::Short => (liked / 8).max(10),
            TimeRange::Medium => (liked / 3).max(10),
            TimeRange::Long => liked,
        }
        .min(liked);
        let mut top: Vec<u32> = lib.saved[..window].iter().map(|s| s.track).collect();
        top.shuffle(rng);
        top.truncate(n.top_tracks);
        lib.top_tracks[r.index()] = top;
        let mut count: HashMap<u32, usize> = HashMap::new();
        for s in &lib.saved[..window] {
            *count
                .entry(lib.tracks[s.track as usize].artists[0])
                .or_default() += 1;
        }
        let mut artists: Vec<(u32, usize)> = count.into_iter().filter(|(a, _)| *a != 0).collect();
        artists.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        lib.top_artists[r.index()] = artists
            .into_iter()
            .take(n.top_artists)
            .map(|(a, _)| a)
            .collect();
    }
}

/// The lists besides liked songs and playlists, for a library of `tracks` liked songs, from a
/// generator of their own seeded from `seed`.
pub(super) fn gen_collections(lib: &mut Library, seed: u64, tracks: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x11B2_A2C0_11EC_7105);
    let rng = &mut rng;
    let n = CollectionSizes::for_tracks(tracks);
    let (first_other, other_albums) = gen_other_artists(lib, rng, &n);
    lib.saved_albums = saved_albums(lib, rng, &n, other_albums);
    lib.followed_artists = followed_artists(lib, rng, &n, first_other);
    lib.sort_followed();
    save_podcasts(lib, rng, tracks);
    // Audiobooks: all but one saved.
    lib.audiobooks = (0..n.audiobooks).map(|_| gen_audiobook(rng)).collect();
    let books: Vec<u32> = (0..n.audiobooks.saturating_sub(1) as u32).collect();
    lib.saved_audiobooks = saved_list(rng, books, 1_209_600);
    top_lists(lib, rng, &n);
    lib.rebuild_indexes();
}
