//! What a signer computed ([`SigningParts`]) and what an `Authorization` header says
//! ([`ParsedAuthorization`]), for tests and for verifiers that recompute a signature.

use std::fmt;

use crate::error::{Error, Result};

/// The stages of one signature, for inspection and verification.
///
/// Holds no secret, but canonical strings and the signature are never logged: `Debug` prints
/// their lengths only.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SigningParts {
    /// The canonical request (Baidu: the signed string; CTyun: the string to sign).
    pub canonical_request: String,
    /// The string the final HMAC is computed over.
    pub string_to_sign: String,
    /// The signature as the header carries it (hex; Base64 for CTyun).
    pub signature: String,
    /// The signed-header list as the header carries it (`;`-joined; empty for Baidu's
    /// default set).
    pub signed_headers: String,
    /// The whole authorization header value.
    pub authorization: String,
}

impl SigningParts {
    /// Builds the parts from canonical bytes; bytes that are not UTF-8 (raw header values)
    /// are shown as U+FFFD here, while the signature covers the bytes themselves.
    pub fn from_bytes(
        canonical_request: &[u8],
        string_to_sign: &[u8],
        signature: String,
        signed_headers: String,
        authorization: String,
    ) -> Self {
        SigningParts {
            canonical_request: text(canonical_request),
            string_to_sign: text(string_to_sign),
            signature,
            signed_headers,
            authorization,
        }
    }
}

/// The signature of an authorization value that ends in its 64 hex digits (the V4 family,
/// Baidu), as text.
pub fn hex_signature_at_end(authorization: &[u8]) -> String {
    text(&authorization[authorization.len().saturating_sub(64)..])
}

fn text(bytes: &[u8]) -> String {
    // The fast (vectorised) check first; the lossy walk only for raw non-UTF-8 values.
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

impl fmt::Debug for SigningParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParts")
            .field("canonical_request_len", &self.canonical_request.len())
            .field("string_to_sign_len", &self.string_to_sign.len())
            .field("signature_len", &self.signature.len())
            .field("signed_headers", &self.signed_headers)
            .field("authorization_len", &self.authorization.len())
            .finish()
    }
}

/// The fields of an authorization header, as each algorithm carries them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ParsedAuthorization {
    /// `AWS4-HMAC-SHA256`, `SDK-HMAC-SHA256`, `TC3-HMAC-SHA256`, `bce-auth-v1` or `EOP`.
    pub algorithm: String,
    /// The AccessKey id.
    pub access_key_id: String,
    /// The signed header names, in header order (lower-case as sent).
    pub signed_headers: Vec<String>,
    /// The signature (hex; Base64 for CTyun).
    pub signature: String,
    /// The credential scope (AWS `20150830/us-east-1/iam/aws4_request`, Tencent
    /// `2019-02-25/cvm/tc3_request`).
    pub scope: Option<String>,
    /// The date the scope names (AWS `20150830`, Tencent `2019-02-25`) or Baidu's timestamp.
    pub date: Option<String>,
    /// The region of an AWS scope.
    pub region: Option<String>,
    /// The service of an AWS or Tencent scope.
    pub service: Option<String>,
    /// Baidu's expiration in seconds.
    pub expiration_seconds: Option<u32>,
}

impl fmt::Debug for ParsedAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedAuthorization")
            .field("algorithm", &self.algorithm)
            .field("access_key_id", &self.access_key_id)
            .field("signed_headers", &self.signed_headers)
            .field("signature_len", &self.signature.len())
            .field("scope", &self.scope)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("expiration_seconds", &self.expiration_seconds)
            .finish()
    }
}

/// A [`ErrorKind::Decode`](crate::ErrorKind::Decode) error for an authorization header that
/// does not parse. The header itself is not repeated: it carries a signature.
pub fn malformed_authorization(algorithm: &str, what: &str) -> Error {
    Error::decode(format!(
        "malformed {algorithm} authorization header: {what}"
    ))
}

/// Splits `ALGORITHM k1=v1, k2=v2, …` (AWS, Huawei, Tencent) into its parameters.
pub fn v4_params<'a>(value: &'a str, algorithm: &str) -> Result<Vec<(&'a str, &'a str)>> {
    let rest = value
        .strip_prefix(algorithm)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| malformed_authorization(algorithm, "wrong algorithm"))?;
    rest.split(',')
        .map(|piece| {
            piece
                .trim()
                .split_once('=')
                .ok_or_else(|| malformed_authorization(algorithm, "a parameter has no '='"))
        })
        .collect()
}

/// The value of parameter `name` in `params`, or a decode error naming it.
pub fn required<'a>(params: &[(&'a str, &'a str)], name: &str, algorithm: &str) -> Result<&'a str> {
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| malformed_authorization(algorithm, &format!("no {name}")))
}

/// Splits a `;`-joined signed-header list (empty → no names).
pub fn split_signed_headers(list: &str) -> Vec<String> {
    list.split(';')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_lengths_not_values() {
        let parts = SigningParts {
            canonical_request: "CANON".into(),
            string_to_sign: "STS".into(),
            signature: "deadbeef".into(),
            signed_headers: "host".into(),
            authorization: "AUTH deadbeef".into(),
        };
        let dbg = format!("{parts:?}");
        assert!(!dbg.contains("deadbeef") && !dbg.contains("CANON") && !dbg.contains("STS"));
        let parsed = ParsedAuthorization {
            signature: "deadbeef".into(),
            ..Default::default()
        };
        assert!(!format!("{parsed:?}").contains("deadbeef"));
    }

    #[test]
    fn v4_params_read_what_the_signers_write() {
        let aws = "ALG Credential=AK/d/r/s/x, SignedHeaders=a;b, Signature=sig";
        let p = v4_params(aws, "ALG").unwrap();
        assert_eq!(required(&p, "Credential", "ALG").unwrap(), "AK/d/r/s/x");
        assert_eq!(required(&p, "Signature", "ALG").unwrap(), "sig");
        let huawei = v4_params("ALG Access=AK, SignedHeaders=h, Signature=s", "ALG").unwrap();
        assert_eq!(required(&huawei, "Access", "ALG").unwrap(), "AK");
    }

    #[test]
    fn v4_params_split_and_errors() {
        let p = v4_params("ALG A=1, B=x;y,C=z", "ALG").unwrap();
        assert_eq!(p, [("A", "1"), ("B", "x;y"), ("C", "z")]);
        assert_eq!(required(&p, "B", "ALG").unwrap(), "x;y");
        let e = required(&p, "D", "ALG").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode);
        assert!(v4_params("OTHER A=1", "ALG").is_err());
        assert!(v4_params("ALG A", "ALG").is_err());
        assert_eq!(split_signed_headers("a;b"), ["a", "b"]);
        assert!(split_signed_headers("").is_empty());
    }
}
