//! Request signing: the [`RequestSigner`] trait every provider's signer implements, and the
//! canonical forms, hashes and time formats the five algorithms share.
//!
//! Each provider's `signer.rs` holds its algorithm only; the rules these pieces encode follow
//! the clouds' official Python SDKs byte for byte (see `docs/signing.md` in the design notes).
//! Nothing here reads a clock or a random source.
//!
//! ```
//! use multicloud_core::signing::{percent_encode, query_sorted_as_sent, sha256_hex};
//!
//! assert_eq!(percent_encode("a b/ሴ".as_bytes()), "a%20b%2F%E1%88%B4");
//! assert_eq!(query_sorted_as_sent("b=2&a=1"), "a=1&b=2");
//! assert_eq!(&sha256_hex(b"")[..8], "e3b0c442");
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
    decoded_query_pairs, path_normalized_and_encoded, query_sorted_as_sent, strip_unicode,
    v4_canonical_request, v4_string_to_sign, HeaderBlock, QueryPair, Repeats, ValueRule,
};
pub use encode::{form_encode, percent_decode, percent_encode, percent_encode_path};
pub use hash::{
    derive_key, hex, hmac_sha1_hex, hmac_sha256, hmac_sha256_hex, push_hex, sha1_hex, sha256,
    sha256_hex, EMPTY_SHA256_HEX,
};
pub use key_cache::{DerivedKeyCache, DEFAULT_KEY_CACHE_CAPACITY};
pub use outgoing::{authority_from_uri, host_from_uri, Outgoing};
pub use signer::{malformed, ParsedAuthorization, RequestSigner, SigningParts};
