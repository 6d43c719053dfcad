//! The TOML config file and the XDG paths spotsync uses.
//!
//! Every key is optional and documented (with its default) in [`CONFIG_TEMPLATE`] and the README.
//! A missing or wrong config gives a message that says exactly what to do ([`setup_guide`]).
//! The engine reads [`Config`]; front ends resolve [`Paths`] from the global flags.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::{GlobalArgs, parse_interval};
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
    pub fn schedule(&self) -> spotsync_core::quota::Schedule {
        let d = spotsync_core::quota::Schedule::default();
        spotsync_core::quota::Schedule {
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
# Interval between incremental syncs of `spotsync daemon` (units: s, m, h, d).
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
    let old = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
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
mod tests {
    use super::*;

    #[test]
    fn template_is_the_default_config() {
        let c: Config = toml::from_str(CONFIG_TEMPLATE).unwrap();
        assert_eq!(c, Config::default());
        // Every key of the default config appears, commented, with its default value.
        let uncommented: String = CONFIG_TEMPLATE
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(kv)
                    if kv.split_once(" = ").is_some_and(|(k, _)| {
                        k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }) =>
                {
                    kv
                }
                _ => l,
            })
            .filter(|l| !l.contains("client_id = \"\""))
            .collect::<Vec<_>>()
            .join("\n");
        let c: Config = toml::from_str(&uncommented).unwrap();
        assert_eq!(c, Config::default());
        // ...and no key of the config is left undocumented.
        let defaults = toml::to_string(&Config::default()).unwrap();
        for line in defaults.lines().filter(|l| l.contains(" = ")) {
            assert!(CONFIG_TEMPLATE.contains(&format!("# {line}")), "{line}");
        }
        assert!(CONFIG_TEMPLATE.contains("# client_id = "));
    }

    #[test]
    fn redirect_uris() {
        assert!(check_redirect_uri(DEFAULT_REDIRECT_URI).is_ok());
        assert!(check_redirect_uri("http://[::1]:9000/cb").is_ok());
        assert!(check_redirect_uri("https://example.org/cb").is_ok());
        let e = check_redirect_uri("http://localhost:8888/callback").unwrap_err();
        assert!(
            e.contains("localhost") && e.contains(DEFAULT_REDIRECT_URI),
            "{e}"
        );
        assert!(check_redirect_uri("http://example.org/cb").is_err());
        assert!(check_redirect_uri("not a url").is_err());
    }

    #[test]
    fn invalid_values_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[daemon]\nevery = \"soon\"\n").unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(e.contains("daemon.every"), "{e}");
        std::fs::write(&path, "redirect_uri = \"http://localhost:8888/callback\"\n").unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(e.contains("redirect_uri") && e.contains("127.0.0.1"), "{e}");
        std::fs::write(&path, "clientid = \"x\"\n").unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(e.contains("clientid"), "{e}");
        assert!(Config::load(&dir.path().join("absent.toml")).is_ok());
    }

    #[test]
    fn enrich_key_parses_and_refuses_unknown_targets() {
        use spotsync_core::sync::EnrichTarget;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            Config::load(&path)
        };
        assert_eq!(load("[sync]\nenrich = []\n").unwrap().sync.enrich, []);
        assert_eq!(
            load("[sync]\nenrich = [\"albums\"]\n").unwrap().sync.enrich,
            [EnrichTarget::Albums]
        );
        let e = load("[sync]\nenrich = [\"genres\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("enrich")
                && e.contains("genres")
                && e.contains("artists")
                && e.contains("albums"),
            "{e}"
        );
        let e = load("[sync]\nenrich = \"artists\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("enrich") && e.contains("sequence"), "{e}");
        // A list of phases that `enrich` empties entirely says so.
        let e = load("[sync]\nphases = [\"artists\"]\nenrich = [\"albums\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("sync.phases") && e.contains("\"artists\"") && e.contains("sync.enrich"),
            "{e}"
        );
        assert!(load("[sync]\nphases = [\"albums\", \"artists\"]\nenrich = []\n").is_err());
        assert!(
            load("[sync]\nphases = [\"albums\", \"artists\"]\nenrich = [\"albums\"]\n").is_ok()
        );
        assert!(load("[sync]\nphases = [\"albums\", \"plays\"]\nenrich = []\n").is_ok());
        // An empty list of phases names every phase there is.
        let e = load("[sync]\nphases = []\n").unwrap_err().to_string();
        for p in Phase::ALL {
            assert!(e.contains(&format!("\"{}\"", p.as_str())), "{p}: {e}");
        }
    }

    #[test]
    fn save_client_id_writes_template_then_edits_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        let c = save_client_id(&path, "abc123").unwrap();
        assert_eq!(c.client_id.as_deref(), Some("abc123"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# requests_per_window = 60"));

        std::fs::write(
            &path,
            "# mine\nclient_id = \"old\"\n[sync]\nrequests_per_window = 10\n",
        )
        .unwrap();
        let c = save_client_id(&path, "new1").unwrap();
        assert_eq!(c.client_id.as_deref(), Some("new1"));
        assert_eq!(c.sync.requests_per_window, 10);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# mine\n") && !text.contains("old"),
            "{text}"
        );

        std::fs::write(&path, "[sync]\nrequests_per_window = 10\n").unwrap();
        let c = save_client_id(&path, "third").unwrap();
        assert_eq!(c.client_id.as_deref(), Some("third"));
        assert_eq!(c.sync.requests_per_window, 10);

        assert!(save_client_id(&path, "not an id").is_err());
        assert_eq!(
            Config::load(&path).unwrap().client_id.as_deref(),
            Some("third")
        );
    }
}
