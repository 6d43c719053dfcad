//! Styles: the 16 named colours, or modifiers only (`NO_COLOR`). A leaf: it knows no state.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType};

use crate::sync::{PhaseStatus, RunStatus};

/// Styles for the 16-colour palette, or modifiers only.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color, fallback: Modifier) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new().add_modifier(fallback)
        }
    }
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn key(self) -> Style {
        self.fg(Color::Cyan, Modifier::BOLD)
            .add_modifier(Modifier::BOLD)
    }
    pub fn good(self) -> Style {
        self.fg(Color::Green, Modifier::empty())
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow, Modifier::BOLD)
    }
    pub fn bad(self) -> Style {
        self.fg(Color::Red, Modifier::BOLD)
            .add_modifier(Modifier::BOLD)
    }
    pub fn busy(self) -> Style {
        self.fg(Color::Cyan, Modifier::empty())
    }
    pub fn bar(self) -> Style {
        self.fg(Color::Green, Modifier::empty())
    }
    pub fn banner(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    pub fn focus_border(self) -> Style {
        self.fg(Color::Cyan, Modifier::BOLD)
    }
    pub fn paused(self) -> Style {
        self.fg(Color::Magenta, Modifier::ITALIC)
    }
    pub fn status(self, s: PhaseStatus) -> Style {
        match s {
            PhaseStatus::Pending => self.dim(),
            PhaseStatus::InProgress => self.busy(),
            PhaseStatus::Paused => self.paused(),
            PhaseStatus::RateLimited => self.warn(),
            PhaseStatus::Success => self.good(),
            PhaseStatus::Failed => self.bad(),
            PhaseStatus::Cancelled => self.fg(Color::Yellow, Modifier::ITALIC),
            PhaseStatus::Skipped => self.warn(),
        }
    }
    pub fn run_status(self, s: RunStatus) -> Style {
        match s {
            RunStatus::Running => self.busy(),
            RunStatus::Paused => self.paused(),
            RunStatus::RateLimited => self.warn(),
            RunStatus::Success => self.good(),
            RunStatus::Failed => self.bad(),
            RunStatus::Cancelled => self.fg(Color::Yellow, Modifier::ITALIC),
        }
    }
    pub fn level(self, l: tracing::Level) -> Style {
        match l {
            tracing::Level::ERROR => self.bad(),
            tracing::Level::WARN => self.warn(),
            tracing::Level::INFO => self.good(),
            _ => self.dim(),
        }
    }

    /// The bordered block of a pane: thick and highlighted when it has the focus.
    pub fn pane_block(self, title: impl Into<String>, focused: bool) -> Block<'static> {
        let block =
            Block::bordered().title(Span::styled(format!(" {} ", title.into()), self.title()));
        if focused {
            block
                .border_type(BorderType::Thick)
                .border_style(self.focus_border())
        } else {
            block.border_style(self.dim())
        }
    }
}
