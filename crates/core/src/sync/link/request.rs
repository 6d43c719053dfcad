//! Every request passes here: the gate (holds, the daily budget, pacing), 429 handling,
//! bounded retries of transient failures, and one token refresh on 401.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde::de::DeserializeOwned;

use super::Engine;
use crate::domain::{LimitReason, Phase, RequestClass};
use crate::spotify::{ApiError, Endpoint};
use crate::store::ts;
use crate::sync::events::SyncEvent;
use crate::sync::gate;
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

impl Engine {
    /// The class of a phase's requests in the run in progress (`GET /me` and requests outside
    /// a run count as incremental work).
    pub(crate) fn class_of(&self, phase: Option<Phase>) -> RequestClass {
        let kind = self
            .run
            .as_ref()
            .map_or(crate::domain::RunKind::Incremental, |r| r.kind);
        phase.map_or(RequestClass::Changes, |p| RequestClass::of(p, kind))
    }

    /// Wait until the gate lets one request of `class` through (or stop).
    ///
    /// A hold of our own making (the reserve, the daily budget) is derived from the counted
    /// requests, never persisted as a block. A reserve hold longer than
    /// [`RESERVE_WAIT_IN_PROCESS`] stops the phase at once (resumable, run `rate_limited`):
    /// the run goes on with the classes above it, and the daemon keeps polling meanwhile.
    async fn pass_gate(&mut self, phase: Option<Phase>, class: RequestClass) -> Result<(), Stop> {
        loop {
            let now = Utc::now();
            let mut hold = self.gate.hold(now);
            if hold.is_none() {
                hold = self.gate.admit(class, now);
            }
            if let Some((until, reason)) = hold {
                let wait = (until - now).to_std().unwrap_or(Duration::ZERO);
                let ours = matches!(reason, LimitReason::Budget | LimitReason::Reserve);
                let too_long = self.max_wait.is_some_and(|m| wait > m)
                    || (reason == LimitReason::Reserve && wait > RESERVE_WAIT_IN_PROCESS);
                if too_long {
                    if reason == LimitReason::Reserve {
                        tracing::info!(
                            "{class} requests stop at the reserve ({} of the day's {} used) \
                             until {}; the listening-history poll and the classes above go on",
                            self.gate.used_today(now),
                            self.gate.policy().daily.unwrap_or(0),
                            ts(until)
                        );
                    }
                    // Our own holds are derived from the counted requests; only Spotify's are
                    // saved.
                    if let Some(p) = phase.filter(|_| !ours) {
                        let run_id = self.run.as_ref().map(|r| r.id);
                        self.db(move |s| s.sql().save_block(until, reason, Some(p), run_id, now))
                            .await?;
                    }
                    self.emit(SyncEvent::RateLimited {
                        until,
                        reason,
                        phase,
                    })
                    .await;
                    return Err(Stop::Blocked { until, reason });
                }
                if self.announced != Some(until) {
                    self.announced = Some(until);
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
                if let Some(id) = self.run.as_ref().map(|r| r.id) {
                    self.db(move |s| s.sql().add_waited(id, waited, false))
                        .await?;
                }
                let paused = res?;
                if paused && !ours && self.gate.hold(Utc::now()).is_some() {
                    // Paused during the hold and resumed before its end: keep waiting (the
                    // hold is announced again so the countdown comes back).
                    self.announced = None;
                    continue;
                }
                if !ours {
                    self.gate.clear_hold();
                    let now = Utc::now();
                    self.db(move |s| s.sql().clear_block(now)).await?;
                }
                self.announced = None;
                tracing::info!("hold ended ({}); requests resume", reason.describe());
                self.emit(SyncEvent::RateLimitCleared).await;
                self.emit_usage().await;
                continue;
            }
            if let Some(d) = self.gate.pacing_delay(Instant::now()) {
                self.wait(d, phase).await?;
                continue;
            }
            return Ok(());
        }
    }

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
            self.pass_gate(phase, class).await?;
            self.gate.record_send(Instant::now());
            let run_id = self.run.as_ref().map(|r| r.id);
            let now = Utc::now();
            self.gate.count_today(now);
            self.db(move |s| s.transaction(|tx| tx.record_call(run_id, now)))
                .await?;
            let client = self.client.clone();
            let res = self.interruptible(client.get::<T>(&endpoint)).await?;
            self.gate.record_answered(Instant::now());
            match res {
                Ok(v) => {
                    self.gate.on_success();
                    return Ok(v);
                }
                Err(ApiError::RateLimited { retry_after, quota }) => {
                    let now = Utc::now();
                    let (until, reason) =
                        self.gate
                            .on_rate_limited(retry_after, quota, now, Instant::now());
                    tracing::warn!(
                        "{}: rate limited ({reason}) until {}",
                        endpoint.template(),
                        ts(until)
                    );
                    // Spotify's own answer teaches the daily quota: what we had sent before it.
                    let observed = quota.then(|| self.gate.quota_exceeded(now, until));
                    if let Some(o) = &observed {
                        tracing::warn!(
                            "QUOTA_EXCEEDED after {} requests in the counted day; bulk work \
                             will stop short of it from now on",
                            o.calls
                        );
                    }
                    self.db(move |s| {
                        s.transaction(|tx| {
                            tx.save_block(until, reason, phase, run_id, now)?;
                            if let Some(o) = &observed {
                                tx.record_quota_observation(o)?;
                            }
                            if let Some(id) = run_id {
                                tx.add_waited(id, 0, true)?;
                            }
                            Ok(())
                        })
                    })
                    .await?;
                    if observed.is_some() {
                        self.refresh_policy().await?;
                    }
                    // The refused request counts too (Spotify counts every request it gets).
                    self.emit_usage().await;
                }
                Err(ApiError::Transient(msg)) => {
                    attempt += 1;
                    self.retry_after_failure(phase, &endpoint, attempt, msg, false)
                        .await?;
                }
                Err(ApiError::Unreachable(msg)) => {
                    attempt += 1;
                    self.retry_after_failure(phase, &endpoint, attempt, msg, true)
                        .await?;
                }
                Err(ApiError::Unauthorized(m)) if !refreshed && self.client.can_refresh() => {
                    refreshed = true;
                    let client = self.client.clone();
                    match self.interruptible(client.refresh()).await? {
                        Ok(()) => {}
                        Err(e) if e.is_auth() => return Err(Stop::Auth(e.to_string()).into()),
                        Err(ApiError::Unreachable(msg)) => {
                            // The accounts service is out of reach: not an authorization
                            // problem, and the API itself is likely out of reach too.
                            return Err(Stop::Unreachable(format!(
                                "{m}; refreshing the token failed: Spotify could not be \
                                 reached ({msg}); the run stopped and resumes from its \
                                 checkpoint next time"
                            ))
                            .into());
                        }
                        Err(e) => {
                            return Err(Stop::Auth(format!(
                                "{m}; refreshing the token failed: {e}"
                            ))
                            .into());
                        }
                    }
                }
                Err(e) if e.is_auth() => return Err(Stop::Auth(e.to_string()).into()),
                Err(e) => return Err(ReqError::Api(e)),
            }
        }
    }

    /// After the `attempt`-th failure of a retryable kind: wait the backoff before the next
    /// attempt, or, when the attempts are spent, stop: the run when Spotify could not be
    /// reached (`unreachable`), else only this request's phase.
    async fn retry_after_failure(
        &mut self,
        phase: Option<Phase>,
        endpoint: &Endpoint,
        attempt: u32,
        msg: String,
        unreachable: bool,
    ) -> Result<(), Stop> {
        let template = endpoint.template();
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
