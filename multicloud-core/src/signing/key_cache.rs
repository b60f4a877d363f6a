//! A bounded cache of date-scoped derived signing keys (AWS SigV4, Tencent TC3).
//!
//! Deriving `kSigning` costs four HMACs; a busy client signs many requests per key, region,
//! service and day, so the key is kept. A derived key is as good as the secret for its
//! scope, so it is held as [`SecretBytes`] (zeroized on drop, redacted in `Debug`), and the
//! cache is looked up by a SHA-256 fingerprint of (key id, secret, scope): the secret itself
//! is never a map key. When full, the oldest entry goes first.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::secret::{AccessKey, SecretBytes};

/// Entries kept by default: plenty for many accounts × regions × services on one day.
pub const DEFAULT_KEY_CACHE_CAPACITY: usize = 256;

type Fingerprint = [u8; 32];

/// A bounded, thread-safe cache of derived signing keys.
pub struct DerivedKeyCache {
    capacity: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct Inner {
    keys: HashMap<Fingerprint, SecretBytes, BuildFingerprintHasher>,
    order: VecDeque<Fingerprint>,
}

/// Fingerprints are SHA-256 outputs, already uniform: their first eight bytes are the hash.
#[derive(Default, Clone, Copy)]
struct BuildFingerprintHasher;

#[derive(Default)]
struct FingerprintHasher(u64);

impl std::hash::BuildHasher for BuildFingerprintHasher {
    type Hasher = FingerprintHasher;
    fn build_hasher(&self) -> FingerprintHasher {
        FingerprintHasher(0)
    }
}

impl std::hash::Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 32]` hashes as its 32 bytes (no length prefix); fold whatever comes.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }
}

/// Counters of a [`DerivedKeyCache`], for tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCacheStats {
    /// Lookups served from the cache.
    pub hits: u64,
    /// Lookups that derived the key (every lookup when the cache is disabled).
    pub misses: u64,
    /// Keys held now.
    pub entries: usize,
}

impl DerivedKeyCache {
    /// A cache holding at most `capacity` keys; `0` disables caching (every call derives).
    pub fn new(capacity: usize) -> Self {
        DerivedKeyCache {
            capacity,
            inner: Mutex::new(Inner::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The process-wide cache signers use by default, so a client that builds a signer per
    /// call still reuses keys. Scopes name their algorithm, so signers never collide.
    pub fn shared() -> Arc<DerivedKeyCache> {
        static SHARED: OnceLock<Arc<DerivedKeyCache>> = OnceLock::new();
        SHARED
            .get_or_init(|| Arc::new(DerivedKeyCache::default()))
            .clone()
    }

    /// The key for (`key`, `scope`): from the cache, or from `derive` (then cached).
    pub fn get_or_derive(
        &self,
        key: &AccessKey,
        scope: &[&[u8]],
        derive: impl FnOnce() -> Zeroizing<[u8; 32]>,
    ) -> Zeroizing<[u8; 32]> {
        if self.capacity == 0 {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return derive();
        }
        let fp = fingerprint(key, scope);
        if let Some(found) = self.lookup(&fp) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return found;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let derived = derive();
        let mut inner = self.lock();
        if !inner.keys.contains_key(&fp) {
            while inner.keys.len() >= self.capacity {
                match inner.order.pop_front() {
                    Some(old) => {
                        inner.keys.remove(&old);
                    }
                    None => break,
                }
            }
            inner.keys.insert(fp, SecretBytes::new(derived.to_vec()));
            inner.order.push_back(fp);
        }
        derived
    }

    fn lookup(&self, fp: &Fingerprint) -> Option<Zeroizing<[u8; 32]>> {
        let inner = self.lock();
        let bytes = inner.keys.get(fp)?.expose();
        <[u8; 32]>::try_from(bytes).ok().map(Zeroizing::new)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the map half-updated in a way that matters here.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hit/miss counters and the current size.
    pub fn stats(&self) -> KeyCacheStats {
        KeyCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.lock().keys.len(),
        }
    }

    /// Drops every cached key (they are zeroized).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.keys.clear();
        inner.order.clear();
    }

    /// The configured capacity (`0` = disabled).
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl Default for DerivedKeyCache {
    fn default() -> Self {
        DerivedKeyCache::new(DEFAULT_KEY_CACHE_CAPACITY)
    }
}

impl std::fmt::Debug for DerivedKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stats = self.stats();
        f.debug_struct("DerivedKeyCache")
            .field("capacity", &self.capacity)
            .field("entries", &stats.entries)
            .field("hits", &stats.hits)
            .field("misses", &stats.misses)
            .finish()
    }
}

fn fingerprint(key: &AccessKey, scope: &[&[u8]]) -> Fingerprint {
    let mut h = Sha256::new();
    h.update(b"mck1");
    // Length-prefixed parts, so ("ab", "c") and ("a", "bc") differ; u32 keeps the input (and
    // so the hashing) short for the usual two SHA-256 blocks.
    let mut part = |bytes: &[u8]| {
        h.update(u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
        h.update(bytes);
    };
    part(key.id().as_bytes());
    part(key.secret().expose().as_bytes());
    scope.iter().for_each(|s| part(s));
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive_counting(counter: &std::cell::Cell<u32>, byte: u8) -> Zeroizing<[u8; 32]> {
        counter.set(counter.get() + 1);
        Zeroizing::new([byte; 32])
    }

    #[test]
    fn second_lookup_hits_and_scopes_are_separate() {
        let cache = DerivedKeyCache::new(8);
        let key = AccessKey::new("AK", "secret");
        let n = std::cell::Cell::new(0);
        let a = cache.get_or_derive(&key, &[b"20240101", b"us-east-1"], || {
            derive_counting(&n, 1)
        });
        let b = cache.get_or_derive(&key, &[b"20240101", b"us-east-1"], || {
            derive_counting(&n, 2)
        });
        assert_eq!(*a, *b);
        assert_eq!(n.get(), 1);
        cache.get_or_derive(&key, &[b"20240102", b"us-east-1"], || {
            derive_counting(&n, 3)
        });
        assert_eq!(n.get(), 2);
        assert_eq!(
            cache.stats(),
            KeyCacheStats {
                hits: 1,
                misses: 2,
                entries: 2
            }
        );
    }

    #[test]
    fn a_rotated_secret_under_the_same_id_misses() {
        let cache = DerivedKeyCache::new(8);
        let n = std::cell::Cell::new(0);
        cache.get_or_derive(&AccessKey::new("AK", "old"), &[b"d"], || {
            derive_counting(&n, 1)
        });
        let k = cache.get_or_derive(&AccessKey::new("AK", "new"), &[b"d"], || {
            derive_counting(&n, 2)
        });
        assert_eq!(*k, [2; 32]);
        assert_eq!(n.get(), 2);
    }

    #[test]
    fn capacity_bounds_entries_and_evicts_oldest() {
        let cache = DerivedKeyCache::new(2);
        let key = AccessKey::new("AK", "s");
        let n = std::cell::Cell::new(0);
        for scope in [b"1", b"2", b"3"] {
            cache.get_or_derive(&key, &[scope], || derive_counting(&n, 0));
        }
        assert_eq!(cache.stats().entries, 2);
        cache.get_or_derive(&key, &[b"3"], || derive_counting(&n, 0));
        assert_eq!(n.get(), 3, "newest entry kept");
        cache.get_or_derive(&key, &[b"1"], || derive_counting(&n, 0));
        assert_eq!(n.get(), 4, "oldest entry evicted");
    }

    #[test]
    fn shared_cache_is_one_instance() {
        assert!(Arc::ptr_eq(
            &DerivedKeyCache::shared(),
            &DerivedKeyCache::shared()
        ));
    }

    #[test]
    fn disabled_cache_always_derives() {
        let cache = DerivedKeyCache::new(0);
        let key = AccessKey::new("AK", "s");
        let n = std::cell::Cell::new(0);
        cache.get_or_derive(&key, &[b"x"], || derive_counting(&n, 0));
        cache.get_or_derive(&key, &[b"x"], || derive_counting(&n, 0));
        assert_eq!(n.get(), 2);
        assert_eq!(cache.stats().entries, 0);
    }

    #[test]
    fn debug_shows_counts_not_keys() {
        let cache = DerivedKeyCache::new(4);
        let key = AccessKey::new("AK", "PLANTED-SECRET");
        cache.get_or_derive(&key, &[b"x"], || Zeroizing::new([0xAB; 32]));
        let dbg = format!("{cache:?}");
        assert!(!dbg.contains("PLANTED-SECRET") && !dbg.contains("ab") && !dbg.contains("171"));
        assert!(dbg.contains("entries: 1"));
    }
}
