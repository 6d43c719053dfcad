//! Faults on demand: queued for upcoming `/v1` requests (`POST /__sim/faults/next`), filtered by
//! method, armed after a number of successful requests (to fail or cut a client between two
//! writes), or drawn at random from the settings' rates.

use serde::{Deserialize, Serialize};

/// A fault injected into upcoming `/v1` requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// 200 with a truncated JSON body.
    #[serde(rename = "malformed")]
    Malformed,
    #[serde(rename = "500")]
    E500,
    #[serde(rename = "502")]
    E502,
    #[serde(rename = "503")]
    E503,
    /// Close the connection without answering (the request is not carried out).
    #[serde(rename = "drop")]
    Drop,
    /// Carry the request out, then close the connection without answering.
    #[serde(rename = "drop-after")]
    DropAfter,
    /// A rate-limit 429 with `Retry-After: 1`.
    #[serde(rename = "429")]
    E429,
    /// A rate-limit 429 without `Retry-After`.
    #[serde(rename = "429-no-retry-after")]
    E429NoRetryAfter,
}

/// Which requests a queued fault waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FaultMethod {
    /// Any `/v1` request.
    #[default]
    #[serde(rename = "any")]
    Any,
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "DELETE")]
    Delete,
    /// `PUT`, `POST` or `DELETE`.
    #[serde(rename = "write")]
    Write,
}

impl FaultMethod {
    pub fn matches(self, method: &str) -> bool {
        match self {
            FaultMethod::Any => true,
            FaultMethod::Get => method == "GET",
            FaultMethod::Put => method == "PUT",
            FaultMethod::Post => method == "POST",
            FaultMethod::Delete => method == "DELETE",
            FaultMethod::Write => is_write(method),
        }
    }
}

/// `PUT`, `POST`, `DELETE` (and `PATCH`): a request that changes something.
pub fn is_write(method: &str) -> bool {
    matches!(method, "PUT" | "POST" | "DELETE" | "PATCH")
}

/// A fault waiting in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    /// To tell which entry a passing request counts against.
    pub seq: u64,
    pub kind: FaultKind,
    pub method: FaultMethod,
    /// Matching requests still to be served successfully (2xx) before the fault strikes.
    pub after: u32,
    /// Matching requests the fault still strikes, one after the other.
    pub count: u32,
}

/// The queue of faults.
#[derive(Debug, Default)]
pub struct FaultQueue {
    pub entries: Vec<Queued>,
    next_seq: u64,
}

/// What the queue decides for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No fault for this request.
    Serve,
    /// Serve it; when it succeeds, it counts against the armed entry `seq`.
    ServeCounting(u64),
    /// Strike it with this fault.
    Strike(FaultKind),
}

impl FaultQueue {
    /// Faults still to strike (the sum of the entries' counts).
    pub fn pending(&self) -> u64 {
        self.entries.iter().map(|e| u64::from(e.count)).sum()
    }

    pub fn push(&mut self, kind: FaultKind, method: FaultMethod, after: u32, count: u32) {
        if count == 0 {
            return;
        }
        self.next_seq += 1;
        self.entries.push(Queued {
            seq: self.next_seq,
            kind,
            method,
            after,
            count,
        });
    }

    /// The first entry waiting for requests of `method` decides.
    pub fn decide(&mut self, method: &str) -> Verdict {
        let Some(i) = self.entries.iter().position(|e| e.method.matches(method)) else {
            return Verdict::Serve;
        };
        let e = &mut self.entries[i];
        if e.after > 0 {
            return Verdict::ServeCounting(e.seq);
        }
        let kind = e.kind;
        e.count -= 1;
        if e.count == 0 {
            self.entries.remove(i);
        }
        Verdict::Strike(kind)
    }

    /// A request counted against entry `seq` succeeded.
    pub fn succeeded(&mut self, seq: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.seq == seq) {
            e.after = e.after.saturating_sub(1);
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_fault_waits_for_its_successful_writes_and_lets_reads_through() {
        let mut q = FaultQueue::default();
        q.push(FaultKind::E500, FaultMethod::Write, 2, 1);
        assert_eq!(q.decide("GET"), Verdict::Serve);
        let Verdict::ServeCounting(seq) = q.decide("PUT") else {
            panic!("counted")
        };
        // A write that failed for another reason (no `succeeded`) does not count.
        assert_eq!(q.decide("PUT"), Verdict::ServeCounting(seq));
        q.succeeded(seq);
        assert_eq!(q.decide("POST"), Verdict::ServeCounting(seq));
        q.succeeded(seq);
        assert_eq!(q.decide("DELETE"), Verdict::Strike(FaultKind::E500));
        assert_eq!(q.decide("PUT"), Verdict::Serve);
        assert_eq!(q.pending(), 0);
    }
}
