//! The TOML config file and the XDG paths spotsync uses.
//!
//! Every key is optional and documented (with its default) in [`CONFIG_TEMPLATE`] and the README.
//! A missing or wrong config gives a message that says exactly what to do ([`setup_guide`]).
//! The engine reads [`Config`]; front ends resolve [`Paths`] from the global flags.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::{GlobalArgs, parse_interval};
use spotsync_core::quota::Schedule;
use spotsync_core::sync::Phase;
pub use spotsync_core::sync::SyncConfig;

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

impl DaemonConfig {
    /// `every` as a duration.
    pub fn every(&self) -> Result<std::time::Duration, String> {
        parse_interval(&self.every)
    }
    /// `plays_every` as a duration.
    pub fn plays_every(&self) -> Result<std::time::Duration, String> {
        parse_interval(&self.plays_every)
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

/// The largest config file read (a documented one is about 2 KiB): `--config /dev/zero` or a
/// wrong path to a big file is refused instead of read until memory runs out.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The config file's text, `None` when there is none. At most [`MAX_CONFIG_BYTES`] are read.
fn read_config_text(path: &Path) -> Result<Option<String>, ConfigError> {
    use std::io::Read;
    let read_err = |source| ConfigError::Read {
        path: path.to_owned(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(read_err(source)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
        });
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| ConfigError::Parse {
            path: path.to_owned(),
            message: "it is not UTF-8 text".into(),
        })
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "config file {path} is larger than 1 MiB: it is not a spotsync config (check --config \
         or SPOTSYNC_CONFIG)"
    )]
    TooLarge { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot find a home directory to keep spotsync's data in; pass --db and --config")]
    NoHome,
    #[error("config file {path}: `{key}` is not valid: {message}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
    #[error("cannot write config file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// Load `path`; an absent file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let Some(text) = read_config_text(path)? else {
            return Ok(Config::default());
        };
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: format!(
                "{}\nFix or delete it: every key is optional, and `spotsync auth --client-id ID` \
                 writes a documented one.",
                e.to_string().trim_end()
            ),
        })?;
        config.validate(path)?;
        let mut config = config;
        config.sync.schedule = config.schedule();
        Ok(config)
    }

    /// Check the values serde cannot: the redirect URI, the client id, the daemon intervals.
    pub fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            message,
        };
        if let Some(id) = &self.client_id {
            check_client_id(id).map_err(|m| invalid("client_id", m))?;
        }
        check_redirect_uri(&self.redirect_uri).map_err(|m| invalid("redirect_uri", m))?;
        if self.sync.requests_per_window == 0 {
            return Err(invalid(
                "sync.requests_per_window",
                "must be at least 1".into(),
            ));
        }
        if self.sync.phases.is_empty() {
            return Err(invalid(
                "sync.phases",
                format!("name at least one of {}", phase_names(&Phase::ALL)),
            ));
        }
        if self
            .sync
            .phases
            .iter()
            .all(|p| self.sync.enrich_disabled(*p))
        {
            return Err(invalid(
                "sync.phases",
                format!(
                    "names only {}, which `sync.enrich` leaves out: add {} to `sync.enrich` \
                     (\"artists\", \"albums\"), or name other phases",
                    phase_names(&self.sync.phases),
                    if self.sync.phases.len() == 1 {
                        "it"
                    } else {
                        "them"
                    }
                ),
            ));
        }
        self.daemon
            .every()
            .map_err(|m| invalid("daemon.every", m))?;
        self.daemon
            .plays_every()
            .map_err(|m| invalid("daemon.plays_every", m))?;
        Ok(())
    }

    /// The daemon's cadence as the engine sizes its reserve from it (the defaults where a value
    /// does not parse; [`Config::validate`] refuses those).
    pub fn schedule(&self) -> Schedule {
        let d = Schedule::default();
        Schedule {
            every: self.daemon.every().unwrap_or(d.every),
            plays_every: self.daemon.plays_every().unwrap_or(d.plays_every),
        }
    }

    /// The client id, `SPOTIFY_CLIENT_ID` first.
    pub fn client_id(&self) -> Option<String> {
        std::env::var("SPOTIFY_CLIENT_ID")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| self.client_id.clone())
    }
}

/// `"tracks", "playlists", …`: phase names as the config spells them.
fn phase_names(phases: &[Phase]) -> String {
    phases
        .iter()
        .map(|p| format!("{:?}", p.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
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

/// The engine's options for these flags, paths and config, with `credentials`: what every front
/// end (the commands, the terminal app) starts the engine with.
pub fn engine_options(
    global: &GlobalArgs,
    paths: &Paths,
    config: &Config,
    credentials: spotsync_core::spotify::Credentials,
) -> spotsync_core::sync::EngineOptions {
    spotsync_core::sync::EngineOptions {
        db: paths.db.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        credentials,
        config: config.sync.clone(),
    }
}

/// A Spotify client id: the 32 hexadecimal characters shown on the app's dashboard page.
pub fn check_client_id(id: &str) -> Result<(), String> {
    let id = id.trim();
    if id.is_empty() {
        return Err("is empty; copy the Client ID from your app's page on \
                    https://developer.spotify.com/dashboard"
            .into());
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "{id:?} is not a client id (letters and digits only); copy the Client ID from your \
             app's page on https://developer.spotify.com/dashboard"
        ));
    }
    Ok(())
}

/// Spotify accepts HTTPS redirect URIs and `http://` ones on a loopback IP literal only.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let url = url::Url::parse(uri).map_err(|e| {
        format!("{uri:?} is not a URL ({e}); the usual value is \"{DEFAULT_REDIRECT_URI}\"")
    })?;
    match (url.scheme(), url.host()) {
        (_, Some(url::Host::Domain(d))) if d.eq_ignore_ascii_case("localhost") => Err(format!(
            "{uri:?}: Spotify rejects `localhost` redirect URIs; use the loopback IP literal, \
             e.g. \"{DEFAULT_REDIRECT_URI}\", in the config and on the dashboard"
        )),
        ("https", Some(_)) => Ok(()),
        ("http", Some(url::Host::Ipv4(ip))) if ip.is_loopback() => Ok(()),
        ("http", Some(url::Host::Ipv6(ip))) if ip.is_loopback() => Ok(()),
        _ => Err(format!(
            "{uri:?}: Spotify only accepts https:// redirect URIs or http:// on a loopback IP \
             address; the usual value is \"{DEFAULT_REDIRECT_URI}\""
        )),
    }
}

/// What to do when no client id is configured: create the app, register the redirect URI,
/// allow-list yourself, save the id.
pub fn setup_guide(config_file: &Path, redirect_uri: &str) -> String {
    format!(
        "spotsync needs the Client ID of your own Spotify app (a one-time setup, about 2 minutes):

  1. Open https://developer.spotify.com/dashboard and log in. The account that owns the app
     needs Spotify Premium.
  2. Click \"Create app\". Any name and description will do. Under \"Redirect URIs\" add exactly
       {redirect_uri}
     (a loopback IP address, not `localhost`: Spotify rejects `localhost`). Tick \"Web API\", save.
  3. If you will sync a Spotify account other than the app owner's, open the app's Settings >
     User Management and add that account's name and email (at most 5 users).
  4. Copy the Client ID from the app's Settings and run
       spotsync auth --client-id <CLIENT_ID>
     This saves it in {config} (or set SPOTIFY_CLIENT_ID instead).",
        config = config_file.display()
    )
}

/// The documented config file `spotsync auth --client-id` writes when there is none.
pub const CONFIG_TEMPLATE: &str = r#"# spotsync configuration. Every key is optional: a commented-out line shows the default.

# Client ID of your app on https://developer.spotify.com/dashboard.
# The environment variable SPOTIFY_CLIENT_ID overrides it.
# client_id = ""

# Redirect URI registered for that app: http:// on a loopback IP literal (not `localhost`),
# or https://. spotsync listens on its port during `spotsync auth`.
# redirect_uri = "http://127.0.0.1:8888/callback"

[sync]
# Requests per rolling 30 seconds the sync allows itself before a 429 teaches it less.
# requests_per_window = 60
# Your daily quota, requests per rolling 24 hours (0 = learn it from Spotify's QUOTA_EXCEEDED).
# max_calls_per_day = 0
# Phases a plain `spotsync sync` runs, in order.
# phases = ["tracks", "playlists", "albums_saved", "artists_followed", "shows", "episodes", "audiobooks", "top", "albums", "artists", "plays"]
# What the enrichment phases fetch details of: one request per album or artist in Development
# Mode (thousands for a large library), the most valuable first (liked tracks, then playlist
# entries and plays), so a partial enrichment is the useful part. `[]` for none.
#   "artists": images and, when Spotify sends them, genres (popularity, followers: Extended Quota)
#   "albums":  the UPC (label, popularity: Extended Quota); the rest comes with the tracks
# A phase left out here still runs when named with `spotsync sync --only`.
# enrich = ["artists", "albums"]

[daemon]
# Interval between incremental syncs of `spotsync daemon`: a number with its unit (90s, 30m, 2h,
# 1h30m), from 1s to 366 days.
# every = "30m"
# Interval between listening-history polls of `spotsync daemon`.
# plays_every = "10m"
"#;

/// Save `client_id` in the config file at `path`: writes [`CONFIG_TEMPLATE`] when there is no
/// file, else sets the top-level `client_id` line and keeps everything else (comments included).
/// The result is checked to load before it replaces the old file.
pub fn save_client_id(path: &Path, client_id: &str) -> Result<Config, ConfigError> {
    check_client_id(client_id).map_err(|message| ConfigError::Invalid {
        path: path.to_owned(),
        key: "client_id",
        message,
    })?;
    let line = format!("client_id = \"{}\"", client_id.trim());
    let old = read_config_text(path)?;
    let text = match old {
        None => CONFIG_TEMPLATE.replacen("# client_id = \"\"", &line, 1),
        Some(old) => set_top_level_key(&old, "client_id", &line),
    };
    let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: format!(
            "{}\nFix or delete it, then run the command again.",
            e.to_string().trim_end()
        ),
    })?;
    config.validate(path)?;
    let write_err = |source| ConfigError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(write_err)?;
    std::fs::rename(&tmp, path).map_err(write_err)?;
    Ok(config)
}

/// Replace the top-level `key = ...` line (before the first table) with `line`, or add `line`
/// at the top when there is none.
fn set_top_level_key(text: &str, key: &str, line: &str) -> String {
    let mut out = Vec::new();
    let mut replaced = false;
    let mut in_table = false;
    for l in text.lines() {
        let t = l.trim_start();
        if t.starts_with('[') {
            in_table = true;
        }
        let is_key = !in_table
            && t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='));
        if is_key && !replaced {
            out.push(line.to_string());
            replaced = true;
        } else if !is_key {
            out.push(l.to_string());
        }
    }
    if !replaced {
        out.insert(0, line.to_string());
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
