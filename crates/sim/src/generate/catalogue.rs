//! The catalogue a library draws from: artists, albums with their tracks, podcasts.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::words::{ADJ, FIRST, GENRES, LABELS, PODCASTS};
use super::{gen_artist_name, gen_name, pick};
use crate::model::*;

/// Artist 0, "Various Artists", credited on compilations.
fn various_artists() -> Artist {
    Artist {
        id: *b"0LyfQWJT6nXafLPZqxe9Of",
        name: "Various Artists".into(),
        genres: Box::new([]),
        followers: 0,
        popularity: 0,
    }
}

/// "Various Artists" and `n - 1` generated artists.
pub(super) fn gen_artists(rng: &mut ChaCha8Rng, n: usize) -> Vec<Artist> {
    let mut artists = Vec::with_capacity(n);
    artists.push(various_artists());
    for i in 1..n {
        let n_genres = rng.random_range(0..=3);
        let mut genres: Vec<&'static str> = (0..n_genres).map(|_| pick(rng, GENRES)).collect();
        genres.dedup();
        artists.push(Artist {
            id: random_id(rng),
            name: gen_artist_name(rng, i).into_boxed_str(),
            genres: genres.into_boxed_slice(),
            followers: rng.random_range(0..5_000_000),
            popularity: rng.random_range(0..=100),
        });
    }
    artists
}

/// Pick an artist (never 0, "Various Artists") with a skewed distribution: some artists have
/// many albums.
pub(crate) fn skewed_artist(rng: &mut ChaCha8Rng, n: usize) -> u32 {
    let real = n.saturating_sub(1).max(1);
    let x: f64 = rng.random();
    1 + ((x * x) * real as f64) as u32 % real as u32
}

/// Albums (and their tracks) until `tracks` of them are saved (about 70% of an album's tracks
/// are) and the catalogue holds 40 more; returns the saved tracks in generation order.
pub(super) fn gen_albums_until_saved(
    lib: &mut Library,
    rng: &mut ChaCha8Rng,
    tracks: usize,
    n_artists: usize,
) -> Vec<u32> {
    let mut saved: Vec<u32> = Vec::with_capacity(tracks);
    lib.tracks.reserve(tracks + tracks / 2 + 64);
    while saved.len() < tracks || lib.tracks.len() < tracks + 40 {
        let primary = skewed_artist(rng, n_artists);
        let a = gen_album(lib, rng, primary);
        for &t in &lib.albums[a as usize].tracks {
            if saved.len() < tracks && rng.random_bool(0.7) {
                saved.push(t);
            }
        }
    }
    saved
}

/// A kind of album and how many tracks it has.
fn album_shape(rng: &mut ChaCha8Rng) -> (AlbumType, u32) {
    let r: f64 = rng.random();
    if r < 0.22 {
        (AlbumType::Single, rng.random_range(1..=3))
    } else if r < 0.27 {
        (AlbumType::Compilation, rng.random_range(10..=20))
    } else {
        (AlbumType::Album, rng.random_range(6..=16))
    }
}

/// A release date: mostly to the day, sometimes only the month or the year.
fn release_date(rng: &mut ChaCha8Rng) -> (String, DatePrecision) {
    let year = rng.random_range(1962..=2026);
    match rng.random_range(0..10) {
        0 => (format!("{year}"), DatePrecision::Year),
        1 => (
            format!("{year}-{:02}", rng.random_range(1..=12)),
            DatePrecision::Month,
        ),
        _ => (
            format!(
                "{year}-{:02}-{:02}",
                rng.random_range(1..=12),
                rng.random_range(1..=28)
            ),
            DatePrecision::Day,
        ),
    }
}

/// The album's credit: "Various Artists" on a compilation, sometimes two artists.
fn album_artists(
    rng: &mut ChaCha8Rng,
    kind: AlbumType,
    primary: u32,
    n_artists: u32,
) -> Box<[u32]> {
    if kind == AlbumType::Compilation {
        Box::new([0])
    } else if rng.random_bool(0.06) && n_artists > 2 {
        Box::new([primary, 1 + primary % (n_artists - 1)])
    } else {
        Box::new([primary])
    }
}

/// A track's credit: anyone on a compilation, else the album's artists, sometimes featuring
/// one or two more (primary first).
fn track_artists(
    rng: &mut ChaCha8Rng,
    kind: AlbumType,
    album_artists: &[u32],
    n_artists: u32,
) -> Box<[u32]> {
    if kind == AlbumType::Compilation {
        let a = rng.random_range(1..n_artists);
        if rng.random_bool(0.2) {
            Box::new([a, rng.random_range(1..n_artists)])
        } else {
            Box::new([a])
        }
    } else if rng.random_bool(0.15) && n_artists > 1 {
        let mut v = album_artists.to_vec();
        let feat = rng.random_range(1..n_artists);
        if !v.contains(&feat) {
            v.push(feat);
        }
        if rng.random_bool(0.2) {
            let f2 = rng.random_range(1..n_artists);
            if !v.contains(&f2) {
                v.push(f2);
            }
        }
        v.into_boxed_slice()
    } else {
        album_artists.into()
    }
}

/// An ISRC: country, registrant, year and number (`QZ` and digits where a real one has them).
fn isrc(rng: &mut ChaCha8Rng) -> [u8; 12] {
    let mut out = *b"QZ0000000000";
    const CC: &[&[u8; 2]] = &[b"US", b"GB", b"DE", b"SE", b"JP", b"FR", b"QZ"];
    out[..2].copy_from_slice(CC[rng.random_range(0..CC.len())]);
    for c in out[2..5].iter_mut() {
        *c = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789"[rng.random_range(0..33)];
    }
    for c in out[5..].iter_mut() {
        *c = b'0' + rng.random_range(0..10u8);
    }
    out
}

/// Where a track sits on its album: the `k`-th of discs of `per_disc` tracks.
struct Position {
    album: u32,
    k: u32,
    per_disc: u32,
}

fn gen_track(rng: &mut ChaCha8Rng, at: Position, artists: Box<[u32]>) -> Track {
    Track {
        id: random_id(rng),
        name: gen_name(rng).into_boxed_str(),
        album: at.album,
        artists,
        duration_ms: rng.random_range(95_000..=420_000),
        explicit: rng.random_bool(0.12),
        disc_number: (at.k / at.per_disc + 1) as u8,
        track_number: (at.k % at.per_disc + 1) as u16,
        isrc: isrc(rng),
        popularity: rng.random_range(0..=100),
    }
}

/// Generate an album (with its tracks) by `primary` artist; returns the album index.
pub(crate) fn gen_album(lib: &mut Library, rng: &mut ChaCha8Rng, primary: u32) -> u32 {
    let (album_type, n_tracks) = album_shape(rng);
    let shape = AlbumShape {
        album_type,
        n_tracks,
        discs: None,
        name: None,
    };
    gen_shaped_album(lib, rng, primary, shape)
}

/// What an album is to be: its kind, its number of tracks, and (for the long ones) its discs
/// and name; `None` leaves them to chance.
pub(super) struct AlbumShape {
    pub album_type: AlbumType,
    pub n_tracks: u32,
    pub discs: Option<u32>,
    pub name: Option<String>,
}

/// Generate an album of `shape` (with its tracks) by `primary` artist; returns its index.
pub(super) fn gen_shaped_album(
    lib: &mut Library,
    rng: &mut ChaCha8Rng,
    primary: u32,
    shape: AlbumShape,
) -> u32 {
    let n_artists = lib.artists.len() as u32;
    let AlbumShape {
        album_type,
        n_tracks,
        discs,
        name,
    } = shape;
    let (release_date, precision) = release_date(rng);
    let album = lib.albums.len() as u32;
    let artists = album_artists(rng, album_type, primary, n_artists);
    let discs = discs.unwrap_or_else(|| {
        if n_tracks > 14 && rng.random_bool(0.3) {
            2
        } else {
            1
        }
    });
    let per_disc = n_tracks.div_ceil(discs);
    let mut tracks = Vec::with_capacity(n_tracks as usize);
    for k in 0..n_tracks {
        let credit = track_artists(rng, album_type, &artists, n_artists);
        tracks.push(lib.tracks.len() as u32);
        let at = Position { album, k, per_disc };
        lib.tracks.push(gen_track(rng, at, credit));
    }
    let name = name.unwrap_or_else(|| {
        if album_type == AlbumType::Compilation {
            format!("{} Hits, Vol. {}", pick(rng, ADJ), rng.random_range(1..9))
        } else {
            gen_name(rng)
        }
    });
    lib.albums.push(Album {
        id: random_id(rng),
        name: name.into_boxed_str(),
        album_type,
        release_date: release_date.into_boxed_str(),
        precision,
        label: pick(rng, LABELS).into(),
        upc: format!("{:012}", rng.random_range(0..1_000_000_000_000u64)).into_boxed_str(),
        artists,
        tracks,
        popularity: rng.random_range(0..=100),
    });
    album
}

/// How many episodes the podcasts have between them.
const EPISODES: u32 = 24;

/// The podcasts ([`PODCASTS`]) and their episodes, dealt out in turn.
pub(super) fn gen_podcasts(lib: &mut Library, rng: &mut ChaCha8Rng) {
    for (i, name) in PODCASTS.iter().enumerate() {
        lib.shows.push(Show {
            id: random_id(rng),
            name: (*name).into(),
            publisher: format!("{} Media", FIRST[i]).into_boxed_str(),
            description: format!("Conversations about {}.", pick(rng, GENRES)).into_boxed_str(),
            total_episodes: 0,
        });
    }
    for i in 0..EPISODES {
        let show = i % PODCASTS.len() as u32;
        lib.shows[show as usize].total_episodes += 1;
        lib.episodes.push(Episode {
            id: random_id(rng),
            name: format!("Episode {}: {}", i + 1, gen_name(rng)).into_boxed_str(),
            show,
            duration_ms: rng.random_range(900_000..=5_400_000),
            release_date: format!(
                "20{:02}-{:02}-{:02}",
                rng.random_range(18..=26),
                rng.random_range(1..=12),
                rng.random_range(1..=28)
            )
            .into_boxed_str(),
            explicit: rng.random_bool(0.1),
            description: "An episode of a simulated podcast.".into(),
        });
    }
}
