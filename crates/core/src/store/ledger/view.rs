//! What the household's quota looks like now, for the plan, `status` and the terminal app.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Ledger, LedgerState};
use crate::domain::LimitReason;
use crate::quota::household::{self, Member};
use crate::quota::{self, Observation, QuotaPolicy, Schedule};
use crate::store::StoreError;

/// One account's requests in the rolling day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountUsage {
    pub account: String,
    /// Requests it sent in the rolling 24 hours.
    pub sent: u64,
    /// Of those, bulk requests (`mirror`, `enrich`) counted against the daily figure.
    pub bulk: u64,
}

/// The household's quota at a moment, as the ledger knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedView {
    /// The policy of the whole household (the reserve covers every member).
    pub policy: QuotaPolicy,
    /// Requests counted against the daily figure now, every account together.
    pub used: u64,
    /// Requests sent in the rolling 24 hours, every account together.
    pub sent: u64,
    /// Spotify's hold on the app, when there is one.
    pub hold: Option<(DateTime<Utc>, LimitReason)>,
    /// The accounts of the household seen lately (this one first).
    pub members: Vec<Member>,
    /// Requests per account in the rolling day, every account that sent some.
    pub accounts: Vec<AccountUsage>,
    /// The `QUOTA_EXCEEDED` observations the figure is learned from.
    pub observations: Vec<Observation>,
    /// The bulk requests this account may have counted in the rolling day now, its share.
    pub allowance: u64,
}

impl SharedView {
    /// This account's usage (zeros when it sent nothing).
    pub fn usage_of(&self, account: &str) -> AccountUsage {
        self.accounts
            .iter()
            .find(|a| a.account == account)
            .cloned()
            .unwrap_or(AccountUsage {
                account: account.to_string(),
                sent: 0,
                bulk: 0,
            })
    }
}

impl Ledger {
    /// The household's quota now, with `configured` (`max_calls_per_day`) and the schedule
    /// that sizes the reserve.
    pub fn view(
        &mut self,
        configured: u64,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<SharedView, StoreError> {
        self.write(|st, q| st.view(q, configured, schedule, now), now)
    }
}

impl LedgerState<'_> {
    fn view(
        &self,
        q: crate::store::Sql<'_>,
        configured: u64,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<SharedView> {
        let observations = self.observations(q)?;
        let members = self.members(q, now)?;
        let costs: Vec<u64> = members.iter().map(|m| m.incremental_cost).collect();
        let policy = QuotaPolicy::for_accounts(configured, &observations, schedule, &costs);
        let mut window = self.window(&observations, now, |_| true);
        let mut accounts: BTreeMap<&str, AccountUsage> = BTreeMap::new();
        let fresh_since = observations
            .iter()
            .map(|o| o.resets_at)
            .max()
            .filter(|&r| r <= now);
        for s in self.sent.iter() {
            let a = accounts.entry(&s.account).or_insert_with(|| AccountUsage {
                account: s.account.clone(),
                sent: 0,
                bulk: 0,
            });
            a.sent += 1;
            let counted = fresh_since.is_none_or(|f| s.at >= f);
            if counted && s.class.is_some_and(household::is_bulk) {
                a.bulk += 1;
            }
        }
        let ceiling = policy.bulk_per_day().unwrap_or(quota::ASSUMED_BULK);
        Ok(SharedView {
            policy,
            used: window.used(now),
            sent: window.sent(now),
            hold: self.hold(q, now)?,
            allowance: household::bulk_allowance(ceiling, &members, self.account),
            members,
            accounts: accounts.into_values().collect(),
            observations,
        })
    }
}
