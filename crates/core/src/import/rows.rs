//! The rows of the export files as serde reads them, and their conversion into [`Record`]s.
//!
//! Every field may be null or absent. `ip_addr`, `user_agent` (and the older `*_decrypted`
//! variants, `username`) are not even read: spotsync has no use for personal data of that kind,
//! so it never reaches memory, let alone the database.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::merge::{Ident, MINUTE_MS, norm};
pub use super::time::{fmt_ms, offline_ms, parse_end_time, parse_export_ts, parse_stored};

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
