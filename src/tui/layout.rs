//! Where everything goes on screen. A leaf: it works from sizes and counts, not from the state,
//! so `update()` (for scrolling) and the widgets agree on what fits.

use ratatui::layout::{Constraint, Flex, Layout, Rect};

/// Width and height from which the roomy layout is used.
pub const ROOMY: (u16, u16) = (120, 36);

/// The roomy layout (a bordered pane per phase, limits and history side by side) fits.
pub fn is_roomy(area: Rect) -> bool {
    area.width >= ROOMY.0 && area.height >= ROOMY.1
}

/// The phases pane's compact rows need this many columns (name, bar, counts, rate, ETA and
/// status all shown).
const SYNC_MIN_WIDTH: u16 = 72;

/// Header, notice and key lines, and the demo's banner.
fn chrome(banner: bool) -> u16 {
    3 + u16::from(banner)
}

/// The smallest terminal on which the Sync screen shows every phase (`phase_rows` rows, the
/// detail line, borders), both lines of the limits pane, a run in the history and a log line.
pub fn sync_min(banner: bool, phase_rows: usize) -> (u16, u16) {
    let phases = (phase_rows as u16).saturating_add(3);
    (
        SYNC_MIN_WIDTH,
        chrome(banner).saturating_add(phases) + 4 + 4 + 3,
    )
}

/// The smallest Library screen: tab bar, filter line, the table's header and a few rows.
pub fn library_min(banner: bool) -> (u16, u16) {
    (40, chrome(banner) + 2 + 4)
}

/// The smallest Stats screen: plays per day, the top lists and the head of the clock (title,
/// hours, a day: the rest of the week is cut when rows are short), a line apart.
pub fn stats_min(banner: bool) -> (u16, u16) {
    (60, chrome(banner) + 4 + 6 + 3 + 2)
}

/// The screen split into header, banner (one line when `banner`), body, notice line, key line.
pub fn screen_areas(banner: bool, area: Rect) -> [Rect; 5] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(banner)),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Compact body: phases (one row each and a detail line), limits, history, log.
pub fn compact_areas(phase_rows: usize, runs: usize, area: Rect) -> [Rect; 4] {
    let phases_h = (phase_rows as u16).saturating_add(3);
    let rest = area.height.saturating_sub(phases_h + 4);
    // History grows with its rows up to half of what is left; the log takes the rest.
    let history_h = (runs.min(1000) as u16 + 3).clamp(5, (rest / 2).max(5));
    Layout::vertical([
        Constraint::Length(phases_h),
        Constraint::Length(4),
        Constraint::Length(history_h),
        Constraint::Min(3),
    ])
    .areas(area)
}

/// Roomy body: phases, limits, history, log.
pub fn roomy_areas(area: Rect) -> [Rect; 4] {
    let mid_h = (area.height / 3).clamp(9, 16);
    let [phases, mid, log] = Layout::vertical([
        Constraint::Length(7),
        Constraint::Length(mid_h),
        Constraint::Min(4),
    ])
    .areas(area);
    let [limits, history] =
        Layout::horizontal([Constraint::Percentage(36), Constraint::Percentage(64)]).areas(mid);
    [phases, limits, history, log]
}

/// The body's four panes (phases, limits, history, log) on a screen of `area`.
pub fn body_areas(banner: bool, phase_rows: usize, runs: usize, area: Rect) -> [Rect; 4] {
    let [_, _, body, _, _] = screen_areas(banner, area);
    if is_roomy(area) {
        roomy_areas(body)
    } else {
        compact_areas(phase_rows, runs, body)
    }
}

/// How many history runs and log lines fit on a screen of `size`: scrolling stops where the
/// last page is full, so a scrolled pane never shows blank rows while lines are hidden.
pub fn visible_rows(
    size: (u16, u16),
    banner: bool,
    phase_rows: usize,
    runs: usize,
) -> (usize, usize) {
    let area = Rect::new(0, 0, size.0, size.1);
    let [_, _, history, log] = body_areas(banner, phase_rows, runs, area);
    (
        // borders and the header row
        usize::from(history.height.saturating_sub(3)).max(1),
        usize::from(log.height.saturating_sub(2)).max(1),
    )
}

/// Rows of the change list that fit on a screen `height` rows high (the overlay leaves a line
/// above and below; its borders and header take 4).
pub fn change_rows(height: u16) -> usize {
    usize::from(height).saturating_sub(2 + 4).max(1)
}

/// A `w`×`h` rectangle centred in `area` (cut to it).
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The widths a ratatui `Table` (no selection column, `Flex::Start`) gives its columns of
/// `constraints` in `width` columns, `spacing` apart: what each cell may take before it is cut.
pub fn column_widths(constraints: &[Constraint], width: u16, spacing: u16) -> Vec<usize> {
    Layout::horizontal(constraints.iter().copied())
        .flex(Flex::Start)
        .spacing(spacing)
        .split(Rect::new(0, 0, width, 1))
        .iter()
        .map(|r| usize::from(r.width))
        .collect()
}
