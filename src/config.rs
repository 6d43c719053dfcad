//! The TOML config file and the XDG paths spotsync uses.
//!
//! Owned by the accounts work (issue 5), which documents every key and turns a missing or wrong
//! config into a message that says exactly what to do. The engine reads [`Config`]; front ends
//! resolve [`Paths`] from the global flags.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::GlobalArgs;
use crate::sync::Phase;

/// Default redirect URI: a loopback IP literal (Spotify rejects `localhost`).
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8888/callback";

/// `config.toml`. Every field has a default, so an absent file is a valid config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Client ID of your app on the Spotify developer dashboard (`SPOTIFY_CLIENT_ID` overrides).
    pub client_id: Option<String>,
    /// Redirect URI registered for that app.
    pub redirect_uri: String,
    pub sync: SyncConfig,
    pub daemon: DaemonConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            client_id: None,
            redirect_uri: DEFAULT_REDIRECT_URI.to_string(),
            sync: SyncConfig::default(),
            daemon: DaemonConfig::default(),
        }
    }
}

/// `[sync]`: pacing and budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Requests the engine allows itself per rolling 30 seconds before any 429 teaches it less.
    pub requests_per_window: u32,
    /// Our own cap on requests per rolling 24 hours (0 = no cap; Spotify's quota still applies).
    pub max_calls_per_day: u64,
    /// Phases a plain `spotsync sync` runs, in order.
    pub phases: Vec<Phase>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            requests_per_window: 60,
            max_calls_per_day: 0,
            phases: Phase::ALL.to_vec(),
        }
    }
}

/// `[daemon]`: the schedule of `spotsync daemon`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// Interval between incremental syncs, e.g. "30m".
    pub every: String,
    /// Interval between listening-history polls, e.g. "10m".
    pub plays_every: String,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            every: "30m".into(),
            plays_every: "10m".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot find a home directory to keep spotsync's data in; pass --db and --config")]
    NoHome,
}

impl Config {
    /// Load `path`; an absent file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// The client id, `SPOTIFY_CLIENT_ID` first.
    pub fn client_id(&self) -> Option<String> {
        std::env::var("SPOTIFY_CLIENT_ID")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| self.client_id.clone())
    }
}

/// Where spotsync keeps its files.
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    pub config_file: PathBuf,
    /// The database (`--db`, `SPOTSYNC_DB`, else `<data_dir>/spotsync.db`).
    pub db: PathBuf,
    /// The token file (mode 0600), beside the database's data dir.
    pub token_file: PathBuf,
    /// Log files (tracing-appender).
    pub log_dir: PathBuf,
}

impl Paths {
    /// Resolve from the global flags and the XDG base directories.
    pub fn resolve(global: &GlobalArgs) -> Result<Paths, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "spotsync");
        let data_dir = match &dirs {
            Some(d) => d.data_dir().to_path_buf(),
            None if global.db.is_some() => global
                .db
                .as_ref()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .unwrap_or_default(),
            None => return Err(ConfigError::NoHome),
        };
        let config_file = match (&global.config, &dirs) {
            (Some(p), _) => p.clone(),
            (None, Some(d)) => d.config_dir().join("config.toml"),
            (None, None) => return Err(ConfigError::NoHome),
        };
        let state_dir = dirs
            .as_ref()
            .and_then(|d| d.state_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| data_dir.clone());
        Ok(Paths {
            config_file,
            db: global
                .db
                .clone()
                .unwrap_or_else(|| data_dir.join("spotsync.db")),
            token_file: data_dir.join("token.json"),
            log_dir: state_dir.join("logs"),
        })
    }
}
