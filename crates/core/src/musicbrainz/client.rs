//! One ISRC lookup over HTTP, and what its answer means. Every server value is untrusted: an
//! answer that cannot be read is a failure to retry, never a panic or a wrong id.

use std::time::Duration;

use serde::Deserialize;

use super::{MbConfig, MbError};
use crate::store::musicbrainz::{MbArtist, MbRecording};

/// What one lookup gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Vec<MbRecording>),
    NotFound,
    /// MusicBrainz refused the ISRC as malformed (400).
    Invalid,
    /// 503: too fast, or the service is busy; wait before asking again.
    Slow {
        retry_after: Option<Duration>,
    },
    /// 401/403: the User-Agent is refused; asking again will not help.
    Refused(String),
    /// Anything else (a network error, a 5xx, an unreadable body): worth another try.
    Failed(String),
}

#[derive(Deserialize)]
struct IsrcAnswer {
    #[serde(default)]
    recordings: Vec<RecordingAnswer>,
}

#[derive(Deserialize)]
struct RecordingAnswer {
    id: String,
    title: Option<String>,
    length: Option<u64>,
    #[serde(rename = "artist-credit", default)]
    artist_credit: Vec<CreditAnswer>,
}

#[derive(Deserialize)]
struct CreditAnswer {
    artist: Option<ArtistAnswer>,
}

#[derive(Deserialize)]
struct ArtistAnswer {
    id: String,
    name: Option<String>,
}

/// Whether `s` is a UUID as MusicBrainz writes them (36 characters, hex and dashes).
pub fn is_mbid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Read a 200 body: the recordings with a well-formed id (others are dropped, with their
/// artists).
pub fn parse_answer(body: &[u8]) -> Result<Vec<MbRecording>, String> {
    let a: IsrcAnswer =
        serde_json::from_slice(body).map_err(|e| format!("unreadable answer: {e}"))?;
    Ok(a.recordings
        .into_iter()
        .filter(|r| is_mbid(&r.id))
        .map(|r| MbRecording {
            id: r.id.to_ascii_lowercase(),
            title: r.title,
            length_ms: r.length,
            artists: r
                .artist_credit
                .into_iter()
                .filter_map(|c| c.artist)
                .filter(|a| is_mbid(&a.id))
                .map(|a| MbArtist {
                    id: a.id.to_ascii_lowercase(),
                    name: a.name,
                })
                .collect(),
        })
        .collect())
}

/// The HTTP side: one client, the configured User-Agent, a bounded wait per request.
#[derive(Debug, Clone)]
pub struct MbClient {
    http: reqwest::Client,
    config: MbConfig,
}

/// The longest body read (a real answer for one ISRC is a few kilobytes).
const MAX_BODY: usize = 1 << 20;

impl MbClient {
    pub fn new(config: MbConfig) -> Result<MbClient, MbError> {
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| MbError::Client(e.to_string()))?;
        Ok(MbClient { http, config })
    }

    pub fn config(&self) -> &MbConfig {
        &self.config
    }

    /// Look one ISRC up (already normalised: upper case, no dashes).
    pub async fn lookup(&self, isrc: &str) -> Lookup {
        let mut url = self.config.base_url.clone();
        let path = format!("{}ws/2/isrc/{isrc}", url.path());
        url.set_path(&path);
        url.set_query(Some("fmt=json&inc=artist-credits"));
        let resp = match self.http.get(url).send().await {
            Ok(r) => r,
            Err(e) => return Lookup::Failed(format!("network: {e}")),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(3600)));
        let body = match read_bounded(resp).await {
            Ok(b) => b,
            Err(e) => return Lookup::Failed(e),
        };
        match status {
            200 => match parse_answer(&body) {
                Ok(recs) if recs.is_empty() => Lookup::NotFound,
                Ok(recs) => Lookup::Found(recs),
                Err(e) => Lookup::Failed(e),
            },
            404 => Lookup::NotFound,
            400 => Lookup::Invalid,
            503 | 429 => Lookup::Slow { retry_after },
            401 | 403 => Lookup::Refused(format!("HTTP {status}")),
            s => Lookup::Failed(format!("HTTP {s}")),
        }
    }
}

async fn read_bounded(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| format!("network: {e}"))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("answer too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_and_bad_ids_dropped() {
        let body = br#"{"isrc":"X","recordings":[
            {"id":"8F3471B5-7E6A-48DA-86A9-C1C07A0F47AE","title":"Gold","length":233000,
             "artist-credit":[{"name":"S","joinphrase":"","artist":{"id":"4c0d9acf-a8a1-4765-9c56-05f92f68c048","name":"S"}},
                              {"name":"bad","artist":{"id":"nope"}}]},
            {"id":"not-a-uuid","title":"x"},
            {"id":"e8f9b188-f819-4e43-ab0f-4bd26ce9ff56","title":null,"length":null}]}"#;
        let recs = parse_answer(body).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id, "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae");
        assert_eq!(recs[0].artists.len(), 1);
        assert_eq!(recs[1].length_ms, None);
        assert!(parse_answer(b"<html>").is_err());
        assert!(parse_answer(br#"{"recordings": 3}"#).is_err());
        assert!(is_mbid("4c0d9acf-a8a1-4765-9c56-05f92f68c048"));
        assert!(!is_mbid("4c0d9acf-a8a1-4765-9c56-05f92f68c04"));
        assert!(!is_mbid("4c0d9acf0a8a104765-9c56-05f92f68c048"));
    }
}
