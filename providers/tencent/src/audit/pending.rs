//! Which Kafka positions were received and acknowledged, and so which offset each partition
//! may commit: the first position not yet acknowledged, never past it.

use std::collections::{BTreeMap, HashMap};

/// The positions of one partition received since its last commit.
#[derive(Debug, Default)]
struct Partition {
    /// Offset → whether it was acknowledged (a record that is not an event counts as such).
    received: BTreeMap<i64, bool>,
    /// The offset committed last (the next one to read after a restart); `None` before any.
    committed: Option<i64>,
}

impl Partition {
    /// The offset this partition may commit: one past the last of the leading acknowledged
    /// positions, after dropping them.
    fn frontier(&mut self) -> Option<i64> {
        let mut next = None;
        while let Some(entry) = self.received.first_entry() {
            if !*entry.get() {
                break;
            }
            next = Some(*entry.key() + 1);
            entry.remove();
        }
        match (next, self.committed) {
            (Some(n), Some(c)) if n <= c => None,
            (Some(n), _) => Some(n),
            // Nothing new since the last frontier: it may not have been committed yet.
            (None, _) => None,
        }
    }
}

/// The received positions of every partition, and each event id's positions.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    partitions: BTreeMap<i32, Partition>,
    by_id: HashMap<String, Vec<(i32, i64)>>,
    /// Frontiers computed and not yet reported committed.
    uncommitted: BTreeMap<i32, i64>,
}

impl Pending {
    /// Records a received position: an event with `id`, or (`None`) a record that is not an
    /// event and needs no acknowledgement.
    pub(crate) fn received(&mut self, partition: i32, offset: i64, id: Option<&str>) {
        let part = self.partitions.entry(partition).or_default();
        if part.committed.is_some_and(|c| offset < c) {
            return;
        }
        part.received.entry(offset).or_insert(id.is_none());
        if let Some(id) = id {
            self.by_id
                .entry(id.to_owned())
                .or_default()
                .push((partition, offset));
        }
    }

    /// Marks every position of each id acknowledged.
    pub(crate) fn acknowledge<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        for id in ids {
            for (partition, offset) in self.by_id.remove(id).unwrap_or_default() {
                if let Some(acked) = self
                    .partitions
                    .get_mut(&partition)
                    .and_then(|p| p.received.get_mut(&offset))
                {
                    *acked = true;
                }
            }
        }
    }

    /// The offsets to commit now, per partition: each partition's first unacknowledged
    /// position (or one past its last), where that moved past the last commit. They stay
    /// due until [`committed`](Self::committed) reports them done.
    pub(crate) fn due(&mut self) -> Vec<(i32, i64)> {
        for (partition, part) in &mut self.partitions {
            if let Some(next) = part.frontier() {
                self.uncommitted.insert(*partition, next);
            }
        }
        self.uncommitted.iter().map(|(p, o)| (*p, *o)).collect()
    }

    /// Reports offsets committed.
    pub(crate) fn committed(&mut self, offsets: &[(i32, i64)]) {
        for (partition, offset) in offsets {
            if self.uncommitted.get(partition) == Some(offset) {
                self.uncommitted.remove(partition);
            }
            let part = self.partitions.entry(*partition).or_default();
            part.committed = Some(part.committed.map_or(*offset, |c| c.max(*offset)));
        }
    }

    /// Forgets a partition this consumer no longer owns (a rebalance gave it away): its
    /// unacknowledged events come back to whichever consumer owns it next.
    pub(crate) fn revoke(&mut self, partition: i32) {
        self.partitions.remove(&partition);
        self.uncommitted.remove(&partition);
        for positions in self.by_id.values_mut() {
            positions.retain(|(p, _)| *p != partition);
        }
        self.by_id.retain(|_, positions| !positions.is_empty());
    }

    /// How many received positions wait for an acknowledgement.
    pub(crate) fn waiting(&self) -> usize {
        self.partitions
            .values()
            .map(|p| p.received.values().filter(|acked| !**acked).count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receive(pending: &mut Pending, partition: i32, offsets: std::ops::Range<i64>) {
        for o in offsets {
            pending.received(partition, o, Some(&format!("{partition}-{o}")));
        }
    }

    #[test]
    fn commits_stop_at_the_first_unacknowledged_position() {
        let mut p = Pending::default();
        receive(&mut p, 0, 0..5);
        p.acknowledge(["0-0", "0-1", "0-3"]);
        assert_eq!(p.due(), vec![(0, 2)], "offset 2 is not acknowledged");
        p.committed(&[(0, 2)]);
        assert_eq!(p.due(), vec![]);
        p.acknowledge(["0-2"]);
        assert_eq!(p.due(), vec![(0, 4)], "2 and 3 now both acknowledged");
        assert_eq!(p.waiting(), 1);
    }

    #[test]
    fn partitions_commit_independently() {
        let mut p = Pending::default();
        receive(&mut p, 0, 10..12);
        receive(&mut p, 1, 0..2);
        p.acknowledge(["1-0", "1-1", "0-11"]);
        assert_eq!(p.due(), vec![(1, 2)]);
    }

    #[test]
    fn a_failed_commit_stays_due_until_reported() {
        let mut p = Pending::default();
        receive(&mut p, 0, 0..2);
        p.acknowledge(["0-0", "0-1"]);
        assert_eq!(p.due(), vec![(0, 2)]);
        // The commit failed: acknowledging again (the consumer retries) still commits.
        p.acknowledge(["0-0", "0-1"]);
        assert_eq!(p.due(), vec![(0, 2)]);
        p.committed(&[(0, 2)]);
        assert_eq!(p.due(), vec![]);
    }

    #[test]
    fn records_that_are_not_events_do_not_block_commits() {
        let mut p = Pending::default();
        p.received(0, 0, None);
        p.received(0, 1, Some("a"));
        p.received(0, 2, None);
        assert_eq!(p.due(), vec![(0, 1)]);
        p.acknowledge(["a"]);
        assert_eq!(p.due(), vec![(0, 3)]);
    }

    #[test]
    fn one_id_at_two_positions_is_acknowledged_at_both() {
        let mut p = Pending::default();
        p.received(0, 0, Some("dup"));
        p.received(0, 1, Some("dup"));
        p.acknowledge(["dup"]);
        assert_eq!(p.due(), vec![(0, 2)]);
    }

    #[test]
    fn a_revoked_partition_is_forgotten_and_old_positions_are_ignored() {
        let mut p = Pending::default();
        receive(&mut p, 0, 0..2);
        receive(&mut p, 1, 0..2);
        p.revoke(0);
        p.acknowledge(["0-0", "0-1", "1-0"]);
        assert_eq!(p.due(), vec![(1, 1)]);
        p.committed(&[(1, 1)]);
        p.received(1, 0, Some("1-0"));
        assert_eq!(
            p.waiting(),
            1,
            "offset 0 is below the commit and is not tracked again"
        );
        assert_eq!(p.due(), vec![]);
    }

    #[test]
    fn acknowledging_unknown_ids_is_harmless() {
        let mut p = Pending::default();
        receive(&mut p, 0, 0..1);
        p.acknowledge(["nope"]);
        assert_eq!(p.due(), vec![]);
        assert_eq!(p.waiting(), 1);
    }
}
