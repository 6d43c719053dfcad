//! A simulated MusicBrainz web service, for the MusicBrainz id resolution: the ISRC lookup
//! `GET /ws/2/isrc/{isrc}?fmt=json[&inc=artist-credits]` with the real service's answer shape
//! (`{"isrc": …, "recordings": [{"id", "title", "length", "disambiguation", "video",
//! "first-release-date", "artist-credit": [{"name", "joinphrase", "artist": {"id", "name",
//! "sort-name", "disambiguation"}}]}]}`) and its etiquette:
//!
//! - no `User-Agent`, or a generic library's default (`reqwest/…`, `python-requests/…`,
//!   `curl/…`, `Java/…`, `Go-http-client/…`), is refused with 403, as MusicBrainz blocks them;
//! - a request that starts less than the minimum interval (1 s, MusicBrainz's rule; settable)
//!   after the previous answered one gets 503 and is not answered;
//! - an ISRC that is not 2 letters, 3 letters or digits and 7 digits is a 400; an ISRC
//!   MusicBrainz does not know is a 404 `{"error": "Not Found", …}`.
//!
//! Which ISRCs are known is a pure function of the ISRC ([`lookup`]): about 7 in 10 have one
//! recording, 1 in 10 two (the same ISRC on two MusicBrainz recordings happens), 2 in 10 none.
//! The answers are independent of the Spotify library, so any ISRC can be asked.
//!
//! Controls: `GET /__sim/musicbrainz/stats` ([`MbStats`]) and `POST /__sim/musicbrainz/settings`
//! (`{"min_interval_ms": N, "fail_next": N}`: the next N lookups answer 503 whatever their
//! pace). None of this counts in the Spotify statistics.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// MusicBrainz's rule: at most one request a second.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(1);

/// What the simulated service has seen (`GET /__sim/musicbrainz/stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MbStats {
    /// Every request to `/ws/2/isrc/…`.
    pub requests: u64,
    /// Answered 200 or 404.
    pub answered: u64,
    pub not_found: u64,
    pub invalid: u64,
    /// 503: faster than the minimum interval, or a staged failure.
    pub rate_limited: u64,
    /// 403: no or a generic User-Agent.
    pub forbidden: u64,
    /// The smallest gap between two answered requests' starts, in milliseconds.
    pub min_gap_ms: Option<u64>,
    /// The User-Agents seen, with their counts.
    pub user_agents: BTreeMap<String, u64>,
    /// Answered lookups per ISRC (as asked, upper-cased).
    pub lookups: BTreeMap<String, u64>,
}

#[derive(Debug)]
struct MbState {
    min_interval: Duration,
    fail_next: u32,
    last_answered: Option<Instant>,
    stats: MbStats,
}

type Shared = Arc<Mutex<MbState>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, MbState> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// The routes, with their own state (they share nothing with the Spotify side).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let state: Shared = Arc::new(Mutex::new(MbState {
        min_interval: DEFAULT_MIN_INTERVAL,
        fail_next: 0,
        last_answered: None,
        stats: MbStats::default(),
    }));
    Router::new()
        .route("/ws/2/isrc/{isrc}", get(isrc_lookup))
        .route("/__sim/musicbrainz/stats", get(stats))
        .route("/__sim/musicbrainz/settings", post(settings))
        .with_state(state)
}

/// One recording of an ISRC, as the simulated MusicBrainz knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRecording {
    pub id: String,
    pub title: String,
    pub length_ms: u32,
    /// (artist MBID, name)
    pub artists: Vec<(String, String)>,
}

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

/// A version-4-shaped UUID from a digest.
fn uuid(d: &[u8; 32]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Whether `isrc` has the ISRC shape (CC-XXX-YY-NNNNN without the dashes).
pub fn valid_isrc(isrc: &str) -> bool {
    let b = isrc.as_bytes();
    b.len() == 12
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..5].iter().all(u8::is_ascii_alphanumeric)
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// The recordings the simulated MusicBrainz holds for `isrc` (upper-cased first); empty when
/// it does not know it. Deterministic.
pub fn lookup(isrc: &str) -> Vec<SimRecording> {
    let isrc = isrc.to_ascii_uppercase();
    let d = digest(&["isrc", &isrc]);
    let recordings = match d[0] % 10 {
        0..=6 => 1,
        7 => 2,
        _ => 0,
    };
    (0..recordings)
        .map(|i| {
            let n = i.to_string();
            let r = digest(&["recording", &isrc, &n]);
            let artists = 1 + usize::from(r[1].is_multiple_of(3));
            SimRecording {
                id: uuid(&r),
                title: format!("Recording {} {}", &isrc[5..], i + 1),
                length_ms: 90_000 + u32::from_be_bytes([0, r[2], r[3], r[4]]) % 300_000,
                artists: (0..artists)
                    .map(|a| {
                        let k = u32::from(r[5 + a]) % 500;
                        let ad = digest(&["artist", &k.to_string()]);
                        (uuid(&ad), format!("MB Artist {k}"))
                    })
                    .collect(),
            }
        })
        .collect()
}

fn recording_json(r: &SimRecording, credits: bool) -> Value {
    let mut v = json!({
        "id": r.id,
        "title": r.title,
        "length": r.length_ms,
        "disambiguation": "",
        "video": false,
        "first-release-date": "2001-01-01",
    });
    if credits {
        let n = r.artists.len();
        v["artist-credit"] = r
            .artists
            .iter()
            .enumerate()
            .map(|(i, (id, name))| {
                json!({
                    "name": name,
                    "joinphrase": if i + 1 < n { " & " } else { "" },
                    "artist": {"id": id, "name": name, "sort-name": name, "disambiguation": ""},
                })
            })
            .collect();
    }
    v
}

fn error(status: StatusCode, msg: &str) -> Response {
    (
        status,
        Json(json!({"error": msg, "help": "For usage, please see: https://musicbrainz.org/development/mmd"})),
    )
        .into_response()
}

/// A generic HTTP library's default User-Agent, which MusicBrainz blocks.
fn generic_agent(ua: &str) -> bool {
    let ua = ua.trim().to_ascii_lowercase();
    ua.is_empty()
        || [
            "reqwest/",
            "python-requests/",
            "python-urllib/",
            "curl/",
            "java/",
            "go-http-client/",
            "wget/",
        ]
        .iter()
        .any(|p| ua.starts_with(p))
}

/// Count the request and decide whether it is answered (`None`) or refused.
fn admit(s: &Shared, ua: &str) -> Option<Response> {
    let mut st = lock(s);
    st.stats.requests += 1;
    *st.stats.user_agents.entry(ua.to_string()).or_default() += 1;
    if generic_agent(ua) {
        st.stats.forbidden += 1;
        return Some(error(
            StatusCode::FORBIDDEN,
            "Please provide a meaningful User-Agent: application name, version and contact.",
        ));
    }
    let now = Instant::now();
    let gap = st.last_answered.map(|t| now.duration_since(t));
    if st.fail_next > 0 || gap.is_some_and(|g| g < st.min_interval) {
        st.fail_next = st.fail_next.saturating_sub(1);
        st.stats.rate_limited += 1;
        return Some(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Your requests are exceeding the allowable rate limit. Please see \
             https://wiki.musicbrainz.org/XMLWebService for more information.",
        ));
    }
    if let Some(g) = gap {
        let ms = u64::try_from(g.as_millis()).unwrap_or(u64::MAX);
        st.stats.min_gap_ms = Some(st.stats.min_gap_ms.map_or(ms, |m| m.min(ms)));
    }
    st.last_answered = Some(now);
    None
}

async fn isrc_lookup(
    State(s): State<Shared>,
    Path(isrc): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if let Some(refused) = admit(&s, &ua) {
        return refused;
    }
    let mut st = lock(&s);
    st.stats.answered += 1;
    if q.get("fmt").map(String::as_str) != Some("json") {
        st.stats.invalid += 1;
        return error(
            StatusCode::BAD_REQUEST,
            "this simulator answers fmt=json only",
        );
    }
    if !valid_isrc(&isrc) {
        st.stats.invalid += 1;
        return error(StatusCode::BAD_REQUEST, "Invalid isrc.");
    }
    let isrc = isrc.to_ascii_uppercase();
    *st.stats.lookups.entry(isrc.clone()).or_default() += 1;
    let recordings = lookup(&isrc);
    if recordings.is_empty() {
        st.stats.not_found += 1;
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let credits = q
        .get("inc")
        .is_some_and(|inc| inc.split(['+', ' ']).any(|i| i == "artist-credits"));
    let recordings: Vec<Value> = recordings
        .iter()
        .map(|r| recording_json(r, credits))
        .collect();
    Json(json!({"isrc": isrc, "recordings": recordings})).into_response()
}

async fn stats(State(s): State<Shared>) -> Json<MbStats> {
    Json(lock(&s).stats.clone())
}

#[derive(Debug, Deserialize)]
struct SettingsBody {
    min_interval_ms: Option<u64>,
    fail_next: Option<u32>,
    /// Forget the statistics.
    #[serde(default)]
    reset_stats: bool,
}

async fn settings(State(s): State<Shared>, Json(b): Json<SettingsBody>) -> Json<Value> {
    let mut st = lock(&s);
    if let Some(ms) = b.min_interval_ms {
        st.min_interval = Duration::from_millis(ms);
    }
    if let Some(n) = b.fail_next {
        st.fail_next = n;
    }
    if b.reset_stats {
        st.stats = MbStats::default();
        st.last_answered = None;
    }
    let ms = u64::try_from(st.min_interval.as_millis()).unwrap_or(u64::MAX);
    Json(json!({"min_interval_ms": ms, "fail_next": st.fail_next}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_deterministic_and_shaped() {
        assert!(valid_isrc("USABC1234567"));
        assert!(!valid_isrc("USABC123456"));
        assert!(!valid_isrc("1SABC1234567"));
        let isrcs: Vec<String> = (0..200).map(|i| format!("QZABC26{i:05}")).collect();
        let found = isrcs.iter().filter(|i| !lookup(i).is_empty()).count();
        assert!((120..=190).contains(&found), "{found}");
        assert!(isrcs.iter().any(|i| lookup(i).len() == 2));
        let r = lookup(&isrcs[0]);
        assert_eq!(r, lookup(&isrcs[0].to_lowercase()));
        for rec in isrcs.iter().flat_map(|i| lookup(i)) {
            assert_eq!(rec.id.len(), 36);
            assert_eq!(&rec.id[14..15], "4");
        }
        assert!(generic_agent("reqwest/0.12"));
        assert!(generic_agent(""));
        assert!(!generic_agent("spotsync/0.1.0 ( me@example.com )"));
    }
}
