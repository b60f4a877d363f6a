//! [`DerivedKeyCache`]: the V4 family's derived signing keys, kept for the day they are
//! valid. Deriving one costs four HMACs, about as much as the rest of a signature; the
//! signing bench shows the cache halves an AWS signature.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use zeroize::Zeroizing;

use crate::secret::{AccessKey, SecretString};

/// How many keys [`DerivedKeyCache::shared`] keeps: a key per (AccessKey, day, region,
/// service) in use.
const DEFAULT_KEY_CACHE_CAPACITY: usize = 256;

/// A bounded cache of derived signing keys, the oldest evicted first.
///
/// A derived key is a secret: entries are zeroed when evicted or dropped, and `Debug` shows
/// only the count. An entry matches only the same key id *and* secret, so a rotated secret
/// under the same id never reuses a stale key.
pub struct DerivedKeyCache {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
}

struct Entry {
    key_id: String,
    secret: SecretString,
    scope: String,
    derived: Zeroizing<[u8; 32]>,
}

impl DerivedKeyCache {
    /// A cache of `capacity` keys (0: derive for every request).
    pub fn new(capacity: usize) -> Self {
        DerivedKeyCache {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(64))),
        }
    }

    /// The process-wide cache signers use unless given another.
    pub fn shared() -> Arc<DerivedKeyCache> {
        static SHARED: OnceLock<Arc<DerivedKeyCache>> = OnceLock::new();
        SHARED
            .get_or_init(|| Arc::new(DerivedKeyCache::new(DEFAULT_KEY_CACHE_CAPACITY)))
            .clone()
    }

    /// The key derived for `key` and `scope` (e.g. `20150830/us-east-1/iam`), from the cache
    /// or by `derive`.
    pub fn get_or_derive(
        &self,
        key: &AccessKey,
        scope: &str,
        derive: impl FnOnce() -> Zeroizing<[u8; 32]>,
    ) -> Zeroizing<[u8; 32]> {
        let matches =
            |e: &Entry| e.scope == scope && e.key_id == key.id() && e.secret == *key.secret();
        if let Some(found) = self.lock().iter().find(|e| matches(e)) {
            return found.derived.clone();
        }
        let derived = derive();
        if self.capacity > 0 {
            let mut entries = self.lock();
            if !entries.iter().any(matches) {
                if entries.len() == self.capacity {
                    entries.pop_front();
                }
                entries.push_back(Entry {
                    key_id: key.id().to_owned(),
                    secret: key.secret().clone(),
                    scope: scope.to_owned(),
                    derived: derived.clone(),
                });
            }
        }
        derived
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        // A panic elsewhere while holding the lock leaves entries that are still whole.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for DerivedKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedKeyCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_once_per_key_and_scope_and_evicts_the_oldest() {
        let cache = DerivedKeyCache::new(2);
        let key = AccessKey::new("AK", "secret");
        let mut derivations = 0;
        for _ in 0..3 {
            let k = cache.get_or_derive(&key, "d/r/s", || {
                derivations += 1;
                Zeroizing::new([1; 32])
            });
            assert_eq!(*k, [1; 32]);
        }
        assert_eq!(derivations, 1);
        cache.get_or_derive(&key, "d/r/t", || Zeroizing::new([2; 32]));
        cache.get_or_derive(&key, "d/r/u", || Zeroizing::new([3; 32]));
        assert_eq!(cache.len(), 2);
        let again = cache.get_or_derive(&key, "d/r/s", || Zeroizing::new([9; 32]));
        assert_eq!(*again, [9; 32], "the oldest entry was evicted");
    }

    #[test]
    fn a_rotated_secret_under_the_same_id_is_derived_anew() {
        let cache = DerivedKeyCache::new(4);
        cache.get_or_derive(&AccessKey::new("AK", "old"), "s", || {
            Zeroizing::new([1; 32])
        });
        let k = cache.get_or_derive(&AccessKey::new("AK", "new"), "s", || {
            Zeroizing::new([2; 32])
        });
        assert_eq!(*k, [2; 32]);
    }

    #[test]
    fn capacity_zero_keeps_nothing_and_debug_shows_no_key() {
        let cache = DerivedKeyCache::new(0);
        cache.get_or_derive(&AccessKey::new("AK", "s"), "s", || Zeroizing::new([7; 32]));
        assert!(cache.is_empty());
        let shared = DerivedKeyCache::shared();
        shared.get_or_derive(&AccessKey::new("AK-DBG", "PLANTED"), "s", || {
            Zeroizing::new([7; 32])
        });
        let dbg = format!("{shared:?}");
        assert!(!dbg.contains("PLANTED") && !dbg.contains("AK-DBG"), "{dbg}");
    }
}
