//! MusicBrainz recording ids for the library's tracks, looked up by ISRC through the
//! MusicBrainz web service (`GET /ws/2/isrc/{isrc}?fmt=json&inc=artist-credits`), for exports
//! ListenBrainz and troi read (JSPF identifiers, listens' `recording_mbid`).
//!
//! The service's etiquette is kept: at most one request a second to musicbrainz.org (start to
//! start, [`MbConfig::interval`]), a User-Agent naming spotsync, its version and a contact
//! ([`user_agent`]), a 503 answered by waiting longer before trying again. Every answer is
//! kept in the database's cache as it arrives (`musicbrainz_isrcs`, a miss too), so a stopped
//! resolution resumes where it stopped and an ISRC is never asked twice. It talks to MusicBrainz
//! only: no Spotify request, no Spotify quota.

mod client;
mod resolve;

pub use client::{Lookup, MbClient};
pub use resolve::{Progress, Summary, resolve};

use std::time::Duration;

/// The public MusicBrainz server.
pub const DEFAULT_URL: &str = "https://musicbrainz.org/";

/// MusicBrainz's rule for its own servers: one request a second.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Why a resolution stopped.
#[derive(Debug, thiserror::Error)]
pub enum MbError {
    #[error("not a MusicBrainz server URL: {0}")]
    BadUrl(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("MusicBrainz refused spotsync's requests ({0}); check the contact in the User-Agent")]
    Refused(String),
    #[error("MusicBrainz did not answer after {tries} tries ({last}); run again later to resume")]
    Unavailable { tries: u32, last: String },
    #[error("cannot start an HTTP client: {0}")]
    Client(String),
    #[error("the resolution stopped: {0}")]
    Task(String),
}

/// Where and how to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MbConfig {
    /// The server's root (`https://musicbrainz.org/`); `ws/2/…` is appended.
    pub base_url: url::Url,
    pub user_agent: String,
    /// Time between two requests' starts.
    pub interval: Duration,
}

/// `spotsync/VERSION ( CONTACT )`, as MusicBrainz asks of every application; without a
/// contact, the project's name stands in it.
pub fn user_agent(contact: Option<&str>) -> String {
    let contact = contact
        .map(|c| c.trim().replace(['(', ')', '\r', '\n'], " "))
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| "spotsync, a Spotify library mirror".to_string());
    format!(
        "spotsync/{} ( {} )",
        env!("CARGO_PKG_VERSION"),
        contact.trim()
    )
}

/// Whether `url` is one of MusicBrainz's own servers (where one request a second is the rule).
fn is_musicbrainz_org(url: &url::Url) -> bool {
    url.host_str()
        .is_some_and(|h| h == "musicbrainz.org" || h.ends_with(".musicbrainz.org"))
}

impl MbConfig {
    /// The configuration for `base_url` (default [`DEFAULT_URL`]). `interval` below one second
    /// is taken only for another server (a mirror of your own, the simulator): musicbrainz.org
    /// is always asked at most once a second.
    pub fn new(
        base_url: Option<&str>,
        contact: Option<&str>,
        interval: Option<Duration>,
    ) -> Result<MbConfig, MbError> {
        let raw = base_url.unwrap_or(DEFAULT_URL);
        let mut url = url::Url::parse(raw).map_err(|e| MbError::BadUrl(format!("{raw}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(MbError::BadUrl(raw.to_string()));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        let mut interval = interval.unwrap_or(MIN_INTERVAL);
        if is_musicbrainz_org(&url) {
            interval = interval.max(MIN_INTERVAL);
        }
        Ok(MbConfig {
            base_url: url,
            user_agent: user_agent(contact),
            interval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn musicbrainz_org_is_never_asked_faster_than_once_a_second() {
        let fast = Some(Duration::from_millis(10));
        let c = MbConfig::new(None, None, fast).unwrap();
        assert_eq!(c.interval, MIN_INTERVAL);
        let c = MbConfig::new(Some("https://beta.musicbrainz.org"), None, fast).unwrap();
        assert_eq!(c.interval, MIN_INTERVAL);
        assert_eq!(c.base_url.as_str(), "https://beta.musicbrainz.org/");
        let c = MbConfig::new(Some("http://127.0.0.1:5000/mb"), None, fast).unwrap();
        assert_eq!(c.interval, Duration::from_millis(10));
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:5000/mb/");
        assert!(MbConfig::new(Some("ftp://x"), None, None).is_err());
        assert!(MbConfig::new(Some("not a url"), None, None).is_err());
    }

    #[test]
    fn the_user_agent_names_the_application_version_and_contact() {
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(
            user_agent(Some("me@example.com")),
            format!("spotsync/{v} ( me@example.com )")
        );
        assert_eq!(user_agent(Some(" (x)\n")), format!("spotsync/{v} ( x )"));
        assert!(user_agent(None).starts_with(&format!("spotsync/{v} ( spotsync")));
    }
}
