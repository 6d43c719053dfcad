//! A restore's plan for people: counts per list and per playlist, then the items (a few of
//! each), the write requests, the quota they take and when they are done.

use std::fmt::Write as _;

use super::RestorePlan;
use super::diff::{Action, Diff, ListDiff, PlaylistDiff};

/// Items listed per list or playlist before "… and N more".
const SHOWN: usize = 5;

/// The plan in lines; `names` gives an id's words (a track's "Title — Artist").
pub fn plan_lines(p: &RestorePlan, names: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let r = &p.restore;
    let from = r
        .selection
        .from
        .as_ref()
        .map(|a| format!(" of account {a}'s library"))
        .unwrap_or_default();
    let mut out = vec![format!(
        "Restore {}{from} as of {} (planned {}{}; the earliest date that can be restored is {})",
        r.id,
        r.as_of,
        r.created_at,
        if p.resumed { ", going on with it" } else { "" },
        p.earliest
    )];
    if p.diff.is_empty() {
        out.push("the account already equals the target: nothing to write".into());
    }
    for l in &p.diff.lists {
        out.extend(list_lines(l, names));
    }
    for d in &p.diff.playlists {
        out.extend(playlist_lines(d));
    }
    if !p.diff.extra_playlists.is_empty() {
        out.push(format!(
            "  playlists not in the target, kept (--remove-extra to unfollow): {}",
            p.diff.extra_playlists.join(", ")
        ));
    }
    for c in &p.diff.cannot {
        out.push(format!("  cannot be restored: {c}"));
    }
    out.push(total_line(&p.diff, p));
    out
}

fn list_lines(l: &ListDiff, names: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    if l.add.is_empty() && l.remove.is_empty() && l.extra == 0 {
        return out;
    }
    let mut head = format!("  {}: {} to add", l.kind.as_str(), l.add.len());
    if !l.remove.is_empty() {
        let _ = write!(head, ", {} to remove", l.remove.len());
    }
    if l.extra > 0 {
        let _ = write!(head, ", {} not in the target kept", l.extra);
    }
    let _ = write!(head, " — {} write request(s)", l.requests);
    out.push(head);
    let since = if l.kind == super::Kind::Artists {
        "followed by"
    } else {
        "saved"
    };
    for s in l.add.iter().take(SHOWN) {
        out.push(format!(
            "      + {} ({since} {})",
            names(&s.id).unwrap_or_else(|| s.id.clone()),
            s.added_at.as_deref().unwrap_or("?")
        ));
    }
    if l.add.len() > SHOWN {
        out.push(format!("      … and {} more", l.add.len() - SHOWN));
    }
    for id in l.remove.iter().take(SHOWN) {
        out.push(format!(
            "      - {}",
            names(id).unwrap_or_else(|| id.clone())
        ));
    }
    out
}

fn playlist_lines(d: &PlaylistDiff) -> Vec<String> {
    let name = d
        .name
        .clone()
        .or_else(|| d.target.name.clone())
        .unwrap_or_else(|| d.target.id.clone());
    let verb = match d.action {
        Action::RollBack => "roll back",
        Action::Recreate => "recreate (follow again; created anew if deleted for good)",
        Action::Copy => "create as a copy",
        Action::Create => "create as this account's own (a copy of the other account's)",
        Action::Follow => "follow again (someone else's or Spotify's)",
        Action::Unfollow => "unfollow (not in the target)",
    };
    let mut what = Vec::new();
    if let Some(items) = &d.items {
        let now = d.current.as_ref().map(|c| c.writable_uris().len());
        what.push(match now {
            Some(n) => format!("items {n} → {} (order as then)", items.len()),
            None => format!("{} items", items.len()),
        });
    }
    if d.details {
        what.push("name, description, public/collaborative".into());
    }
    if d.cover {
        what.push("cover".into());
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(": {}", what.join("; "))
    };
    vec![format!(
        "  playlist {name:?}: {verb}{what} — {} write request(s)",
        d.requests
    )]
}

fn total_line(d: &Diff, p: &RestorePlan) -> String {
    let q = &p.quota;
    let mut s = format!("total: {} write request(s)", d.requests);
    if let Some(per_day) = q.restore_per_day {
        let _ = write!(
            s,
            "; daily quota {} ({}), a restore may use {per_day} a rolling day, {} used in the \
             last 24 h",
            q.daily.map_or("unknown".into(), |d| d.to_string()),
            q.source,
            q.used_24h
        );
    }
    match q.eta_secs {
        Some(0) | None => s.push_str("; done today"),
        Some(secs) => {
            let _ = write!(s, "; ETA {}", days_hours(secs));
        }
    }
    s
}

/// "2 days 3 h", "5 h", "under an hour".
pub fn days_hours(secs: u64) -> String {
    let (d, h) = (secs / 86_400, (secs % 86_400) / 3_600);
    match (d, h) {
        (0, 0) => "under an hour".into(),
        (0, h) => format!("{h} h"),
        (d, 0) => format!("{d} day{}", if d == 1 { "" } else { "s" }),
        (d, h) => format!("{d} day{} {h} h", if d == 1 { "" } else { "s" }),
    }
}
