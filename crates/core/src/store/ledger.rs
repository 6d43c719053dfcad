//! The quota ledger of a household: one small SQLite file beside the accounts' databases
//! (`spotsync-quota.db`) that every spotsync process of the household sees, keyed by app (the
//! client id: Spotify counts the quota per developer account, every user of the app together).
//!
//! It holds what the accounts share: every request sent in the rolling 24 hours (who sent it,
//! of which class, when), Spotify's last hold (a `QUOTA_EXCEEDED` seen by one account holds
//! them all; so does a 429 of the 30-second window), the `QUOTA_EXCEEDED` observations the
//! daily figure is learned from, and the accounts themselves (their share of the bulk work, the
//! cost of their incremental sync, whether they want bulk work now).
//!
//! One writer at a time: every admission is one `BEGIN IMMEDIATE` transaction that reads what
//! other processes added since, decides by [`crate::quota`]'s policy and, when the request may
//! go, records it before it is sent. Two processes therefore never overspend the quota
//! together: the second one's admission sees the first one's request.

mod seed;
mod state;
mod view;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

pub use view::{AccountUsage, SharedView};

use super::file::{check_header, not_a_db};
use super::row::FromRow;
use super::{Sql, StoreError, ts};
use crate::domain::{LimitReason, RequestClass};
use crate::quota::household::{self, Member};
use crate::quota::{self, Observation, QuotaPolicy, Schedule, Window};

/// `PRAGMA application_id` of the ledger ("SPSQ").
pub const LEDGER_APPLICATION_ID: i32 = 0x5350_5351;
/// An account counts in the household (its polls in the reserve) while it was seen this
/// recently.
pub const MEMBER_TTL: TimeDelta = TimeDelta::days(2);
/// Spotify's rolling rate window.
const PACE_WINDOW: TimeDelta = TimeDelta::seconds(30);
/// Requests are kept this long (the rolling day, and a day of margin).
const KEPT: TimeDelta = TimeDelta::hours(48);
/// How many `QUOTA_EXCEEDED` observations are kept per app.
const OBSERVATIONS_KEPT: i64 = 50;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS requests (
    id          INTEGER PRIMARY KEY,
    app         TEXT NOT NULL,
    account     TEXT NOT NULL,
    class       TEXT NOT NULL,
    sent_at_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_app ON requests (app, id);
CREATE TABLE IF NOT EXISTS holds (
    app           TEXT PRIMARY KEY,
    blocked_until TEXT NOT NULL,
    reason        TEXT NOT NULL,
    account       TEXT,
    held_at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS observations (
    id          INTEGER PRIMARY KEY,
    app         TEXT NOT NULL,
    account     TEXT,
    observed_at TEXT NOT NULL,
    calls       INTEGER NOT NULL,
    resets_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    app              TEXT NOT NULL,
    account          TEXT NOT NULL,
    share            INTEGER NOT NULL,
    incremental_cost INTEGER NOT NULL,
    seen_at          TEXT NOT NULL,
    wants_bulk_until TEXT,
    seeded_at        TEXT,
    PRIMARY KEY (app, account)
);
"#;

/// The schema version this build writes (`PRAGMA user_version`).
const LEDGER_VERSION: i64 = 1;

/// A request as the ledger keeps it.
#[derive(Debug, Clone)]
struct Sent {
    id: i64,
    at: DateTime<Utc>,
    account: String,
    /// `None`: a class this build does not know (written by another version): not bulk.
    class: Option<RequestClass>,
}

impl FromRow for Sent {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Sent> {
        let ms: i64 = r.get("sent_at_ms")?;
        let class: String = r.get("class")?;
        Ok(Sent {
            id: r.get("id")?,
            at: DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC),
            account: r.get("account")?,
            class: class.parse().ok(),
        })
    }
}

/// What a request of some class may do now, as far as the household's quota goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It may go: it is recorded as sent.
    Go,
    /// Not before `until`: Spotify's hold, the class's ceiling, or the account's share.
    Hold {
        until: DateTime<Utc>,
        reason: LimitReason,
    },
    /// The shared 30-second window is full: wait this long.
    Pace(Duration),
}

/// The settings an admission is decided by.
#[derive(Debug, Clone, Copy)]
pub struct AdmitSettings {
    /// `max_calls_per_day` (0: learn it).
    pub configured: u64,
    /// The daemon's cadence (sizes the reserve, and how long a bulk request counts as interest).
    pub schedule: Schedule,
    /// Requests per 30 seconds the caller allows itself now.
    pub pace_limit: u32,
}

/// An open ledger, for one account of one app.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    app: String,
    account: String,
    /// The highest request id loaded into `sent`.
    seen: i64,
    /// The app's requests of the rolling day, as far as loaded, in time order.
    sent: VecDeque<Sent>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .field("app", &self.app)
            .field("account", &self.account)
            .finish()
    }
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| not_a_db(path, e)
}

impl Ledger {
    /// Open (or create) the ledger at `path` for `account` of `app`. A file that is not a
    /// spotsync ledger is refused without being written to.
    ///
    /// Blocking: call it off the async runtime.
    pub fn open(path: &Path, app: &str, account: &str) -> Result<Ledger, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let existed = check_header(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite(path))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        if existed {
            check_ours(&conn, path)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite(path))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA).map_err(sqlite(path))?;
        conn.pragma_update(None, "application_id", LEDGER_APPLICATION_ID)?;
        conn.pragma_update(None, "user_version", LEDGER_VERSION)?;
        Ok(Ledger {
            conn,
            path: path.to_owned(),
            app: app.to_string(),
            account: account.to_string(),
            seen: 0,
            sent: VecDeque::new(),
        })
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The account this handle admits requests for.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// One `BEGIN IMMEDIATE` transaction (the one writer of the moment) with the requests other
    /// processes added loaded first; old requests are forgotten.
    fn write<R>(
        &mut self,
        f: impl FnOnce(&mut LedgerState<'_>, Sql<'_>) -> rusqlite::Result<R>,
        now: DateTime<Utc>,
    ) -> Result<R, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let q = Sql(&tx);
        let new: Vec<Sent> = q.all(
            "SELECT id, account, class, sent_at_ms FROM requests
             WHERE app = ?1 AND id > ?2 ORDER BY id",
            params![self.app, self.seen],
        )?;
        let mut state = LedgerState {
            app: &self.app,
            account: &self.account,
            seen: &mut self.seen,
            sent: &mut self.sent,
        };
        state.take(new, now);
        if (now.timestamp() % 64) == 0 {
            q.exec(
                "DELETE FROM requests WHERE sent_at_ms < ?1",
                [(now - KEPT).timestamp_millis()],
            )?;
        }
        let r = f(&mut state, q)?;
        tx.commit()?;
        Ok(r)
    }

    /// Whether a request of `class` may go now; when it may, it is recorded as sent by this
    /// account (before it is sent: Spotify counts it even when it fails).
    pub fn admit(
        &mut self,
        class: RequestClass,
        settings: &AdmitSettings,
        now: DateTime<Utc>,
    ) -> Result<Admission, StoreError> {
        self.write(|st, q| st.admit(q, class, settings, now), now)
    }

    /// Spotify's 429 at `now`: no request of any account of the app before `until` (a later
    /// hold already set is kept).
    pub fn hold(
        &mut self,
        until: DateTime<Utc>,
        reason: LimitReason,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|st, q| st.set_hold(q, until, reason, now), now)
    }

    /// `QUOTA_EXCEEDED` at `now` (the refused request was admitted, so it is recorded): what
    /// the household had sent before it in the counted window, kept as an observation, and the
    /// hold until `until` for every account.
    pub fn quota_exceeded(
        &mut self,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Observation, StoreError> {
        self.write(
            |st, q| {
                let observations = st.observations(q)?;
                let mut window = st.window(&observations, now, |_| true);
                let o = window.quota_exceeded(now, until);
                st.record_observation(q, &o)?;
                st.set_hold(q, until, LimitReason::Quota, now)?;
                Ok(o)
            },
            now,
        )
    }

    /// This account has no bulk work waiting (its last sync completed): the others' cadence
    /// need not yield to it any longer (see [`household::cadence`]).
    pub fn bulk_done(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (app, account) = (self.app.clone(), self.account.clone());
        self.write(
            |_, q| {
                q.exec(
                    "UPDATE members SET wants_bulk_until = NULL WHERE app = ?1 AND account = ?2",
                    params![app, account],
                )
                .map(drop)
            },
            now,
        )
    }

    /// This account is part of the household now, with its share of the bulk work and the
    /// measured cost of its incremental sync.
    pub fn join(
        &mut self,
        share: u32,
        incremental_cost: u64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let account = self.account.clone();
        self.write(
            |st, q| st.upsert_member(q, &account, share, incremental_cost, now),
            now,
        )
    }
}

/// The ledger's state during one transaction.
struct LedgerState<'a> {
    app: &'a str,
    account: &'a str,
    seen: &'a mut i64,
    sent: &'a mut VecDeque<Sent>,
}

impl LedgerState<'_> {
    /// Take the requests read from the file (in id order), keep the rolling day in time order.
    fn take(&mut self, new: Vec<Sent>, now: DateTime<Utc>) {
        for s in new {
            *self.seen = (*self.seen).max(s.id);
            let pos = self.sent.partition_point(|x| x.at <= s.at);
            self.sent.insert(pos, s);
        }
        let since = now - quota::DAY;
        while self.sent.front().is_some_and(|s| s.at < since) {
            self.sent.pop_front();
        }
    }

    /// The requests of the rolling day that `keep` selects, counted after the end of the last
    /// quota block.
    fn window(
        &self,
        observations: &[Observation],
        now: DateTime<Utc>,
        keep: impl Fn(&Sent) -> bool,
    ) -> Window {
        let fresh_since = observations
            .iter()
            .map(|o| o.resets_at)
            .max()
            .filter(|&r| r <= now);
        Window::new(
            self.sent.iter().filter(|s| keep(s)).map(|s| s.at).collect(),
            fresh_since,
        )
    }

    fn admit(
        &mut self,
        q: Sql<'_>,
        class: RequestClass,
        settings: &AdmitSettings,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Admission> {
        if let Some((until, reason)) = self.hold(q, now)? {
            return Ok(Admission::Hold { until, reason });
        }
        let observations = self.observations(q)?;
        let mut members = self.members(q, now)?;
        if household::is_bulk(class) {
            // Asked, even if held: the household's cadence yields to bulk work that waits.
            self.want_bulk(q, &mut members, settings, now)?;
        }
        let costs: Vec<u64> = members.iter().map(|m| m.incremental_cost).collect();
        let policy = QuotaPolicy::for_accounts(
            settings.configured,
            &observations,
            &settings.schedule,
            &costs,
        );
        if let Some(ceiling) = policy.ceiling(class)
            && let Some(until) = self
                .window(&observations, now, |_| true)
                .admit(ceiling, now)
        {
            return Ok(Admission::Hold {
                until,
                reason: policy.reason(class),
            });
        }
        if class == RequestClass::History
            && let Some(until) = self.poll_paced(&policy, &observations, members.len(), now)
        {
            return Ok(Admission::Hold {
                until,
                reason: policy.reason(class),
            });
        }
        if household::is_bulk(class) {
            let ceiling = policy.bulk_per_day().unwrap_or(quota::ASSUMED_BULK);
            let allowance = household::bulk_allowance(ceiling, &members, self.account);
            let account = self.account;
            let own = |s: &Sent| s.account == account && s.class.is_some_and(household::is_bulk);
            if let Some(until) = self.window(&observations, now, own).admit(allowance, now) {
                return Ok(Admission::Hold {
                    until,
                    reason: LimitReason::Reserve,
                });
            }
        }
        if let Some(wait) = self.pace(class, settings.pace_limit, members.len().max(1), now) {
            return Ok(Admission::Pace(wait));
        }
        q.exec(
            "INSERT INTO requests (app, account, class, sent_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![self.app, self.account, class, now.timestamp_millis()],
        )?;
        let sent = Sent {
            id: q.0.last_insert_rowid(),
            at: now,
            account: self.account.to_string(),
            class: Some(class),
        };
        self.take(vec![sent], now);
        Ok(Admission::Go)
    }

    /// When this account's poll may go, if the polls' own room makes it wait: that room is
    /// spent at a pace that keeps it ([`Window::admit_poll`]), shared by `accounts`.
    fn poll_paced(
        &self,
        policy: &QuotaPolicy,
        observations: &[Observation],
        accounts: usize,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let account = self.account;
        let last_poll = self
            .sent
            .iter()
            .rev()
            .find(|s| s.account == account && s.class == Some(RequestClass::History))
            .map(|s| s.at);
        self.window(observations, now, |_| true).admit_poll(
            policy,
            accounts.max(1) as u64,
            last_poll,
            now,
        )
    }

    /// This account asks for bulk work: it counts as wanting some for a while.
    fn want_bulk(
        &self,
        q: Sql<'_>,
        members: &mut Vec<Member>,
        settings: &AdmitSettings,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let interest = household::bulk_interest(settings.schedule.every);
        let until = now + TimeDelta::from_std(interest).unwrap_or(TimeDelta::hours(2));
        let n = q.exec(
            "UPDATE members SET wants_bulk_until = ?3 WHERE app = ?1 AND account = ?2",
            params![self.app, self.account, ts(until)],
        )?;
        if n == 0 {
            self.upsert_member(q, self.account, 1, quota::DEFAULT_INCREMENTAL_COST, now)?;
            q.exec(
                "UPDATE members SET wants_bulk_until = ?3 WHERE app = ?1 AND account = ?2",
                params![self.app, self.account, ts(until)],
            )?;
            members.push(Member {
                account: self.account.to_string(),
                share: 1,
                incremental_cost: quota::DEFAULT_INCREMENTAL_COST,
                wants_bulk: true,
            });
        }
        for m in members.iter_mut().filter(|m| m.account == self.account) {
            m.wants_bulk = true;
        }
        Ok(())
    }

    /// How long a request of `class` waits for the shared 30-second window (`None`: it may go).
    fn pace(
        &self,
        class: RequestClass,
        limit: u32,
        accounts: usize,
        now: DateTime<Utc>,
    ) -> Option<Duration> {
        let slots = household::pace_slots(limit, class, accounts) as usize;
        let since = now - PACE_WINDOW;
        let recent: Vec<DateTime<Utc>> = self
            .sent
            .iter()
            .rev()
            .map(|s| s.at)
            .take_while(|&t| t > since)
            .collect();
        if recent.len() < slots {
            return None;
        }
        // The oldest request that must leave the window for one more to fit.
        let oldest = recent[slots - 1];
        let free_at = oldest + PACE_WINDOW + TimeDelta::milliseconds(60);
        Some((free_at - now).to_std().unwrap_or(Duration::from_millis(1)))
    }
}

/// Refuse an existing file that is not a ledger (another application's database, a spotsync
/// library database given by mistake).
fn check_ours(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(sqlite(path))?;
    let tables: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(sqlite(path))?;
    if app_id == LEDGER_APPLICATION_ID || (app_id == 0 && tables == 0) {
        return Ok(());
    }
    Err(StoreError::NotADatabase {
        path: path.to_owned(),
        detail: format!("it is not spotsync's quota ledger (application id {app_id:#x})"),
    })
}

#[cfg(test)]
mod tests;
