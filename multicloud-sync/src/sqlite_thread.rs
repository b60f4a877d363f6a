//! The SQLite connection's own thread: every call of the store is queued to it and runs
//! there in order.
//!
//! One thread instead of tokio's blocking pool because the connection serializes the work
//! anyway: with the pool, every job waiting for the connection parked a thread of its own
//! (dozens in a large round), and each of those threads grew its own allocator arena,
//! which is where a large sync's memory went. The queue is first in, first out, so work is
//! done in the order it was asked for.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use multicloud_core::{Error, ErrorKind, Result};
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::sqlite::SQLITE_BUSY_TIMEOUT;
use crate::sqlite_util::StoreError;

/// The connection and whether its last call found the database locked.
struct Conn {
    conn: Connection,
    /// Set by a busy failure, cleared by the next call on the file that succeeds: while
    /// set, calls try the lock once instead of waiting [`SQLITE_BUSY_TIMEOUT`] each.
    locked: bool,
}

type Call = Box<dyn FnOnce(&mut Conn) + Send>;

/// The handle that queues calls to the connection's thread; the thread ends, closing the
/// connection, when the last handle is dropped.
#[derive(Debug)]
pub(crate) struct ConnThread {
    calls: mpsc::Sender<Call>,
}

impl ConnThread {
    /// Moves `conn` to a new thread named after the store.
    pub(crate) fn start(conn: Connection) -> std::io::Result<Self> {
        let (calls, queue) = mpsc::channel::<Call>();
        std::thread::Builder::new()
            .name("multicloud-sqlite".into())
            .spawn(move || {
                let mut state = Conn {
                    conn,
                    locked: false,
                };
                while let Ok(call) = queue.recv() {
                    call(&mut state);
                }
            })?;
        Ok(ConnThread { calls })
    }

    /// Runs `f` on the connection's thread. `uses_file: false` is for work on temporary
    /// tables only, which can never find the file locked and so leaves the locked state
    /// as it was. A panic in `f` rolls back its open transaction (by unwinding through
    /// it) and is reported as a `Transient` error; the thread goes on.
    pub(crate) async fn call<T, F>(&self, file: &str, uses_file: bool, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> std::result::Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let call: Call = Box::new(move |state: &mut Conn| {
            let result = catch_unwind(AssertUnwindSafe(|| run(state, uses_file, f)));
            // The caller may have gone (a cancelled job): its answer is then not needed.
            let _ = reply.send(result.map_err(|_| ()));
        });
        let gone = || {
            Error::new(
                ErrorKind::Transient,
                format!("snapshot store {file}: the database thread did not finish the call"),
            )
        };
        self.calls.send(call).map_err(|_| gone())?;
        match answer.await {
            Ok(Ok(result)) => result.map_err(|e| e.into_error(file)),
            Ok(Err(())) | Err(_) => Err(gone()),
        }
    }
}

fn run<T>(
    state: &mut Conn,
    uses_file: bool,
    f: impl FnOnce(&mut Connection) -> std::result::Result<T, StoreError>,
) -> std::result::Result<T, StoreError> {
    if !uses_file {
        return f(&mut state.conn);
    }
    if state.locked {
        // Found locked last time: try once, do not queue another full wait.
        state.conn.busy_timeout(Duration::ZERO)?;
    }
    let result = f(&mut state.conn);
    let locked = matches!(&result, Err(e) if e.is_busy());
    if state.locked != locked {
        state.conn.busy_timeout(if locked {
            Duration::ZERO
        } else {
            SQLITE_BUSY_TIMEOUT
        })?;
        state.locked = locked;
    }
    result
}
