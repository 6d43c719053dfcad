//! The rate-limit & quota pane: the current hold with its countdown, a transient failure being
//! retried, the requests of the last 24 hours against the budget, the daily quota (configured
//! or learned) and its reserve, what the next sync needs and when it is done (the plan, read
//! at start and after each run), the engine's pace.
//! [`LimitsState`] changes only through its methods, each for one thing the engine reports;
//! [`LimitsWidget`] reads it.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use spotsync_core::plan::{self, Plan};
use spotsync_core::quota::QuotaSource;

use crate::sync::{LimitReason, Phase, StatusSnapshot};
use crate::tui::format::{bar, fmt_count, fmt_countdown, fmt_duration};
use crate::tui::theme::Theme;

/// The current hold on requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub until: DateTime<Utc>,
    pub reason: LimitReason,
    pub phase: Option<Phase>,
}

/// A transient failure being retried.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub phase: Phase,
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub delay: Duration,
    pub error: String,
}

/// Holds, retries and request counts.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsState {
    limit: Option<Limit>,
    retry: Option<Retry>,
    calls_24h: u64,
    budget: Option<u64>,
    /// The engine's own pace (`requests_per_window` from the config), when known.
    pacing: Option<u32>,
    /// The plan of the next sync, as last read (at start and after each run).
    plan: Option<Plan>,
}

impl LimitsState {
    /// As loaded at start: a hold still running is kept, one already over is not. `pacing`:
    /// the engine's `requests_per_window`, when known.
    pub fn new(snapshot: &StatusSnapshot, now: DateTime<Utc>, pacing: Option<u32>) -> LimitsState {
        LimitsState {
            limit: snapshot
                .blocked_until
                .filter(|(until, _)| *until > now)
                .map(|(until, reason)| Limit {
                    until,
                    reason,
                    phase: None,
                }),
            retry: None,
            calls_24h: snapshot.calls_24h,
            budget: snapshot.daily_budget,
            pacing,
            plan: None,
        }
    }

    /// The current hold, if any.
    pub fn limit(&self) -> Option<Limit> {
        self.limit
    }

    /// The transient failure being retried, if any.
    pub fn retry(&self) -> Option<&Retry> {
        self.retry.as_ref()
    }

    /// Requests of the last 24 hours, and the daily budget when one is set.
    pub fn usage(&self) -> (u64, Option<u64>) {
        (self.calls_24h, self.budget)
    }

    /// The plan of the next sync, as last read.
    pub fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// The plan of the next sync was read again (`None`: it could not be).
    pub fn on_plan(&mut self, plan: Option<Plan>) {
        self.plan = plan;
    }

    /// Time left on the current hold at `now`, if any.
    pub fn remaining(&self, now: DateTime<Utc>) -> Option<Duration> {
        let limit = self.limit?;
        (limit.until - now).to_std().ok()
    }

    /// Requests are held until `limit.until`.
    pub fn hold(&mut self, limit: Limit) {
        self.limit = Some(limit);
    }

    /// The hold is over.
    pub fn hold_ended(&mut self) {
        self.limit = None;
    }

    /// A transient failure is being retried.
    pub fn retrying(&mut self, retry: Retry) {
        self.retry = Some(retry);
    }

    /// `phase` went on (a batch, or its end): its retry is over.
    pub fn progressed(&mut self, phase: Phase) {
        if self.retry.as_ref().is_some_and(|r| r.phase == phase) {
            self.retry = None;
        }
    }

    /// The engine counted the requests of the last 24 hours.
    pub fn counted(&mut self, calls_24h: u64, budget: Option<u64>) {
        self.calls_24h = calls_24h;
        self.budget = budget;
    }

    /// The run ended at `at`: no retry goes on, and a hold over by then is gone.
    pub fn run_finished(&mut self, at: DateTime<Utc>) {
        self.retry = None;
        if self.limit.is_some_and(|l| l.until <= at) {
            self.limit = None;
        }
    }

    /// The clock moved. `idle`: nothing runs to say that a hold ended, so it ends by the clock.
    pub fn on_tick(&mut self, now: DateTime<Utc>, idle: bool) {
        if idle && self.limit.is_some_and(|l| l.until <= now) {
            self.limit = None;
        }
        if let Some(r) = &self.retry {
            let ends = r.at + chrono::Duration::from_std(r.delay).unwrap_or_default();
            if now > ends + chrono::Duration::seconds(5) {
                self.retry = None;
            }
        }
    }
}

fn reason_short(r: LimitReason) -> &'static str {
    match r {
        LimitReason::Window => "30-s window",
        LimitReason::Quota => "daily quota",
        LimitReason::Budget => "daily budget",
        LimitReason::Reserve => "reserve (bulk)",
    }
}

/// Draws [`LimitsState`]; `compact` leaves out the details and the budget bar.
pub struct LimitsWidget<'a> {
    pub state: &'a LimitsState,
    pub now: DateTime<Utc>,
    pub offset: FixedOffset,
    pub theme: Theme,
    pub focused: bool,
    pub compact: bool,
    /// The listening-history gap sentence, shown in the roomy layout.
    pub gap: Option<Line<'a>>,
}

impl Widget for LimitsWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = self.theme.pane_block("Rate limit & quota", self.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let mut lines = self.hold_lines();
        lines.extend(self.figure_lines(inner.width));
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(inner, buf);
    }
}

impl<'a> LimitsWidget<'a> {
    /// The hold and its countdown, a retry, or that nothing holds requests back.
    fn hold_lines(&self) -> Vec<Line<'static>> {
        let (s, theme) = (self.state, self.theme);
        let (limit, left) = match (s.limit, s.remaining(self.now)) {
            (Some(limit), Some(left)) => (limit, left),
            (Some(limit), None) => {
                return vec![Line::from(Span::styled(
                    format!("Resuming now ({} over)", reason_short(limit.reason)),
                    theme.good(),
                ))];
            }
            (None, _) => {
                let line = match &s.retry {
                    Some(r) => Span::styled(
                        format!(
                            "↻ {} retry #{} in {}: {}",
                            r.phase,
                            r.attempt,
                            fmt_duration(r.delay),
                            r.error
                        ),
                        theme.warn(),
                    ),
                    None => Span::styled("✓ No rate limit or quota hold", theme.good()),
                };
                return vec![Line::from(line)];
            }
        };
        let mut lines = vec![Line::from(vec![
            Span::styled("⏸ resuming in ", theme.warn()),
            Span::styled(
                fmt_countdown(left),
                theme.warn().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("  ({})", reason_short(limit.reason))),
        ])];
        if !self.compact {
            lines.push(Line::from(format!("Reason: {}", limit.reason.describe())));
            let local = limit.until.with_timezone(&self.offset);
            let mut at = format!("Resumes at {}", local.format("%Y-%m-%d %H:%M:%S"));
            if let Some(p) = limit.phase {
                at.push_str(&format!(" · {p} phase"));
            }
            lines.push(Line::from(Span::styled(at, theme.dim())));
            lines.push(Line::from(Span::styled(
                "Nothing is sent before then; quitting keeps the wait.",
                theme.dim(),
            )));
        }
        lines
    }

    /// The requests of the last 24 hours (with the budget bar), the plan, the gap, the pace;
    /// compact: the quota and the plan in one line.
    fn figure_lines(&self, width: u16) -> Vec<Line<'a>> {
        let (s, theme) = (self.state, self.theme);
        if self.compact {
            return vec![match &s.plan {
                Some(p) => Line::from(compact_plan(p, s.calls_24h, usize::from(width))),
                None => Line::from(calls_text(s)),
            }];
        }
        let mut lines = vec![Line::from(""), Line::from(calls_text(s))];
        if let Some(b) = s.budget.filter(|b| *b > 0) {
            let ratio = (s.calls_24h as f64 / b as f64).clamp(0.0, 1.0);
            let style = if ratio > 0.9 {
                theme.warn()
            } else {
                theme.bar()
            };
            lines.push(Line::from(Span::styled(
                bar(Some(ratio), usize::from(width)),
                style,
            )));
        }
        if let Some(p) = &s.plan {
            lines.extend(roomy_plan(p).into_iter().map(Line::from));
        }
        if let Some(gap) = self.gap.clone() {
            lines.push(gap);
        }
        if let Some(n) = s.pacing {
            lines.push(Line::from(Span::styled(
                format!("Pacing: at most {n} requests per 30 s, slower after a 429"),
                theme.dim(),
            )));
        }
        lines
    }
}

/// "Calls in the last 24 h: 412 of 10,000 budget (4%)".
fn calls_text(s: &LimitsState) -> String {
    match s.budget {
        Some(b) if b > 0 => format!(
            "Calls in the last 24 h: {} of {} budget ({:.0}%)",
            fmt_count(s.calls_24h),
            fmt_count(b),
            s.calls_24h as f64 * 100.0 / b as f64
        ),
        // The plan's lines say which quota applies.
        _ if s.plan.is_some() => {
            format!("Calls in the last 24 h: {}", fmt_count(s.calls_24h))
        }
        _ => format!(
            "Calls in the last 24 h: {} (no daily budget set)",
            fmt_count(s.calls_24h)
        ),
    }
}

/// "Quota 1,800 learned · reserve 576 · used 412 · next ~2,341 req ≈ 1 day 5 h": one line of
/// the compact pane (`used` is the live count, the plan's is from its last reading). Narrower
/// than `width`, the count of requests used goes first, then the reserve.
fn compact_plan(p: &Plan, used: u64, width: usize) -> String {
    let q = &p.quota;
    let (quota, reserve) = match (q.daily, q.source) {
        (Some(d), QuotaSource::Configured) => (
            format!("Quota {} set", plan::group(d)),
            format!(" · reserve {}", plan::group(q.reserve)),
        ),
        (Some(d), _) => (
            format!("Quota {} learned", plan::group(d)),
            format!(" · reserve {}", plan::group(q.reserve)),
        ),
        (None, _) => ("Quota unknown".to_string(), String::new()),
    };
    let used = format!(" · used {}", plan::group(used));
    let next = format!(" · next {}", plan_total(p));
    let forms = [
        format!("{quota}{reserve}{used}{next}"),
        format!("{quota}{reserve}{next}"),
        format!("{quota}{next}"),
    ];
    let last = forms[forms.len() - 1].clone();
    forms
        .into_iter()
        .find(|f| f.chars().count() <= width)
        .unwrap_or(last)
}

/// "~2,341 req ≈ 1 day 5 h" (at the assumed figure while the quota is unknown); "at least 9
/// req" while a phase is not sized yet (its figure is a lower bound, as the plan's lines say).
fn plan_total(p: &Plan) -> String {
    let t = &p.total;
    let about = if !p.unknown.is_empty() {
        "at least "
    } else if t.exact {
        ""
    } else {
        "~"
    };
    let n = format!("{about}{} req", plan::group(t.requests));
    if t.bulk_requests == 0 {
        return n;
    }
    let eta = if t.eta_secs == 0 {
        "today".to_string()
    } else {
        plan::fmt_eta(Duration::from_secs(t.eta_secs))
    };
    if p.quota.eta_assumed {
        format!(
            "{n} ≈ {eta} at ~{}/day",
            plan::group(p.quota.eta_bulk_per_day)
        )
    } else {
        format!("{n} ≈ {eta}")
    }
}

/// The quota, the reserve and the plan, a line each, for the roomy pane.
fn roomy_plan(p: &Plan) -> Vec<String> {
    let q = &p.quota;
    let quota = match (q.daily, q.source) {
        (Some(d), QuotaSource::Configured) => {
            format!("Daily quota: {} (max_calls_per_day)", plan::group(d))
        }
        (Some(d), _) => format!(
            "Daily quota: {}, learned from {} QUOTA_EXCEEDED",
            plan::group(d),
            q.observations
        ),
        (None, _) => "Daily quota: not known yet (learned from the first QUOTA_EXCEEDED)".into(),
    };
    let reserve = match q.bulk_per_day {
        Some(b) if q.daily.is_none() => format!(
            "Bulk work keeps to {}/day until the quota is known; the plays poll is not held",
            plan::group(b)
        ),
        Some(b) => format!(
            "Reserve: {} for plays polls and incremental syncs; bulk work {}/day",
            plan::group(q.reserve),
            plan::group(b)
        ),
        None => format!(
            "Reserve: none yet; ETAs assume ~{}/day",
            plan::group(q.eta_daily)
        ),
    };
    let rate = if p.total.bulk_requests > 0 && p.total.eta_secs > 0 {
        format!(" at {}", q.rate())
    } else {
        String::new()
    };
    let unsized_lists = if p.unknown.is_empty() {
        String::new()
    } else {
        format!(
            " · {} list(s) not sized yet (`spotsync plan` asks)",
            p.unknown.len()
        )
    };
    vec![
        quota,
        reserve,
        format!(
            "Next sync ({}): {}{rate}{unsized_lists}",
            p.run_line(),
            plan_total(p)
        ),
    ]
}
