//! The household's shared quota, as the front ends reach it: whether this installation is a
//! household (two accounts or more, or a quota ledger already kept), the ledger an engine is
//! started with, and the ledger opened with every account of the app enrolled (what their
//! databases know of the quota brought in once).
//!
//! A single account never needs the ledger: it is the only process that can send requests for
//! its app on this machine (its database's lock sees to that), so nothing changes for it.

use chrono::Utc;
use spotsync_core::spotify::Credentials;
use spotsync_core::spotify::auth::store;
use spotsync_core::store::StoreError;
use spotsync_core::store::ledger::{Ledger, SharedView};
use spotsync_core::sync::SharedQuota;

use crate::config::accounts::{self, AccountFiles};
use crate::config::{Config, Paths};

/// Whether the accounts of this data directory share a quota ledger: there are two or more,
/// or there were (the ledger exists).
pub fn is_household(paths: &Paths) -> bool {
    paths.quota_ledger().exists() || accounts::discover(&paths.data_dir).is_ok_and(|a| a.len() >= 2)
}

/// The app the account's requests count against: the client id its token was issued to, else
/// the configured one ("" for a bare access token with no client id anywhere).
pub fn app_of(paths: &Paths, config: &Config) -> String {
    store::read(&paths.token_file)
        .ok()
        .flatten()
        .map(|t| t.client_id)
        .or_else(|| config.client_id())
        .unwrap_or_default()
}

/// The ledger an engine for `paths`' account is started with: used once it exists (another
/// account made the installation a household, maybe while this engine runs).
pub fn shared_quota(paths: &Paths, config: &Config, credentials: &Credentials) -> SharedQuota {
    let app = match credentials {
        Credentials::Pkce { client_id, .. } => client_id.clone(),
        Credentials::AccessToken(_) => app_of(paths, config),
    };
    SharedQuota {
        ledger: paths.quota_ledger(),
        app,
        account: paths.account.clone(),
        share: config.share_of(&paths.account),
    }
}

/// Open the household's ledger for `paths`' account, with every account of the same app
/// enrolled (share, cost of an incremental sync, and the first time what its database knows).
/// `None` for a single account. Blocking.
pub fn open_ledger(paths: &Paths, config: &Config) -> Result<Option<Ledger>, StoreError> {
    if !is_household(paths) {
        return Ok(None);
    }
    let app = app_of(paths, config);
    let mut ledger = Ledger::open(&paths.quota_ledger(), &app, &paths.account)?;
    let now = Utc::now();
    let found = accounts::discover(&paths.data_dir).unwrap_or_default();
    let mut enrolled = false;
    for a in &found {
        if a.name == paths.account {
            enrolled = true;
        } else if !same_app(a, &app) {
            continue;
        }
        let db = if a.name == paths.account {
            paths.db.clone()
        } else {
            a.db.clone()
        };
        ledger.enroll(&a.name, config.share_of(&a.name), &db, now)?;
    }
    if !enrolled {
        ledger.enroll(
            &paths.account,
            config.share_of(&paths.account),
            &paths.db,
            now,
        )?;
    }
    Ok(Some(ledger))
}

/// Whether account `a`'s token was issued to `app` (an account without a token sends nothing).
fn same_app(a: &AccountFiles, app: &str) -> bool {
    store::read(&a.token_file)
        .ok()
        .flatten()
        .is_some_and(|t| t.client_id == app)
}

/// The household's quota now (`None` for a single account). Blocking.
pub fn view(paths: &Paths, config: &Config) -> Result<Option<SharedView>, StoreError> {
    let Some(mut ledger) = open_ledger(paths, config)? else {
        return Ok(None);
    };
    ledger
        .view(
            config.sync.max_calls_per_day,
            &config.sync.schedule,
            Utc::now(),
        )
        .map(Some)
}

/// The plan of `req` for `paths`' account: in a household, with the household's figure, count
/// and reserve, and bulk work at the account's share (a ledger that cannot be read is said,
/// and the plan is the account's own). Blocking.
pub fn load_plan(
    paths: &Paths,
    config: &Config,
    req: &spotsync_core::plan::Request,
) -> Result<spotsync_core::plan::Plan, String> {
    let now = Utc::now();
    let mut snapshot = spotsync_core::plan::load_snapshot(&paths.db, &config.sync, now)?;
    match view(paths, config) {
        Ok(Some(v)) => snapshot.share_with(&v, &paths.account),
        Ok(None) => {}
        Err(e) => tracing::warn!("the household's quota ledger cannot be read: {e}"),
    }
    Ok(spotsync_core::plan::compute(&snapshot, req))
}
