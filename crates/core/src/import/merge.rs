//! The merge rules, as pure functions: when two records of a play (an API poll, an extended
//! streaming history row, an account data row) are the same play.
//!
//! **The rule.** Two records are one play when they name the same item and their times agree:
//!
//! - *Same item*: when both carry a Spotify URI, the URIs are equal. When either has none (an
//!   account data row, an extended row without `spotify_track_uri`), the track names are equal
//!   after [`norm`] (lower case, trimmed, inner spaces collapsed), and so are the artist names
//!   when both name one — or, when the artists differ (account data names the track's artist,
//!   the extended history the album's), both give the same `ms_played`.
//! - *Times*, with `ts` the export's end of the stream and `ms` its `ms_played`:
//!   - API play vs extended row: the API's `played_at` lies within the stream, from its start to
//!     its end widened by [`SLACK_MS`] on both sides: `ts − ms − 10 s ≤ played_at ≤ ts + 10 s`
//!     (Spotify's `played_at` and `ts` differ by up to the play's length).
//!   - API play vs account row (`endTime` is to the minute): the same with a minute more on both
//!     sides: `end − ms − 70 s ≤ played_at ≤ end + 70 s`.
//!   - account row vs extended row: `|ts − end| ≤ 70 s`.
//! - *One to one*: a record merges with at most one record of each other source. Among several
//!   candidates the earliest one wins (for an account row, one with the same `ms_played` first),
//!   which pairs back-to-back repeats of one track in order.
//!
//! Exact duplicates within one source (the same `ts`, item and `ms_played` in the extended
//! history; the same minute, names and `msPlayed` in account data) are one play.

use std::collections::HashMap;

/// Clock and rounding tolerance on both sides of a stream.
pub const SLACK_MS: i64 = 10_000;
/// Account data gives the end of a stream to the minute.
pub const MINUTE_MS: i64 = 60_000;
/// Longest stream looked for when only a point in time is known (an API play).
pub const MAX_STREAM_MS: i64 = 12 * 3_600_000;

/// Names compared for matching: lower case, trimmed, runs of white space as one space.
pub fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in w.chars() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// What a record says was played. Names are already [`norm`]alized.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ident {
    pub uri: Option<String>,
    pub track: Option<String>,
    pub artist: Option<String>,
}

impl Ident {
    /// Build from raw fields (names get normalized; empty values count as absent).
    pub fn new(uri: Option<&str>, track: Option<&str>, artist: Option<&str>) -> Ident {
        let clean = |s: Option<&str>| s.map(norm).filter(|s| !s.is_empty());
        Ident {
            uri: uri
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            track: clean(track),
            artist: clean(artist),
        }
    }
}

/// The same item: equal URIs when both have one, else equal names.
pub fn same_item(a: &Ident, b: &Ident) -> bool {
    match (&a.uri, &b.uri) {
        (Some(x), Some(y)) => x == y,
        _ => match (&a.track, &b.track) {
            (Some(x), Some(y)) if x == y => match (&a.artist, &b.artist) {
                (Some(p), Some(q)) => p == q,
                _ => true,
            },
            _ => false,
        },
    }
}

/// Account data names a track's artist where the extended history names its album's artist (they
/// differ on compilations): without URIs, an equal title and an equal, known `ms_played` are
/// the same item too.
fn same_title_and_length(c: &Candidate, ident: &Ident, ms_played: Option<i64>) -> bool {
    (c.ident.uri.is_none() || ident.uri.is_none())
        && c.ident.track.is_some()
        && c.ident.track == ident.track
        && c.ms_played.is_some()
        && c.ms_played == ms_played
}

fn ms(ms_played: Option<i64>) -> i64 {
    ms_played.unwrap_or(0).clamp(0, MAX_STREAM_MS)
}

/// An API `played_at` and an extended row that ended at `ended` after `ms_played`.
pub fn api_in_extended(played_at: i64, ended: i64, ms_played: Option<i64>) -> bool {
    played_at >= ended.saturating_sub(ms(ms_played) + SLACK_MS) && played_at <= ended + SLACK_MS
}

/// An API `played_at` and an account row that ended in the minute `end`.
pub fn api_in_account(played_at: i64, end: i64, ms_played: Option<i64>) -> bool {
    let tol = MINUTE_MS + SLACK_MS;
    played_at >= end.saturating_sub(ms(ms_played) + tol) && played_at <= end + tol
}

/// An account row (end to the minute) and an extended row.
pub fn account_near_extended(account_end: i64, extended_end: i64) -> bool {
    (account_end - extended_end).abs() <= MINUTE_MS + SLACK_MS
}

/// Which source a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Api,
    Extended,
    Account,
}

/// A stored play that an incoming record could merge with.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub kind: Kind,
    /// `played_at` (API) or the end of the stream (export rows), Unix ms.
    pub at: i64,
    pub ms_played: Option<i64>,
    pub ident: Ident,
}

/// Does `c` match an incoming record of `kind` that ended at `ended` after `ms_played`?
pub fn matches(
    c: &Candidate,
    kind: Kind,
    ident: &Ident,
    ended: i64,
    ms_played: Option<i64>,
) -> bool {
    if !same_item(&c.ident, ident) && !same_title_and_length(c, ident, ms_played) {
        return false;
    }
    match (kind, c.kind) {
        (Kind::Extended, Kind::Api) => api_in_extended(c.at, ended, ms_played),
        (Kind::Account, Kind::Api) => api_in_account(c.at, ended, ms_played),
        (Kind::Api, Kind::Extended) => api_in_extended(ended, c.at, c.ms_played),
        (Kind::Api, Kind::Account) => api_in_account(ended, c.at, c.ms_played),
        (Kind::Extended, Kind::Account) | (Kind::Account, Kind::Extended) => {
            account_near_extended(ended, c.at)
        }
        _ => false,
    }
}

/// Order of preference among matching candidates: for account data the same `ms_played`
/// first; then the earliest.
pub fn preference(c: &Candidate, kind: Kind, ms_played: Option<i64>) -> (bool, i64) {
    let account_pair = kind == Kind::Account || c.kind == Kind::Account;
    let ms_differs = account_pair && c.ms_played.is_some() && c.ms_played != ms_played;
    (ms_differs, c.at)
}

/// The best of `cands` for an incoming record, by [`matches()`] and [`preference`].
pub fn best<'a>(
    cands: impl IntoIterator<Item = &'a Candidate>,
    kind: Kind,
    ident: &Ident,
    ended: i64,
    ms_played: Option<i64>,
) -> Option<&'a Candidate> {
    cands
        .into_iter()
        .filter(|c| matches(c, kind, ident, ended, ms_played))
        .min_by_key(|c| preference(c, kind, ms_played))
}

/// Stored plays not yet seen by the extended history (API and account records), held in memory
/// during an import so each extended row is matched without a query. Each merges once.
#[derive(Debug, Default)]
pub struct Pool {
    cands: Vec<Candidate>,
    taken: Vec<bool>,
    by_uri: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Pool {
    pub fn add(&mut self, c: Candidate) {
        let i = self.cands.len();
        if let Some(u) = &c.ident.uri {
            self.by_uri.entry(u.clone()).or_default().push(i);
        }
        if let Some(t) = &c.ident.track {
            self.by_name.entry(t.clone()).or_default().push(i);
        }
        self.cands.push(c);
        self.taken.push(false);
    }

    pub fn len(&self) -> usize {
        self.cands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cands.is_empty()
    }

    /// The candidate an extended row would merge with, without taking it.
    pub fn find(&self, ident: &Ident, ended: i64, ms_played: Option<i64>) -> Option<usize> {
        let mut idx: Vec<usize> = Vec::new();
        if let Some(u) = &ident.uri
            && let Some(v) = self.by_uri.get(u)
        {
            idx.extend(v);
        }
        if let Some(t) = &ident.track
            && let Some(v) = self.by_name.get(t)
        {
            idx.extend(v);
        }
        idx.into_iter()
            .filter(|&i| !self.taken[i])
            .filter(|&i| matches(&self.cands[i], Kind::Extended, ident, ended, ms_played))
            .min_by_key(|&i| preference(&self.cands[i], Kind::Extended, ms_played))
    }

    /// Mark `i` merged; returns its stored play id.
    pub fn take(&mut self, i: usize) -> Option<i64> {
        let t = self.taken.get_mut(i)?;
        *t = true;
        self.cands.get(i).map(|c| c.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn uri(n: u32) -> Ident {
        Ident::new(Some(&format!("spotify:track:{n}")), Some("x"), None)
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(norm("  Hey   Jude \t"), "hey jude");
        assert_eq!(norm("ÄBC"), "äbc");
        let a = Ident::new(None, Some("Hey Jude"), Some("The Beatles"));
        let b = Ident::new(
            Some("spotify:track:1"),
            Some("hey  jude"),
            Some("the beatles"),
        );
        assert!(same_item(&a, &b));
        let c = Ident::new(None, Some("Hey Jude"), Some("Wilson Pickett"));
        assert!(!same_item(&a, &c));
        let d = Ident::new(None, Some("Hey Jude"), None);
        assert!(same_item(&a, &d));
        assert!(!same_item(&Ident::default(), &Ident::default()));
        assert!(!same_item(&uri(1), &uri(2)));
    }

    #[test]
    fn window_edges() {
        let end = 1_000_000_000;
        assert!(api_in_extended(
            end - 200_000 - SLACK_MS,
            end,
            Some(200_000)
        ));
        assert!(!api_in_extended(
            end - 200_000 - SLACK_MS - 1,
            end,
            Some(200_000)
        ));
        assert!(api_in_extended(end + SLACK_MS, end, Some(200_000)));
        assert!(!api_in_extended(end + SLACK_MS + 1, end, Some(200_000)));
        assert!(api_in_extended(end, end, None));
        assert!(account_near_extended(end - 59_000, end));
        assert!(!account_near_extended(end - 71_000, end));
        assert!(api_in_account(end - 70_000 - 1000, end, Some(1000)));
    }

    /// A listening session: back-to-back or spaced plays of a few tracks.
    fn session() -> impl Strategy<Value = Vec<(u32, i64, i64)>> {
        prop::collection::vec((0u32..3, 1_000i64..400_000, 0i64..30_000), 1..40).prop_map(|v| {
            let mut t = 1_700_000_000_000i64;
            v.into_iter()
                .map(|(track, len, pause)| {
                    t += len;
                    let play = (track, t, len);
                    t += pause;
                    play
                })
                .collect()
        })
    }

    proptest! {
        /// Whether the API stamps a play at its start or its end, every API play merges with an
        /// export row of its track, one to one, so nothing is doubled or lost (and with plays
        /// more than the slack apart, with its own row).
        #[test]
        fn api_plays_pair_with_their_own_rows(plays in session(), at_start in any::<bool>(),
                                             seen in prop::collection::vec(any::<bool>(), 40)) {
            let mut pool = Pool::default();
            for (i, &(track, end, len)) in plays.iter().enumerate() {
                if !seen[i] { continue; }
                pool.add(Candidate {
                    id: i as i64,
                    kind: Kind::Api,
                    at: if at_start { end - len } else { end },
                    ms_played: None,
                    ident: uri(track),
                });
            }
            let mut merged = 0;
            for (i, &(track, end, len)) in plays.iter().enumerate() {
                if let Some(c) = pool.find(&uri(track), end, Some(len)) {
                    let id = pool.take(c).unwrap();
                    let (t, ..) = plays[id as usize];
                    prop_assert_eq!(t, track);
                    if seen[..=i].iter().all(|&s| s) {
                        prop_assert_eq!(id, i as i64, "row {} took play {}", i, id);
                    }
                    merged += 1;
                }
            }
            prop_assert_eq!(merged, plays.iter().enumerate().filter(|(i, _)| seen[*i]).count());
        }

        /// Account rows (end truncated to the minute) pair with their extended rows.
        #[test]
        fn account_rows_pair_with_extended(plays in session()) {
            let mut pool = Pool::default();
            for (i, &(track, end, len)) in plays.iter().enumerate() {
                pool.add(Candidate {
                    id: i as i64,
                    kind: Kind::Account,
                    at: end - end.rem_euclid(MINUTE_MS),
                    ms_played: Some(len),
                    ident: Ident::new(None, Some(&format!("Track {track}")), Some("A")),
                });
            }
            let mut merged = 0;
            for &(track, end, len) in &plays {
                let ident = Ident::new(Some(&format!("spotify:track:{track}")),
                                       Some(&format!("track {track}")), Some("a"));
                if let Some(c) = pool.find(&ident, end, Some(len)) {
                    pool.take(c).unwrap();
                    merged += 1;
                }
            }
            prop_assert_eq!(merged, plays.len());
        }

        /// The rule is symmetric: whichever record arrives first, the same pairs match.
        #[test]
        fn matching_is_symmetric(at in 0i64..10_000_000, end in 0i64..10_000_000,
                                 len in prop::option::of(0i64..5_000_000)) {
            let ident = uri(1);
            let api = Candidate { id: 0, kind: Kind::Api, at, ms_played: None, ident: ident.clone() };
            let ext = Candidate { id: 1, kind: Kind::Extended, at: end, ms_played: len, ident: ident.clone() };
            prop_assert_eq!(matches(&api, Kind::Extended, &ident, end, len),
                            matches(&ext, Kind::Api, &ident, at, None));
        }

        #[test]
        fn norm_is_idempotent(s in ".{0,40}") {
            let once = norm(&s);
            prop_assert_eq!(norm(&once), once.clone());
        }
    }
}
