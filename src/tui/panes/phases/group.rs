//! The row the small library lists share (saved albums, followed artists, shows, episodes,
//! audiobooks, top), so the phases pane still fits 80×24.

use super::{PhaseView, PhasesState};
use crate::sync::{Phase, PhaseStatus};

impl PhasesState {
    /// The rows shown: one per phase, except the small library lists (saved albums, followed
    /// artists, shows, episodes, audiobooks, top), which share one `lists` row so the pane
    /// still fits 80×24. Each row: its name, its view, and its error line (when it has one).
    pub fn rows(&self) -> Vec<(&'static str, PhaseView, Option<String>)> {
        let detail = |p: &PhaseView| {
            p.error.as_ref().map(|e| {
                let verb = if p.status == PhaseStatus::Skipped {
                    "skipped"
                } else {
                    "failed"
                };
                format!("{} {verb}: {e}", p.phase)
            })
        };
        let mut rows = Vec::new();
        let members: Vec<&PhaseView> = self.list.iter().filter(|p| is_grouped(p.phase)).collect();
        let mut grouped = false;
        for p in &self.list {
            if !is_grouped(p.phase) {
                rows.push((p.phase.as_str(), p.clone(), detail(p)));
            } else if !grouped {
                grouped = true;
                let view = group_view(&members);
                let err = members.iter().find_map(|m| detail(m));
                rows.push((GROUP_NAME, view, err));
            }
        }
        rows
    }

    /// How many rows the pane shows.
    pub fn row_count(&self) -> usize {
        let grouped = self.list.iter().filter(|p| is_grouped(p.phase)).count();
        self.list.len() - grouped.saturating_sub(1)
    }
}

/// The plays card's width: its gap line (`gap 11-24 12:58 → 11-25 09:40`) fits.
pub(super) const PLAYS_CARD_MIN: u16 = 32;

/// The name of the row the small library lists share.
pub(super) const GROUP_NAME: &str = "lists";

fn is_grouped(p: Phase) -> bool {
    matches!(
        p,
        Phase::AlbumsSaved
            | Phase::ArtistsFollowed
            | Phase::Shows
            | Phase::Episodes
            | Phase::Audiobooks
            | Phase::Top
    )
}

/// The lists' shared row: their sums, and the status of the one that matters most now.
fn group_view(members: &[&PhaseView]) -> PhaseView {
    let Some(first) = members.first() else {
        return PhaseView::new(Phase::AlbumsSaved);
    };
    let any = |s: PhaseStatus| members.iter().any(|m| m.status == s);
    let in_run = members.iter().any(|m| m.in_run);
    let all_finished = members
        .iter()
        .all(|m| matches!(m.status, PhaseStatus::Success | PhaseStatus::Skipped) || !m.in_run);
    let status = if any(PhaseStatus::InProgress) {
        PhaseStatus::InProgress
    } else if any(PhaseStatus::RateLimited) {
        PhaseStatus::RateLimited
    } else if any(PhaseStatus::Paused) {
        PhaseStatus::Paused
    } else if any(PhaseStatus::Failed) {
        PhaseStatus::Failed
    } else if any(PhaseStatus::Cancelled) {
        PhaseStatus::Cancelled
    } else if all_finished && any(PhaseStatus::Success) {
        PhaseStatus::Success
    } else if all_finished && any(PhaseStatus::Skipped) {
        PhaseStatus::Skipped
    } else if any(PhaseStatus::Success) || any(PhaseStatus::Skipped) {
        // Some lists done, the next one not started yet.
        PhaseStatus::InProgress
    } else {
        PhaseStatus::Pending
    };
    let total = if in_run {
        members
            .iter()
            .filter(|m| m.in_run && m.status != PhaseStatus::Skipped)
            .map(|m| m.total)
            .sum::<Option<u64>>()
    } else {
        None
    };
    let active = members
        .iter()
        .find(|m| m.status == PhaseStatus::InProgress)
        .unwrap_or(first);
    PhaseView {
        phase: active.phase,
        in_run,
        status,
        done: members.iter().map(|m| m.done).sum(),
        total,
        added: members.iter().map(|m| m.added).sum(),
        updated: members.iter().map(|m| m.updated).sum(),
        removed: members.iter().map(|m| m.removed).sum(),
        error: None,
        samples: active.samples.clone(),
    }
}
