//! The diff between the account now and the target, and what writing it back takes: pure over
//! two library states and what earlier restores created.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::model::{Kind, LibraryState, PlaylistState, Saved, Selection};

/// URIs per `PUT`/`DELETE /me/library` request (Spotify's limit).
pub const LIBRARY_BATCH: usize = 40;
/// URIs per playlist items request (Spotify's limit).
pub const ITEMS_BATCH: usize = 100;

/// What is done to one playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The account has it: roll back what differs.
    RollBack,
    /// The user's own playlist is gone: follow it again (it comes back with its id), or
    /// create it when it was deleted for good.
    Recreate,
    /// Create a copy ("NAME (restored DATE)"), leaving the current one alone (`--as-copy`).
    Copy,
    /// Another account's own playlist (`restore --from`): created in this account as its own,
    /// with the same name, details, items and cover.
    Create,
    /// Someone else's (or Spotify's) playlist is no longer followed: follow it again.
    Follow,
    /// In the account but not in the target: unfollow it (`--remove-extra` only).
    Unfollow,
}

/// One playlist's part of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaylistDiff {
    pub action: Action,
    /// The playlist as of the target date (for [`Action::Unfollow`]: as it is now).
    pub target: PlaylistState,
    /// The playlist in the account this acts on (its id may differ: a recreated one).
    pub current: Option<PlaylistState>,
    /// The name it is written with (a copy's name for copies).
    pub name: Option<String>,
    /// Its name, description or flags differ.
    pub details: bool,
    /// Its items differ: the URIs to write, in order.
    pub items: Option<Vec<String>>,
    /// Its cover differs (the archived one to upload).
    pub cover: bool,
    /// Write requests it takes (follow and create counted as one).
    pub requests: u64,
}

/// One saved list's part of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListDiff {
    pub kind: Kind,
    /// To save again, oldest first.
    pub add: Vec<Saved>,
    /// To remove (`--remove-extra` only).
    pub remove: Vec<String>,
    /// In the account, not in the target, kept (without `--remove-extra`).
    pub extra: u64,
    pub requests: u64,
}

/// The diff: per list and per playlist, with the write requests it takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub lists: Vec<ListDiff>,
    pub playlists: Vec<PlaylistDiff>,
    /// Playlists in the account and not in the target, kept (without `--remove-extra`).
    pub extra_playlists: Vec<String>,
    /// What cannot be restored, in words.
    pub cannot: Vec<String>,
    /// Write requests in all.
    pub requests: u64,
}

impl Diff {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.requests == 0
    }
}

/// What earlier restores left in the account: the playlist created for a target playlist.
pub trait Created {
    /// The account's playlist created for `source` (`copy_of`: a copy's date, `""` when
    /// recreated), if recorded.
    fn created(&self, source: &str, copy_of: &str) -> Option<String>;
}

impl Created for HashMap<(String, String), String> {
    fn created(&self, source: &str, copy_of: &str) -> Option<String> {
        self.get(&(source.to_string(), copy_of.to_string()))
            .cloned()
    }
}

/// The marker a created playlist carries in its description until its details are written:
/// found again after a crash between "create" and "record its id".
pub fn marker(source: &str, copy_of: &str) -> String {
    if copy_of.is_empty() {
        format!("[spotsync-restore {source}]")
    } else {
        format!("[spotsync-restore {source} {copy_of}]")
    }
}

/// A copy's name: "NAME (restored DATE)".
pub fn copy_name(name: Option<&str>, date: &str) -> String {
    format!("{} (restored {date})", name.unwrap_or("Playlist"))
}

/// Requests to write `n` items in batches of `batch` (`exact`: one each).
fn batches(n: usize, batch: usize, exact: bool) -> u64 {
    if exact {
        n as u64
    } else {
        n.div_ceil(batch) as u64
    }
}

/// The diff of `target` against `now` for `sel` (`now.gone`: the account's playlists no longer
/// in its list, as last mirrored); `date`: the target's day, for copies' names.
pub fn diff(
    target: &LibraryState,
    now: &LibraryState,
    created: &dyn Created,
    sel: &Selection,
    date: &str,
) -> Diff {
    let mut d = Diff::default();
    for &kind in Kind::ALL.iter().filter(|k| sel.kinds.contains(k)) {
        if kind != Kind::Playlists {
            d.lists
                .push(list_diff(kind, target.saved(kind), now.saved(kind), sel));
        }
    }
    if sel.kinds.contains(&Kind::Playlists) {
        playlists_diff(&mut d, target, now, created, sel, date);
    }
    d.requests = d.lists.iter().map(|l| l.requests).sum::<u64>()
        + d.playlists.iter().map(|p| p.requests).sum::<u64>();
    d
}

/// The write requests of a list's diff.
pub fn list_requests(l: &ListDiff, exact: bool) -> u64 {
    batches(l.add.len(), LIBRARY_BATCH, exact) + batches(l.remove.len(), LIBRARY_BATCH, false)
}

fn list_diff(kind: Kind, target: &[Saved], now: &[Saved], sel: &Selection) -> ListDiff {
    let have: HashSet<&str> = now.iter().map(|s| s.id.as_str()).collect();
    let want: HashSet<&str> = target.iter().map(|s| s.id.as_str()).collect();
    let add: Vec<Saved> = target
        .iter()
        .filter(|s| !have.contains(s.id.as_str()))
        .cloned()
        .collect();
    let extra: Vec<String> = now
        .iter()
        .filter(|s| !want.contains(s.id.as_str()))
        .map(|s| s.id.clone())
        .collect();
    let (remove, kept) = if sel.remove_extra {
        (extra, 0)
    } else {
        (Vec::new(), extra.len() as u64)
    };
    let mut l = ListDiff {
        kind,
        add,
        remove,
        extra: kept,
        requests: 0,
    };
    l.requests = list_requests(&l, sel.exact_order);
    l
}

fn wanted(p: &PlaylistState, filter: &[String]) -> bool {
    filter.is_empty()
        || filter.iter().any(|w| {
            p.id == *w || format!("spotify:playlist:{}", p.id) == *w || p.name.as_deref() == Some(w)
        })
}

/// The playlists of the account now, to find a target's playlist among them.
struct Account<'a> {
    by_id: HashMap<&'a str, &'a PlaylistState>,
    now: &'a LibraryState,
}

impl Account<'_> {
    fn by_marker(&self, m: &str) -> Option<&PlaylistState> {
        self.now
            .playlists
            .iter()
            .find(|p| p.description.as_deref().is_some_and(|x| x.contains(m)))
    }
}

/// The playlists' part of the diff.
fn playlists_diff(
    d: &mut Diff,
    target: &LibraryState,
    now: &LibraryState,
    created: &dyn Created,
    sel: &Selection,
    date: &str,
) {
    let acct = Account {
        by_id: now.playlists.iter().map(|p| (p.id.as_str(), p)).collect(),
        now,
    };
    let mut matched: HashSet<String> = HashSet::new();
    for t in target
        .playlists
        .iter()
        .filter(|p| wanted(p, &sel.playlists))
    {
        let Some(p) = playlist_diff(t, &acct, created, sel, date, &mut matched) else {
            continue;
        };
        if p.requests == 0 {
            continue;
        }
        // Said for the playlists whose items are written.
        if p.items.is_some() {
            note_unrestorable(d, t);
            if let Some(c) = &p.current {
                note_local_dropped(d, c);
            }
        }
        d.playlists.push(p);
    }
    if !sel.playlists.is_empty() {
        return;
    }
    for p in now.playlists.iter().filter(|p| !matched.contains(&p.id)) {
        if sel.remove_extra {
            d.playlists.push(PlaylistDiff {
                action: Action::Unfollow,
                target: p.clone(),
                current: Some(p.clone()),
                name: p.name.clone(),
                details: false,
                items: None,
                cover: false,
                requests: 1,
            });
        } else {
            d.extra_playlists
                .push(p.name.clone().unwrap_or_else(|| p.id.clone()));
        }
    }
}

/// What to do with one target playlist (`None`: nothing of it is ours to write). The account's
/// playlists it matches go into `matched`.
fn playlist_diff(
    t: &PlaylistState,
    acct: &Account<'_>,
    created: &dyn Created,
    sel: &Selection,
    date: &str,
    matched: &mut HashSet<String>,
) -> Option<PlaylistDiff> {
    let copy_of = if sel.as_copy { date } else { "" };
    // Restored from another account, its own playlists are created here: the account cannot
    // write the original, even when it follows it.
    let foreign = sel.from.is_some() && t.owned;
    let same = acct.by_id.get(t.id.as_str()).copied().filter(|_| !foreign);
    let current = created
        .created(&t.id, copy_of)
        .and_then(|id| acct.by_id.get(id.as_str()).copied())
        .or_else(|| acct.by_marker(&marker(&t.id, copy_of)))
        .or(same.filter(|_| !sel.as_copy));
    if let Some(c) = current.or(same) {
        matched.insert(c.id.clone());
    }
    Some(match current {
        Some(c) if t.owned || c.id != t.id => {
            let name = if sel.as_copy {
                Some(copy_name(t.name.as_deref(), date))
            } else {
                t.name.clone()
            };
            roll_back(t, c, name, Action::RollBack)
        }
        // Someone else's, followed: nothing of it is ours to write.
        Some(_) => return None,
        // Unchanged: no copy needed.
        None if sel.as_copy
            && same.is_some_and(|s| {
                roll_back(t, s, t.name.clone(), Action::RollBack).requests == 0
            }) =>
        {
            return None;
        }
        None if foreign && !sel.as_copy => {
            create(t, Action::Create, t.name.clone().unwrap_or_default())
        }
        None if sel.as_copy && t.owned => {
            create(t, Action::Copy, copy_name(t.name.as_deref(), date))
        }
        None if t.owned => recreate(t, acct.now.gone.iter().find(|g| g.id == t.id)),
        None if same.is_some() => return None,
        None => follow(t),
    })
}

/// Rewriting the items of `c` drops its local files: the API cannot add them back.
fn note_local_dropped(d: &mut Diff, c: &PlaylistState) {
    let local = c
        .items
        .iter()
        .flatten()
        .filter(|i| i.kind == "local")
        .count();
    if local > 0 {
        d.cannot.push(format!(
            "{}: writing its items back drops the {local} local file(s) it holds now (the API \
             cannot add local files)",
            c.name.as_deref().unwrap_or(&c.id)
        ));
    }
}

/// Roll `current` back to `t`: what differs, and its requests.
fn roll_back(
    t: &PlaylistState,
    c: &PlaylistState,
    name: Option<String>,
    action: Action,
) -> PlaylistDiff {
    let details = name != c.name
        || t.description.as_deref().unwrap_or("") != c.description.as_deref().unwrap_or("")
        || (t.public.is_some() && t.public != c.public)
        || (t.collaborative.is_some() && t.collaborative != c.collaborative);
    let want = t.writable_uris();
    let items = (t.items.is_some() && c.items.as_ref().is_none_or(|_| c.writable_uris() != want))
        .then_some(want);
    let cover = t.cover.is_some() && t.cover != c.cover;
    let requests = u64::from(details)
        + items
            .as_ref()
            .map_or(0, |u| batches(u.len(), ITEMS_BATCH, false).max(1))
        + u64::from(cover);
    PlaylistDiff {
        action,
        target: t.clone(),
        current: Some(c.clone()),
        name,
        details,
        items,
        cover,
        requests,
    }
}

/// Create `t` anew (a copy, or one deleted for good): create, its items, its details (the
/// description without the marker), its cover.
fn create(t: &PlaylistState, action: Action, name: String) -> PlaylistDiff {
    let items = t.writable_uris();
    let n = batches(items.len(), ITEMS_BATCH, false);
    let cover = t.cover.is_some();
    PlaylistDiff {
        action,
        target: t.clone(),
        current: None,
        name: Some(name),
        details: true,
        requests: 2 + n + u64::from(cover),
        items: Some(items),
        cover,
    }
}

/// The user's own playlist, gone from the list: follow it again (one request), then roll it
/// back from its last mirrored state (`gone`).
fn recreate(t: &PlaylistState, gone: Option<&PlaylistState>) -> PlaylistDiff {
    let last = gone.cloned().unwrap_or_else(|| PlaylistState {
        items: Some(Vec::new()),
        cover: None,
        ..t.clone()
    });
    let mut p = roll_back(t, &last, t.name.clone(), Action::Recreate);
    p.requests += 1;
    p
}

fn follow(t: &PlaylistState) -> PlaylistDiff {
    PlaylistDiff {
        action: Action::Follow,
        target: t.clone(),
        current: None,
        name: t.name.clone(),
        details: false,
        items: None,
        cover: false,
        requests: 1,
    }
}

/// Say what of `t` cannot be written back.
fn note_unrestorable(d: &mut Diff, t: &PlaylistState) {
    let name = t.name.as_deref().unwrap_or(&t.id);
    let items = t.items.iter().flatten();
    let local: Vec<&str> = items
        .clone()
        .filter(|i| i.kind == "local")
        .map(|i| i.name.as_deref().or(i.uri.as_deref()).unwrap_or("?"))
        .collect();
    if !local.is_empty() {
        d.cannot.push(format!(
            "{name}: {} local file(s) cannot be added through the API: {}",
            local.len(),
            local.join(", ")
        ));
    }
    let unavailable = items.filter(|i| i.kind == "unavailable").count();
    if unavailable > 0 {
        d.cannot.push(format!(
            "{name}: {unavailable} entr{} Spotify no longer serves (unavailable) cannot be added",
            if unavailable == 1 { "y" } else { "ies" }
        ));
    }
}

#[cfg(test)]
mod tests;
