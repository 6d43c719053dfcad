//! Shared server state: library, tokens, limits, faults and statistics.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use super::faults::FaultKind;
use super::faults::FaultQueue;
use super::model::Library;
use super::stats::{Limited, Sender, Stats};
use crate::SimMode;

/// The scopes a token from `POST /__sim/token` grants by default: every one the simulator
/// knows, reading and writing.
pub const ALL_SCOPES: &str = "playlist-read-collaborative playlist-read-private user-follow-read \
     user-library-read user-read-playback-position user-read-recently-played user-top-read \
     playlist-modify-private playlist-modify-public user-library-modify user-follow-modify \
     ugc-image-upload";

/// The scopes the simulator knows (and enforces where Spotify's description names them).
pub const KNOWN_SCOPES: [&str; 12] = [
    "playlist-read-collaborative",
    "playlist-read-private",
    "user-follow-read",
    "user-library-read",
    "user-read-playback-position",
    "user-read-recently-played",
    "user-top-read",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-library-modify",
    "user-follow-modify",
    "ugc-image-upload",
];

/// A set of [`KNOWN_SCOPES`] as bits (unknown scopes are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u32);

impl Scopes {
    /// Parse a space-separated scope string.
    pub fn parse(scope: &str) -> Scopes {
        Scopes(
            scope
                .split_ascii_whitespace()
                .filter_map(|s| KNOWN_SCOPES.iter().position(|k| *k == s))
                .fold(0, |acc, i| acc | (1 << i)),
        )
    }

    pub fn has(self, scope: &str) -> bool {
        KNOWN_SCOPES
            .iter()
            .position(|k| *k == scope)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// Length of the rolling rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(30);
/// Length of the rolling quota period.
pub const QUOTA_PERIOD: Duration = Duration::from_secs(86_400);

/// The furthest ahead the simulator keeps a deadline (token expiry, quota block): 100 years.
/// An absurd `ttl` or `retry_after` from a client means "practically never", not an overflow.
pub const FOREVER: Duration = Duration::from_secs(100 * 365 * 86_400);

/// The most latency a client can ask for through the control API: 10 minutes.
pub const MAX_LATENCY_MS: u64 = 600_000;

/// `now + d`, with `d` capped to [`FOREVER`]: never panics.
pub fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d.min(FOREVER)).unwrap_or(now)
}

/// Behaviour that can change while the simulator runs (`GET`/`POST /__sim/settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// `"dev"` or `"extended"`.
    pub mode: String,
    /// Requests per rolling 30 s (0 = unlimited).
    pub window: u32,
    /// Requests per rolling 24 h (0 = unlimited).
    pub quota: u32,
    /// `Retry-After` of a quota block, seconds.
    pub quota_retry_after: u64,
    /// Lifetime of new access tokens, seconds.
    pub token_ttl: u64,
    pub latency_ms: u64,
    /// Fraction of `/v1` requests answered 500/502/503.
    pub fail_rate: f64,
    /// Fraction of `/v1` requests whose connection is closed without a response.
    pub drop_rate: f64,
    /// Send 429s without a `Retry-After` header.
    pub omit_retry_after: bool,
}

/// Partial update of [`Settings`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub mode: Option<String>,
    pub window: Option<u32>,
    pub quota: Option<u32>,
    pub quota_retry_after: Option<u64>,
    pub token_ttl: Option<u64>,
    pub latency_ms: Option<u64>,
    pub fail_rate: Option<f64>,
    pub drop_rate: Option<f64>,
    pub omit_retry_after: Option<bool>,
}

impl Settings {
    pub fn extended(&self) -> bool {
        self.mode == "extended"
    }

    pub fn apply(&mut self, p: SettingsPatch) -> Result<(), String> {
        if let Some(m) = p.mode {
            if m != "dev" && m != "extended" {
                return Err(format!("mode must be \"dev\" or \"extended\", not {m:?}"));
            }
            self.mode = m;
        }
        if p.latency_ms.is_some_and(|l| l > MAX_LATENCY_MS) {
            return Err(format!("latency_ms must be at most {MAX_LATENCY_MS}"));
        }
        for r in [p.fail_rate, p.drop_rate].into_iter().flatten() {
            if !(0.0..=1.0).contains(&r) {
                return Err("rates must be between 0.0 and 1.0".into());
            }
        }
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = p.$f { self.$f = v; } )* };
        }
        set!(
            window,
            quota,
            quota_retry_after,
            token_ttl,
            latency_ms,
            fail_rate,
            drop_rate,
            omit_retry_after
        );
        Ok(())
    }
}

pub fn mode_name(m: SimMode) -> &'static str {
    match m {
        SimMode::Dev => "dev",
        SimMode::Extended => "extended",
    }
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub expires_at: Instant,
    /// The simulated user (index) it belongs to; `None` for client-credentials tokens.
    pub user: Option<usize>,
    pub scope: String,
    pub scopes: Scopes,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub client_id: String,
    pub user: usize,
    pub scope: String,
    pub expired: bool,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    /// The user who approved (see `POST /__sim/login-as`).
    pub user: usize,
    pub redirect_uri: String,
    pub challenge: String,
    pub scope: String,
    pub issued: Instant,
}

#[derive(Debug, Default)]
pub struct AuthState {
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshToken>,
    pub codes: HashMap<String, AuthCode>,
}

#[derive(Debug, Default)]
pub struct Limits {
    /// Accepted `/v1` requests within the last 30 s.
    pub window: VecDeque<Instant>,
    /// Accepted `/v1` requests within the last 24 h (only kept while a quota is set).
    pub quota: VecDeque<Instant>,
    /// An active quota block.
    pub blocked_until: Option<Instant>,
    /// Latest time a client was told (by a 429) to wait until.
    pub told_until: Option<Instant>,
}

pub struct Shared {
    /// One library per simulated user (index = user; user 0 is the default one).
    pub libs: RwLock<Vec<Library>>,
    pub settings: Mutex<Settings>,
    pub auth: Mutex<AuthState>,
    pub limits: Mutex<Limits>,
    pub stats: Mutex<Stats>,
    pub faults: Mutex<FaultQueue>,
    pub fault_rng: Mutex<ChaCha8Rng>,
    /// For mutations (new tracks, snapshot ids).
    pub mut_rng: Mutex<ChaCha8Rng>,
    /// The user `GET /authorize` approves as (`POST /__sim/login-as`).
    pub login_as: Mutex<usize>,
    /// `http://127.0.0.1:PORT/v1/`
    pub api_base: String,
    /// `http://127.0.0.1:PORT/`
    pub base: String,
}

/// Lock a mutex even if a panicking thread poisoned it (the data stays usable).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// `libs` holds at least one library (user 0).
    pub fn new(libs: Vec<Library>, settings: Settings, seed: u64, base: String) -> Self {
        let users = libs.len();
        Shared {
            libs: RwLock::new(libs),
            settings: Mutex::new(settings),
            auth: Mutex::new(AuthState::default()),
            limits: Mutex::new(Limits::default()),
            stats: Mutex::new(Stats::empty(users)),
            faults: Mutex::new(FaultQueue::default()),
            fault_rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0xFA01_7FA0_17FA_0175)),
            mut_rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0x005E_ED0F_CA7A_1065)),
            login_as: Mutex::new(0),
            api_base: format!("{base}v1/"),
            base,
        }
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// A fresh random token string.
    pub fn random_token(&self, prefix: &str) -> String {
        use base64::Engine;
        let bytes: [u8; 32] = rand::rng().random();
        format!(
            "{prefix}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        )
    }

    /// Issue an access token for `user` (`None`: an app token of client credentials), and a
    /// refresh token when `client_id` is given.
    pub fn issue(
        &self,
        client_id: Option<&str>,
        scope: &str,
        user: Option<usize>,
    ) -> TokenResponse {
        let ttl = self.settings().token_ttl;
        let access = self.random_token("BQ");
        let refresh = client_id.map(|_| self.random_token("AQ"));
        let mut auth = lock(&self.auth);
        auth.access.insert(
            access.clone(),
            AccessToken {
                expires_at: later(Instant::now(), Duration::from_secs(ttl)),
                user,
                scope: scope.to_string(),
                scopes: Scopes::parse(scope),
            },
        );
        if let (Some(r), Some(c)) = (&refresh, client_id) {
            auth.refresh.insert(
                r.clone(),
                RefreshToken {
                    client_id: c.to_string(),
                    user: user.unwrap_or(0),
                    scope: scope.to_string(),
                    expired: false,
                },
            );
        }
        TokenResponse {
            access_token: access,
            token_type: "Bearer".into(),
            expires_in: ttl,
            refresh_token: refresh,
            scope: scope.to_string(),
        }
    }
}

/// The accounts service's token answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// Outcome of the limit check for one `/v1` request.
pub enum Gate {
    Pass,
    /// Over the rolling window: retry after N seconds.
    Window(u64),
    /// Quota block: retry after N seconds.
    Quota(u64),
}

fn ceil_secs(d: Duration) -> u64 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    s.max(1)
}

impl Shared {
    /// Check (and record) one `/v1` request against the window and the quota. Returns the
    /// verdict and whether the request came while the client had already been told to wait.
    pub fn gate(&self, s: &Settings) -> (Gate, bool) {
        let now = Instant::now();
        let mut l = lock(&self.limits);
        let knocking = l
            .told_until
            .is_some_and(|t| now + Duration::from_millis(20) < t);
        if let Some(until) = l.blocked_until {
            if now < until {
                return (Gate::Quota(ceil_secs(until - now)), knocking);
            }
            // The block is over: the quota period starts afresh.
            l.blocked_until = None;
            l.quota.clear();
        }
        while l.window.front().is_some_and(|&t| now - t >= WINDOW) {
            l.window.pop_front();
        }
        while l.quota.front().is_some_and(|&t| now - t >= QUOTA_PERIOD) {
            l.quota.pop_front();
        }
        if s.quota > 0 && l.quota.len() >= s.quota as usize {
            let until = later(now, Duration::from_secs(s.quota_retry_after.max(1)));
            l.blocked_until = Some(until);
            l.quota.clear();
            return (Gate::Quota(s.quota_retry_after.max(1)), knocking);
        }
        if s.window > 0 && l.window.len() >= s.window as usize {
            let oldest = l.window[l.window.len() - s.window as usize];
            let wait = (oldest + WINDOW).saturating_duration_since(now);
            return (Gate::Window(ceil_secs(wait)), knocking);
        }
        if s.window > 0 {
            l.window.push_back(now);
        }
        if s.quota > 0 {
            l.quota.push_back(now);
        }
        (Gate::Pass, false)
    }

    /// Remember that a client was told to wait `secs`.
    pub fn told_to_wait(&self, secs: u64) {
        let until = later(Instant::now(), Duration::from_secs(secs));
        let mut l = lock(&self.limits);
        if l.told_until.is_none_or(|t| t < until) {
            l.told_until = Some(until);
        }
    }

    /// Start a quota block now.
    pub fn exhaust_quota(&self, retry_after: u64) {
        let mut l = lock(&self.limits);
        l.blocked_until = Some(later(
            Instant::now(),
            Duration::from_secs(retry_after.max(1)),
        ));
        l.quota.clear();
    }

    /// End any block and clear all usage.
    pub fn reset_limits(&self) {
        *lock(&self.limits) = Limits::default();
    }

    /// A random fault for this request according to `fail_rate` / `drop_rate`.
    pub fn random_fault(&self, s: &Settings) -> Option<FaultKind> {
        if s.fail_rate <= 0.0 && s.drop_rate <= 0.0 {
            return None;
        }
        let mut rng = lock(&self.fault_rng);
        let x: f64 = rng.random();
        if x < s.drop_rate {
            return Some(FaultKind::Drop);
        }
        let y: f64 = rng.random();
        if y < s.fail_rate {
            return Some(match rng.random_range(0..3) {
                0 => FaultKind::E500,
                1 => FaultKind::E502,
                _ => FaultKind::E503,
            });
        }
        None
    }

    /// A `/v1` request answered with `status`.
    pub fn record_v1(&self, who: Sender<'_>, status: u16) {
        lock(&self.stats).count_v1(who, Some(status), None);
    }

    /// A `/v1` request refused by a limit (a 429).
    pub fn record_limited(&self, who: Sender<'_>, why: Limited) {
        lock(&self.stats).count_v1(who, Some(429), Some(why));
    }

    /// A request whose connection was closed without an answer: counted in `total`,
    /// `per_endpoint` and `dropped`, not in `by_status`.
    pub fn record_dropped(&self, who: Sender<'_>) {
        lock(&self.stats).count_v1(who, None, None);
    }

    /// A request to the accounts service.
    pub fn record_accounts(&self, route: &str, status: u16) {
        lock(&self.stats).count_accounts(route, status);
    }

    /// Zero every count (one empty entry per user).
    pub fn reset_stats(&self) {
        *lock(&self.stats) = Stats::empty(self.users());
    }
}
