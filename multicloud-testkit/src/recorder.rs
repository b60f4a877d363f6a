//! Every request a simulator received, for assertions.

use std::fmt;
use std::sync::Mutex;

use crate::faults::FaultKind;
use crate::sim::SimRequest;

/// How the simulator answered a recorded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Handled after authentication, with this HTTP status.
    Handled {
        /// The HTTP status sent.
        status: u16,
        /// The key that authenticated the request.
        key_id: String,
    },
    /// Refused by authentication/authorization, with this HTTP status.
    Refused {
        /// The HTTP status sent.
        status: u16,
    },
    /// An injected fault answered (or broke) the request.
    Fault(FaultKind),
    /// The route is unknown.
    UnknownRoute {
        /// The HTTP status sent.
        status: u16,
    },
}

impl Outcome {
    /// The HTTP status sent, if a response was sent.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Handled { status, .. }
            | Outcome::Refused { status }
            | Outcome::UnknownRoute { status } => Some(*status),
            Outcome::Fault(_) => None,
        }
    }
}

/// One received request and what happened to it.
#[derive(Clone)]
pub struct RecordedRequest {
    /// The arrival order, from 1.
    pub seq: u64,
    /// The endpoint name, if the route was known.
    pub endpoint: Option<String>,
    /// The region the request was addressed to, as the simulator's
    /// [`CloudSim::region_of`](crate::CloudSim::region_of) read it.
    pub region: Option<String>,
    /// The request as received.
    pub request: SimRequest,
    /// How it was answered.
    pub outcome: Outcome,
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("seq", &self.seq)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("request", &self.request)
            .field("outcome", &self.outcome)
            .finish()
    }
}

/// The request log of one simulator.
#[derive(Default)]
pub struct Recorder {
    log: Mutex<Vec<RecordedRequest>>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("len", &self.lock().len())
            .finish()
    }
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends a record.
    pub fn push(&self, record: RecordedRequest) {
        self.lock().push(record);
    }

    /// Every record, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// The records for one endpoint.
    pub fn requests_for(&self, endpoint: &str) -> Vec<RecordedRequest> {
        self.lock()
            .iter()
            .filter(|r| r.endpoint.as_deref() == Some(endpoint))
            .cloned()
            .collect()
    }

    /// How many requests were received for `endpoint` (`"*"` = all).
    pub fn count(&self, endpoint: &str) -> usize {
        let log = self.lock();
        if endpoint == crate::faults::ALL_ENDPOINTS {
            return log.len();
        }
        log.iter()
            .filter(|r| r.endpoint.as_deref() == Some(endpoint))
            .count()
    }

    /// How many requests for `endpoint` (`"*"` = all) were addressed to `region`.
    pub fn count_in(&self, endpoint: &str, region: &str) -> usize {
        self.count_where(|r| {
            r.region.as_deref() == Some(region)
                && (endpoint == crate::faults::ALL_ENDPOINTS
                    || r.endpoint.as_deref() == Some(endpoint))
        })
    }

    /// How many requests ended with `outcome` matching the predicate.
    pub fn count_where(&self, predicate: impl Fn(&RecordedRequest) -> bool) -> usize {
        self.lock().iter().filter(|r| predicate(r)).count()
    }

    /// Forgets every record.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64, endpoint: Option<&str>, outcome: Outcome) -> RecordedRequest {
        RecordedRequest {
            seq,
            endpoint: endpoint.map(Into::into),
            region: (seq == 2).then(|| "r1".to_owned()),
            request: SimRequest {
                method: http::Method::POST,
                host: "h".into(),
                path: "/".into(),
                query: vec![],
                raw_query: None,
                headers: http::HeaderMap::new(),
                body: bytes::Bytes::new(),
            },
            outcome,
        }
    }

    #[test]
    fn counts_by_endpoint_and_outcome() {
        let r = Recorder::default();
        r.push(rec(1, Some("a"), Outcome::Refused { status: 403 }));
        r.push(rec(2, Some("a"), Outcome::Fault(FaultKind::Throttle)));
        r.push(rec(3, None, Outcome::UnknownRoute { status: 400 }));
        assert_eq!(r.count("a"), 2);
        assert_eq!(r.count("*"), 3);
        assert_eq!(r.count_where(|x| x.outcome.status() == Some(403)), 1);
        assert_eq!(r.requests_for("a")[1].seq, 2);
        assert_eq!((r.count_in("a", "r1"), r.count_in("*", "r1")), (1, 1));
        assert_eq!(r.count_in("a", "r2"), 0);
        r.clear();
        assert!(r.requests().is_empty());
    }
}
