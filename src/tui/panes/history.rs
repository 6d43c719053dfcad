//! The history pane: past runs, newest first, with a selected row (Enter shows what that run
//! changed). [`HistoryState`] changes only through its methods; [`HistoryWidget`] reads it.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget};

use crate::sync::{RunKind, RunRecord, RunStatus};
use crate::tui::format::{fmt_compact, fmt_count, fmt_duration};
use crate::tui::theme::Theme;

/// Runs kept in the history pane.
pub const HISTORY_CAPACITY: usize = 100;

/// Past runs and where the pane is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryState {
    /// Most recent first.
    runs: VecDeque<RunRecord>,
    /// First row shown.
    scroll: usize,
    /// The selected run (Enter shows its changes); always within the rows shown.
    selected: usize,
}

impl HistoryState {
    pub fn new(runs: &[RunRecord]) -> HistoryState {
        let mut runs: VecDeque<RunRecord> = runs.iter().cloned().collect();
        runs.truncate(HISTORY_CAPACITY);
        HistoryState {
            runs,
            scroll: 0,
            selected: 0,
        }
    }

    /// The runs, most recent first.
    pub fn runs(&self) -> &VecDeque<RunRecord> {
        &self.runs
    }

    /// The run `id`, when shown.
    pub fn run(&self, id: i64) -> Option<&RunRecord> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// The first row shown (scrolled this far down).
    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// The selected row.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The selected run.
    pub fn selected_run(&self) -> Option<&RunRecord> {
        self.runs.get(self.selected)
    }

    /// A run started: a resumed one is no longer the paused (or failed) run shown.
    pub fn on_run_started(&mut self, run_id: i64) {
        if let Some(r) = self.runs.iter_mut().find(|r| r.id == run_id) {
            r.status = RunStatus::Running;
            r.finished_at = None;
        }
    }

    /// A run finished: its row goes on top (replacing an earlier row of the same run).
    pub fn on_run_finished(&mut self, run: RunRecord) {
        self.runs.retain(|r| r.id != run.id);
        self.runs.push_front(run);
        self.runs.truncate(HISTORY_CAPACITY);
    }

    /// Move the cursor by `delta` (positive is older) with `rows` rows in view: the view follows
    /// it, and its last page stays full (nothing hidden above for nothing).
    pub fn move_by(&mut self, delta: i64, rows: usize) {
        let last = self.runs.len().saturating_sub(1) as i64;
        self.selected = (self.selected as i64 + delta).clamp(0, last) as usize;
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
    }

    /// The first row shown when `rows` fit.
    pub fn first_shown(&self, rows: usize) -> usize {
        self.scroll.min(self.runs.len().saturating_sub(rows))
    }
}

fn kind_short(k: RunKind) -> &'static str {
    match k {
        RunKind::Full => "full",
        RunKind::Incremental => "incr",
        RunKind::Plays => "plays",
        RunKind::Restore => "rest",
    }
}

fn run_took(r: &RunRecord, now: DateTime<Utc>) -> String {
    let end = r.finished_at.unwrap_or(now);
    fmt_duration((end - r.started_at).to_std().unwrap_or_default())
}

/// Draws [`HistoryState`]; `roomy` adds the full date and the error column where they fit.
pub struct HistoryWidget<'a> {
    pub state: &'a HistoryState,
    pub now: DateTime<Utc>,
    pub offset: FixedOffset,
    pub theme: Theme,
    pub focused: bool,
    pub roomy: bool,
    /// Rows that fit (from the layout).
    pub rows: usize,
}

impl Widget for HistoryWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (s, theme, roomy) = (self.state, self.theme, self.roomy);
        let scroll = s.first_shown(self.rows);
        let block = theme.pane_block(title(s.runs.len(), scroll), self.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        if s.runs.is_empty() {
            Paragraph::new(Span::styled("No runs yet", theme.dim())).render(inner, buf);
            return;
        }
        let cols = columns(inner.width, roomy);
        let header = Row::new(cols.iter().map(|&c| COLUMNS[c].0)).style(theme.title());
        let wide_date = cols.first() == Some(&WHEN_LONG);
        let rows: Vec<Row> = s
            .runs
            .iter()
            .enumerate()
            .skip(scroll)
            .map(|(i, r)| {
                let mut cells = self.cells(r, wide_date);
                let row = Row::new(cols.iter().map(|&c| std::mem::take(&mut cells[c])));
                // The selected run (Enter shows what it changed).
                if i == s.selected && self.focused {
                    row.style(Style::new().add_modifier(Modifier::REVERSED))
                } else {
                    row
                }
            })
            .collect();
        let widths = cols.iter().map(|&c| match COLUMNS[c].1 {
            0 => Constraint::Min(10),
            w => Constraint::Length(w),
        });
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .render(inner, buf);
    }
}

/// The columns: header and width (0: the error, which takes what is left). The first is the
/// long date, the second the short one; a run's cells come in this order.
const COLUMNS: [(&str, u16); 11] = [
    ("When", 16),
    ("When", 11),
    ("Kind", 5),
    ("Status", 12),
    ("Took", 9),
    ("Calls", 7),
    ("Waits", 9),
    ("Added", 7),
    ("Upd", 6),
    ("Rem", 4),
    ("Error", 0),
];
const WHEN_LONG: usize = 0;
const WHEN_SHORT: usize = 1;
/// What goes first when the pane is too narrow for every column: the error, the waits, the
/// updates, the removals, the calls, the time taken.
const DROPPED_FIRST: [usize; 6] = [10, 6, 8, 9, 5, 4];

/// The columns shown in `width`: the date is never cut (the long one when `roomy` and it fits
/// once the other columns are dropped; the short one otherwise), the others are dropped in the
/// order of [`DROPPED_FIRST`] until the rest fits.
fn columns(width: u16, roomy: bool) -> Vec<usize> {
    let need = |cols: &[usize]| -> u16 {
        cols.iter()
            .map(|&c| if COLUMNS[c].1 == 0 { 10 } else { COLUMNS[c].1 })
            .sum::<u16>()
            + cols.len().saturating_sub(1) as u16
    };
    for when in [WHEN_LONG, WHEN_SHORT] {
        if when == WHEN_LONG && !roomy {
            continue;
        }
        let mut cols: Vec<usize> = std::iter::once(when)
            .chain(2..COLUMNS.len())
            .filter(|&c| roomy || c != 10)
            .collect();
        for drop in DROPPED_FIRST {
            if need(&cols) <= width {
                break;
            }
            cols.retain(|&c| c != drop);
        }
        // The long date only when no more than the error and the waits had to go.
        if need(&cols) <= width && (when == WHEN_SHORT || cols.len() >= 8) {
            return cols;
        }
    }
    let mut cols = vec![WHEN_SHORT, 2, 3, 7];
    while need(&cols) > width && cols.len() > 1 {
        cols.pop();
    }
    cols
}

/// "History (12 runs, 3 newer above)".
fn title(runs: usize, scroll: usize) -> String {
    if runs == 0 {
        return "History".to_string();
    }
    let mut t = format!("History ({runs} run{}", if runs == 1 { "" } else { "s" });
    if scroll > 0 {
        t.push_str(&format!(", {scroll} newer above"));
    }
    t.push(')');
    t
}

impl HistoryWidget<'_> {
    /// A run's cells, in the order of [`COLUMNS`] (`wide_date`: the year too).
    fn cells(&self, r: &RunRecord, wide_date: bool) -> Vec<Cell<'static>> {
        let theme = self.theme;
        let waits = if r.rate_limited_count == 0 {
            "—".to_string()
        } else {
            format!(
                "{}×{}",
                r.rate_limited_count,
                fmt_duration(Duration::from_secs(r.waited_seconds))
            )
        };
        let at = r.started_at.with_timezone(&self.offset);
        let when = at.format(if wide_date {
            "%Y-%m-%d %H:%M"
        } else {
            "%m-%d %H:%M"
        });
        vec![
            Cell::from(when.to_string()),
            Cell::from(when.to_string()),
            Cell::from(kind_short(r.kind)),
            Cell::from(Span::styled(
                r.status.as_str().replace('_', " "),
                theme.run_status(r.status),
            )),
            Cell::from(run_took(r, self.now)),
            Cell::from(fmt_count(r.api_calls)),
            Cell::from(waits),
            Cell::from(format!("+{}", fmt_compact(r.items_added))),
            Cell::from(format!("~{}", fmt_compact(r.items_updated))),
            Cell::from(format!("-{}", fmt_compact(r.items_removed))),
            Cell::from(Span::styled(
                r.error.clone().unwrap_or_default(),
                theme.bad(),
            )),
        ]
    }
}
