//! SHA-256, HMAC-SHA256 and the HMAC key chains of the V4 family, on the `sha2` and `hmac`
//! crates; SHA-1 and HMAC-SHA1 for COS.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// `hex(SHA256(""))`: the payload hash of a request with no body.
pub const EMPTY_SHA256_HEX: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Lower-case hex of `bytes` (a plain loop: the `hex` crate's iterator costs more than the
/// HMAC it follows).
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(bytes, &mut out);
    out
}

/// Appends the lower-case hex of `bytes` to `out`.
pub(super) fn push_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Into a byte buffer, then one `push_str`: pushing `char`s one by one costs more.
    for chunk in bytes.chunks(32) {
        let mut digits = [0u8; 64];
        for (pair, b) in digits.chunks_exact_mut(2).zip(chunk) {
            pair.copy_from_slice(&[DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]);
        }
        // Hex digits are ASCII: `from_utf8` never fails on them.
        out.push_str(std::str::from_utf8(&digits[..chunk.len() * 2]).unwrap_or_default());
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Lower-case hex of SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256(data))
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex of HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    hex(&hmac_sha256(key, data))
}

/// A derived signing key: `k = HMAC(prefix ‖ secret, first)`, then `k = HMAC(k, part)` for
/// each part of `rest` (AWS `AWS4…aws4_request`, Tencent `TC3…tc3_request`). Zeroed on drop.
pub fn derive_key(prefix: &str, secret: &str, first: &[u8], rest: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut seed = Zeroizing::new(Vec::with_capacity(prefix.len() + secret.len()));
    seed.extend_from_slice(prefix.as_bytes());
    seed.extend_from_slice(secret.as_bytes());
    let mut key = Zeroizing::new(hmac_sha256(&seed, first));
    for part in rest {
        *key = hmac_sha256(&key[..], part);
    }
    key
}

/// Lower-case hex of SHA-1 of `data` (COS).
pub fn sha1_hex(data: &[u8]) -> String {
    hex(&Sha1::digest(data))
}

/// Lower-case hex of HMAC-SHA1 of `data` under `key` (COS).
pub fn hmac_sha1_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_the_hex_crate_for_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(hex(&all), ::hex::encode(&all));
    }

    #[test]
    fn sha256_and_hmac_match_rfc_examples() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256_HEX);
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 2202 test case 2.
        assert_eq!(
            hmac_sha1_hex(b"Jefe", b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn derived_key_is_the_hmac_chain() {
        // The AWS documentation's example key derivation.
        let key = derive_key(
            "AWS4",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            b"20120215",
            &[b"us-east-1", b"iam", b"aws4_request"],
        );
        assert_eq!(
            hex(&key[..]),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }
}
