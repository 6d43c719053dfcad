//! `spotsync accounts`: the accounts of this household (the first account, whose files are
//! spotsync's usual ones, then `accounts/NAME/`), each with its Spotify user, token, database,
//! last sync and listening history, read without sending anything.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr};
use serde::Serialize;
use spotsync_core::domain::{DISPLAY_NAME_KEY, RunRecord, USER_ID_KEY};
use spotsync_core::spotify::auth::store;
use spotsync_core::store::{Reader, plays};

use super::*;
use crate::cli::{AccountsArgs, GlobalArgs};
use crate::config::accounts::{self as household, DEFAULT_ACCOUNT};
use crate::exit;

/// One account, as `spotsync accounts` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountInfo {
    pub name: String,
    /// The account used without `--account`.
    pub default: bool,
    /// A token file is stored (readable or not).
    pub connected: bool,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub client_id: Option<String>,
    /// When Spotify ends the authorization (6 months after the login).
    pub authorization_ends: Option<DateTime<Utc>>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// Why the token file cannot be used, when it cannot.
    pub token_error: Option<String>,
    pub token_file: PathBuf,
    pub database: PathBuf,
    /// Why the database cannot be read, when it cannot.
    pub database_error: Option<String>,
    pub last_sync: Option<RunRecord>,
    pub last_success: Option<DateTime<Utc>>,
    pub plays: Option<plays::Coverage>,
    /// Its share of the bulk work (`[accounts.NAME] share`).
    pub share: u32,
}

/// What the database says about the account.
#[derive(Default)]
struct DbFacts {
    user_id: Option<String>,
    user_name: Option<String>,
    last_sync: Option<RunRecord>,
    last_success: Option<DateTime<Utc>>,
    plays: Option<plays::Coverage>,
}

fn db_facts(db: &std::path::Path) -> Result<DbFacts, String> {
    let facts = Reader::read(db, |q| {
        let last_success = [
            q.last_success(spotsync_core::sync::RunKind::Full)?,
            q.last_success(spotsync_core::sync::RunKind::Incremental)?,
        ]
        .into_iter()
        .flatten()
        .filter_map(|r| r.finished_at)
        .max();
        Ok(Some(DbFacts {
            user_id: q.account(USER_ID_KEY)?,
            user_name: q.account(DISPLAY_NAME_KEY)?,
            last_sync: q.last_run()?,
            last_success,
            plays: Some(q.coverage()?),
        }))
    })
    .map_err(|e| e.to_string())?;
    Ok(facts.unwrap_or_default())
}

/// Everything `spotsync accounts` shows about account `paths.account`.
pub fn account_info(paths: &Paths, config: &Config) -> AccountInfo {
    let mut info = AccountInfo {
        name: paths.account.clone(),
        default: paths.is_default_account(),
        connected: paths.token_file.exists(),
        user_id: None,
        user_name: None,
        client_id: None,
        authorization_ends: None,
        access_token_expires_at: None,
        token_error: None,
        token_file: paths.token_file.clone(),
        database: paths.db.clone(),
        database_error: None,
        last_sync: None,
        last_success: None,
        plays: None,
        share: config.share_of(&paths.account),
    };
    match store::read(&paths.token_file) {
        Ok(Some(t)) => {
            info.authorization_ends = Some(t.refresh_token_expires_at());
            info.access_token_expires_at = t.token.expires_at;
            info.user_id = Some(t.user_id);
            info.user_name = t.user_name;
            info.client_id = Some(t.client_id);
        }
        Ok(None) => {}
        Err(e) => info.token_error = Some(e.to_string()),
    }
    match db_facts(&paths.db) {
        Ok(f) => {
            info.user_id = info.user_id.or(f.user_id);
            info.user_name = info.user_name.or(f.user_name);
            info.last_sync = f.last_sync;
            info.last_success = f.last_success;
            info.plays = f.plays.filter(|c| c.plays > 0);
        }
        Err(e) => info.database_error = Some(e),
    }
    info
}

/// Every account of the household, read on a blocking thread.
pub(crate) async fn load_all(paths: &Paths, config: &Config) -> Result<Vec<AccountInfo>> {
    let (paths, config) = (paths.clone(), config.clone());
    blocking(move || {
        let found = household::discover(&paths.data_dir).wrap_err_with(|| {
            format!("cannot list the accounts in {}", paths.data_dir.display())
        })?;
        Ok(found
            .iter()
            .map(|a| account_info(&paths.for_account(&a.name), &config))
            .collect())
    })
    .await
}

/// `spotsync accounts [--json]`.
pub async fn run(global: &GlobalArgs, args: &AccountsArgs) -> Result<i32> {
    let (paths, config) = setup(global)?;
    let accounts = load_all(&paths, &config).await?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&accounts)?);
        return Ok(exit::OK);
    }
    if accounts.is_empty() {
        outln!("No account yet: `spotsync auth` connects the first one.");
        return Ok(exit::OK);
    }
    let total_shares: u32 = accounts.iter().map(|a| a.share).sum();
    for (i, a) in accounts.iter().enumerate() {
        if i > 0 {
            outln!();
        }
        print_account(a, total_shares, accounts.len());
    }
    outln!();
    outln!(
        "`spotsync auth --account NAME` connects another Spotify user of the same app (at most \
         5 in Development Mode); `--account NAME` picks one for any command."
    );
    Ok(exit::OK)
}

fn print_account(a: &AccountInfo, total_shares: u32, count: usize) {
    let now = Utc::now();
    outln!(
        "{}{}",
        a.name,
        if a.default {
            " (used without --account)"
        } else {
            ""
        }
    );
    let user = match (&a.user_name, &a.user_id) {
        (Some(n), Some(id)) => format!("{n} (user id {id})"),
        (None, Some(id)) => format!("user id {id}"),
        _ => "unknown (not synced yet)".into(),
    };
    outln!("  Spotify user:  {user}");
    let token = match (&a.token_error, a.authorization_ends) {
        (Some(e), _) => format!("unusable: {e}"),
        (None, Some(end)) if end <= now => format!(
            "the authorization ended on {}: run `{}`",
            end.format("%Y-%m-%d"),
            auth_command(&a.name)
        ),
        (None, Some(end)) => format!(
            "authorization ends {} ({} days left)",
            end.format("%Y-%m-%d"),
            (end - now).num_days()
        ),
        (None, None) => format!("not connected: run `{}`", auth_command(&a.name)),
    };
    outln!("  token:         {token}  [{}]", a.token_file.display());
    match &a.database_error {
        Some(e) => outln!(
            "  database:      {} (unreadable: {e})",
            a.database.display()
        ),
        None => outln!("  database:      {}", a.database.display()),
    }
    let last = match (&a.last_sync, a.last_success) {
        (None, _) => "never".to_string(),
        (Some(r), ok) => format!(
            "#{} ({}) {} {}{}",
            r.id,
            r.kind,
            r.status.as_str(),
            local(r.finished_at.unwrap_or(r.started_at)),
            match ok {
                Some(t) if r.status.as_str() != "success" => {
                    format!("; last success {}", local(t))
                }
                _ => String::new(),
            }
        ),
    };
    outln!("  last sync:     {last}");
    let plays = match &a.plays {
        None => "none yet".to_string(),
        Some(c) => format!(
            "{} plays from {} to {}",
            c.plays,
            day(&c.first),
            day(&c.last)
        ),
    };
    outln!("  listening:     {plays}");
    if count > 1 {
        outln!(
            "  share:         {} of {total_shares} (of the bulk work, while others have some)",
            a.share
        );
    }
}

fn day(s: &Option<String>) -> String {
    s.as_deref()
        .map(|s| s.get(..10).unwrap_or(s).to_owned())
        .unwrap_or_default()
}

/// The command that connects account `name`.
pub fn auth_command(name: &str) -> String {
    if name == DEFAULT_ACCOUNT {
        "spotsync auth".into()
    } else {
        format!("spotsync auth --account {name}")
    }
}
