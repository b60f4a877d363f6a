use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use futures::future::BoxFuture;
use time::macros::datetime;

use super::*;
use crate::error::{ErrorKind, Result};

/// A source that replays scripted answers, then returns empty batches; records what was
/// acknowledged.
#[derive(Debug, Default)]
struct Scripted {
    answers: Mutex<VecDeque<Result<Vec<AuditEvent>>>>,
    acked: Mutex<Vec<String>>,
    receives: Mutex<u32>,
}

impl Scripted {
    fn new(answers: Vec<Result<Vec<AuditEvent>>>) -> Self {
        Scripted {
            answers: Mutex::new(answers.into()),
            ..Scripted::default()
        }
    }

    fn acked(&self) -> Vec<String> {
        self.acked.lock().unwrap().clone()
    }
}

#[async_trait]
impl AuditLogSource for Scripted {
    async fn receive(&self) -> Result<Vec<AuditEvent>> {
        *self.receives.lock().unwrap() += 1;
        let next = self.answers.lock().unwrap().pop_front();
        next.unwrap_or_else(|| Ok(Vec::new()))
    }

    async fn acknowledge(&self, events: &[AuditEvent]) -> Result<()> {
        let mut acked = self.acked.lock().unwrap();
        acked.extend(events.iter().map(|e| e.id.clone()));
        Ok(())
    }
}

/// Returns at once and records every delay asked for.
#[derive(Debug, Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

impl Sleeper for RecordingSleeper {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(delay);
        Box::pin(async {})
    }
}

fn event(id: &str, minute: u8) -> AuditEvent {
    let time = datetime!(2026-12-06 10:00 UTC) + Duration::from_secs(60 * u64::from(minute));
    AuditEvent::new(id, time, "RunInstances")
}

fn ids(events: &[AuditEvent]) -> Vec<String> {
    events.iter().map(|e| e.id.clone()).collect()
}

#[tokio::test]
async fn each_event_reaches_the_handler_once_and_everything_handled_is_acknowledged() {
    let source = Scripted::new(vec![
        Ok(vec![event("a", 0), event("b", 1)]),
        // A redelivery of `b` (its visibility timeout ended) with a new event.
        Ok(vec![event("b", 1), event("c", 2)]),
    ]);
    let mut seen = Vec::new();
    let summary = AuditConsumer::new(&source)
        .with_max_events(3)
        .run(
            |e: AuditEvent| {
                seen.push(e.id);
                async { Ok::<(), std::io::Error>(()) }
            },
            std::future::pending(),
        )
        .await
        .unwrap();
    assert_eq!(seen, ["a", "b", "c"]);
    assert_eq!(summary.delivered, 3);
    assert_eq!(summary.duplicates, 1);
    assert_eq!(source.acked(), ["a", "b", "b", "c"]);
}

#[tokio::test]
async fn a_refused_event_and_the_rest_of_its_batch_stay_unacknowledged() {
    let source = Scripted::new(vec![Ok(vec![event("a", 0), event("b", 1), event("c", 2)])]);
    let err = AuditConsumer::new(&source)
        .run(
            |e: AuditEvent| async move {
                if e.id == "b" {
                    Err(std::io::Error::other("disk full"))
                } else {
                    Ok(())
                }
            },
            std::future::pending(),
        )
        .await
        .unwrap_err();
    match &err {
        ConsumeError::Handler { event_id, .. } => assert_eq!(event_id, "b"),
        other => panic!("expected a handler error, got {other:?}"),
    }
    assert!(err.to_string().contains("disk full"), "{err}");
    assert_eq!(source.acked(), ["a"]);
}

#[tokio::test]
async fn throttling_is_waited_out_with_growing_backoff_and_a_refusal_stops_at_once() {
    let throttled = || Err(Error::new(ErrorKind::Throttled, "slow down"));
    let source = Scripted::new(vec![
        throttled(),
        throttled(),
        throttled(),
        Ok(vec![event("a", 0)]),
        Err(Error::new(
            ErrorKind::NotFound,
            "queue audit-q does not exist",
        )),
    ]);
    let sleeper = Arc::new(RecordingSleeper::default());
    let err = AuditConsumer::new(&source)
        .with_retry_backoff(Duration::from_secs(1), Duration::from_secs(60))
        .with_sleeper(sleeper.clone())
        .run(
            |_| async { Ok::<(), std::io::Error>(()) },
            std::future::pending(),
        )
        .await
        .unwrap_err();
    match err {
        ConsumeError::Source(e) => assert_eq!(e.kind(), ErrorKind::NotFound),
        other => panic!("expected the source's error, got {other:?}"),
    }
    let delays = sleeper.0.lock().unwrap().clone();
    assert_eq!(
        delays.len(),
        3,
        "one wait per throttled receive: {delays:?}"
    );
    // Equal jitter: delay n lies in [2^n/2, 2^n] seconds.
    for (n, delay) in delays.iter().enumerate() {
        let ceiling = Duration::from_secs(1 << n);
        assert!(*delay >= ceiling / 2 && *delay <= ceiling, "{n}: {delay:?}");
    }
    assert_eq!(
        *source.receives.lock().unwrap(),
        5,
        "no receive after the refusal"
    );
    assert_eq!(source.acked(), ["a"]);
}

#[tokio::test]
async fn an_empty_batch_that_came_back_at_once_is_followed_by_a_pause() {
    let source = Scripted::new(vec![Ok(Vec::new()), Ok(vec![event("a", 0)])]);
    let sleeper = Arc::new(RecordingSleeper::default());
    let summary = AuditConsumer::new(&source)
        .with_max_events(1)
        .with_idle_pause(Duration::from_millis(500))
        .with_sleeper(sleeper.clone())
        .run(
            |_| async { Ok::<(), std::io::Error>(()) },
            std::future::pending(),
        )
        .await
        .unwrap();
    assert_eq!(summary.batches, 2);
    let delays = sleeper.0.lock().unwrap().clone();
    assert_eq!(delays.len(), 1);
    assert!(delays[0] > Duration::from_millis(400), "{delays:?}");
}

#[tokio::test]
async fn events_before_since_are_acknowledged_but_not_handed_over() {
    let source = Scripted::new(vec![Ok(vec![event("old", 0), event("new", 30)])]);
    let mut seen = Vec::new();
    let summary = AuditConsumer::new(&source)
        .with_since(datetime!(2026-12-06 10:15 UTC))
        .with_max_events(1)
        .run(
            |e: AuditEvent| {
                seen.push(e.id);
                async { Ok::<(), std::io::Error>(()) }
            },
            std::future::pending(),
        )
        .await
        .unwrap();
    assert_eq!(seen, ["new"]);
    assert_eq!(summary.skipped, 1);
    assert_eq!(source.acked(), ["old", "new"]);
}

#[tokio::test]
async fn the_event_limit_leaves_the_rest_of_the_batch_for_the_next_run() {
    let batch = vec![event("a", 0), event("b", 1), event("c", 2)];
    let source = Scripted::new(vec![Ok(batch.clone())]);
    let summary = AuditConsumer::new(&source)
        .with_max_events(2)
        .run(
            |_| async { Ok::<(), std::io::Error>(()) },
            std::future::pending(),
        )
        .await
        .unwrap();
    assert_eq!(summary.delivered, 2);
    assert_eq!(source.acked(), ids(&batch[..2]));
}

#[tokio::test]
async fn the_stop_signal_ends_a_run_waiting_on_an_idle_source() {
    let source = Scripted::new(Vec::new());
    let summary = AuditConsumer::new(&source)
        .with_idle_pause(Duration::from_millis(5))
        .run(
            |_| async { Ok::<(), std::io::Error>(()) },
            tokio::time::sleep(Duration::from_millis(50)),
        )
        .await
        .unwrap();
    assert_eq!(summary.delivered, 0);
    assert!(summary.batches >= 1);
}
