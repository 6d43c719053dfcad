//! The token file: one JSON document in the data dir, mode 0600 from its creation, replaced
//! atomically (temporary file in the same directory, then rename).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::spotify::token::settle_expiry;

/// Spotify ends a refresh token this long after the ORIGINAL authorization (refreshes do not
/// extend it).
pub const REFRESH_TOKEN_LIFETIME_MONTHS: u32 = 6;

/// Current layout of the token file.
pub const TOKEN_FILE_VERSION: u32 = 1;

/// What the token file holds.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredToken {
    pub version: u32,
    /// The app the token belongs to: a refresh must use the same client id.
    pub client_id: String,
    /// When the person approved spotsync in the browser. Kept across refreshes: the refresh
    /// token's life ends [`REFRESH_TOKEN_LIFETIME_MONTHS`] after it.
    pub authorized_at: DateTime<Utc>,
    /// Spotify user id (`GET /me` → `id`).
    pub user_id: String,
    /// Spotify display name, when the account has one.
    pub user_name: Option<String>,
    /// The token as rspotify reads and refreshes it (access token, expiry, refresh token, scopes).
    pub token: rspotify::Token,
}

impl std::fmt::Debug for StoredToken {
    // Never print a token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredToken")
            .field("client_id", &self.client_id)
            .field("authorized_at", &self.authorized_at)
            .field("user_id", &self.user_id)
            .field("user_name", &self.user_name)
            .field("scopes", &self.scopes())
            .field("access_token_expires_at", &self.token.expires_at)
            .finish_non_exhaustive()
    }
}

impl StoredToken {
    /// When the refresh token stops working: authorization date + 6 months.
    pub fn refresh_token_expires_at(&self) -> DateTime<Utc> {
        refresh_token_end(self.authorized_at)
    }

    /// The granted scopes, sorted.
    pub fn scopes(&self) -> Vec<String> {
        let mut s: Vec<String> = self.token.scopes.iter().cloned().collect();
        s.sort();
        s
    }

    /// Take a refreshed token, keeping the authorization date, the user, and the old refresh
    /// token when the answer did not carry a new one.
    pub fn apply_refresh(&mut self, new: &rspotify::Token) {
        let mut token = new.clone();
        settle_expiry(&mut token, Utc::now());
        if token.refresh_token.is_none() {
            token.refresh_token = self.token.refresh_token.clone();
        }
        if token.scopes.is_empty() {
            token.scopes = self.token.scopes.clone();
        }
        self.token = token;
    }
}

/// `authorized_at` + 6 months (end of month clamps, e.g. 31 Aug → 28/29 Feb).
pub fn refresh_token_end(authorized_at: DateTime<Utc>) -> DateTime<Utc> {
    authorized_at
        .checked_add_months(Months::new(REFRESH_TOKEN_LIFETIME_MONTHS))
        .unwrap_or(authorized_at)
}

/// Why the token file could not be read, written or removed.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("cannot read the token file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the token file {path} is damaged ({message}); run `spotsync logout` then `spotsync auth`"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error("cannot write the token file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The largest token file read (one is about 1 KiB): a token path that leads to a device or a
/// big file is damaged, not read until memory runs out.
pub const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// Read the token file; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<StoredToken>, TokenFileError> {
    use std::io::Read;
    let read_err = |source| TokenFileError::Read {
        path: path.to_owned(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(read_err(source)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_TOKEN_FILE_BYTES {
        return Err(TokenFileError::Corrupt {
            path: path.to_owned(),
            message: "larger than 64 KiB".into(),
        });
    }
    tighten_permissions(path);
    // serde_json's messages name positions and expected types, never the values.
    let stored: StoredToken =
        serde_json::from_slice(&bytes).map_err(|e| TokenFileError::Corrupt {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    if stored.version != TOKEN_FILE_VERSION {
        return Err(TokenFileError::Corrupt {
            path: path.to_owned(),
            message: format!("unknown version {}", stored.version),
        });
    }
    Ok(Some(stored))
}

/// Write the token file atomically: a new file created with mode 0600 in the same directory,
/// synced, then renamed over the old one. The directory is created (mode 0700) if needed.
pub fn write(path: &Path, stored: &StoredToken) -> Result<(), TokenFileError> {
    let err = |source| TokenFileError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir).map_err(err)?;
    let json = serde_json::to_vec_pretty(stored).map_err(|e| err(std::io::Error::other(e)))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "token.json".into());
    let tmp = dir.join(format!(
        ".{file_name}.{}.{:x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let mut file = open_private(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// A token file readable by others (copied by hand, restored from a backup) is made 0600 again.
#[cfg(unix)]
fn tighten_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => tracing::warn!(
                "the token file {} was readable by others; it is now private (0600)",
                path.display()
            ),
            Err(e) => tracing::warn!(
                "the token file {} is readable by others and cannot be made private: {e}",
                path.display()
            ),
        }
    }
}

#[cfg(not(unix))]
fn tighten_permissions(_path: &Path) {}

/// The stored token when its refresh token differs from `current`'s: another spotsync process
/// refreshed (and rotated) it meanwhile. A client that gets `invalid_grant` should retry once
/// with this token before asking the person to log in again.
pub fn newer_than(path: &Path, current: &rspotify::Token) -> Option<rspotify::Token> {
    let stored = read(path).ok()??;
    (stored.token.refresh_token.is_some() && stored.token.refresh_token != current.refresh_token)
        .then_some(stored.token)
}

/// Remove the token file; `Ok(false)` when there was none.
pub fn remove(path: &Path) -> Result<bool, TokenFileError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(TokenFileError::Write {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spotify::token::{MAX_TOKEN_LIFETIME, settle_expiry};
    use chrono::{TimeDelta, TimeZone};

    pub(crate) fn sample() -> StoredToken {
        StoredToken {
            version: TOKEN_FILE_VERSION,
            client_id: "client".into(),
            authorized_at: Utc.with_ymd_and_hms(2026, 8, 31, 12, 0, 0).unwrap(),
            user_id: "u1".into(),
            user_name: Some("Ada".into()),
            token: rspotify::Token {
                access_token: "ACCESS-SECRET".into(),
                expires_in: chrono::Duration::seconds(3600),
                expires_at: Some(Utc::now()),
                refresh_token: Some("REFRESH-SECRET".into()),
                scopes: ["user-library-read".to_string()].into_iter().collect(),
            },
        }
    }

    #[test]
    fn round_trip_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/spotsync/token.json");
        assert!(read(&path).unwrap().is_none());
        let s = sample();
        write(&path, &s).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut back = read(&path).unwrap().unwrap();
        assert_eq!(back.token, s.token);
        assert_eq!(back.authorized_at, s.authorized_at);
        back.token.access_token = "second".into();
        write(&path, &back).unwrap();
        assert_eq!(read(&path).unwrap().unwrap().token.access_token, "second");
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("token.json")]);
        assert!(remove(&path).unwrap());
        assert!(!remove(&path).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn readable_token_file_is_made_private_on_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        write(&path, &sample()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read(&path).unwrap().is_some());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn newer_token_from_another_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        let s = sample();
        write(&path, &s).unwrap();
        assert!(newer_than(&path, &s.token).is_none());
        let mut other = s.clone();
        other.token.refresh_token = Some("ROTATED".into());
        write(&path, &other).unwrap();
        assert_eq!(
            newer_than(&path, &s.token)
                .unwrap()
                .refresh_token
                .as_deref(),
            Some("ROTATED")
        );
    }

    #[test]
    fn corrupt_file_is_reported_without_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        std::fs::write(&path, "{\"access_token\": \"LEAKME\"").unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("damaged") && !e.contains("LEAKME"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_token_path_to_an_endless_file_is_damaged_not_read_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("damaged") && e.contains("64 KiB"), "{e}");
    }

    #[test]
    fn debug_hides_tokens() {
        let d = format!("{:?}", sample());
        assert!(!d.contains("SECRET"), "{d}");
        assert!(d.contains("u1"));
    }

    #[test]
    fn refresh_keeps_authorization_date_and_old_refresh_token_if_none_sent() {
        let mut s = sample();
        let new = rspotify::Token {
            access_token: "new".into(),
            refresh_token: None,
            ..Default::default()
        };
        s.apply_refresh(&new);
        assert_eq!(s.token.access_token, "new");
        assert_eq!(s.token.refresh_token.as_deref(), Some("REFRESH-SECRET"));
        assert_eq!(s.authorized_at, sample().authorized_at);
        assert!(!s.token.scopes.is_empty());
        assert_eq!(
            s.refresh_token_expires_at(),
            Utc.with_ymd_and_hms(2027, 2, 28, 12, 0, 0).unwrap()
        );
    }

    #[test]
    fn absurd_token_lifetimes_are_bounded() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        for (secs, want) in [
            (-5_i64, 60_i64),
            (0, 60),
            (3600, 3600),
            (i64::MAX / 1000, 86_400),
        ] {
            // Parsed from the token endpoint's JSON, as rspotify parses it.
            let mut t: rspotify::Token = serde_json::from_value(serde_json::json!({
                "access_token": "a", "expires_in": secs, "expires_at": null,
                "refresh_token": "r", "scope": ""
            }))
            .unwrap();
            t.expires_at = now.checked_add_signed(t.expires_in);
            settle_expiry(&mut t, now);
            assert_eq!(t.expires_in, TimeDelta::seconds(want), "{secs}");
            assert_eq!(t.expires_at, Some(now + TimeDelta::seconds(want)), "{secs}");
        }
        // Numbers rspotify cannot hold are an error of the answer, not a panic.
        for v in [
            serde_json::json!(1e30),
            serde_json::json!(u64::MAX),
            serde_json::json!("x"),
        ] {
            assert!(
                serde_json::from_value::<rspotify::Token>(serde_json::json!({
                    "access_token": "a", "expires_in": v, "expires_at": null
                }))
                .is_err()
            );
        }
        // A persisted refresh never stores an expiry past the bound.
        let mut s = sample();
        s.apply_refresh(&rspotify::Token {
            access_token: "n".into(),
            expires_in: TimeDelta::seconds(i64::MAX / 1000),
            expires_at: None,
            ..Default::default()
        });
        assert!(s.token.expires_at.unwrap() <= Utc::now() + MAX_TOKEN_LIFETIME);
    }
}
