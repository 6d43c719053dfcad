//! Writes through the one gate (a restore's): the same holds, pacing, daily classes, 429 handling
//! and token refresh as reads. What differs is the retry: a write whose answer was lost may have
//! been carried out, so only a write that is the same when sent twice (a save, a replace,
//! details) is sent again; any other stops the phase, and the next apply reads the account
//! before it writes anything.

use std::time::Instant;

use chrono::Utc;

use super::request::Retry;
use super::{Link, ReqError};
use crate::domain::Phase;
use crate::spotify::{ApiError, WriteRequest};
use crate::sync::outcome::Stop;

impl Link<'_> {
    /// Send one write through the gate; the answer's body when it succeeded.
    pub(crate) async fn write(
        &mut self,
        phase: Option<Phase>,
        req: &WriteRequest,
    ) -> Result<String, ReqError> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        let class = self.class_of(phase);
        loop {
            self.counted_send(phase, class).await?;
            let client = self.requester.client.clone();
            let res = self.interruptible(client.send(req)).await?;
            self.requester.gate.record_answered(Instant::now());
            match res {
                Ok(body) => {
                    self.requester.gate.on_success();
                    return Ok(body);
                }
                Err(e @ (ApiError::Transient(_) | ApiError::Unreachable(_))) if !req.idempotent => {
                    return Err(Stop::PhaseFailed(format!(
                        "{}: {e}; it may have been carried out, so it is not sent again: \
                         the next `spotsync restore --apply` reads the account first",
                        req.template
                    ))
                    .into());
                }
                // A 429 is refused before anything was done: sent again after the hold.
                Err(e) => {
                    let retry = Retry {
                        phase,
                        template: req.template,
                        attempt: &mut attempt,
                        refreshed: &mut refreshed,
                    };
                    self.after_failure(retry, e).await?;
                }
            }
        }
    }
}

impl Link<'_> {
    /// The scopes the authorization was granted, when known.
    pub(crate) async fn granted_scopes(&self) -> Option<std::collections::HashSet<String>> {
        self.requester.client.granted_scopes().await
    }

    /// The daily quota as a restore sees it, for `requests` writes to come.
    pub(crate) fn quota_view(&mut self, requests: u64) -> crate::restore::QuotaView {
        let now = Utc::now();
        let gate = &mut self.requester.gate;
        let policy = *gate.policy();
        let per_day = policy.ceiling(crate::domain::RequestClass::Restore);
        let used = gate.used_today(now);
        let room = per_day.map(|c| c.saturating_sub(used));
        crate::restore::QuotaView {
            daily: policy.daily,
            source: policy.source.as_str().to_string(),
            restore_per_day: per_day,
            used_24h: gate.sent_today(now),
            room_now: room,
            eta_secs: crate::quota::eta(requests, room.unwrap_or(u64::MAX), per_day)
                .map(|d| d.as_secs()),
        }
    }
}
