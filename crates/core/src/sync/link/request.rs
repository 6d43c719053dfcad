//! The gate-passing requester: every request passes the one gate (holds, the daily budget,
//! pacing), with 429 handling, bounded retries of transient failures, and one token refresh on
//! 401. A request sent is counted in the gate's tally at once and recorded in the database by
//! the next write (the page's batch), not in a round trip of its own.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::Link;
use crate::domain::{LimitReason, Phase, RequestClass};
use crate::quota::Schedule;
use crate::settings::SyncConfig;
use crate::spotify::{ApiError, Endpoint, SpotifyClient};
use crate::store::ts;
use crate::sync::events::SyncEvent;
use crate::sync::gate::{self, Gate};
use crate::sync::outcome::Stop;

/// The longest reserve hold waited out inside a run: a longer one stops the phase (the rolling
/// day frees requests one by one, so a short wait is usually the next minute's requests ageing
/// out).
pub(crate) const RESERVE_WAIT_IN_PROCESS: Duration = Duration::from_secs(90);

/// A request that did not succeed.
#[derive(Debug)]
pub(crate) enum ReqError {
    Stop(Stop),
    /// A definitive answer the caller decides about (403, 404, other 4xx).
    Api(ApiError),
}

impl From<Stop> for ReqError {
    fn from(s: Stop) -> Self {
        ReqError::Stop(s)
    }
}

impl ReqError {
    /// A definitive answer the caller does not handle fails the phase.
    pub(crate) fn into_stop(self) -> Stop {
        match self {
            ReqError::Stop(s) => s,
            ReqError::Api(e) => Stop::PhaseFailed(e.to_string()),
        }
    }
}

/// Spotify's client and the gate its requests pass.
pub(crate) struct Requester {
    pub(super) client: SpotifyClient,
    pub(super) gate: Gate,
    /// The hold last announced (so `RateLimited` is sent once per hold).
    pub(super) announced: Option<DateTime<Utc>>,
    /// `max_calls_per_day` of the config (0: learn it).
    pub(super) max_calls_per_day: u64,
    /// The daemon's cadence, which sizes the reserve.
    pub(super) schedule: Schedule,
    /// The quota ledger of the household this account belongs to, if any.
    pub(super) household: Option<super::Household>,
}

impl Requester {
    /// A requester pacing at `config`'s rate; `hold` is the persisted hold, if any.
    pub(crate) fn new(
        client: SpotifyClient,
        config: &SyncConfig,
        hold: Option<(DateTime<Utc>, LimitReason)>,
    ) -> Requester {
        let mut gate = Gate::new(config.requests_per_window);
        if let Some((until, reason)) = hold {
            gate.set_hold(until, reason);
        }
        Requester {
            client,
            gate,
            announced: None,
            max_calls_per_day: config.max_calls_per_day,
            schedule: config.schedule,
            household: None,
        }
    }

    /// Admit every request through the household's quota ledger too (once it exists).
    pub(crate) fn share_quota(&mut self, household: super::Household) {
        self.household = Some(household);
    }
}

/// What the gate said about a request of some class now.
pub(super) enum Gated {
    Go,
    /// Wait this long for the pace.
    Pace(Duration),
    /// A hold until `until`.
    Hold {
        until: DateTime<Utc>,
        reason: LimitReason,
    },
}

/// One request's retry state, for [`Link::after_failure`].
pub(super) struct Retry<'a> {
    pub phase: Option<Phase>,
    /// The endpoint's template, for the events and the log.
    pub template: &'static str,
    /// Transient failures so far.
    pub attempt: &'a mut u32,
    /// Whether the token was refreshed for it already.
    pub refreshed: &'a mut bool,
}

impl Link<'_> {
    /// Send one request through the gate, with 429 handling, bounded retries of transient
    /// failures and one token refresh on 401. When the retries are spent, the last failure
    /// decides: Spotify unreachable ([`ApiError::Unreachable`]: no connection, or closed before
    /// any answer) ends the run, since later phases would only knock on the same closed door;
    /// any other ([`ApiError::Transient`]: a 5xx, a timeout, an unreadable answer) fails only
    /// this request's phase, since the next phase asks other things of a server that answers.
    pub(crate) async fn request<T: DeserializeOwned>(
        &mut self,
        phase: Option<Phase>,
        endpoint: Endpoint,
    ) -> Result<T, ReqError> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        let class = self.class_of(phase);
        loop {
            self.counted_send(phase, class).await?;
            let client = self.requester.client.clone();
            let res = self.interruptible(client.get::<T>(&endpoint)).await?;
            self.requester.gate.record_answered(Instant::now());
            match res {
                Ok(v) => {
                    self.requester.gate.on_success();
                    return Ok(v);
                }
                Err(e) => {
                    let retry = Retry {
                        phase,
                        template: endpoint.template(),
                        attempt: &mut attempt,
                        refreshed: &mut refreshed,
                    };
                    self.after_failure(retry, e).await?;
                }
            }
        }
    }

    /// A request that failed with `e`: back after a 429's hold, after a transient failure's
    /// backoff (while retries are left) or after one token refresh on 401 — `Ok` sends it
    /// again; otherwise why it stops.
    pub(super) async fn after_failure(
        &mut self,
        retry: Retry<'_>,
        e: ApiError,
    ) -> Result<(), ReqError> {
        let Retry {
            phase,
            template,
            attempt,
            refreshed,
        } = retry;
        match e {
            ApiError::RateLimited { retry_after, quota } => {
                self.rate_limited(phase, template, retry_after, quota)
                    .await?;
            }
            ApiError::Transient(msg) => {
                *attempt += 1;
                self.retry_after_failure(phase, template, *attempt, msg, false)
                    .await?;
            }
            ApiError::Unreachable(msg) => {
                *attempt += 1;
                self.retry_after_failure(phase, template, *attempt, msg, true)
                    .await?;
            }
            ApiError::Unauthorized(m) if !*refreshed && self.requester.client.can_refresh() => {
                *refreshed = true;
                self.refresh_token(&m).await?;
            }
            e if e.is_auth() => return Err(Stop::Auth(e.to_string()).into()),
            e => return Err(ReqError::Api(e)),
        }
        Ok(())
    }

    /// Through the gate, then the request about to go counted: the pacing clock, the day's
    /// tally of its class and the run's usage row (reads and writes alike).
    pub(super) async fn counted_send(
        &mut self,
        phase: Option<Phase>,
        class: RequestClass,
    ) -> Result<(), ReqError> {
        self.pass_gate(phase, class).await?;
        let now = Utc::now();
        self.requester.gate.record_send(Instant::now());
        self.requester.gate.count_today(class, now);
        self.db.sent(self.run_id(), now);
        Ok(())
    }

    /// A 429: hold until the time it says (persisted with what a `QUOTA_EXCEEDED` teaches).
    pub(super) async fn rate_limited(
        &mut self,
        phase: Option<Phase>,
        template: &'static str,
        retry_after: Option<Duration>,
        quota: bool,
    ) -> Result<(), Stop> {
        let now = Utc::now();
        let gate = &mut self.requester.gate;
        let (until, reason) = gate.on_rate_limited(retry_after, quota, now, Instant::now());
        tracing::warn!("{template}: rate limited ({reason}) until {}", ts(until));
        // Spotify's own answer teaches the daily quota: what we had sent before it (in a
        // household, what every account had sent: the ledger's count).
        let own = quota.then(|| gate.quota_exceeded(now, until));
        let observed = self.share_hold(until, reason, now).await?.or(own);
        if let Some(o) = &observed {
            tracing::warn!(
                "QUOTA_EXCEEDED after {} requests in the counted day; bulk work will stop short \
                 of it from now on",
                o.calls
            );
        }
        let run_id = self.run_id();
        self.db
            .write(move |tx| {
                tx.save_block(until, reason, phase, run_id, now)?;
                if let Some(o) = &observed {
                    tx.record_quota_observation(o)?;
                }
                if let Some(id) = run_id {
                    tx.add_waited(id, 0, true)?;
                }
                Ok(())
            })
            .await?;
        if observed.is_some() {
            self.refresh_policy().await?;
        }
        // The refused request counts too (Spotify counts every request it gets).
        self.emit_usage().await;
        Ok(())
    }

    /// A 401 with a refresh token: refresh once; a failure to refresh stops the run.
    pub(super) async fn refresh_token(&mut self, unauthorized: &str) -> Result<(), Stop> {
        let client = self.requester.client.clone();
        match self.interruptible(client.refresh()).await? {
            Ok(()) => Ok(()),
            Err(e) if e.is_auth() => Err(Stop::Auth(e.to_string())),
            // The accounts service is out of reach: not an authorization problem, and the API
            // itself is likely out of reach too.
            Err(ApiError::Unreachable(msg)) => Err(Stop::Unreachable(format!(
                "{unauthorized}; refreshing the token failed: Spotify could not be reached \
                 ({msg}); the run stopped and resumes from its checkpoint next time"
            ))),
            Err(e) => Err(Stop::Auth(format!(
                "{unauthorized}; refreshing the token failed: {e}"
            ))),
        }
    }

    /// What the engine's own gate says about one request of `class` now (in a household, the
    /// daily quota is the ledger's to decide: [`Link::admit_shared`]).
    fn gated(&mut self, class: RequestClass) -> Gated {
        let now = Utc::now();
        let shared = self.is_shared();
        let gate = &mut self.requester.gate;
        let daily = |gate: &mut Gate| (!shared).then(|| gate.admit(class, now)).flatten();
        match gate.hold(now).or_else(|| daily(gate)) {
            Some((until, reason)) => Gated::Hold { until, reason },
            None => match gate.pacing_delay(Instant::now()) {
                Some(d) => Gated::Pace(d),
                None => Gated::Go,
            },
        }
    }

    /// Wait until the gate lets one request of `class` through (or stop).
    ///
    /// A hold of our own making (the reserve, the daily budget) is derived from the counted
    /// requests, never persisted as a block. A reserve hold longer than
    /// [`RESERVE_WAIT_IN_PROCESS`] stops the phase at once (resumable, run `rate_limited`):
    /// the run goes on with the classes above it, and the daemon keeps polling meanwhile.
    pub(super) async fn pass_gate(
        &mut self,
        phase: Option<Phase>,
        class: RequestClass,
    ) -> Result<(), Stop> {
        loop {
            self.find_household().await?;
            let gated = match self.gated(class) {
                Gated::Go => self.admit_shared(class).await?,
                other => other,
            };
            match gated {
                Gated::Go => return Ok(()),
                Gated::Pace(d) => {
                    self.wait(d, phase).await?;
                }
                Gated::Hold { until, reason } => {
                    let wait = (until - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                    let too_long = self.control.max_wait().is_some_and(|m| wait > m)
                        || (reason == LimitReason::Reserve && wait > RESERVE_WAIT_IN_PROCESS);
                    if too_long {
                        return Err(self.stop_at_hold(phase, class, until, reason).await);
                    }
                    self.wait_out_hold(phase, wait, until, reason).await?;
                }
            }
        }
    }

    /// A hold longer than the run waits: announce it and stop (Spotify's own holds are saved).
    async fn stop_at_hold(
        &mut self,
        phase: Option<Phase>,
        class: RequestClass,
        until: DateTime<Utc>,
        reason: LimitReason,
    ) -> Stop {
        let now = Utc::now();
        if reason == LimitReason::Reserve {
            tracing::info!(
                "{class} requests stop at the reserve ({} of the day's {} used) until {}; the \
                 listening-history poll and the classes above go on",
                self.requester.gate.used_today(now),
                self.requester.gate.policy().daily.unwrap_or(0),
                ts(until)
            );
        }
        // Our own holds are derived from the counted requests; only Spotify's are saved.
        let ours = matches!(reason, LimitReason::Budget | LimitReason::Reserve);
        if let Some(p) = phase.filter(|_| !ours) {
            let run_id = self.run_id();
            let saved = self
                .db
                .write(move |tx| tx.save_block(until, reason, Some(p), run_id, now))
                .await;
            if let Err(stop) = saved {
                return stop;
            }
        }
        self.emit(SyncEvent::RateLimited {
            until,
            reason,
            phase,
        })
        .await;
        Stop::Blocked { until, reason }
    }

    /// Wait out a hold (announced once), then clear it; a pause meanwhile comes back here.
    async fn wait_out_hold(
        &mut self,
        phase: Option<Phase>,
        wait: Duration,
        until: DateTime<Utc>,
        reason: LimitReason,
    ) -> Result<(), Stop> {
        if self.requester.announced != Some(until) {
            self.requester.announced = Some(until);
            tracing::info!(
                "waiting for {} until {} (nothing is sent before)",
                reason.describe(),
                ts(until)
            );
            self.emit(SyncEvent::RateLimited {
                until,
                reason,
                phase,
            })
            .await;
        }
        let started = Instant::now();
        let res = self.wait(wait, phase).await;
        let waited = started.elapsed().as_secs();
        if let Some(id) = self.run_id() {
            self.db
                .write(move |tx| tx.add_waited(id, waited, false))
                .await?;
        }
        let paused = res?;
        let ours = matches!(reason, LimitReason::Budget | LimitReason::Reserve);
        if paused && !ours && self.requester.gate.hold(Utc::now()).is_some() {
            // Paused during the hold and resumed before its end: keep waiting (the hold is
            // announced again so the countdown comes back).
            self.requester.announced = None;
            return Ok(());
        }
        if !ours {
            self.requester.gate.clear_hold();
            let now = Utc::now();
            self.db.write(move |tx| tx.clear_block(now)).await?;
        }
        self.requester.announced = None;
        tracing::info!("hold ended ({}); requests resume", reason.describe());
        self.emit(SyncEvent::RateLimitCleared).await;
        self.emit_usage().await;
        Ok(())
    }

    /// After the `attempt`-th failure of a retryable kind: wait the backoff before the next
    /// attempt, or, when the attempts are spent, stop: the run when Spotify could not be
    /// reached (`unreachable`), else only this request's phase.
    pub(super) async fn retry_after_failure(
        &mut self,
        phase: Option<Phase>,
        template: &'static str,
        attempt: u32,
        msg: String,
        unreachable: bool,
    ) -> Result<(), Stop> {
        if attempt >= gate::MAX_ATTEMPTS {
            return Err(if unreachable {
                Stop::Unreachable(format!(
                    "Spotify could not be reached: {template} failed {attempt} times ({msg}); \
                     the run stopped and resumes from its checkpoint next time"
                ))
            } else {
                Stop::PhaseFailed(format!("{template} failed {attempt} times: {msg}"))
            });
        }
        let delay = gate::backoff(attempt);
        tracing::warn!("{template}: {msg}; retry {attempt} in {delay:?}");
        if let Some(p) = phase {
            self.emit(SyncEvent::Retrying {
                phase: p,
                attempt,
                delay,
                error: msg,
            })
            .await;
        }
        self.wait(delay, phase).await?;
        Ok(())
    }
}
