//! Reading a response body within the size cap of [`LimitConfig`](super::LimitConfig).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::classify::request_id;
use super::response::HttpResponse;
use crate::error::Error;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed.
    Network(reqwest::Error),
    /// The body is larger than the cap: a [`Decode`](crate::ErrorKind::Decode) error.
    TooLarge(Error),
}

/// The most a declared `Content-Length` reserves before the body arrives: a larger body
/// (within the cap) grows the buffer as it comes.
const PREALLOCATE_MAX: u64 = 16 * 1024 * 1024;

/// How many bytes of response bodies the process holds at most, read and not yet dropped,
/// across every transport, before a read waits (KiB; 16 MiB).
///
/// A listing's pages are read as they arrive but parsed as CPU allows: when many regions'
/// large pages arrive together (a round's first pages, or any page while the CPU is busy),
/// unbounded, every one of them was held at once (the scale bench's 100,000 hosts: up to
/// 60–75 MB of bodies waiting for a parse). Waiting delays no request being sent, only the
/// reading of an answer that could not have been parsed sooner.
const BODY_BUDGET_KIB: u32 = 16 * 1024;

/// The longest a read waits for the budget before it reads anyway (once per body): a caller
/// that holds bodies while it sends more requests can exceed the budget, never stall on it.
const BODY_BUDGET_WAIT: Duration = Duration::from_secs(2);

/// A budget of body bytes (KiB permits) and how long a read waits for it.
#[derive(Clone)]
pub(crate) struct Budget {
    permits: Arc<Semaphore>,
    kib: u32,
    wait: Duration,
}

impl Budget {
    fn new(kib: u32, wait: Duration) -> Self {
        Budget {
            permits: Arc::new(Semaphore::new(kib as usize)),
            kib,
            wait,
        }
    }

    /// The process's budget, shared by every transport.
    fn process() -> &'static Budget {
        static PROCESS: OnceLock<Budget> = OnceLock::new();
        PROCESS.get_or_init(|| Budget::new(BODY_BUDGET_KIB, BODY_BUDGET_WAIT))
    }
}

/// A body and its share of the budget, given back when the last `Bytes` of it drops.
struct Budgeted {
    body: BytesMut,
    _share: Option<OwnedSemaphorePermit>,
}

impl AsRef<[u8]> for Budgeted {
    fn as_ref(&self) -> &[u8] {
        &self.body
    }
}

/// One body's share of a [`Budget`], grown as the body grows.
struct Share<'a> {
    budget: &'a Budget,
    permit: Option<OwnedSemaphorePermit>,
    /// KiB held.
    held: u32,
    /// Set once a wait timed out: the rest of the body is read without waiting again.
    over: bool,
}

impl Share<'_> {
    /// Holds at least `bytes` (at most the whole budget), waiting up to the budget's wait.
    async fn grow_to(&mut self, bytes: usize) {
        let wanted = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, self.budget.kib);
        if self.over || wanted <= self.held {
            return;
        }
        let more = Arc::clone(&self.budget.permits).acquire_many_owned(wanted - self.held);
        match tokio::time::timeout(self.budget.wait, more).await {
            Ok(Ok(permit)) => {
                match &mut self.permit {
                    Some(held) => held.merge(permit),
                    None => self.permit = Some(permit),
                }
                self.held = wanted;
            }
            // Timed out (or closed, which a budget never is): read on over budget.
            _ => {
                tracing::debug!(
                    wanted_kib = wanted,
                    "response bodies held above the budget; reading without waiting"
                );
                self.over = true;
            }
        }
    }
}

/// Reads `response` whole, refusing a `Content-Length` above `cap` before reading anything
/// and stopping a body without one as soon as it passes `cap`. Dropping the response then
/// closes the connection, so nothing past the cap is buffered.
///
/// The body counts against the process's budget of bodies held ([`BODY_BUDGET_KIB`]) from
/// its first byte until its last `Bytes` is dropped; a read waits for room (at most
/// [`BODY_BUDGET_WAIT`], within the request's timeout).
pub(crate) async fn read_capped(
    response: reqwest::Response,
    cap: u64,
    host: &str,
) -> Result<HttpResponse, ReadError> {
    read_within(response, cap, host, Budget::process()).await
}

/// [`read_capped`] against `budget`.
async fn read_within(
    mut response: reqwest::Response,
    cap: u64,
    host: &str,
    budget: &Budget,
) -> Result<HttpResponse, ReadError> {
    let status = response.status();
    let headers = response.headers().clone();
    let too_large = |why: String| {
        let mut error = Error::decode(format!(
            "the response from {host} {why}, above the {} cap on response bodies; raise the cap \
             with LimitConfig::with_max_response_bytes",
            size(cap)
        ))
        .with_http_status(status.as_u16());
        if let Some(id) = request_id(&headers) {
            error = error.with_request_id(id);
        }
        ReadError::TooLarge(error)
    };
    let declared = response.content_length();
    if let Some(length) = declared.filter(|&n| n > cap) {
        return Err(too_large(format!("declares {}", size(length))));
    }
    // The body's share of the budget first: a declared length all at once, else as it grows.
    let expected = declared.map_or(0, |n| usize::try_from(n.min(PREALLOCATE_MAX)).unwrap_or(0));
    let mut share = Share {
        budget,
        permit: None,
        held: 0,
        over: false,
    };
    share.grow_to(expected).await;
    // Each chunk is copied out and dropped before the next is read. A chunk is a slice of
    // the connection's read buffer (hyper's, up to ~400 KiB): kept until the body was
    // whole, a body pinned one such buffer per ~400 KiB received (the connection could not
    // reuse a buffer a chunk still held), and joining them then copied the body a second
    // time. Copied out at once, the connection reads every chunk into the same buffer.
    let mut body = BytesMut::with_capacity(expected);
    let mut total: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Network)? {
        total = total.saturating_add(chunk.len() as u64);
        if total > cap {
            return Err(too_large("sent more".to_owned()));
        }
        body.extend_from_slice(&chunk);
        drop(chunk);
        share.grow_to(body.len()).await;
    }
    let body = Bytes::from_owner(Budgeted {
        body,
        _share: share.permit,
    });
    Ok(HttpResponse::new(status, headers, body))
}

/// `n` bytes for a message: whole MiB or KiB when exact, else bytes.
fn size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_whole_units_when_exact() {
        assert_eq!(size(32 << 20), "32 MiB");
        assert_eq!(size(64 << 10), "64 KiB");
        assert_eq!(size(1025), "1025 bytes");
        assert_eq!(size((1 << 20) + 1), "1048577 bytes");
    }

    fn response(body: Vec<u8>, declared: bool) -> reqwest::Response {
        let mut builder = http::Response::builder().status(200);
        if declared {
            builder = builder.header(http::header::CONTENT_LENGTH, body.len());
        }
        let response = builder.body(reqwest::Body::from(body)).unwrap();
        reqwest::Response::from(response)
    }

    fn free(budget: &Budget) -> usize {
        budget.permits.available_permits()
    }

    #[tokio::test]
    async fn a_body_holds_its_share_of_the_budget_until_its_last_bytes_drop() {
        let budget = Budget::new(64, Duration::from_secs(60));
        for declared in [true, false] {
            let body: Vec<u8> = (0..40 * 1024).map(|i| (i % 251) as u8).collect();
            let read = read_within(response(body.clone(), declared), 1 << 20, "h", &budget)
                .await
                .unwrap();
            assert_eq!(read.body, body, "declared {declared}");
            assert_eq!(free(&budget), 64 - 40, "declared {declared}");
            let slice = read.body.slice(10..20);
            drop(read);
            assert_eq!(free(&budget), 64 - 40, "a slice keeps the share");
            drop(slice);
            assert_eq!(free(&budget), 64);
        }
    }

    #[tokio::test]
    async fn a_read_waits_for_room_and_goes_on_when_a_held_body_drops() {
        let budget = Budget::new(64, Duration::from_secs(60));
        let first = read_within(response(vec![1; 48 * 1024], true), 1 << 20, "h", &budget)
            .await
            .unwrap();
        let second = read_within(response(vec![2; 32 * 1024], true), 1 << 20, "h", &budget);
        let mut second = std::pin::pin!(second);
        let waited = tokio::time::timeout(Duration::from_millis(50), &mut second).await;
        assert!(waited.is_err(), "the second body was read over the budget");
        drop(first);
        let second = second.await.unwrap();
        assert_eq!(second.body.len(), 32 * 1024);
        assert_eq!(free(&budget), 64 - 32);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_budget_delays_a_read_by_the_wait_but_never_stalls_it() {
        let budget = Budget::new(64, Duration::from_secs(2));
        let held = read_within(response(vec![1; 64 * 1024], true), 1 << 20, "h", &budget)
            .await
            .unwrap();
        let started = tokio::time::Instant::now();
        let next = read_within(response(vec![2; 100 * 1024], false), 1 << 20, "h", &budget)
            .await
            .unwrap();
        assert_eq!(next.body, vec![2; 100 * 1024]);
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(2),
            "waited once, then read"
        );
        drop(next);
        assert_eq!(free(&budget), 0, "the first body still holds the budget");
        drop(held);
        assert_eq!(free(&budget), 64);
    }

    #[tokio::test]
    async fn a_body_past_the_cap_gives_its_share_back() {
        let budget = Budget::new(64, Duration::from_secs(60));
        let err = read_within(response(vec![0; 33 * 1024], false), 32 * 1024, "h", &budget)
            .await
            .unwrap_err();
        assert!(matches!(err, ReadError::TooLarge(_)));
        assert_eq!(free(&budget), 64);
    }
}
