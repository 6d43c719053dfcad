//! Deterministic library generation: the same seed and sizes give the same library.
//! The words names are made of live in `words`, the playlists in `playlists`.

mod collections;
mod playlists;
mod words;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::*;
pub use collections::CollectionSizes;
use playlists::gen_playlist;
use words::{ADJ, EMOJI, FIRST, GENRES, LABELS, NOUN, PODCASTS, UNICODE_NAMES};

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

/// Generate an album (with its tracks) by `primary` artist; returns the album index.
pub(crate) fn gen_album(lib: &mut Library, rng: &mut ChaCha8Rng, primary: u32) -> u32 {
    let n_artists = lib.artists.len() as u32;
    let r: f64 = rng.random();
    let (album_type, n_tracks): (AlbumType, u32) = if r < 0.22 {
        (AlbumType::Single, rng.random_range(1..=3))
    } else if r < 0.27 {
        (AlbumType::Compilation, rng.random_range(10..=20))
    } else {
        (AlbumType::Album, rng.random_range(6..=16))
    };
    let year = rng.random_range(1962..=2026);
    let (release_date, precision) = match rng.random_range(0..10) {
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
    };
    let album_idx = lib.albums.len() as u32;
    let album_artists: Box<[u32]> = if album_type == AlbumType::Compilation {
        // Artist 0 is "Various Artists".
        Box::new([0])
    } else if rng.random_bool(0.06) && n_artists > 2 {
        Box::new([primary, 1 + primary % (n_artists - 1)])
    } else {
        Box::new([primary])
    };
    let discs = if n_tracks > 14 && rng.random_bool(0.3) {
        2
    } else {
        1
    };
    let per_disc = n_tracks.div_ceil(discs);
    let mut tracks = Vec::with_capacity(n_tracks as usize);
    for k in 0..n_tracks {
        let artists: Box<[u32]> = if album_type == AlbumType::Compilation {
            let a = rng.random_range(1..n_artists);
            if rng.random_bool(0.2) {
                Box::new([a, rng.random_range(1..n_artists)])
            } else {
                Box::new([a])
            }
        } else if rng.random_bool(0.15) && n_artists > 1 {
            // Featuring: two or three artists, primary first.
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
            album_artists.clone()
        };
        let idx = lib.tracks.len() as u32;
        lib.tracks.push(Track {
            id: random_id(rng),
            name: gen_name(rng).into_boxed_str(),
            album: album_idx,
            artists,
            duration_ms: rng.random_range(95_000..=420_000),
            explicit: rng.random_bool(0.12),
            disc_number: (k / per_disc + 1) as u8,
            track_number: (k % per_disc + 1) as u16,
            isrc: isrc(rng),
            popularity: rng.random_range(0..=100),
        });
        tracks.push(idx);
    }
    let name = if album_type == AlbumType::Compilation {
        format!("{} Hits, Vol. {}", pick(rng, ADJ), rng.random_range(1..9))
    } else {
        gen_name(rng)
    };
    lib.albums.push(Album {
        id: random_id(rng),
        name: name.into_boxed_str(),
        album_type,
        release_date: release_date.into_boxed_str(),
        precision,
        label: pick(rng, LABELS).into(),
        upc: format!("{:012}", rng.random_range(0..1_000_000_000_000u64)).into_boxed_str(),
        artists: album_artists,
        tracks,
        popularity: rng.random_range(0..=100),
    });
    album_idx
}

/// Pick an artist (never 0, "Various Artists") with a skewed distribution: some artists have
/// many albums.
pub(crate) fn skewed_artist(rng: &mut ChaCha8Rng, n: usize) -> u32 {
    let real = n.saturating_sub(1).max(1);
    let x: f64 = rng.random();
    1 + ((x * x) * real as f64) as u32 % real as u32
}

/// Generate the whole library.
pub fn generate(p: GenParams) -> Library {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut lib = Library {
        users: vec![
            User {
                id: format!("listener.{}", p.seed).into_boxed_str(),
                display_name: Some("Sim Listener 🎧".into()),
            },
            User {
                id: "spotify".into(),
                display_name: Some("Spotify".into()),
            },
        ],
        ..Default::default()
    };
    lib.account_id = {
        let id = random_id(&mut rng);
        id_str(&id)[..10].to_string()
    };
    for i in 0..6 {
        lib.users.push(User {
            id: format!(
                "friend{}_{}",
                i,
                id_str(&random_id(&mut rng))[..6].to_lowercase()
            )
            .into_boxed_str(),
            // Some users have no display name.
            display_name: if i == 3 {
                None
            } else {
                Some(format!("{} {}", FIRST[i % FIRST.len()], pick(&mut rng, NOUN)).into())
            },
        });
    }

    // Artists: several albums each (about 25 saved tracks per artist on average).
    let n_artists = (p.tracks / 25).max(8) + 1;
    lib.artists.reserve(n_artists);
    lib.artists.push(Artist {
        id: *b"0LyfQWJT6nXafLPZqxe9Of",
        name: "Various Artists".into(),
        genres: Box::new([]),
        followers: 0,
        popularity: 0,
    });
    for i in 1..n_artists {
        let n_genres = rng.random_range(0..=3);
        let genres: Vec<&'static str> = (0..n_genres).map(|_| pick(&mut rng, GENRES)).collect();
        let mut genres = genres;
        genres.dedup();
        lib.artists.push(Artist {
            id: random_id(&mut rng),
            name: gen_artist_name(&mut rng, i).into_boxed_str(),
            genres: genres.into_boxed_slice(),
            followers: rng.random_range(0..5_000_000),
            popularity: rng.random_range(0..=100),
        });
    }

    // Albums and tracks until enough are saved (about 70% of an album's tracks are saved).
    let mut saved_tracks: Vec<u32> = Vec::with_capacity(p.tracks);
    lib.tracks.reserve(p.tracks + p.tracks / 2 + 64);
    while saved_tracks.len() < p.tracks || lib.tracks.len() < p.tracks + 40 {
        let primary = skewed_artist(&mut rng, n_artists);
        let a = gen_album(&mut lib, &mut rng, primary);
        for &t in &lib.albums[a as usize].tracks {
            if saved_tracks.len() < p.tracks && rng.random_bool(0.7) {
                saved_tracks.push(t);
            }
        }
    }
    // Saving happens in runs (a whole album at once) and at random: shuffle in blocks.
    let mut blocks: Vec<&[u32]> = saved_tracks.chunks(4).collect();
    blocks.shuffle(&mut rng);
    let order: Vec<u32> = blocks.concat();
    let mut t = ANCHOR_SECS;
    lib.saved = order
        .into_iter()
        .map(|track| {
            let s = Saved { track, added_at: t };
            t -= rng.random_range(1..=7_200);
            s
        })
        .collect();

    // Podcasts.
    for (i, name) in PODCASTS.iter().enumerate() {
        lib.shows.push(Show {
            id: random_id(&mut rng),
            name: (*name).into(),
            publisher: format!("{} Media", FIRST[i]).into_boxed_str(),
            description: format!("Conversations about {}.", pick(&mut rng, GENRES))
                .into_boxed_str(),
            total_episodes: 0,
        });
    }
    for i in 0..24u32 {
        let show = i % PODCASTS.len() as u32;
        lib.shows[show as usize].total_episodes += 1;
        lib.episodes.push(Episode {
            id: random_id(&mut rng),
            name: format!("Episode {}: {}", i + 1, gen_name(&mut rng)).into_boxed_str(),
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

    lib.rebuild_indexes();

    // Playlists.
    for i in 0..p.playlists {
        let pl = gen_playlist(&mut lib, &mut rng, i);
        lib.playlists.push(pl);
    }

    // Listening history: more than the 50 the API serves.
    let mut at = ANCHOR_SECS * 1000 - 3_600_000;
    let n_tracks = lib.tracks.len();
    for _ in 0..80 {
        let track = if !lib.saved.is_empty() && rng.random_bool(0.8) {
            lib.saved[rng.random_range(0..lib.saved.len().min(500))].track
        } else {
            rng.random_range(0..n_tracks) as u32
        };
        let context = match rng.random_range(0..10) {
            0..=4 => Some((
                ContextKind::Album,
                lib.albums[lib.tracks[track as usize].album as usize].id,
            )),
            5..=7 if !lib.playlists.is_empty() => Some((
                ContextKind::Playlist,
                lib.playlists[rng.random_range(0..lib.playlists.len())].id,
            )),
            8 => Some((
                ContextKind::Artist,
                lib.artists[lib.tracks[track as usize].artists[0] as usize].id,
            )),
            _ => None,
        };
        lib.plays.push(Play {
            played_at_ms: at,
            track,
            context,
        });
        at -= rng.random_range(120_000..=420_000);
    }
    collections::gen_collections(&mut lib, p.seed, p.tracks);
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
