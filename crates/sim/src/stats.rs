//! Request statistics (`GET /__sim/stats`): in total, and per simulated user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Request statistics (`GET /__sim/stats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// `/v1` requests received (whatever the answer, including dropped ones).
    pub total: u64,
    /// Per route template, e.g. `GET /v1/artists/{id}`, `POST /api/token` (accounts requests
    /// are listed here but not counted in `total`).
    pub per_endpoint: BTreeMap<String, u64>,
    /// Per status class (`2xx`, `4xx`, `5xx`) and per exact status (`200`, `401`, `429`, …).
    pub by_status: BTreeMap<String, u64>,
    /// 429s sent because of the rolling window.
    pub rate_limited: u64,
    /// 429s sent because of the daily quota.
    pub quota_exceeded: u64,
    /// Requests that arrived while the client had already been told to wait (before the
    /// `Retry-After` of an earlier 429 had elapsed). A well-behaved client keeps this at 0.
    pub while_blocked: u64,
    /// Connections closed without a response (faults).
    pub dropped: u64,
    /// Requests to the accounts service (`/authorize`, `/api/token`).
    pub accounts_requests: u64,
    /// `/v1` write requests (`PUT`, `POST`, `DELETE`), whatever the answer; also in `total`.
    #[serde(default)]
    pub writes: u64,
    /// The same counts per simulated user (index = user), for requests whose bearer token is
    /// one of that user's; requests without a user's token are only in the totals.
    #[serde(default)]
    pub per_user: Vec<UserStats>,
}

/// One simulated user's share of the requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserStats {
    /// `/v1` requests with this user's token (whatever the answer).
    pub total: u64,
    /// Of which writes (`PUT`, `POST`, `DELETE`).
    pub writes: u64,
    /// Per route template.
    pub per_endpoint: BTreeMap<String, u64>,
    /// Per status class and exact status.
    pub by_status: BTreeMap<String, u64>,
    /// 429s of the rolling window / of the daily quota this user's requests got.
    pub rate_limited: u64,
    pub quota_exceeded: u64,
    /// Connections closed without a response.
    pub dropped: u64,
}

impl Stats {
    pub fn count(&self, key: &str) -> u64 {
        self.by_status.get(key).copied().unwrap_or(0)
    }
    pub fn endpoint(&self, key: &str) -> u64 {
        self.per_endpoint.get(key).copied().unwrap_or(0)
    }
    /// User `u`'s statistics (zero when that user sent nothing).
    pub fn user(&self, u: usize) -> UserStats {
        self.per_user.get(u).cloned().unwrap_or_default()
    }
    /// Statistics for `users` users, all zero.
    pub fn empty(users: usize) -> Stats {
        Stats {
            per_user: vec![UserStats::default(); users],
            ..Stats::default()
        }
    }
}

impl UserStats {
    pub fn count(&self, key: &str) -> u64 {
        self.by_status.get(key).copied().unwrap_or(0)
    }
    pub fn endpoint(&self, key: &str) -> u64 {
        self.per_endpoint.get(key).copied().unwrap_or(0)
    }
}

/// Who sent a `/v1` request and what it was, for the statistics.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    pub route: &'a str,
    /// The user whose token the request carried.
    pub user: Option<usize>,
    pub write: bool,
}

/// Why a request got a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    Window,
    Quota,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_default() += 1;
}

impl Stats {
    /// Count one `/v1` request of `who` (`status` `None`: closed without an answer).
    pub fn count_v1(&mut self, who: Sender<'_>, status: Option<u16>, limited: Option<Limited>) {
        self.total += 1;
        self.writes += u64::from(who.write);
        bump(&mut self.per_endpoint, who.route);
        match status {
            Some(code) => {
                bump(&mut self.by_status, &format!("{}xx", code / 100));
                bump(&mut self.by_status, &code.to_string());
            }
            None => self.dropped += 1,
        }
        match limited {
            Some(Limited::Window) => self.rate_limited += 1,
            Some(Limited::Quota) => self.quota_exceeded += 1,
            None => {}
        }
        let Some(u) = who.user else {
            return;
        };
        if self.per_user.len() <= u {
            self.per_user.resize(u + 1, UserStats::default());
        }
        let us = &mut self.per_user[u];
        us.total += 1;
        us.writes += u64::from(who.write);
        bump(&mut us.per_endpoint, who.route);
        match status {
            Some(code) => {
                bump(&mut us.by_status, &format!("{}xx", code / 100));
                bump(&mut us.by_status, &code.to_string());
            }
            None => us.dropped += 1,
        }
        match limited {
            Some(Limited::Window) => us.rate_limited += 1,
            Some(Limited::Quota) => us.quota_exceeded += 1,
            None => {}
        }
    }

    /// Count one request to the accounts service.
    pub fn count_accounts(&mut self, route: &str, status: u16) {
        self.accounts_requests += 1;
        bump(&mut self.per_endpoint, route);
        bump(&mut self.by_status, &format!("{}xx", status / 100));
        bump(&mut self.by_status, &status.to_string());
    }
}
