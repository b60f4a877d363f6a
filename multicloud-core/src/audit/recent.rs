//! A bounded memory of the event ids already handed to a handler.

use std::collections::{HashSet, VecDeque};

/// The last `capacity` event ids seen, oldest forgotten first.
///
/// Sources redeliver (a message whose visibility timeout ended, a Kafka batch after a rebalance);
/// this drops those repeats without growing without bound on a consumer that runs for months.
#[derive(Debug, Clone)]
pub struct RecentIds {
    capacity: usize,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl RecentIds {
    /// Remembers up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        RecentIds {
            capacity,
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// Records `id`; `false` when it was already among the remembered ids.
    pub fn insert(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        self.seen.insert(id.to_owned());
        self.order.push_back(id.to_owned());
        true
    }

    /// Whether `id` is remembered.
    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_is_refused_and_the_oldest_id_is_forgotten_first() {
        let mut ids = RecentIds::new(2);
        assert!(ids.insert("a"));
        assert!(!ids.insert("a"));
        assert!(ids.insert("b"));
        assert!(ids.insert("c"));
        assert_eq!(ids.len(), 2);
        assert!(!ids.contains("a"));
        assert!(ids.contains("b") && ids.contains("c"));
        assert!(ids.insert("a"), "a forgotten id is new again");
    }
}
