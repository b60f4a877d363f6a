//! [`SyncEngine::run`]: the policy's intervals on tokio's clock.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::SyncEngine;

/// Something the scheduler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Task {
    Credentials,
    /// Sync the engine's feature at this index.
    Sync(usize),
}

/// Periodic tasks with fixed periods. Each task first runs at the start; afterwards at
/// `start + k × period`. Ticks missed while a round ran long are skipped, not replayed.
#[derive(Debug)]
pub(crate) struct Schedule {
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    task: Task,
    period: Duration,
    next: Instant,
}

impl Schedule {
    pub(crate) fn new() -> Self {
        Schedule {
            entries: Vec::new(),
        }
    }

    /// Adds `task`, first due at `start`. `period` must not be zero.
    pub(crate) fn add(&mut self, task: Task, period: Duration, start: Instant) {
        debug_assert!(!period.is_zero());
        self.entries.push(Entry {
            task,
            period,
            next: start,
        });
    }

    /// When the next task is due; `None` when nothing is scheduled.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.entries.iter().map(|e| e.next).min()
    }

    /// The tasks due at `now`, in insertion order; each moves to its first tick after `now`.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<Task> {
        let mut due = Vec::new();
        for entry in &mut self.entries {
            if entry.next <= now {
                due.push(entry.task);
                entry.advance_past(now);
            }
        }
        due
    }

    /// After `ran` finished at `now`: their ticks that fell inside the run are dropped, so a
    /// slow round is followed by the next grid point, not by an immediate catch-up run.
    /// Other tasks keep a tick that came due meanwhile (it runs once, late).
    pub(crate) fn skip_missed(&mut self, ran: &[Task], now: Instant) {
        for entry in &mut self.entries {
            if ran.contains(&entry.task) && entry.next <= now {
                entry.advance_past(now);
            }
        }
    }
}

impl Entry {
    /// Moves to the first tick of the grid `start + k × period` strictly after `now`.
    fn advance_past(&mut self, now: Instant) {
        let behind = now.duration_since(self.next).as_nanos() / self.period.as_nanos();
        let steps = u32::try_from(behind + 1).unwrap_or(u32::MAX);
        self.next += self.period.saturating_mul(steps);
    }
}

impl SyncEngine {
    /// Runs the policy's schedule until `shutdown` completes.
    ///
    /// Each scheduled feature (and the AccessKey check) runs once at the start and then
    /// every interval; features due at the same time share one round. When a round
    /// outlasts an interval, the missed ticks are skipped rather than run back to back.
    /// `shutdown` is watched during rounds too: completing it cancels the round in flight
    /// (finished jobs keep their stored snapshots) and returns promptly. The policy's
    /// intervals are read once, when `run` starts.
    ///
    /// Results arrive as [`events`](SyncEngine::events).
    pub async fn run<F>(&self, shutdown: F)
    where
        F: Future<Output = ()>,
    {
        let start = Instant::now();
        let mut schedule = Schedule::new();
        if let Some(period) = self.inner.policy.credential_check_interval() {
            schedule.add(Task::Credentials, period, start);
        }
        for (index, feature) in self.inner.features.iter().enumerate() {
            if !self.offers(feature.as_ref()) {
                continue;
            }
            if let Some(period) = self.inner.policy.interval(feature.name()) {
                schedule.add(Task::Sync(index), period, start);
            }
        }
        tokio::pin!(shutdown);
        loop {
            let Some(next) = schedule.next_due() else {
                shutdown.await;
                return;
            };
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep_until(next) => {}
            }
            let due = schedule.take_due(Instant::now());
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = self.run_due(&due) => {}
            }
            schedule.skip_missed(&due, Instant::now());
        }
    }

    async fn run_due(&self, due: &[Task]) {
        if due.contains(&Task::Credentials) {
            if let Err(e) = self.check_credentials().await {
                tracing::warn!(account = %self.account(), error = %e.report(), "AccessKey check could not run");
            }
        }
        let features: Vec<&dyn multicloud_core::Feature> = due
            .iter()
            .filter_map(|t| match t {
                Task::Sync(index) => self.inner.features.get(*index).map(|f| f.as_ref()),
                Task::Credentials => None,
            })
            .collect();
        if !features.is_empty() {
            self.sync_now(&features).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[tokio::test(start_paused = true)]
    async fn tasks_run_at_start_then_every_period() {
        let t0 = Instant::now();
        let mut s = Schedule::new();
        s.add(Task::Sync(0), HOUR, t0);
        s.add(Task::Credentials, 3 * HOUR, t0);
        assert_eq!(s.next_due(), Some(t0));
        assert_eq!(s.take_due(t0), [Task::Sync(0), Task::Credentials]);
        assert_eq!(s.next_due(), Some(t0 + HOUR));
        assert!(s.take_due(t0 + HOUR / 2).is_empty());
        assert_eq!(s.take_due(t0 + HOUR), [Task::Sync(0)]);
        assert_eq!(s.take_due(t0 + 2 * HOUR), [Task::Sync(0)]);
        assert_eq!(
            s.take_due(t0 + 3 * HOUR),
            [Task::Sync(0), Task::Credentials]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn missed_ticks_are_skipped_not_replayed() {
        let t0 = Instant::now();
        let mut s = Schedule::new();
        s.add(Task::Sync(1), HOUR, t0);
        s.take_due(t0);
        // Woken 3.5 periods late: one run, and the next is at the following grid point.
        assert_eq!(s.take_due(t0 + HOUR * 7 / 2), [Task::Sync(1)]);
        assert_eq!(s.next_due(), Some(t0 + 4 * HOUR));
        assert!(s.take_due(t0 + HOUR * 7 / 2).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_run_drops_its_own_missed_ticks_but_not_others() {
        let t0 = Instant::now();
        let host = Task::Sync(0);
        let cspm = Task::Sync(1);
        let mut s = Schedule::new();
        s.add(host, HOUR, t0);
        s.add(cspm, 2 * HOUR, t0 + HOUR / 2);
        assert_eq!(s.take_due(t0), [host]);
        // The host round ran until 1.5h: its 1h tick is dropped, CSPM's 0.5h tick is kept.
        s.skip_missed(&[host], t0 + HOUR * 3 / 2);
        assert_eq!(s.take_due(t0 + HOUR * 3 / 2), [cspm]);
        assert_eq!(s.next_due(), Some(t0 + 2 * HOUR));
        assert_eq!(s.take_due(t0 + 2 * HOUR), [host]);
    }

    #[test]
    fn an_empty_schedule_has_nothing_due() {
        assert_eq!(Schedule::new().next_due(), None);
    }
}
