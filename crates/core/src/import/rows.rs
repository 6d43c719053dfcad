//! The rows of the export files as serde reads them, and their conversion into [`Record`]s.
//!
//! Every field may be null or absent. `ip_addr`, `user_agent` (and the older `*_decrypted`
//! variants, `username`) are not even read: spotsync has no use for personal data of that kind,
//! so it never reaches memory, let alone the database.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::merge::{Ident, MINUTE_MS, norm};

/// One row of `Streaming_History_Audio_*.json`, `Streaming_History_Video_*.json` or
/// `endsong_*.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtendedRow<'a> {
    #[serde(borrow)]
    pub ts: Option<Cow<'a, str>>,
    #[serde(deserialize_with = "lenient_i64")]
    pub ms_played: Option<i64>,
    #[serde(borrow)]
    pub platform: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub conn_country: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub master_metadata_track_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub master_metadata_album_artist_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub master_metadata_album_album_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub spotify_track_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub episode_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub episode_show_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub spotify_episode_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_chapter_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_chapter_title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub reason_start: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub reason_end: Option<Cow<'a, str>>,
    #[serde(deserialize_with = "lenient_bool")]
    pub shuffle: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub skipped: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub offline: Option<bool>,
    #[serde(deserialize_with = "lenient_i64")]
    pub offline_timestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_bool")]
    pub incognito_mode: Option<bool>,
}

/// One row of `StreamingHistory_music_*.json` or `StreamingHistory_podcast_*.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AccountRow<'a> {
    #[serde(borrow)]
    pub end_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub artist_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub track_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub podcast_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub episode_name: Option<Cow<'a, str>>,
    #[serde(deserialize_with = "lenient_i64")]
    pub ms_played: Option<i64>,
}

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
    /// `ended` and `offline_at` as stored text (made by the reader thread, off the writer's
    /// path).
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
}

/// Why a row was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// No `ts` / `endTime`, or one that is not a time.
    NoTime,
}

fn some(s: Option<Cow<'_, str>>) -> Option<String> {
    let s = s?;
    let t = s.trim();
    match t.len() {
        0 => None,
        n if n == s.len() => Some(s.into_owned()),
        _ => Some(t.to_owned()),
    }
}

/// The Spotify id of `spotify:track:ID` / `spotify:episode:ID` when it looks like one.
pub fn uri_id(uri: &str, kind: &str) -> Option<String> {
    let rest = uri
        .strip_prefix("spotify:")?
        .strip_prefix(kind)?
        .strip_prefix(':')?;
    (rest.len() == 22 && rest.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| rest.to_owned())
}

/// `2023-01-01T12:34:56Z` (any RFC 3339 time) as Unix ms.
pub fn parse_export_ts(s: &str) -> Option<i64> {
    let s = s.trim();
    fast_parse(s.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_millis())
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The common shapes `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ` without chrono
/// (an import parses hundreds of thousands); anything else goes to chrono.
fn fast_parse(b: &[u8]) -> Option<i64> {
    if !(b.len() == 20 || b.len() == 24) || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let ms = if b.len() == 24 {
        if b[19] != b'.' {
            return None;
        }
        num(20..23)?
    } else {
        0
    };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59
    {
        return None;
    }
    Some(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms)
}

/// `2023-01-01 12:34` (UTC, account data) as Unix ms; seconds are accepted too.
pub fn parse_end_time(s: &str) -> Option<i64> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .ok()
        .map(|t| Utc.from_utc_datetime(&t).timestamp_millis())
        .or_else(|| parse_export_ts(s))
}

/// `offline_timestamp` comes in seconds in some exports and milliseconds in others; 0 means none.
pub fn offline_ms(v: i64) -> Option<i64> {
    match v {
        v if v <= 0 => None,
        v if v >= 100_000_000_000 => Some(v),
        v => v.checked_mul(1000),
    }
}

/// Unix ms as the stored text, `2023-01-01T12:34:56.000Z` (sorts with the API's `played_at`).
pub fn fmt_ms(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, mo, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return Utc
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .unwrap_or_default();
    }
    let mut out = [0u8; 24];
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y);
    put(5, 2, mo);
    put(8, 2, d);
    put(11, 2, rem / 3_600_000);
    put(14, 2, rem / 60_000 % 60);
    put(17, 2, rem / 1000 % 60);
    put(20, 3, rem % 1000);
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        out[i] = c;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse stored text back to Unix ms.
pub fn parse_stored(s: &str) -> Option<i64> {
    parse_export_ts(s)
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

impl ExtendedRow<'_> {
    /// The row as a [`Record`], or why not.
    pub fn into_record(self) -> Result<Record, Rejected> {
        let ended = self
            .ts
            .as_deref()
            .and_then(parse_export_ts)
            .ok_or(Rejected::NoTime)?;
        let track_uri = some(self.spotify_track_uri);
        let episode_uri = some(self.spotify_episode_uri);
        let chapter_uri = some(self.audiobook_chapter_uri);
        let (item_type, uri, id, track_name, artist_name, album_name) =
            if track_uri.is_some() || self.master_metadata_track_name.is_some() {
                let id = track_uri.as_deref().and_then(|u| uri_id(u, "track"));
                (
                    Some(ItemType::Track),
                    track_uri,
                    id,
                    some(self.master_metadata_track_name),
                    some(self.master_metadata_album_artist_name),
                    some(self.master_metadata_album_album_name),
                )
            } else if episode_uri.is_some() || self.episode_name.is_some() {
                let id = episode_uri.as_deref().and_then(|u| uri_id(u, "episode"));
                (
                    Some(ItemType::Episode),
                    episode_uri,
                    id,
                    some(self.episode_name),
                    some(self.episode_show_name),
                    None,
                )
            } else if chapter_uri.is_some() || self.audiobook_chapter_title.is_some() {
                (
                    Some(ItemType::Chapter),
                    chapter_uri.or(some(self.audiobook_uri)),
                    None,
                    some(self.audiobook_chapter_title),
                    some(self.audiobook_title),
                    None,
                )
            } else {
                (None, None, None, None, None, None)
            };
        let ms_played = self.ms_played.filter(|m| *m >= 0);
        let offline_at = self.offline_timestamp.and_then(offline_ms);
        let ms_text = ms_played.map(|m| m.to_string()).unwrap_or_default();
        let ts_text = ended.to_string();
        let key = match &uri {
            Some(u) => record_key(ended, &["x", &ts_text, u, &ms_text]),
            None => record_key(
                ended,
                &[
                    "x",
                    &ts_text,
                    "",
                    &norm(track_name.as_deref().unwrap_or("")),
                    &norm(artist_name.as_deref().unwrap_or("")),
                    &ms_text,
                ],
            ),
        };
        Ok(Record {
            ended,
            item_type,
            uri,
            id,
            track_name,
            artist_name,
            album_name,
            ms_played,
            reason_start: some(self.reason_start),
            reason_end: some(self.reason_end),
            shuffle: self.shuffle,
            skipped: self.skipped,
            offline: self.offline,
            offline_at,
            incognito: self.incognito_mode,
            platform: some(self.platform),
            conn_country: some(self.conn_country),
            key,
            ended_text: fmt_ms(ended),
            offline_at_text: offline_at.map(fmt_ms),
        })
    }
}

impl AccountRow<'_> {
    /// The row as a [`Record`] (`ended` is the minute it names), or why not.
    pub fn into_record(self) -> Result<Record, Rejected> {
        let ended = self
            .end_time
            .as_deref()
            .and_then(parse_end_time)
            .ok_or(Rejected::NoTime)?;
        let ended = ended - ended.rem_euclid(MINUTE_MS);
        let podcast = self.podcast_name.is_some() || self.episode_name.is_some();
        let (item_type, track_name, artist_name) = if podcast {
            (
                Some(ItemType::Episode),
                some(self.episode_name),
                some(self.podcast_name),
            )
        } else {
            (
                Some(ItemType::Track),
                some(self.track_name),
                some(self.artist_name),
            )
        };
        let ms_played = self.ms_played.filter(|m| *m >= 0);
        let key = record_key(
            ended,
            &[
                "a",
                &ended.to_string(),
                &norm(artist_name.as_deref().unwrap_or("")),
                &norm(track_name.as_deref().unwrap_or("")),
                &ms_played.map(|m| m.to_string()).unwrap_or_default(),
            ],
        );
        Ok(Record {
            ended,
            item_type,
            uri: None,
            id: None,
            track_name,
            artist_name,
            album_name: None,
            ms_played,
            reason_start: None,
            reason_end: None,
            shuffle: None,
            skipped: None,
            offline: None,
            offline_at: None,
            incognito: None,
            platform: None,
            conn_country: None,
            key,
            ended_text: fmt_ms(ended),
            offline_at_text: None,
        })
    }
}

/// An integer that may come as a number (integer or float), a numeric string, or null.
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer, a numeric string or null")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).ok())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((v.is_finite() && v.abs() < 9.0e18).then_some(v as i64))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<i64>()
                .ok()
                .or_else(|| {
                    v.parse::<f64>()
                        .ok()
                        .and_then(|f| self.visit_f64::<E>(f).ok()?)
                })
                .map(Some)
                .ok_or_else(|| E::custom(format!("expected a number, found \"{v}\"")))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// A boolean that may come as `true`/`false`, 0/1, `"true"`/`"false"`, or null.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean or null")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                "" => Ok(None),
                _ => Err(E::custom(format!("expected a boolean, found \"{v}\""))),
            }
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ext(json: &str) -> ExtendedRow<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn extended_row_with_every_field() {
        let r = ext(
            r#"{"ts":"2023-01-01T12:34:56Z","username":"u","platform":"Android OS",
            "ms_played":183000,"conn_country":"DE","ip_addr":"203.0.113.9",
            "user_agent":"ua","master_metadata_track_name":"Song",
            "master_metadata_album_artist_name":"Artist","master_metadata_album_album_name":"Album",
            "spotify_track_uri":"spotify:track:4uLU6hMCjMI75M1A2tKUQC","episode_name":null,
            "episode_show_name":null,"spotify_episode_uri":null,"reason_start":"trackdone",
            "reason_end":"endplay","shuffle":true,"skipped":null,"offline":false,
            "offline_timestamp":1672576313,"incognito_mode":false}"#,
        )
        .into_record()
        .unwrap();
        assert_eq!(r.ended, 1_672_576_496_000);
        assert_eq!(r.id.as_deref(), Some("4uLU6hMCjMI75M1A2tKUQC"));
        assert_eq!(r.item_type, Some(ItemType::Track));
        assert_eq!(r.offline_at, Some(1_672_576_313_000));
        assert_eq!(r.skipped, None);
        assert_eq!(r.shuffle, Some(true));
        assert_eq!(fmt_ms(r.ended), "2023-01-01T12:34:56.000Z");
    }

    #[test]
    fn quirks() {
        // Absent fields, ms offline timestamp, episode, a row without a URI or time.
        let r = ext(r#"{"ts":"2020-05-01T00:00:00Z","spotify_episode_uri":"spotify:episode:0123456789abcdefghijkl",
            "episode_name":"Ep","episode_show_name":"Show","offline_timestamp":1588291200123}"#)
        .into_record()
        .unwrap();
        assert_eq!(r.item_type, Some(ItemType::Episode));
        assert_eq!(r.artist_name.as_deref(), Some("Show"));
        assert_eq!(r.offline_at, Some(1_588_291_200_123));
        let n = ext(r#"{"ts":"2020-05-01T00:00:00Z","ms_played":"1200","skipped":1}"#)
            .into_record()
            .unwrap();
        assert_eq!(
            (n.item_type, n.ms_played, n.skipped),
            (None, Some(1200), Some(true))
        );
        assert_eq!(ext(r#"{"ts":null}"#).into_record(), Err(Rejected::NoTime));
        assert_eq!(
            ext(r#"{"ts":"yesterday"}"#).into_record(),
            Err(Rejected::NoTime)
        );
        assert!(serde_json::from_str::<ExtendedRow>(r#"{"ms_played":"abc"}"#).is_err());
    }

    #[test]
    fn account_rows() {
        let a: AccountRow = serde_json::from_str(
            r#"{"endTime":"2023-01-01 12:34","artistName":"A","trackName":"T","msPlayed":1000}"#,
        )
        .unwrap();
        let r = a.into_record().unwrap();
        assert_eq!(fmt_ms(r.ended), "2023-01-01T12:34:00.000Z");
        let p: AccountRow = serde_json::from_str(
            r#"{"endTime":"2023-01-01 12:34","podcastName":"P","episodeName":"E","msPlayed":1}"#,
        )
        .unwrap();
        assert_eq!(p.into_record().unwrap().item_type, Some(ItemType::Episode));
    }

    proptest! {
        /// The fast paths agree with chrono everywhere.
        #[test]
        fn times_agree_with_chrono(ms in -62_000_000_000_000i64..253_402_300_799_999) {
            let chrono_text = Utc.timestamp_millis_opt(ms).unwrap()
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            prop_assert_eq!(fmt_ms(ms), chrono_text.clone());
            prop_assert_eq!(parse_export_ts(&chrono_text), Some(ms));
            let secs = Utc.timestamp_millis_opt(ms - ms.rem_euclid(1000)).unwrap()
                .to_rfc3339_opts(SecondsFormat::Secs, true);
            prop_assert_eq!(parse_export_ts(&secs), Some(ms - ms.rem_euclid(1000)));
        }

        #[test]
        fn odd_times_are_refused_like_chrono(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z") {
            let c = DateTime::parse_from_rfc3339(&s).ok().map(|t| t.timestamp_millis());
            prop_assert_eq!(parse_export_ts(&s), c);
        }

        #[test]
        fn offline_timestamp_units_agree(secs in 1_000_000_000i64..4_000_000_000) {
            prop_assert_eq!(offline_ms(secs), offline_ms(secs * 1000));
        }

        /// Whatever a row holds, reading it never panics.
        #[test]
        fn any_row_is_read_or_refused(ts in ".{0,30}", ms in any::<i64>(), off in any::<i64>(),
                                      uri in ".{0,40}") {
            let row = ExtendedRow { ts: Some(ts.into()), ms_played: Some(ms), offline_timestamp: Some(off),
                                    spotify_track_uri: Some(uri.into()), ..ExtendedRow::default() };
            let _ = row.into_record();
            let _ = parse_end_time(&format!("{off}"));
            let _ = fmt_ms(off);
        }

        #[test]
        fn keys_are_stable_and_ordered(a in "[a-z]{1,8}", b in "[a-z]{1,8}",
                                       t in 0i64..4_000_000_000_000, dt in 1000i64..1_000_000) {
            prop_assert_eq!(record_key(t, &[&a, &b]), record_key(t, &[&a, &b]));
            prop_assert!(record_key(t, &[&a]) < record_key(t + dt - t.rem_euclid(1000), &[&b]));
        }
    }
}
