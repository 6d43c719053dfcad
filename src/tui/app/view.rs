//! The screen: [`App::draw`] reads the state and lays out the pane widgets (`panes::*`) and the
//! chrome around them (header, demo banner, notice; the key line, help and questions are in
//! `hints`). Nothing here changes state.
//!
//! Two layouts: a compact one (one line per phase) that fits 80×24, and a roomy one (a bordered
//! pane per phase, the rate-limit and history panes side by side) from 120×36 up. Colours are the
//! 16 named ones only; without colour (`NO_COLOR`) meaning is carried by text and modifiers.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Activity, App, EngineState, NoticeLevel, Overlay, Pane, Screen};
use crate::tui::format::{ellipsize_left, ellipsize_right, fmt_count, fmt_duration};
use crate::tui::layout;
use crate::tui::panes::changes::ChangesWidget;
use crate::tui::panes::history::HistoryWidget;
use crate::tui::panes::library::LibraryWidget;
use crate::tui::panes::limits::LimitsWidget;
use crate::tui::panes::log::LogWidget;
use crate::tui::panes::login::LoginWidget;
use crate::tui::panes::phases::PhasesWidget;
use crate::tui::panes::stats::StatsWidget;
use crate::tui::theme::Theme;

mod hints;

impl App {
    /// Draw the whole screen.
    pub fn draw(&self, frame: &mut Frame) {
        draw(frame, self);
    }
}

fn draw(frame: &mut Frame, app: &App) {
    let theme = Theme {
        color: app.setup.color,
    };
    let area = frame.area();
    let banner = app.setup.demo.is_some();
    let need = match app.screen {
        Screen::Sync => layout::sync_min(banner, app.phases.row_count()),
        Screen::Library => layout::library_min(banner),
        Screen::Stats => layout::stats_min(banner),
    };
    let [header, banner, body, notice, keys] = layout::screen_areas(app.setup.demo.is_some(), area);
    draw_header(frame, app, theme, header);
    if let Some(demo) = &app.setup.demo {
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
                offset: app.setup.utc_offset,
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
    hints::draw_keys(frame, app, theme, keys);
    draw_overlay(frame, app, theme, area);
}

/// The modal on top, if any.
fn draw_overlay(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    match app.overlay {
        Overlay::Help => hints::draw_help(frame, app, theme, area),
        Overlay::ConfirmCancel => hints::draw_confirm(
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
        Overlay::ConfirmFull => hints::draw_confirm(
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
                        run: app.history.run(state.run_id()),
                        offset: app.setup.utc_offset,
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
                        log_file: app.setup.locations.log_file.as_deref(),
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
        app.setup.demo.is_some(),
        app.phases.row_count(),
        app.history.runs().len(),
        area,
    );
    // Scrolling was clamped to what fits at the app's size: draw with the same figures.
    let (history_rows, log_rows) = app.visible_rows();
    frame.render_widget(
        PhasesWidget {
            state: &app.phases,
            now: app.now,
            offset: app.setup.utc_offset,
            theme,
            focused: app.focus == Pane::Phases,
            roomy,
            detail: phase_detail(app, theme),
            retry: app
                .limits
                .retry()
                .map(|r| (r.phase, format!("retry #{}: {}", r.attempt, r.error))),
        },
        phases,
    );
    frame.render_widget(
        LimitsWidget {
            state: &app.limits,
            now: app.now,
            offset: app.setup.utc_offset,
            theme,
            focused: app.focus == Pane::Limits,
            compact: !roomy,
            gap: app.phases.gap_line(app.setup.utc_offset, theme, false),
        },
        limits,
    );
    frame.render_widget(
        HistoryWidget {
            state: &app.history,
            now: app.now,
            offset: app.setup.utc_offset,
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
            offset: app.setup.utc_offset,
            theme,
            focused: app.focus == Pane::Log,
            rows: log_rows,
            log_file: app.setup.locations.log_file.as_deref(),
        },
        log,
    );
}

/// The compact phases pane's last line when no phase has an error: a retry, what to do without
/// an account, the first step, or the newest listening-history gap.
fn phase_detail(app: &App, theme: Theme) -> Line<'static> {
    if let Some(r) = &app.limits.retry() {
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
        _ if app.activity == Activity::Idle
            && app.history.runs().is_empty()
            && app.run.is_none() =>
        {
            Line::from(Span::styled(
                "Nothing synced yet: press s to mirror your library",
                theme.dim(),
            ))
        }
        _ => app
            .phases
            .gap_line(app.setup.utc_offset, theme, false)
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
        (_, Activity::Syncing) if app.limits.limit().is_some() => {
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
    let db = format!("{} ", app.setup.locations.db);
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
