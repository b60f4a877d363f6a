//! Request signing: the [`RequestSigner`] trait every provider's signer implements, and the
//! canonical forms, hashes and time formats the five algorithms share.
//!
//! Each provider's `signer.rs` holds its algorithm only; the rules these pieces encode follow
//! the clouds' official Python SDKs byte for byte (see `docs/signing.md` in the design notes).
//! Nothing here reads a clock or a random source.
//!
//! A toy signer, to show the shape (each provider's `signer.rs` is a real one):
//!
//! ```
//! # use multicloud_core::{signing::*, AccessKey, Result};
//! # use time::OffsetDateTime;
//! /// A toy algorithm: the HMAC of the path under the secret.
//! #[derive(Debug)]
//! struct PathMac;
//! impl RequestSigner for PathMac {
//!     fn prepare(&self, _: &mut Outgoing<'_>, _: &AccessKey, _: OffsetDateTime) -> Result<()> {
//!         Ok(())
//!     }
//!     fn compute(&self, out: &Outgoing<'_>, key: &AccessKey, _: OffsetDateTime) -> Result<SigningParts> {
//!         let path = out.request().uri().path().as_bytes();
//!         let mac = hmac_sha256_hex(key.secret().expose().as_bytes(), path);
//!         Ok(SigningParts::new(path, path, mac.clone(), String::new(), format!("MAC {mac}")))
//!     }
//! }
//! let mut request = http::Request::get("https://example.com/a").body(bytes::Bytes::new())?;
//! PathMac.sign(&mut request, &AccessKey::new("AK", "secret"), OffsetDateTime::UNIX_EPOCH)?;
//! assert!(request.headers()["authorization"].to_str()?.starts_with("MAC "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
