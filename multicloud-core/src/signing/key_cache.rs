//! A bounded cache of date-scoped derived signing keys (AWS SigV4, Tencent TC3).
//!
//! Deriving `kSigning` costs four HMACs; a busy client signs many requests per key, region,
//! service and day, so the key is kept — as its HMAC midstates ([`HmacKey`]), so a hit also
//! skips the key schedule. Those are as good as the secret for their scope: zeroized on drop,
//! redacted in `Debug`.
//!
//! Entries are found by (fingerprint of the AccessKey, scope), compared in full on every hit.
//! The fingerprint is a SHA-256 of the key id and secret, memoised in the [`AccessKey`] so it
//! is computed once per key rather than once per request; the secret itself is never part of
//! a map key. When full, the oldest entry goes first. The entry used last is kept aside and
//! checked first, compared part by part, so a run of requests with one key and scope skips
//! the map altogether.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::sha::HmacKey;
use crate::secret::AccessKey;

/// Entries kept by default: plenty for many accounts × regions × services on one day.
pub const DEFAULT_KEY_CACHE_CAPACITY: usize = 256;

/// Room for the lookup key on the stack: the 32-byte fingerprint and length-prefixed scope
/// parts. Longer scopes (none that a cloud uses) are derived every time.
const MAX_LOOKUP: usize = 192;

/// A bounded, thread-safe cache of derived signing keys.
pub struct DerivedKeyCache {
    capacity: usize,
    inner: Mutex<Inner>,
    /// The entry used last, checked first: a client signs many requests in a row with one
    /// key and scope, and this hit needs no lookup key, hash or map probe.
    recent: Mutex<Option<Recent>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The most recently used entry: the key's fingerprint, the scope parts as given
/// (length-prefixed, as in a lookup key) and the derived key.
struct Recent {
    fingerprint: Zeroizing<[u8; 32]>,
    scope: Vec<u8>,
    key: HmacKey,
}

impl Recent {
    fn matches(&self, fingerprint: &[u8; 32], scope: &[&[u8]]) -> bool {
        if *self.fingerprint != *fingerprint {
            return false;
        }
        let mut rest = &self.scope[..];
        for part in scope {
            let Some((len, tail)) = rest.split_first_chunk::<2>() else {
                return false;
            };
            let len = usize::from(u16::from_be_bytes(*len));
            if len != part.len() || tail.len() < len || tail[..len] != **part {
                return false;
            }
            rest = &tail[len..];
        }
        rest.is_empty()
    }
}

#[derive(Default)]
struct Inner {
    keys: HashMap<Box<[u8]>, HmacKey, BuildWordHasher>,
    order: VecDeque<Box<[u8]>>,
}

/// A multiply-rotate hash over 8-byte words: lookup keys start with a SHA-256 output and
/// end with short scopes, so nothing stronger is needed to spread them (equality is checked
/// in full by the map).
#[derive(Default, Clone, Copy)]
struct BuildWordHasher;

#[derive(Default)]
struct WordHasher(u64);

impl std::hash::BuildHasher for BuildWordHasher {
    type Hasher = WordHasher;
    fn build_hasher(&self) -> WordHasher {
        WordHasher(0)
    }
}

impl WordHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            self.mix(word);
        }
        for &byte in words.remainder() {
            self.mix(u64::from(byte));
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
            recent: Mutex::new(None),
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

    /// The HMAC key for (`key`, `scope`): from the cache, or from `derive` (then cached).
    pub fn get_or_derive(
        &self,
        key: &AccessKey,
        scope: &[&[u8]],
        derive: impl FnOnce() -> Zeroizing<[u8; 32]>,
    ) -> HmacKey {
        if self.capacity > 0 {
            let fingerprint = key.memo_fingerprint(fingerprint);
            let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(recent) = recent.as_ref().filter(|r| r.matches(fingerprint, scope)) {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return recent.key.clone();
            }
        }
        let mut lookup = [0u8; MAX_LOOKUP];
        let len = match self.capacity {
            0 => None,
            _ => lookup_key(key, scope, &mut lookup),
        };
        let Some(len) = len else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return HmacKey::new(&derive()[..]);
        };
        let lookup = &lookup[..len];
        if let Some(found) = self.lock().keys.get(lookup) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            let found = found.clone();
            self.remember(lookup, &found);
            return found;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let derived = HmacKey::new(&derive()[..]);
        let mut inner = self.lock();
        if !inner.keys.contains_key(lookup) {
            while inner.keys.len() >= self.capacity {
                match inner.order.pop_front() {
                    Some(old) => {
                        inner.keys.remove(&old);
                    }
                    None => break,
                }
            }
            inner.keys.insert(lookup.into(), derived.clone());
            inner.order.push_back(lookup.into());
        }
        drop(inner);
        self.remember(lookup, &derived);
        derived
    }

    /// Makes (`lookup`, `key`) the entry checked first, reusing the slot's buffer.
    fn remember(&self, lookup: &[u8], key: &HmacKey) {
        let Some((fingerprint, scope)) = lookup.split_first_chunk::<32>() else {
            return;
        };
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        match recent.as_mut() {
            Some(slot) => {
                *slot.fingerprint = *fingerprint;
                slot.scope.clear();
                slot.scope.extend_from_slice(scope);
                slot.key = key.clone();
            }
            None => {
                *recent = Some(Recent {
                    fingerprint: Zeroizing::new(*fingerprint),
                    scope: scope.to_vec(),
                    key: key.clone(),
                })
            }
        }
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
        *self.recent.lock().unwrap_or_else(|p| p.into_inner()) = None;
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

/// SHA-256 of the key id and secret, length-prefixed so ("ab", "c") and ("a", "bc") differ.
fn fingerprint(key: &AccessKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"mck2");
    for part in [key.id().as_bytes(), key.secret().expose().as_bytes()] {
        h.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// Writes the fingerprint and the length-prefixed scope parts into `out`; `None` when they
/// do not fit.
fn lookup_key(key: &AccessKey, scope: &[&[u8]], out: &mut [u8; MAX_LOOKUP]) -> Option<usize> {
    out[..32].copy_from_slice(key.memo_fingerprint(fingerprint));
    let mut len = 32;
    for part in scope {
        let prefix = u16::try_from(part.len()).ok()?.to_be_bytes();
        let end = len + 2 + part.len();
        let slot = out.get_mut(len..end)?;
        slot[..2].copy_from_slice(&prefix);
        slot[2..].copy_from_slice(part);
        len = end;
    }
    Some(len)
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
        assert_eq!(a.mac(b"x"), b.mac(b"x"));
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
    fn the_recent_slot_never_answers_for_another_key_or_scope() {
        let cache = DerivedKeyCache::new(8);
        let (k1, k2) = (AccessKey::new("AK", "one"), AccessKey::new("AK2", "two"));
        let n = std::cell::Cell::new(0);
        let expected = |byte: u8| HmacKey::new(&[byte; 32]).mac(b"x");
        // Each (key, scope) pair gets its own byte; alternating must always find its own.
        let cases: [(&AccessKey, &[&[u8]], u8); 4] = [
            (&k1, &[b"d1", b"s"], 1),
            (&k2, &[b"d1", b"s"], 2),
            (&k1, &[b"d1", b"t"], 3),
            (&k1, &[b"d1s", b""], 4),
        ];
        for round in 0..3 {
            for (key, scope, byte) in cases {
                let got = cache.get_or_derive(key, scope, || derive_counting(&n, byte));
                assert_eq!(got.mac(b"x"), expected(byte), "round {round}, case {byte}");
                let again = cache.get_or_derive(key, scope, || derive_counting(&n, 99));
                assert_eq!(again.mac(b"x"), expected(byte), "repeat of case {byte}");
            }
        }
        assert_eq!(n.get(), 4, "each pair derived once");
        cache.clear();
        let after = cache.get_or_derive(&k1, &[b"d1", b"t"], || derive_counting(&n, 5));
        assert_eq!(
            after.mac(b"x"),
            expected(5),
            "clear empties the recent slot too"
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
        assert_eq!(k.mac(b"x"), HmacKey::new(&[2; 32]).mac(b"x"));
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
    fn scope_parts_are_delimited_and_long_scopes_still_work() {
        let cache = DerivedKeyCache::new(8);
        let key = AccessKey::new("AK", "s");
        let n = std::cell::Cell::new(0);
        cache.get_or_derive(&key, &[b"ab", b"c"], || derive_counting(&n, 1));
        let k = cache.get_or_derive(&key, &[b"a", b"bc"], || derive_counting(&n, 2));
        assert_eq!(n.get(), 2);
        assert_eq!(k.mac(b"x"), HmacKey::new(&[2; 32]).mac(b"x"));
        // Too long to key on the stack: derived each time, never wrong.
        let long = [b'r'; MAX_LOOKUP];
        for _ in 0..2 {
            let k = cache.get_or_derive(&key, &[&long], || derive_counting(&n, 3));
            assert_eq!(k.mac(b"x"), HmacKey::new(&[3; 32]).mac(b"x"));
        }
        assert_eq!(n.get(), 4);
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn equal_keys_share_entries_whether_or_not_their_fingerprint_was_memoised() {
        let cache = DerivedKeyCache::new(8);
        let first = AccessKey::new("AK", "s");
        let n = std::cell::Cell::new(0);
        cache.get_or_derive(&first, &[b"d"], || derive_counting(&n, 1));
        let fresh = AccessKey::new("AK", "s");
        assert_eq!(first, fresh);
        cache.get_or_derive(&fresh, &[b"d"], || derive_counting(&n, 2));
        cache.get_or_derive(&first.clone(), &[b"d"], || derive_counting(&n, 3));
        assert_eq!(n.get(), 1);
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
        let k = cache.get_or_derive(&key, &[b"x"], || Zeroizing::new([0xAB; 32]));
        assert!(!format!("{k:?}").contains("ab"));
        let dbg = format!("{cache:?}");
        assert!(!dbg.contains("PLANTED-SECRET") && !dbg.contains("ab") && !dbg.contains("171"));
        assert!(dbg.contains("entries: 1"));
    }
}
