//! The Library screen: a tab per kind of thing mirrored (liked songs, playlists, albums,
//! artists, shows, episodes, audiobooks, plays, changes), each a sortable table narrowed by the `/` filter, and a detail pane
//! for the selected row. The rows are read off the UI thread (`store::browse`) and arrive as
//! messages; this state only holds and orders them.

pub mod filter;
mod keys;
mod widget;

use std::cmp::Reverse;

use nucleo::Utf32String;

use crate::store::browse::{Detail, Row, Tab};
use filter::Filter;

pub use keys::LibraryKey;
pub use widget::{LibraryWidget, SIDE_DETAIL_WIDTH, areas as widget_areas};

/// The orders `o` cycles through, per tab; the first is the order the rows arrive in.
pub fn sorts(tab: Tab) -> &'static [Sort] {
    match tab {
        Tab::Liked => &[Sort::Added, Sort::Name, Sort::Artist, Sort::Plays],
        Tab::Playlists => &[Sort::Listed, Sort::Name, Sort::Count],
        Tab::Albums => &[Sort::Name, Sort::Artist, Sort::Year, Sort::Plays],
        Tab::Artists => &[Sort::Name, Sort::Count, Sort::Plays],
        Tab::Shows | Tab::Audiobooks => &[Sort::Added, Sort::Name, Sort::Artist, Sort::Count],
        Tab::Episodes => &[
            Sort::Added,
            Sort::Name,
            Sort::Artist,
            Sort::Year,
            Sort::Count,
        ],
        Tab::Plays => &[Sort::Added, Sort::Name, Sort::Artist],
        Tab::Changes => &[Sort::Added, Sort::Name],
    }
}

/// A row order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// As listed by Spotify.
    Listed,
    /// Newest first (liked, saved, played, changed).
    Added,
    Name,
    Artist,
    Year,
    /// Most tracks / items / episodes / chapters first; longest episode first.
    Count,
    /// Most played first.
    Plays,
}

impl Sort {
    pub fn label(self, tab: Tab) -> &'static str {
        match (self, tab) {
            (Sort::Listed, _) => "as listed",
            (Sort::Added, Tab::Plays) => "newest play",
            (Sort::Added, Tab::Changes) => "newest",
            (Sort::Added, _) => "recently added",
            (Sort::Name, _) => "name",
            (Sort::Artist, Tab::Shows) => "publisher",
            (Sort::Artist, Tab::Episodes) => "show",
            (Sort::Artist, Tab::Audiobooks) => "author",
            (Sort::Artist, _) => "artist",
            (Sort::Year, _) => "year",
            (Sort::Count, Tab::Playlists) => "items",
            (Sort::Count, Tab::Shows) => "episodes",
            (Sort::Count, Tab::Episodes) => "length",
            (Sort::Count, Tab::Audiobooks) => "chapters",
            (Sort::Count, _) => "tracks",
            (Sort::Plays, _) => "plays",
        }
    }
}

/// One tab's rows and where the user is in them.
#[derive(Debug, Clone, Default)]
pub struct TabData {
    /// Rows as read (the first sort's order).
    rows: Vec<Row>,
    /// What the fuzzy filter matches, per row.
    hay: Vec<Utf32String>,
    /// The rows in the current sort order.
    order: Vec<usize>,
    /// The rows shown: `order` narrowed by the filter.
    shown: Vec<usize>,
    /// Index into [`sorts`].
    sort: usize,
    /// Selected position in `shown`, and the first one on screen.
    selected: usize,
    offset: usize,
    /// Read at least once / being read / the last read failed.
    loaded: bool,
    loading: bool,
    error: Option<String>,
}

impl TabData {
    /// The rows as read.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows shown, in order: sorted, and narrowed by the filter.
    pub fn shown(&self) -> Vec<&Row> {
        self.shown
            .iter()
            .filter_map(|&i| self.rows.get(i))
            .collect()
    }

    /// The selected position among the rows shown.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<&Row> {
        self.shown
            .get(self.selected)
            .and_then(|&i| self.rows.get(i))
    }

    /// Read at least once.
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }
}

/// The detail pane: what is asked for, and the answer once it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailView {
    tab: Tab,
    id: String,
    detail: Option<Detail>,
    error: Option<String>,
    scroll: usize,
}

impl DetailView {
    /// The detail, once read.
    pub fn answer(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// Why it could not be read.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// The Library screen's state.
#[derive(Debug, Clone)]
pub struct LibraryState {
    tab: Tab,
    tabs: Vec<TabData>,
    /// The filter line as typed.
    filter_text: String,
    filter: Filter,
    /// The filter line has the keyboard.
    editing: bool,
    detail: Option<DetailView>,
}

impl Default for LibraryState {
    fn default() -> Self {
        LibraryState {
            tab: Tab::Liked,
            tabs: Tab::ALL.iter().map(|_| TabData::default()).collect(),
            filter_text: String::new(),
            filter: Filter::default(),
            editing: false,
            detail: None,
        }
    }
}

fn tab_index(tab: Tab) -> usize {
    Tab::ALL.iter().position(|t| *t == tab).unwrap_or(0)
}

impl LibraryState {
    /// The tab shown.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// The filter line as typed.
    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }

    /// The filter line has the keyboard.
    pub fn is_editing(&self) -> bool {
        self.editing
    }

    /// The detail pane, while open.
    pub fn detail(&self) -> Option<&DetailView> {
        self.detail.as_ref()
    }

    fn data(&self, tab: Tab) -> &TabData {
        &self.tabs[tab_index(tab)]
    }

    fn data_mut(&mut self, tab: Tab) -> &mut TabData {
        &mut self.tabs[tab_index(tab)]
    }

    /// The current tab's data.
    pub fn current(&self) -> &TabData {
        self.data(self.tab)
    }

    /// Switch to the tab `by` places away; true when it has to be read first.
    fn switch_tab(&mut self, by: i64) -> bool {
        let n = Tab::ALL.len() as i64;
        let i = (tab_index(self.tab) as i64 + by).rem_euclid(n) as usize;
        self.tab = Tab::ALL[i];
        self.detail = None;
        self.refilter(self.tab);
        self.wants_load()
    }

    /// The current tab has not been read yet and is not being read; marks it as being read.
    pub fn wants_load(&mut self) -> bool {
        let d = self.data_mut(self.tab);
        if d.loaded || d.loading {
            return false;
        }
        d.loading = true;
        true
    }

    /// Forget what was read (after a sync): tabs are read again when shown.
    pub fn mark_stale(&mut self) {
        for d in &mut self.tabs {
            d.loaded = false;
        }
    }

    /// Rows of `tab` arrived (or its read failed).
    pub fn on_rows(&mut self, tab: Tab, rows: Result<Vec<Row>, String>) {
        let keep = self.data(tab).selected_row().map(|r| r.id.clone());
        let d = self.data_mut(tab);
        d.loading = false;
        d.loaded = true;
        match rows {
            Ok(rows) => {
                d.hay = rows.iter().map(filter::haystack).collect();
                d.rows = rows;
                d.error = None;
            }
            Err(e) => d.error = Some(e),
        }
        self.resort(tab);
        // Stay on the same row when it is still there.
        let d = self.data_mut(tab);
        if let Some(id) = keep
            && let Some(p) = d
                .shown
                .iter()
                .position(|&i| d.rows.get(i).is_some_and(|r| r.id == id))
        {
            d.selected = p;
        }
    }

    /// `o`: the next order.
    fn cycle_sort(&mut self) {
        let tab = self.tab;
        let d = self.data_mut(tab);
        d.sort = (d.sort + 1) % sorts(tab).len();
        self.resort(tab);
    }

    pub fn sort(&self) -> Sort {
        let d = self.current();
        sorts(self.tab).get(d.sort).copied().unwrap_or(Sort::Name)
    }

    fn resort(&mut self, tab: Tab) {
        let d = self.data_mut(tab);
        let sort = sorts(tab).get(d.sort).copied().unwrap_or(Sort::Name);
        let mut order: Vec<usize> = (0..d.rows.len()).collect();
        let rows = &d.rows;
        let lower = |i: usize, f: fn(&Row) -> &str| f(&rows[i]).to_lowercase();
        // Keys are computed once per row (not per comparison); sorts are stable.
        if d.sort != 0 {
            match sort {
                Sort::Listed => {}
                Sort::Added => order.sort_by_cached_key(|&i| Reverse(rows[i].added.clone())),
                Sort::Name => order.sort_by_cached_key(|&i| lower(i, |r| &r.name)),
                Sort::Artist => {
                    order.sort_by_cached_key(|&i| (lower(i, |r| &r.artist), lower(i, |r| &r.name)))
                }
                Sort::Year => order.sort_by_key(|&i| Reverse(rows[i].year)),
                Sort::Count => order.sort_by_key(|&i| Reverse(rows[i].count)),
                Sort::Plays => order.sort_by_key(|&i| Reverse(rows[i].plays)),
            }
        }
        d.order = order;
        self.refilter(tab);
    }

    /// Apply the filter to `tab`'s rows, keeping the selection in range.
    fn refilter(&mut self, tab: Tab) {
        let f = self.filter.clone();
        let d = self.data_mut(tab);
        // A change that removed something is an event, not a thing gone: never hidden.
        d.shown = filter::apply(&f, &d.rows, &d.hay, &d.order, tab != Tab::Changes, None);
        d.selected = d.selected.min(d.shown.len().saturating_sub(1));
        d.offset = d.offset.min(d.selected);
    }

    /// The filter line changed.
    fn set_filter(&mut self, text: String) {
        let new = Filter::parse(&text);
        let narrows = new.narrows(&self.filter);
        self.filter = new;
        self.filter_text = text;
        let tab = self.tab;
        let f = self.filter.clone();
        let d = self.data_mut(tab);
        d.selected = 0;
        d.offset = 0;
        if narrows {
            // Typing on: score only what matched before.
            let shown = std::mem::take(&mut d.shown);
            d.shown = filter::apply(
                &f,
                &d.rows,
                &d.hay,
                &d.order,
                tab != Tab::Changes,
                Some(&shown),
            );
        } else {
            self.refilter(tab);
        }
    }

    /// Move the selection by `delta` rows, `page` rows being on screen.
    pub fn move_by(&mut self, delta: i64, page: usize) {
        if let Some(v) = &mut self.detail {
            v.scroll = (v.scroll as i64 + delta).max(0) as usize;
            let n = v.detail.as_ref().map_or(0, |d| d.items.len());
            v.scroll = v.scroll.min(n.saturating_sub(1));
            return;
        }
        let tab = self.tab;
        let d = self.data_mut(tab);
        let last = d.shown.len().saturating_sub(1) as i64;
        d.selected = (d.selected as i64 + delta).clamp(0, last.max(0)) as usize;
        Self::keep_visible(d, page);
    }

    fn keep_visible(d: &mut TabData, page: usize) {
        let page = page.max(1);
        if d.selected < d.offset {
            d.offset = d.selected;
        } else if d.selected >= d.offset + page {
            d.offset = d.selected + 1 - page;
        }
    }

    /// Select the row shown at `row` (0 = the first on screen), as a click does.
    pub fn click(&mut self, row: usize, page: usize) {
        let tab = self.tab;
        let d = self.data_mut(tab);
        let at = d.offset + row;
        if at < d.shown.len() {
            d.selected = at;
            Self::keep_visible(d, page);
        }
    }

    /// Enter: the detail of the selected row, to be read (`None` when nothing is selected).
    fn open_detail(&mut self) -> Option<(Tab, String)> {
        let row = self.current().selected_row()?;
        if row.id.is_empty() {
            return None;
        }
        let id = row.id.clone();
        self.detail = Some(DetailView {
            tab: self.tab,
            id: id.clone(),
            detail: None,
            error: None,
            scroll: 0,
        });
        Some((self.tab, id))
    }

    /// A detail arrived; ignored unless it is the one shown.
    pub fn on_detail(&mut self, detail: Result<Detail, String>, id: Option<&str>) {
        if let Some(v) = &mut self.detail {
            match detail {
                Ok(d) if d.id == v.id => v.detail = Some(d),
                Err(e) if id.is_none_or(|i| i == v.id) => v.error = Some(e),
                _ => {}
            }
        }
    }
}
