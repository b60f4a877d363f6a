//! Request signing: the [`RequestSigner`] trait every provider's signer implements, and the
//! canonical forms, hashes and time formats the five algorithms share.
//!
//! Each provider's `signer.rs` holds its algorithm only; the rules these pieces encode follow
//! the clouds' official Python SDKs byte for byte (see `docs/signing.md` in the design notes).
//! Nothing here reads a clock or a random source.
//!
//! ```
//! use multicloud_core::signing::{percent_encode, sha256_hex, SigningTime};
//!
//! assert_eq!(percent_encode("a b/ሴ".as_bytes()), "a%20b%2F%E1%88%B4");
//! let time = SigningTime::new(time::macros::datetime!(2015-08-30 12:36:00 UTC))?;
//! assert_eq!(time.compact(), "20150830T123600Z");
//! assert_eq!(&sha256_hex(b"")[..8], "e3b0c442");
//! # Ok::<(), multicloud_core::Error>(())
//! ```

mod canonical;
mod encode;
mod hash;
mod key_cache;
mod outgoing;
mod signer;
mod time;

pub use self::time::SigningTime;
pub use canonical::{
    decoded_query_pairs, strip_unicode, v4_canonical_request, v4_string_to_sign, HeaderBlock,
    QueryPair, Repeats, ValueRule,
};
pub use encode::{percent_decode, percent_encode, percent_encode_path, push_percent_encoded};
pub use hash::{
    derive_key, hex, hmac_sha1_hex, hmac_sha256, hmac_sha256_hex, sha1_hex, sha256, sha256_hex,
    EMPTY_SHA256_HEX,
};
pub use key_cache::DerivedKeyCache;
pub use outgoing::{authority_from_uri, Outgoing};
pub use signer::{RequestSigner, SigningParts};
