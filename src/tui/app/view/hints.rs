//! The key line, the help and the questions: what the keys do, as shown.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::tui::app::{Activity, App, EngineState, Screen};
use crate::tui::layout;
use crate::tui::theme::Theme;

/// The key line of the Library, Stats and Restore screens (`narrow`: under 90 columns).
fn screen_keys(app: &App, narrow: bool) -> Vec<(&'static str, &'static str)> {
    match app.screen {
        Screen::Library if app.library.is_editing() => vec![
            ("type", "to narrow"),
            ("Enter", "keep"),
            ("Esc", "clear"),
            ("↑/↓", "move"),
        ],
        Screen::Library if app.library.detail().is_some() => vec![
            ("↑/↓", "scroll"),
            ("Esc", "close"),
            ("1/3/4", "screens"),
            ("?", "help"),
            ("q", "quit"),
        ],
        Screen::Library => {
            let mut keys = vec![
                ("tab", "next tab"),
                ("/", "filter"),
                ("o", "sort"),
                ("Enter", "detail"),
                ("e", "export"),
                ("1/3/4", "screens"),
                ("?", "help"),
                ("q", "quit"),
            ];
            if narrow {
                // The header shows the screens' numbers already.
                keys.retain(|(k, _)| *k != "1/3/4");
            }
            keys
        }
        Screen::Restore if app.restore_state().is_editing() => {
            vec![("type", "the date YYYY-MM-DD"), ("Enter", "keep")]
        }
        Screen::Restore if app.restore_state().is_applying() => {
            vec![
                ("Esc", "cancel the writes"),
                ("1", "progress"),
                ("q", "quit"),
            ]
        }
        Screen::Restore => {
            let mut keys = vec![("Space", "pick"), ("d", "date"), ("Enter", "plan")];
            if app.restore_state().can_apply() {
                keys.push(("y", "write"));
            }
            if !narrow {
                keys.extend([("x", "remove extra"), ("o", "as copies")]);
            }
            keys.extend([("?", "help"), ("q", "quit")]);
            keys
        }
        _ => vec![
            ("←/→", "period"),
            ("tab", "month/year/all"),
            ("r", "reload"),
            ("1/2/4", "screens"),
            ("?", "help"),
            ("q", "quit"),
        ],
    }
}

pub(super) fn draw_keys(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    if app.screen != Screen::Sync {
        let mut spans = vec![Span::raw(" ")];
        for (i, (k, what)) in screen_keys(app, area.width < 90).iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" · ", theme.dim()));
            }
            spans.push(Span::styled(*k, theme.key()));
            spans.push(Span::raw(format!(" {what}")));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let pause = if app.activity == Activity::Paused {
        "resume"
    } else {
        "pause"
    };
    let narrow = area.width < 90;
    // Only the keys that do something now: no "start" while a run goes, no sync keys without
    // an account.
    let mut items: Vec<(&str, &str)> = Vec::new();
    if matches!(app.engine, EngineState::NoAuth(_)) {
        // Nothing syncs before a login: offer it first.
        items.push(("a", "log in to Spotify"));
    }
    if app.engine == EngineState::Ready && !app.quitting {
        match app.activity {
            Activity::Idle => {
                items.push((
                    "s",
                    if app.unfinished_run() {
                        "resume"
                    } else {
                        "start"
                    },
                ));
                items.push(("f", "full"));
                items.push(("i", if narrow { "incr" } else { "incremental" }));
            }
            Activity::Starting | Activity::Syncing | Activity::Paused => {
                items.push(("p", pause));
                items.push(("c", "cancel"));
                if app.restore_applying() {
                    items.push(("Esc", "cancel restore"));
                }
            }
            Activity::Pausing => items.push(("c", "cancel")),
            Activity::Cancelling => {}
        }
    }
    items.extend([
        ("tab", "pane"),
        ("2/3/4", "screens"),
        ("?", "help"),
        ("q", "quit"),
    ]);
    let mut spans = vec![Span::raw(" ")];
    for (i, (k, what)) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(*k, theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

const LIBRARY_KEYS: [(&str, &str); 13] = [
    ("tab ←/→", "next / previous tab"),
    ("↑/↓ PgUp/PgDn", "move; Home/End: first / last"),
    ("o", "cycle the order (added, name, artist, plays…)"),
    (
        "/",
        "filter as you type (fuzzy); Enter keeps it, Esc clears",
    ),
    (
        "  artist:x",
        "album:x  in:PLAYLIST  year:1990..1999  added:2024",
    ),
    ("  removed", "only what is no longer in the library"),
    ("Enter", "detail of the selected row (Esc closes)"),
    ("r", "read the library again"),
    (
        "e  E",
        "export the tab (Playlists: the selected one); E: the format",
    ),
    ("mouse", "wheel scrolls, click selects (off: --no-mouse)"),
    ("1  2  3  4", "screens: Sync, Library, Stats, Restore"),
    ("?  Esc", "close this help"),
    ("q", "quit"),
];

const RESTORE_KEYS: [(&str, &str); 10] = [
    ("↑/↓  Space", "pick what to restore"),
    ("d", "type the date (YYYY-MM-DD; empty: the latest mirror)"),
    ("x", "also remove what the target has not (--remove-extra)"),
    ("o", "playlists that differ as copies (--as-copy)"),
    (
        "Enter",
        "read the account and show the plan (nothing is written)",
    ),
    ("y", "write the plan shown (progress on the Sync screen)"),
    (
        "Esc",
        "cancel the writes at a batch boundary (Enter, y go on)",
    ),
    ("PgUp/PgDn", "scroll the plan"),
    ("1  2  3  4", "screens: Sync, Library, Stats, Restore"),
    ("q", "quit"),
];

const STATS_KEYS: [(&str, &str); 6] = [
    ("←/→", "previous / next month or year"),
    ("tab", "a month, its year in review, all time"),
    ("r", "read the history again"),
    ("1  2  3  4", "screens: Sync, Library, Stats, Restore"),
    ("?  Esc", "close this help"),
    ("q", "quit"),
];

const SYNC_KEYS: [(&str, &str); 13] = [
    (
        "s",
        "start: resumes an unfinished run, else syncs what changed",
    ),
    ("f", "full sync: re-read everything, detect removals"),
    ("i", "incremental sync: only what changed"),
    ("p", "pause after the current batch / resume"),
    (
        "c",
        "cancel the run (asks first; committed batches are kept)",
    ),
    ("tab ←/→", "move between panes"),
    (
        "↑/↓ PgUp/PgDn",
        "scroll the focused pane; Enter on a run: what it changed",
    ),
    ("Home/End", "oldest / newest (End follows the log)"),
    ("Ctrl-L", "repaint the screen"),
    ("?  Esc", "close this help"),
    ("q", "quit: pauses at a batch boundary, resumes next time"),
    ("a", "log in to Spotify (when not connected)"),
    ("1  2  3  4", "screens: Sync, Library, Stats, Restore"),
];

/// The help: the keys of the screen shown, then where things live.
pub(super) fn draw_help(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let keys: &[(&str, &str)] = match app.screen {
        Screen::Sync => &SYNC_KEYS,
        Screen::Library => &LIBRARY_KEYS,
        Screen::Stats => &STATS_KEYS,
        Screen::Restore => &RESTORE_KEYS,
    };
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<14}"), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    if let Some(next) = app.setup.accounts.next() {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<14}", "A"), theme.key()),
            Span::raw(format!(
                "switch accounts (now {}; next {next}); every screen follows",
                app.setup.accounts.current
            )),
        ]));
    }
    lines.push(Line::from(""));
    lines.extend(locations(app, theme));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Set NO_COLOR=1 for a screen without colours. RUST_LOG=debug logs more.",
        theme.dim(),
    )));
    let h = lines.len() as u16 + 2;
    let widest = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let rect = layout::popup(area, widest.saturating_add(3).max(76), h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_type(BorderType::Double)
                .title(Span::styled(" Help — keys ", theme.title())),
        ),
        rect,
    );
}

/// The help's lines on where things live: the database, the log file, exports, the config.
fn locations(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let at = &app.setup.locations;
    let line = |label: &'static str, value: String| {
        Line::from(vec![Span::styled(label, theme.title()), Span::raw(value)])
    };
    let log = at
        .log_file
        .clone()
        .unwrap_or_else(|| "(none: the log directory could not be created)".into());
    let mut lines = vec![line(" Database  ", at.db.clone()), line(" Log file  ", log)];
    if app.screen == Screen::Library {
        lines.push(line(
            " Exports   ",
            format!(
                "{} ({})",
                app.setup.export_dir.display(),
                crate::tui::export::format_name(app.export_format)
            ),
        ));
    }
    if let Some(c) = &at.config_file {
        lines.push(line(" Config    ", c.clone()));
    }
    lines
}

pub(super) fn draw_confirm(
    frame: &mut Frame,
    theme: Theme,
    area: Rect,
    question: &str,
    detail: &str,
    (yes, no): (&str, &str),
) {
    let lines = vec![
        Line::from(Span::styled(question.to_string(), theme.title())),
        Line::from(detail.to_string()),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(format!(" {yes}    ")),
            Span::styled("n", theme.key()),
            Span::raw(format!(" {no}")),
        ]),
    ];
    let rect = layout::popup(area, 72, 6);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).alignment(Alignment::Center).block(
            Block::bordered()
                .border_type(BorderType::Double)
                .border_style(theme.warn())
                .title(" Confirm "),
        ),
        rect,
    );
}
