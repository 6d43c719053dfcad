//! The log pane: the newest lines of the app's log (the log file keeps everything), following
//! new lines unless scrolled back. [`LogState`] changes only in its methods; [`LogWidget`] reads
//! it.

use std::collections::VecDeque;

use chrono::FixedOffset;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::logging::LogLine;
use crate::tui::format::ellipsize_right;
use crate::tui::theme::Theme;

/// Lines kept in the log pane (the log file keeps everything).
pub const LOG_CAPACITY: usize = 2000;

/// The lines kept and how far the pane is scrolled back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogState {
    lines: VecDeque<LogLine>,
    /// Lines scrolled up from the end (0 follows new lines).
    scroll: usize,
}

impl LogState {
    /// The lines kept, oldest first.
    pub fn lines(&self) -> &VecDeque<LogLine> {
        &self.lines
    }

    /// Lines scrolled up from the end (0: the pane follows new lines).
    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// A new line, with `rows` lines in view: a scrolled-back pane keeps the same lines in view.
    pub fn push(&mut self, line: LogLine, rows: usize) {
        self.lines.push_back(line);
        if self.lines.len() > LOG_CAPACITY {
            self.lines.pop_front();
        }
        if self.scroll > 0 {
            self.scroll = (self.scroll + 1).min(self.lines.len().saturating_sub(rows));
        }
    }

    /// Move by `delta` lines with `rows` in view; positive goes back towards the newest line.
    pub fn move_by(&mut self, delta: i64, rows: usize) {
        let max = self.lines.len().saturating_sub(rows) as i64;
        self.scroll = (self.scroll as i64 - delta).clamp(0, max) as usize;
    }

    /// The lines hidden below when `rows` fit.
    pub fn hidden_below(&self, rows: usize) -> usize {
        self.scroll.min(self.lines.len().saturating_sub(rows))
    }
}

/// Draws [`LogState`].
pub struct LogWidget<'a> {
    pub state: &'a LogState,
    pub offset: FixedOffset,
    pub theme: Theme,
    pub focused: bool,
    /// Rows that fit (from the layout).
    pub rows: usize,
    /// Where the whole log is written, named while the pane is empty.
    pub log_file: Option<&'a str>,
}

impl Widget for LogWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (s, theme) = (self.state, self.theme);
        let log_scroll = s.hidden_below(self.rows);
        let title = if log_scroll > 0 {
            format!("Log (scrolled: {log_scroll} newer lines below, End follows)")
        } else {
            "Log".to_string()
        };
        let block = theme.pane_block(title, self.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let h = inner.height as usize;
        if h == 0 {
            return;
        }
        if s.lines.is_empty() {
            let path = self.log_file.unwrap_or("the log directory");
            Paragraph::new(Span::styled(
                format!("No log lines yet (everything is also written to {path})"),
                theme.dim(),
            ))
            .render(inner, buf);
            return;
        }
        let end = s.lines.len().saturating_sub(log_scroll.min(s.lines.len()));
        let start = end.saturating_sub(h);
        // "HH:MM:SS " and the level take 15 columns.
        let message_w = (inner.width as usize).saturating_sub(15);
        let lines: Vec<Line> = s
            .lines
            .range(start..end)
            .map(|l| {
                Line::from(vec![
                    Span::styled(
                        l.at.with_timezone(&self.offset)
                            .format("%H:%M:%S ")
                            .to_string(),
                        theme.dim(),
                    ),
                    Span::styled(format!("{:<5} ", l.level.as_str()), theme.level(l.level)),
                    // A line cut by the pane's edge says so (the log file has all of it).
                    Span::raw(ellipsize_right(&l.message, message_w)),
                ])
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }
}
