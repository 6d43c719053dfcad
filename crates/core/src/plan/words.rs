//! Words for people: counts, waits, and the plan's lines.

use std::time::Duration;

use super::*;
use crate::quota::QuotaSource;

/// `2140` → `2,140`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A wait for people: `now`, `12 min`, `5 h 20 min`, `1 day 7 h`, `12 days`.
pub fn fmt_eta(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 {
        return "now".into();
    }
    // Rounded up: "1 min" rather than "0 min".
    let mins = s.div_ceil(60);
    let (days, hours, min) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let plural =
        |n: u64, one: &str, many: &str| format!("{} {}", group(n), if n == 1 { one } else { many });
    if days > 0 {
        let d = plural(days, "day", "days");
        if hours > 0 {
            format!("{d} {hours} h")
        } else {
            d
        }
    } else if hours > 0 {
        if min > 0 {
            format!("{hours} h {min} min")
        } else {
            format!("{hours} h")
        }
    } else {
        format!("{min} min")
    }
}

/// `1 request`, `2,140 requests`.
pub fn requests(n: u64) -> String {
    if n == 1 {
        "1 request".into()
    } else {
        format!("{} requests", group(n))
    }
}

impl QuotaView {
    /// "daily quota: 1,800 (learned from 2 QUOTA_EXCEEDED answers) · reserve 576 for plays
    /// polls and incremental syncs · used 412 in the last 24 h"
    pub fn headline(&self) -> String {
        let daily = match (self.daily, self.source) {
            (Some(d), QuotaSource::Configured) => {
                format!(
                    "daily quota: {} (max_calls_per_day in the config)",
                    group(d)
                )
            }
            (Some(d), _) => format!(
                "daily quota: {} (learned from {} QUOTA_EXCEEDED answer{})",
                group(d),
                self.observations,
                if self.observations == 1 { "" } else { "s" }
            ),
            (None, _) => "daily quota: not known yet (learned from Spotify's first \
                          QUOTA_EXCEEDED)"
                .to_string(),
        };
        let reserve = if self.daily.is_some() {
            format!(
                " · reserve {} for plays polls and incremental syncs",
                group(self.reserve)
            )
        } else {
            String::new()
        };
        format!(
            "{daily}{reserve}{} · used {} in the last 24 h",
            self.poll_spacing().unwrap_or_default(),
            group(self.used_24h)
        )
    }

    /// ", plays polls one every 1 h once the day is full" when the quota spaces the polls
    /// wider than the schedule.
    pub fn poll_spacing(&self) -> Option<String> {
        let secs = self.poll_spacing_secs?;
        Some(format!(
            ", plays polls one every {} once the day is full",
            fmt_eta(Duration::from_secs(secs))
        ))
    }

    /// "~1,224/day" (and what it assumes).
    pub fn rate(&self) -> String {
        format!("~{}/day", group(self.eta_bulk_per_day))
    }
}

impl PhasePlan {
    /// "albums: 2,140 requests ≈ 1 day 7 h at ~1,224/day".
    pub fn line(&self, quota: &QuotaView) -> String {
        let mut s = format!("{}: {}", self.phase, requests(self.requests));
        if !self.exact {
            s = match self.basis {
                Basis::Unknown => format!("{}: at least {}", self.phase, requests(self.requests)),
                _ => format!("{}: ~{}", self.phase, requests(self.requests)),
            };
        }
        if self.requests > 0 {
            if self.bulk {
                if self.eta_secs == 0 {
                    s.push_str(" ≈ today");
                } else {
                    s.push_str(&format!(
                        " ≈ {} at {}",
                        fmt_eta(Duration::from_secs(self.eta_secs)),
                        quota.rate()
                    ));
                }
            } else {
                s.push_str(" (not held back by the reserve)");
            }
        }
        s
    }
}

impl Plan {
    /// The total requests in words, qualified as the phases are: `2,140 requests` when every
    /// phase is exact, `at least 9 requests` when a phase's total is unknown (a fresh database
    /// before the probe: the figure is a floor, not an estimate), else `~2,140 requests`.
    pub fn total_requests(&self) -> String {
        let unknown = self
            .phases
            .iter()
            .any(|p| !p.exact && p.basis == Basis::Unknown);
        let qualifier = if unknown {
            "at least "
        } else if self.total.exact {
            ""
        } else {
            "~"
        };
        format!("{qualifier}{}", requests(self.total.requests))
    }

    /// "total: 14,000 requests ≈ 11 days 3 h at ~1,224/day".
    pub fn total_line(&self) -> String {
        let t = &self.total;
        let mut s = format!("total: {}", self.total_requests());
        if t.bulk_requests > 0 {
            if t.eta_secs == 0 {
                s.push_str(" ≈ today");
            } else {
                s.push_str(&format!(
                    " ≈ {} at {}",
                    fmt_eta(Duration::from_secs(t.eta_secs)),
                    self.quota.rate()
                ));
            }
        }
        if self.quota.eta_assumed && t.bulk_requests > 0 {
            s.push_str(&format!(
                " (assuming ~{}/day, the low end of Development Mode quotas)",
                group(self.quota.eta_daily)
            ));
        }
        s
    }

    /// "full run" / "incremental run (resumes run 7)".
    pub fn run_line(&self) -> String {
        let kind = match self.run.kind {
            RunKind::Full => "full run",
            RunKind::Incremental => "incremental run",
            RunKind::Plays => "listening-history poll",
            RunKind::Restore => "restore",
        };
        match (self.run.resumed, self.run.run_id) {
            (true, Some(id)) => format!("{kind}, resuming run {id}"),
            _ => format!("new {kind}"),
        }
    }
}
