//! The Library, Stats and Restore screens in the app: switching screens (`1` to `4`), handing
//! them their keys, the mouse, and the answers of the reads they ask for (which arrive as
//! [`Msg::Browse`](super::Msg::Browse)); the restores the Restore screen asks of the engine.

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::{Action, Activity, App, Handled, Overlay, Pane, Screen};
use crate::store::browse::{Answer, Query};
use crate::tui::layout;
use crate::tui::panes::library::{LibraryKey, SIDE_DETAIL_WIDTH, widget_areas};
use crate::tui::panes::restore::{RestoreKey, RestoreState};
use crate::tui::panes::stats::StatsKey;
use spotsync_core::restore::RestorePlan;
use spotsync_core::sync::{RestoreRequest, SyncCommand, SyncEvent};

/// Rows the wheel moves.
const WHEEL: i64 = 3;

impl App {
    /// The Library's table: where it is on screen (its first row is the header).
    pub fn library_table(&self) -> Rect {
        let area = Rect::new(0, 0, self.size.0, self.size.1);
        let [_, _, body, _, _] = layout::screen_areas(self.setup.demo.is_some(), area);
        let [_, _, table] = widget_areas(body);
        table
    }

    fn library_page(&self) -> usize {
        usize::from(self.library_table().height.saturating_sub(1)).max(1)
    }

    /// Read the statistics for the period shown (at first, the store picks the month of the
    /// latest play).
    fn read_stats(&mut self) -> Action {
        let local = self.now.with_timezone(&self.setup.utc_offset);
        let period = self.stats.reading();
        Action::Browse(Query::Stats {
            today: local.date_naive(),
            period,
            offset_minutes: self.setup.utc_offset.local_minus_utc() / 60,
        })
    }

    /// The current Library tab, when it has not been read yet.
    fn read_tab(&mut self) -> Option<Action> {
        self.library
            .wants_load()
            .then(|| Action::Browse(Query::Tab(self.library.tab())))
    }

    /// `1` to `4`: show a screen; what it shows is read when it has not been yet.
    pub(super) fn switch_screen(&mut self, screen: Screen) -> Handled {
        self.screen = screen;
        match screen {
            Screen::Sync => Handled::DONE,
            Screen::Library => self.read_tab().into(),
            Screen::Stats if self.stats.wants_read() => Handled::act(self.read_stats()),
            Screen::Stats | Screen::Restore => Handled::DONE,
        }
    }

    /// The Restore screen's keys: its choices, the plan asked of the engine, `y` to write it
    /// (the Sync screen then shows the writes), Esc to cancel them.
    pub(super) fn restore_key(&mut self, key: KeyEvent) -> Handled {
        match self.restore.key(key) {
            RestoreKey::Stay => Handled::DONE,
            RestoreKey::Ignored => Handled::NotMine,
            RestoreKey::Plan(r) => self.send_restore(r, "Reading the account to plan the restore…"),
            RestoreKey::Apply(r) => {
                let sent = self.send_restore(r, "Restoring: the writes show here; Esc cancels");
                if self.restore.is_applying() {
                    self.screen = Screen::Sync;
                }
                sent
            }
            RestoreKey::Cancel => self.cancel_restore(),
        }
    }

    /// Hand a restore to the engine when it is free; else say why not.
    fn send_restore(&mut self, request: RestoreRequest, text: &str) -> Handled {
        if !self.can_drive() {
            self.restore.refused();
            return Handled::DONE;
        }
        if self.activity != Activity::Idle {
            self.restore.refused();
            self.warn("A sync is running: plan or write the restore when it has ended");
            return Handled::DONE;
        }
        self.activity = Activity::Starting;
        self.info(text);
        Handled::act(Action::Send(SyncCommand::Restore(request)))
    }

    /// Esc while a restore writes: stop at the next batch boundary (a rerun goes on).
    pub(super) fn cancel_restore(&mut self) -> Handled {
        self.restore.cancelling();
        self.cancel_run()
    }

    /// True while a restore's writes go (Esc cancels them from every screen).
    pub(crate) fn restore_applying(&self) -> bool {
        self.restore.is_applying()
    }

    /// A restore's plan or its end.
    pub(super) fn on_restore_event(&mut self, event: SyncEvent) -> Handled {
        match event {
            SyncEvent::RestorePlanned { plan } => self.restore_planned(plan),
            SyncEvent::RestoreFinished {
                done,
                error,
                unavailable,
                ..
            } => self.restore_finished(done, error, &unavailable),
            _ => Handled::Unchanged,
        }
    }

    /// The engine's restore plan arrived: read the names of the items it lists.
    fn restore_planned(&mut self, plan: Box<RestorePlan>) -> Handled {
        let ids = self.restore.on_planned(plan);
        if ids.is_empty() {
            Handled::DONE
        } else {
            Handled::act(Action::LoadRestoreNames(ids))
        }
    }

    /// A restore ended (the engine is free again).
    fn restore_finished(
        &mut self,
        done: bool,
        error: Option<String>,
        unavailable: &[String],
    ) -> Handled {
        // The last event of a restore: the engine is free again.
        self.activity = Activity::Idle;
        let planned_only = self.restore.is_planned();
        self.restore.on_finished(done, error.clone(), unavailable);
        match error {
            Some(e) => self.warn(format!("Restore: {e}")),
            None if planned_only && self.restore.can_apply() => {
                self.info("Restore planned (screen 4): y writes it")
            }
            None if planned_only => self.info("Restore planned: the account equals the target"),
            None if done => self.info("Restore done: the account equals the target"),
            None => self.warn("Restore written, but the account still differs: plan it again"),
        }
        Handled::DONE
    }

    pub(super) fn restore_state(&self) -> &RestoreState {
        &self.restore
    }

    /// A run finished: the library may have changed; read again what is on screen.
    pub(super) fn library_changed(&mut self) -> Option<Action> {
        self.library.mark_stale();
        self.stats.mark_stale();
        match self.screen {
            Screen::Sync => None,
            Screen::Library => self.read_tab(),
            Screen::Stats => Some(self.read_stats()),
            Screen::Restore => None,
        }
    }

    pub(super) fn on_browse(&mut self, query: Query, answer: Result<Answer, String>) -> Handled {
        match (query, answer) {
            (_, Ok(Answer::Rows(tab, rows))) => self.library.on_rows(tab, Ok(rows)),
            (Query::Tab(tab), Err(e)) => self.library.on_rows(tab, Err(e)),
            (_, Ok(Answer::Detail(d))) => self.library.on_detail(Ok(d), None),
            (Query::Detail { id, .. }, Err(e)) => self.library.on_detail(Err(e), Some(&id)),
            (_, Ok(Answer::Stats(s))) => self.stats.on_stats(Ok(*s)),
            (Query::Stats { .. }, Err(e)) => self.stats.on_stats(Err(e)),
        }
        Handled::DONE
    }

    /// A key on the Library screen: the screen's own, or `e`/`E` (exports).
    pub(super) fn library_key(&mut self, key: KeyEvent) -> Handled {
        let page = self.library_page();
        match self.library.on_key(key, page) {
            LibraryKey::NotMine => Handled::NotMine,
            LibraryKey::Taken => Handled::DONE,
            LibraryKey::Read(query) => Handled::act(Action::Browse(query)),
            LibraryKey::Export => self.export_selected(),
            LibraryKey::NextFormat => self.cycle_export_format(),
        }
    }

    /// A key on the Stats screen.
    pub(super) fn stats_key(&mut self, key: KeyEvent) -> Handled {
        match self.stats.on_key(key) {
            StatsKey::NotMine => Handled::NotMine,
            StatsKey::Taken => Handled::DONE,
            StatsKey::Read => Handled::act(self.read_stats()),
        }
    }

    /// The wheel scrolls what is under the keyboard's focus; a click selects a row of the
    /// Library's table (or focuses a pane of the Sync screen).
    pub(super) fn on_mouse(&mut self, ev: MouseEvent) -> Handled {
        let delta = match ev.kind {
            MouseEventKind::ScrollUp => -WHEEL,
            MouseEventKind::ScrollDown => WHEEL,
            MouseEventKind::Down(MouseButton::Left) => 0,
            _ => return Handled::Unchanged,
        };
        if self.overlay != Overlay::None {
            return Handled::Unchanged;
        }
        match self.screen {
            Screen::Library if delta != 0 => {
                let page = self.library_page();
                self.library.move_by(delta, page);
            }
            Screen::Library => self.click_library(ev),
            Screen::Sync if delta != 0 => return self.scroll(delta),
            Screen::Sync => {
                let area = Rect::new(0, 0, self.size.0, self.size.1);
                let panes = layout::body_areas(
                    self.setup.demo.is_some(),
                    self.phases.row_count(),
                    self.history.runs().len(),
                    area,
                );
                let at = Position::new(ev.column, ev.row);
                match panes.iter().position(|r| r.contains(at)) {
                    Some(i) => self.focus = Pane::ORDER[i],
                    None => return Handled::Unchanged,
                }
            }
            Screen::Stats | Screen::Restore => return Handled::Unchanged,
        }
        Handled::DONE
    }

    /// A click on a row of the Library's table selects it (not while a narrow detail covers it).
    fn click_library(&mut self, ev: MouseEvent) {
        let table = self.library_table();
        let narrow_detail = self.library.detail().is_some() && table.width < SIDE_DETAIL_WIDTH;
        if !narrow_detail && ev.row > table.y && ev.row < table.y + table.height {
            let page = self.library_page();
            self.library.click(usize::from(ev.row - table.y - 1), page);
        }
    }
}
