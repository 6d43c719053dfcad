//! A play read from a data export, as the store takes it: [`Record`], with its source's key
//! ([`record_key`]) and the plausible span of play times ([`plausible`]).

use super::merge::Ident;

/// What was played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    Track,
    Episode,
    Chapter,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Track => "track",
            ItemType::Episode => "episode",
            ItemType::Chapter => "chapter",
        }
    }
}

/// A play read from an export, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// End of the stream, Unix ms (account data: the minute).
    pub ended: i64,
    pub item_type: Option<ItemType>,
    pub uri: Option<String>,
    /// The Spotify id when `uri` is a track or episode URI.
    pub id: Option<String>,
    /// Track, episode or chapter title.
    pub track_name: Option<String>,
    /// Album artist, artist, show or audiobook.
    pub artist_name: Option<String>,
    pub album_name: Option<String>,
    pub ms_played: Option<i64>,
    pub reason_start: Option<String>,
    pub reason_end: Option<String>,
    pub shuffle: Option<bool>,
    pub skipped: Option<bool>,
    pub offline: Option<bool>,
    /// `offline_timestamp` in Unix ms, whether the file gave seconds or milliseconds.
    pub offline_at: Option<i64>,
    pub incognito: Option<bool>,
    pub platform: Option<String>,
    pub conn_country: Option<String>,
    /// The source's own key of this play (see [`record_key`]).
    pub key: i64,
    /// `ended` and `offline_at` as stored text (made by the reader, off the writer's path).
    pub ended_text: String,
    pub offline_at_text: Option<String>,
}

impl Record {
    pub fn ident(&self) -> Ident {
        Ident::new(
            self.uri.as_deref(),
            self.track_name.as_deref(),
            self.artist_name.as_deref(),
        )
    }

    /// The Spotify id of the track played, if it is one.
    pub fn track_id(&self) -> Option<&str> {
        (self.item_type == Some(ItemType::Track))
            .then_some(self.id.as_deref())
            .flatten()
    }

    /// The Spotify id of the episode played, if it is one.
    pub fn episode_id(&self) -> Option<&str> {
        (self.item_type == Some(ItemType::Episode))
            .then_some(self.id.as_deref())
            .flatten()
    }

    /// Bytes of text the record holds (what a batch of records costs in memory).
    pub fn text_bytes(&self) -> usize {
        [
            &self.uri,
            &self.id,
            &self.track_name,
            &self.artist_name,
            &self.album_name,
            &self.reason_start,
            &self.reason_end,
            &self.platform,
            &self.conn_country,
            &self.offline_at_text,
        ]
        .iter()
        .map(|s| s.as_ref().map_or(0, String::len))
        .sum::<usize>()
            + self.ended_text.len()
    }
}

/// A stable 64-bit key of the fields that make a row the same play: stable across versions and
/// runs, so a re-import finds what it stored before. The high bits are the row's second (so keys
/// grow with time and the unique index is appended to, not scattered), the low 22 bits an FNV-1a
/// hash of `parts`: two different rows collide only within the same second, about once in
/// four million such pairs.
pub fn record_key(ended_ms: i64, parts: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let secs = ended_ms.div_euclid(1000).clamp(-(1 << 40), 1 << 40);
    (secs << 22) | (h & 0x3F_FFFF) as i64
}

/// The first moment a play can have happened: 2006-01-01T00:00:00Z, the year Spotify was
/// founded (Unix ms).
pub const EARLIEST_PLAY_MS: i64 = 1_136_073_600_000;
/// How far past the clock a play may be stamped (clocks differ a little): a day, as the poll
/// allows.
pub const FUTURE_TOLERANCE_MS: i64 = 86_400_000;

/// Why a play's time cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implausible {
    /// Before [`EARLIEST_PLAY_MS`].
    BeforeSpotify,
    /// More than [`FUTURE_TOLERANCE_MS`] past `now`.
    InTheFuture,
}

/// Whether a play that ended at `ended` (Unix ms) can have happened, seen at `now` (Unix ms):
/// not before Spotify existed, not more than a day in the future. A play outside is refused
/// (year 0000 or 9999 would stretch the history's span and close real gaps).
pub fn plausible(ended: i64, now: i64) -> Result<(), Implausible> {
    if ended < EARLIEST_PLAY_MS {
        Err(Implausible::BeforeSpotify)
    } else if ended > now.saturating_add(FUTURE_TOLERANCE_MS) {
        Err(Implausible::InTheFuture)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plausible_times() {
        let now = 1_780_000_000_000;
        assert_eq!(plausible(EARLIEST_PLAY_MS, now), Ok(()));
        assert_eq!(
            plausible(EARLIEST_PLAY_MS - 1, now),
            Err(Implausible::BeforeSpotify)
        );
        assert_eq!(plausible(now + FUTURE_TOLERANCE_MS, now), Ok(()));
        assert_eq!(
            plausible(now + FUTURE_TOLERANCE_MS + 1, now),
            Err(Implausible::InTheFuture)
        );
        assert_eq!(plausible(i64::MIN, now), Err(Implausible::BeforeSpotify));
        assert_eq!(plausible(i64::MAX, i64::MAX), Ok(()));
    }

    proptest! {
        #[test]
        fn keys_are_stable_and_ordered(a in "[a-z]{1,8}", b in "[a-z]{1,8}",
                                       t in 0i64..4_000_000_000_000, dt in 1000i64..1_000_000) {
            prop_assert_eq!(record_key(t, &[&a, &b]), record_key(t, &[&a, &b]));
            prop_assert!(record_key(t, &[&a]) < record_key(t + dt - t.rem_euclid(1000), &[&b]));
        }
    }
}
