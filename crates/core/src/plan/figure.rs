//! What a phase's figure is made of ([`Figure`]) and what its computation sees ([`Ctx`]): the
//! snapshot, the run being planned, and the run's checkpoints.

use super::*;
use crate::domain::PhaseStatus;

/// One phase's figure before the ETA.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Figure {
    pub(super) requests: u64,
    pub(super) items: Option<u64>,
    pub(super) basis: Basis,
    pub(super) notes: Vec<String>,
}

impl Figure {
    pub(super) fn new(requests: u64, items: Option<u64>, basis: Basis) -> Figure {
        Figure {
            requests,
            items,
            basis,
            notes: Vec::new(),
        }
    }

    pub(super) fn note(mut self, n: impl Into<String>) -> Figure {
        self.notes.push(n.into());
        self
    }

    /// Two parts of one phase: their sum, as weak as the weaker.
    pub(super) fn plus(mut self, other: Figure) -> Figure {
        self.requests += other.requests;
        self.items = match (self.items, other.items) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        self.basis = self.basis.max(other.basis);
        self.notes.extend(other.notes);
        self
    }
}

/// What a phase computation sees.
pub(super) struct Ctx<'a> {
    pub(super) s: &'a Snapshot,
    pub(super) run: &'a PlannedRun,
}

impl Ctx<'_> {
    /// The phase's checkpoint in the run being resumed (a new run starts from nothing).
    pub(super) fn checkpoint(&self, phase: Phase) -> Option<&PhaseRecord> {
        let id = self.run.run_id?;
        self.s
            .phases
            .get(&phase)
            .filter(|r| r.run_id == Some(id) && self.run.resumed)
    }

    pub(super) fn done_in_run(&self, phase: Phase) -> bool {
        self.checkpoint(phase)
            .is_some_and(|r| matches!(r.status, PhaseStatus::Success | PhaseStatus::Skipped))
    }

    /// A list's totals: the resumed checkpoint's, the mirror's, the probe's.
    pub(super) fn totals(&self, phase: Phase) -> Option<(Vec<u64>, Basis)> {
        if phase != Phase::Top
            && let Some(t) = self
                .checkpoint(phase)
                .and_then(|r| r.checkpoint.total_items)
        {
            return Some((vec![t], Basis::Checkpoint));
        }
        if let Some(m) = self.s.mirrored.get(&phase) {
            return Some((m.clone(), Basis::Mirror));
        }
        match self.s.probe.as_ref().and_then(|p| p.lists.get(&phase)) {
            Some(ProbedList::Totals { totals }) => Some((totals.clone(), Basis::Probe)),
            _ => None,
        }
    }

    /// What the probe or the last run said about a list refused for want of a scope.
    pub(super) fn refused(&self, phase: Phase) -> Option<String> {
        if self.s.mirrored.contains_key(&phase) {
            return None;
        }
        if let Some(ProbedList::Refused { reason }) =
            self.s.probe.as_ref().and_then(|p| p.lists.get(&phase))
        {
            return Some(reason.clone());
        }
        self.s
            .phases
            .get(&phase)
            .filter(|r| r.status == PhaseStatus::Skipped)
            .map(|r| {
                r.last_error
                    .clone()
                    .unwrap_or_else(|| "skipped last time".into())
            })
    }

    pub(super) fn incremental(&self) -> bool {
        self.run.kind != RunKind::Full
    }

    pub(super) fn extended(&self) -> bool {
        self.s
            .extended
            .or_else(|| self.s.probe.as_ref().and_then(|p| p.extended))
            .unwrap_or(false)
    }
}
