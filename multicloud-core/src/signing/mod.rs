//! Shared request-signing primitives: percent-encoding sets, canonical query and header
//! builders, URI normalisation, hex, HMAC-SHA256 chains and a cache for derived signing keys.
//!
//! Each provider's `signer.rs` is a short composition of these pieces; the rules they encode
//! follow the clouds' official Python SDKs (see `docs/signing.md` in the shared design
//! notes). Nothing here reads a clock or a random source.
//!
//! | module | what |
//! |---|---|
//! | [`encode`] | percent-encoding sets and decoding |
//! | [`query`] | canonical query builders, one per sort rule |
//! | [`headers`] | canonical header builders and value rules |
//! | [`trim`] | Python-compatible whitespace trimming |
//! | [`path`] | canonical URI forms |
//! | [`canonical`] | the V4-style canonical request and string to sign |
//! | [`hash`] | SHA-256, HMAC-SHA256, HMAC chains, hex |
//! | [`sha`] | streaming SHA-256 and HMAC with reusable key midstates |
//! | [`sink`] | where canonical bytes go: a buffer or a hash |
//! | [`stack`] | short lists kept on the stack |
//! | [`scan`] | whole-slice byte tests that vectorise |
//! | [`key_cache`] | the bounded derived-key cache |
//! | [`timefmt`] | timestamp forms, from a time passed in |
//! | [`request`] | reading and editing the `http::Request` being signed |
//! | [`parts`] | [`SigningParts`] and [`ParsedAuthorization`] |
//!
//! ```
//! use multicloud_core::signing::{encode::UNRESERVED, hash::sha256_hex, query};
//!
//! assert_eq!(UNRESERVED.encode("a b/ሴ".as_bytes()), "a%20b%2F%E1%88%B4");
//! let mut canonical = Vec::new();
//! query::sorted_as_sent("b=2&a=1", &mut canonical);
//! assert_eq!(canonical, b"a=1&b=2");
//! assert_eq!(&sha256_hex(b"").as_str()[..8], "e3b0c442");
//! ```

pub mod canonical;
pub mod encode;
pub mod hash;
pub mod headers;
pub mod key_cache;
pub mod parts;
pub mod path;
pub mod query;
pub mod request;
pub mod scan;
pub mod sha;
pub mod sink;
pub mod stack;
pub mod timefmt;
pub mod trim;

pub use key_cache::{DerivedKeyCache, KeyCacheStats, DEFAULT_KEY_CACHE_CAPACITY};
pub use parts::{ParsedAuthorization, SigningParts};
pub use timefmt::SigningTime;
