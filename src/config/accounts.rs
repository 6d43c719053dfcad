//! Accounts: several Spotify users of one app on one machine (a household), each with its own
//! database and token file, all sharing the app's daily quota.
//!
//! The first account, [`DEFAULT_ACCOUNT`], keeps the paths spotsync always used
//! (`$XDG_DATA_HOME/spotsync/spotsync.db` and `token.json`), so a single-user installation
//! changes nothing. Every other account lives in `$XDG_DATA_HOME/spotsync/accounts/NAME/`
//! (`spotsync.db`, `token.json`). The directory is the registry: an account exists when its
//! token file or its database does. The quota ledger all accounts share is
//! [`QUOTA_LEDGER_FILE`] in the data directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The account every command uses without `--account` (and `SPOTSYNC_ACCOUNT`).
pub const DEFAULT_ACCOUNT: &str = "default";
/// The directory of the accounts other than the first, inside the data directory.
pub const ACCOUNTS_DIR: &str = "accounts";
/// An account's database file name.
pub const DB_FILE: &str = "spotsync.db";
/// An account's token file name.
pub const TOKEN_FILE: &str = "token.json";
/// The ledger of the quota the accounts share, in the data directory.
pub const QUOTA_LEDGER_FILE: &str = "spotsync-quota.db";
/// The largest `share` an account may have.
pub const MAX_SHARE: u32 = 100;

/// `[accounts.NAME]` in the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountConfig {
    /// The account's share of the bulk work (first mirrors, enrichment) when several accounts
    /// have some: 2 gets twice the requests of an account with 1.
    pub share: u32,
}

impl Default for AccountConfig {
    fn default() -> Self {
        AccountConfig { share: 1 }
    }
}

pub use crate::cli::check_account_name;

/// The files of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFiles {
    pub name: String,
    /// Its database.
    pub db: PathBuf,
    /// Its token file (mode 0600).
    pub token_file: PathBuf,
}

impl AccountFiles {
    /// The files of account `name` in the data directory `data_dir` (the name is checked by
    /// the caller).
    pub fn of(data_dir: &Path, name: &str) -> AccountFiles {
        let dir = if name == DEFAULT_ACCOUNT {
            data_dir.to_path_buf()
        } else {
            data_dir.join(ACCOUNTS_DIR).join(name)
        };
        AccountFiles {
            name: name.to_string(),
            db: dir.join(DB_FILE),
            token_file: dir.join(TOKEN_FILE),
        }
    }

    /// Whether the account exists: it has a token file or a database.
    pub fn exists(&self) -> bool {
        self.token_file.exists() || self.db.exists()
    }
}

/// Every account of the data directory, the first one first, then by name: those whose token
/// file or database exists. Entries of `accounts/` that are not account names are ignored.
pub fn discover(data_dir: &Path) -> Result<Vec<AccountFiles>, std::io::Error> {
    let mut found = Vec::new();
    let first = AccountFiles::of(data_dir, DEFAULT_ACCOUNT);
    if first.exists() {
        found.push(first);
    }
    let dir = data_dir.join(ACCOUNTS_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name == DEFAULT_ACCOUNT || check_account_name(&name).is_err() {
            continue;
        }
        if entry.file_type()?.is_dir() {
            names.push(name);
        }
    }
    names.sort();
    found.extend(
        names
            .iter()
            .map(|n| AccountFiles::of(data_dir, n))
            .filter(AccountFiles::exists),
    );
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_directory_names() {
        for ok in ["a", "alex", "kid-2", "x_y", "9lives", &"a".repeat(32)] {
            assert_eq!(check_account_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "..",
            ".hidden",
            "a/b",
            "A",
            "Alex",
            "-x",
            "_x",
            "a b",
            "é",
            "a\0",
            &"a".repeat(33),
        ] {
            let e = check_account_name(bad).unwrap_err();
            assert!(e.contains("is not an account name"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn the_first_account_keeps_the_old_paths_and_the_others_have_a_folder_each() {
        let data = Path::new("/d/spotsync");
        let first = AccountFiles::of(data, DEFAULT_ACCOUNT);
        assert_eq!(first.db, Path::new("/d/spotsync/spotsync.db"));
        assert_eq!(first.token_file, Path::new("/d/spotsync/token.json"));
        let b = AccountFiles::of(data, "b");
        assert_eq!(b.db, Path::new("/d/spotsync/accounts/b/spotsync.db"));
        assert_eq!(b.token_file, Path::new("/d/spotsync/accounts/b/token.json"));
    }

    #[test]
    fn discovery_lists_accounts_with_a_token_or_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        assert!(discover(data).unwrap().is_empty());
        std::fs::write(data.join("spotsync.db"), b"").unwrap();
        for (name, file) in [
            ("zed", Some("token.json")),
            ("amy", Some("spotsync.db")),
            ("empty", None),
            ("Bad", Some("token.json")),
            ("default", Some("token.json")),
        ] {
            let d = data.join(ACCOUNTS_DIR).join(name);
            std::fs::create_dir_all(&d).unwrap();
            if let Some(f) = file {
                std::fs::write(d.join(f), b"").unwrap();
            }
        }
        std::fs::write(data.join(ACCOUNTS_DIR).join("file"), b"").unwrap();
        let names: Vec<String> = discover(data)
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(names, ["default", "amy", "zed"]);
    }
}
