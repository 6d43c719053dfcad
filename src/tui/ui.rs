//! The screen: [`draw`] reads `&App` and lays out the pane widgets (`panes::*`) and the chrome
//! around them (header, demo banner, notice, key line, help, questions). Nothing here changes
//! state.
//!
//! Two layouts: a compact one (one line per phase) that fits 80×24, and a roomy one (a bordered
//! pane per phase, the rate-limit and history panes side by side) from 120×36 up. Colours are the
//! 16 named ones only; without colour (`NO_COLOR`) meaning is carried by text and modifiers.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::app::{Activity, App, EngineState, NoticeLevel, Overlay, Pane, Screen};
use super::format::{ellipsize_left, ellipsize_right, fmt_count, fmt_duration};
use super::layout;
use super::panes::changes::ChangesWidget;
use super::panes::history::HistoryWidget;
use super::panes::library::LibraryWidget;
use super::panes::limits::LimitsWidget;
use super::panes::log::LogWidget;
use super::panes::login::LoginWidget;
use super::panes::phases::PhasesWidget;
use super::panes::stats::StatsWidget;
use super::theme::Theme;

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let theme = Theme { color: app.color };
    let area = frame.area();
    let banner = app.demo.is_some();
    let need = match app.screen {
        Screen::Sync => layout::sync_min(banner, app.phases.row_count()),
        Screen::Library => layout::library_min(banner),
        Screen::Stats => layout::stats_min(banner),
    };
    let [header, banner, body, notice, keys] = layout::screen_areas(app.demo.is_some(), area);
    draw_header(frame, app, theme, header);
    if let Some(demo) = &app.demo {
        frame.render_widget(
            Paragraph::new(Line::from(demo_banner_text(
                &demo.sim_url,
                usize::from(banner.width),
            )))
            .style(theme.banner()),
            banner,
        );
    }
    // The login screen wraps its link to any width: it is never hidden.
    if (area.width < need.0 || area.height < need.1) && app.overlay != Overlay::Login {
        let rest = Rect {
            height: area.height.saturating_sub(body.y),
            ..body
        };
        draw_too_small(frame, app, theme, rest, need);
        return;
    }
    match app.screen {
        Screen::Sync => draw_body(frame, app, theme, area),
        Screen::Library => frame.render_widget(
            LibraryWidget {
                state: &app.library,
                offset: app.utc_offset,
                theme,
            },
            body,
        ),
        Screen::Stats => frame.render_widget(
            StatsWidget {
                state: &app.stats,
                theme,
            },
            body,
        ),
    }
    draw_notice(frame, app, theme, notice);
    draw_keys(frame, app, theme, keys);

    match app.overlay {
        Overlay::Help => draw_help(frame, app, theme, area),
        Overlay::ConfirmCancel => draw_confirm(
            frame,
            theme,
            area,
            "Cancel the running sync?",
            "Every committed batch is kept; the run is closed as cancelled.",
            (
                "cancel it",
                if app.activity == Activity::Paused {
                    "keep it paused"
                } else {
                    "keep syncing"
                },
            ),
        ),
        Overlay::ConfirmFull => draw_confirm(
            frame,
            theme,
            area,
            "Start a fresh full sync?",
            "The unfinished run is closed as cancelled (its batches are kept).",
            ("start afresh", "keep it (s resumes)"),
        ),
        Overlay::Changes => {
            if let Some(state) = &app.changes {
                frame.render_widget(
                    ChangesWidget {
                        state,
                        run: app.history.runs.iter().find(|r| r.id == state.run_id),
                        offset: app.utc_offset,
                        theme,
                        page: layout::change_rows(app.size.1),
                    },
                    area,
                );
            }
        }
        Overlay::Login => {
            if let Some(state) = &app.login {
                frame.render_widget(
                    LoginWidget {
                        state,
                        log_file: app.locations.log_file.as_deref(),
                        theme,
                    },
                    area,
                );
            }
        }
        Overlay::None => {}
    }
}

/// In place of a screen that does not fit: how big the terminal is, how big it must be.
fn draw_too_small(frame: &mut Frame, app: &App, theme: Theme, rest: Rect, (w, h): (u16, u16)) {
    let area = frame.area();
    let others = match app.screen {
        Screen::Sync => "2 or 3",
        Screen::Library => "1 or 3",
        Screen::Stats => "1 or 2",
    };
    let lines = vec![
        Line::from(Span::styled(
            format!(
                "The terminal is {}×{}: too small for the {} screen, which needs at least {w}×{h}.",
                area.width,
                area.height,
                app.screen.title()
            ),
            theme.warn(),
        )),
        Line::from(format!(
            "Enlarge the window (or use a smaller font); {others} shows another screen, q quits."
        )),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rest);
}

/// The four panes: phases, limits, history, log.
fn draw_body(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let roomy = layout::is_roomy(area);
    let [phases, limits, history, log] = layout::body_areas(
        app.demo.is_some(),
        app.phases.row_count(),
        app.history.runs.len(),
        area,
    );
    // Scrolling was clamped to what fits at the app's size: draw with the same figures.
    let (history_rows, log_rows) = app.visible_rows();
    frame.render_widget(
        PhasesWidget {
            state: &app.phases,
            now: app.now,
            offset: app.utc_offset,
            theme,
            focused: app.focus == Pane::Phases,
            roomy,
            detail: phase_detail(app, theme),
            retry: app
                .limits
                .retry
                .as_ref()
                .map(|r| (r.phase, format!("retry #{}: {}", r.attempt, r.error))),
        },
        phases,
    );
    frame.render_widget(
        LimitsWidget {
            state: &app.limits,
            now: app.now,
            offset: app.utc_offset,
            theme,
            focused: app.focus == Pane::Limits,
            compact: !roomy,
            gap: app.phases.gap_line(app.utc_offset, theme, false),
        },
        limits,
    );
    frame.render_widget(
        HistoryWidget {
            state: &app.history,
            now: app.now,
            offset: app.utc_offset,
            theme,
            focused: app.focus == Pane::History,
            roomy,
            rows: history_rows,
        },
        history,
    );
    frame.render_widget(
        LogWidget {
            state: &app.log,
            offset: app.utc_offset,
            theme,
            focused: app.focus == Pane::Log,
            rows: log_rows,
            log_file: app.locations.log_file.as_deref(),
        },
        log,
    );
}

/// The compact phases pane's last line when no phase has an error: a retry, what to do without
/// an account, the first step, or the newest listening-history gap.
fn phase_detail(app: &App, theme: Theme) -> Line<'static> {
    if let Some(r) = &app.limits.retry {
        return Line::from(Span::styled(
            format!(
                "{}: retrying (attempt {}) after {}: {}",
                r.phase,
                r.attempt,
                fmt_duration(r.delay),
                r.error
            ),
            theme.warn(),
        ));
    }
    match &app.engine {
        EngineState::NoAuth(text) => Line::from(Span::styled(text.clone(), theme.bad())),
        _ if app.activity == Activity::Idle && app.history.runs.is_empty() && app.run.is_none() => {
            Line::from(Span::styled(
                "Nothing synced yet: press s to mirror your library",
                theme.dim(),
            ))
        }
        _ => app
            .phases
            .gap_line(app.utc_offset, theme, false)
            .unwrap_or_default(),
    }
}

fn draw_header(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let mut spans = vec![Span::styled(" spotsync ", theme.title())];
    // The screens: all three named when there is room, else the current one and the keys.
    let wide = area.width >= 120;
    for screen in Screen::ALL {
        let n = Screen::ALL.iter().position(|s| *s == screen).unwrap_or(0) + 1;
        if screen == app.screen {
            spans.push(Span::styled(
                format!(" [{n} {}]", screen.title()),
                theme.key(),
            ));
        } else if wide {
            spans.push(Span::styled(
                format!(" {n} {} ", screen.title()),
                theme.dim(),
            ));
        } else {
            spans.push(Span::styled(format!(" {n}"), theme.dim()));
        }
    }
    spans.push(Span::raw("  "));
    let (state, style) = match (&app.engine, app.activity) {
        (_, _) if app.quitting => ("stopping".to_string(), theme.warn()),
        (EngineState::NoAuth(_), _) => ("not connected".to_string(), theme.bad()),
        (EngineState::Unavailable(_), _) => ("engine unavailable".to_string(), theme.bad()),
        (_, Activity::Idle) => ("idle".to_string(), theme.dim()),
        (_, Activity::Starting) => ("starting".to_string(), theme.busy()),
        (_, Activity::Syncing) if app.limits.limit.is_some() => {
            ("waiting".to_string(), theme.warn())
        }
        (_, Activity::Syncing) => ("syncing".to_string(), theme.busy()),
        (_, Activity::Pausing) => ("pausing".to_string(), theme.warn()),
        (_, Activity::Paused) => ("paused".to_string(), theme.paused()),
        (_, Activity::Cancelling) => ("cancelling".to_string(), theme.warn()),
    };
    spans.push(Span::styled(format!("● {state}"), style));
    if let Some(run) = &app.run {
        let mut s = format!("  ·  {} run #{}", run.kind, run.id);
        if app.activity.run_active() {
            let elapsed = (app.now - run.started_at).to_std().unwrap_or_default();
            s.push_str(&format!(
                " · {} · {} requests",
                fmt_duration(elapsed),
                fmt_count(run.api_calls)
            ));
        } else {
            s.push_str(&format!(" {}", run.status.as_str().replace('_', " ")));
        }
        spans.push(Span::raw(s));
    }
    let left = Line::from(spans);
    let db = format!("{} ", app.locations.db);
    let room = (area.width as usize).saturating_sub(left.width() + 2);
    frame.render_widget(Paragraph::new(left), area);
    if room > 12 {
        let db = ellipsize_left(&db, room);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(db, theme.dim()))).alignment(Alignment::Right),
            area,
        );
    }
}

fn draw_notice(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let Some(n) = &app.notice else {
        return;
    };
    let style = match n.level {
        NoticeLevel::Info => Style::new(),
        NoticeLevel::Warn => theme.warn(),
        NoticeLevel::Error => theme.bad(),
    };
    // A notice longer than the line says that it is cut.
    let text = ellipsize_right(&format!(" {}", n.text), usize::from(area.width));
    frame.render_widget(Paragraph::new(Line::from(Span::styled(text, style))), area);
}

/// The key line of the Library and Stats screens (`narrow`: under 90 columns).
fn screen_keys(app: &App, narrow: bool) -> Vec<(&'static str, &'static str)> {
    match app.screen {
        Screen::Library if app.library.editing => vec![
            ("type", "to narrow"),
            ("Enter", "keep"),
            ("Esc", "clear"),
            ("↑/↓", "move"),
        ],
        Screen::Library if app.library.detail.is_some() => vec![
            ("↑/↓", "scroll"),
            ("Esc", "close"),
            ("1/3", "screens"),
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
                ("1/3", "screens"),
                ("?", "help"),
                ("q", "quit"),
            ];
            if narrow {
                // The header shows the screens' numbers already.
                keys.retain(|(k, _)| *k != "1/3");
            }
            keys
        }
        _ => vec![
            ("←/→", "period"),
            ("tab", "month/year"),
            ("r", "reload"),
            ("1/2", "screens"),
            ("?", "help"),
            ("q", "quit"),
        ],
    }
}

fn draw_keys(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
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
            }
            Activity::Pausing => items.push(("c", "cancel")),
            Activity::Cancelling => {}
        }
    }
    items.extend([
        ("tab", "pane"),
        ("2/3", "screens"),
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
    ("1  2  3", "screens: Sync, Library, Stats"),
    ("?  Esc", "close this help"),
    ("q", "quit"),
];

const STATS_KEYS: [(&str, &str); 6] = [
    ("←/→", "previous / next month or year"),
    ("tab", "a month or a whole year"),
    ("r", "read the history again"),
    ("1  2  3", "screens: Sync, Library, Stats"),
    ("?  Esc", "close this help"),
    ("q", "quit"),
];

fn draw_help(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let sync_keys: [(&str, &str); 14] = [
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
        ("1  2  3", "screens: Sync, Library, Stats"),
        ("", ""),
    ];
    let keys: &[(&str, &str)] = match app.screen {
        Screen::Sync => &sync_keys,
        Screen::Library => &LIBRARY_KEYS,
        Screen::Stats => &STATS_KEYS,
    };
    let mut lines: Vec<Line> = keys
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<14}"), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(" Database  ", theme.title()),
        Span::raw(app.locations.db.clone()),
    ]));
    lines.push(Line::from(vec![
        Span::styled(" Log file  ", theme.title()),
        Span::raw(
            app.locations
                .log_file
                .clone()
                .unwrap_or_else(|| "(none: the log directory could not be created)".into()),
        ),
    ]));
    if app.screen == Screen::Library {
        lines.push(Line::from(vec![
            Span::styled(" Exports   ", theme.title()),
            Span::raw(format!(
                "{} ({})",
                app.export_dir.display(),
                crate::tui::export::format_name(app.export_format)
            )),
        ]));
    }
    if let Some(c) = &app.locations.config_file {
        lines.push(Line::from(vec![
            Span::styled(" Config    ", theme.title()),
            Span::raw(c.clone()),
        ]));
    }
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

fn draw_confirm(
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

/// The demo banner in `width` columns: the longest form that fits, dropping the least essential
/// words first; what must stay is that this is a demo and that your account is not touched. Too
/// narrow even for that, it ends in `…`.
pub fn demo_banner_text(sim_url: &str, width: usize) -> String {
    let forms = [
        format!(
            " DEMO  simulated Spotify at {sim_url} · throwaway database · your account is not touched"
        ),
        format!(" DEMO  simulated Spotify {sim_url} · your account is not touched"),
        format!(" DEMO  {sim_url} · your account is not touched"),
        " DEMO  your account is not touched".to_string(),
    ];
    let last = forms[forms.len() - 1].clone();
    forms
        .into_iter()
        .find(|f| Line::from(f.as_str()).width() <= width)
        .unwrap_or_else(|| ellipsize_right(&last, width))
}
