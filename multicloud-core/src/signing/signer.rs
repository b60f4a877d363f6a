//! [`RequestSigner`], the one trait every provider's signer implements, with the shared
//! plan → compute → apply step; [`SigningParts`] and [`ParsedAuthorization`].

use std::fmt;

use bytes::Bytes;
use http::header::{HeaderName, AUTHORIZATION};
use http::{Request, Uri};
use time::OffsetDateTime;

use super::outgoing::{host_from_uri, Outgoing};
use crate::error::{Error, Result};
use crate::model::ProviderKind;
use crate::secret::AccessKey;

/// Signs an `http::Request` with an [`AccessKey`] at a given time, as one cloud's gateway
/// checks it.
///
/// An implementation writes its algorithm only, in two steps: [`prepare`](Self::prepare)
/// plans the headers the signature covers or carries (its date, the session token, `Host`),
/// and [`compute`](Self::compute) computes the signature over the request as those edits
/// leave it. The provided methods do the rest the same way for every cloud: [`sign`](Self::sign)
/// writes the planned headers and the authorization header only after every check has
/// passed, so a failed signature leaves the request as it was.
///
/// A signer never reads a clock: the time is an argument.
///
/// ```
/// # use multicloud_core::{signing::*, AccessKey, Result};
/// # use time::OffsetDateTime;
/// /// A toy algorithm: the HMAC of the path under the secret.
/// #[derive(Debug)]
/// struct PathMac;
/// impl RequestSigner for PathMac {
///     fn prepare(&self, _: &mut Outgoing<'_>, _: &AccessKey, _: OffsetDateTime) -> Result<()> {
///         Ok(())
///     }
///     fn compute(&self, out: &Outgoing<'_>, key: &AccessKey, _: OffsetDateTime) -> Result<SigningParts> {
///         let path = out.request().uri().path().as_bytes();
///         let mac = hmac_sha256_hex(key.secret().expose().as_bytes(), path);
///         Ok(SigningParts::new(path, path, mac.clone(), String::new(), format!("MAC {mac}")))
///     }
/// }
/// let mut request = http::Request::get("https://example.com/a").body(bytes::Bytes::new())?;
/// PathMac.sign(&mut request, &AccessKey::new("AK", "secret"), OffsetDateTime::UNIX_EPOCH)?;
/// assert!(request.headers()["authorization"].to_str()?.starts_with("MAC "));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RequestSigner: fmt::Debug + Send + Sync {
    /// Plans, on `outgoing`, the headers this signer adds or replaces before computing. Not
    /// called for a received request being checked.
    fn prepare(
        &self,
        outgoing: &mut Outgoing<'_>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<()>;

    /// Computes the signature of the request as `outgoing` shows it, at `time`.
    fn compute(
        &self,
        outgoing: &Outgoing<'_>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts>;

    /// The host a request without a `Host` header is signed for (default: [`host_from_uri`],
    /// botocore's rule).
    fn uri_host(&self, uri: &Uri) -> Option<String> {
        host_from_uri(uri)
    }

    /// The cloud whose algorithm this is: every error the provided methods return is tagged
    /// with it.
    fn provider(&self) -> Option<ProviderKind> {
        None
    }

    /// The header the authorization value goes in (`Authorization` unless overridden).
    fn authorization_header(&self) -> HeaderName {
        AUTHORIZATION
    }

    /// Signs `request` at `time`: writes the headers [`prepare`](Self::prepare) planned and
    /// the authorization header. On error the request is left as it was.
    fn sign(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<()> {
        let mut outgoing = Outgoing::new(request);
        let parts = plan(self, &mut outgoing, key, time)?;
        set_authorization(self, &mut outgoing, parts.authorization)?;
        let edits = outgoing.into_edits();
        edits.apply(request);
        Ok(())
    }

    /// The stages [`sign`](Self::sign) computes, without touching `request`.
    fn signing_parts(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let mut outgoing = Outgoing::new(request);
        let parts = plan(self, &mut outgoing, key, time)?;
        // Checked as `sign` checks it, so that both fail alike.
        set_authorization(self, &mut outgoing, parts.authorization.clone())?;
        Ok(parts)
    }

    /// Recomputes the signature of a received `request` over exactly `signed_headers` (as its
    /// authorization lists them), adding nothing: how a server, or a test, checks it.
    fn signing_parts_for_headers(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        signed_headers: &[&str],
    ) -> Result<SigningParts> {
        let outgoing = Outgoing::received(request, signed_headers, self.uri_host(request.uri()));
        let parts = self.compute(&outgoing, key, time);
        parts.map_err(|e| tagged(self, e))
    }
}

/// prepare → compute.
fn plan<S: RequestSigner + ?Sized>(
    signer: &S,
    outgoing: &mut Outgoing<'_>,
    key: &AccessKey,
    time: OffsetDateTime,
) -> Result<SigningParts> {
    signer
        .prepare(outgoing, key, time)
        .and_then(|()| signer.compute(outgoing, key, time))
        .map_err(|e| tagged(signer, e))
}

/// Plans the authorization header, the last edit.
fn set_authorization<S: RequestSigner + ?Sized>(
    signer: &S,
    outgoing: &mut Outgoing<'_>,
    value: String,
) -> Result<()> {
    let what = "the authorization value (made of the AccessKey id and the signing scope)";
    let header = signer.authorization_header();
    outgoing
        .set_sensitive(header, value, what)
        .map_err(|e| tagged(signer, e))
}

fn tagged<S: RequestSigner + ?Sized>(signer: &S, error: Error) -> Error {
    match signer.provider() {
        Some(provider) => error.with_provider(provider),
        None => error,
    }
}

/// The stages of one signature, for inspection and verification.
///
/// Holds no secret, but canonical strings and the signature are never logged: `Debug` prints
/// their lengths only.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SigningParts {
    /// The canonical request (Baidu: the signed string; CTyun: the string to sign).
    pub canonical_request: String,
    /// The string the final HMAC is computed over.
    pub string_to_sign: String,
    /// The signature as the header carries it (hex; Base64 for CTyun).
    pub signature: String,
    /// The signed-header list as the header carries it (`;`-joined; empty for Baidu's default
    /// set).
    pub signed_headers: String,
    /// The whole authorization header value.
    pub authorization: String,
}

impl SigningParts {
    /// The parts from canonical bytes; bytes that are not UTF-8 (raw header values) show as
    /// U+FFFD here, while the signature covers the bytes themselves.
    pub fn new(
        canonical_request: impl Into<Vec<u8>>,
        string_to_sign: impl Into<Vec<u8>>,
        signature: String,
        signed_headers: String,
        authorization: String,
    ) -> Self {
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        };
        SigningParts {
            canonical_request: text(canonical_request.into()),
            string_to_sign: text(string_to_sign.into()),
            signature,
            signed_headers,
            authorization,
        }
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
#[non_exhaustive]
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

impl ParsedAuthorization {
    /// The fields every algorithm has; the optional ones start empty.
    pub fn new(
        algorithm: impl Into<String>,
        access_key_id: impl Into<String>,
        signed_headers: Vec<String>,
        signature: impl Into<String>,
    ) -> Self {
        ParsedAuthorization {
            algorithm: algorithm.into(),
            access_key_id: access_key_id.into(),
            signed_headers,
            signature: signature.into(),
            ..Default::default()
        }
    }

    /// Splits `ALGORITHM k1=v1, k2=v2, …` (the V4 family: AWS, Huawei, Tencent) into its
    /// parameters.
    pub fn params<'a>(value: &'a str, algorithm: &str) -> Result<Vec<(&'a str, &'a str)>> {
        let rest = value
            .strip_prefix(algorithm)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or_else(|| malformed(algorithm, "wrong algorithm"))?;
        rest.split(',')
            .map(|piece| {
                piece
                    .trim()
                    .split_once('=')
                    .ok_or_else(|| malformed(algorithm, "a parameter has no '='"))
            })
            .collect()
    }

    /// The value of parameter `name` in `params`, or a decode error naming it.
    pub fn required<'a>(
        params: &[(&'a str, &'a str)],
        name: &str,
        algorithm: &str,
    ) -> Result<&'a str> {
        params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| malformed(algorithm, &format!("no {name}")))
    }

    /// Splits a `;`-joined signed-header list (empty → no names).
    pub fn split_signed_headers(list: &str) -> Vec<String> {
        list.split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A [`Decode`](crate::ErrorKind::Decode) error for an authorization header that does not
/// parse. The header itself is not repeated: it carries a signature.
pub fn malformed(algorithm: &str, what: &str) -> Error {
    Error::decode(format!(
        "malformed {algorithm} authorization header: {what}"
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_lengths_not_values() {
        let parts = SigningParts::new(
            b"CANON",
            b"STS",
            "deadbeef".into(),
            "host".into(),
            "A deadbeef".into(),
        );
        let dbg = format!("{parts:?}");
        assert!(!dbg.contains("deadbeef") && !dbg.contains("CANON") && !dbg.contains("STS"));
        let parsed = ParsedAuthorization::new("ALG", "AK", vec![], "deadbeef");
        assert!(!format!("{parsed:?}").contains("deadbeef"));
    }

    #[test]
    fn params_read_what_the_signers_write() {
        let p = ParsedAuthorization::params("ALG A=1, B=x;y,C=z", "ALG").unwrap();
        assert_eq!(p, [("A", "1"), ("B", "x;y"), ("C", "z")]);
        assert_eq!(
            ParsedAuthorization::required(&p, "B", "ALG").unwrap(),
            "x;y"
        );
        let e = ParsedAuthorization::required(&p, "D", "ALG").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode);
        assert!(ParsedAuthorization::params("OTHER A=1", "ALG").is_err());
        assert!(ParsedAuthorization::params("ALG A", "ALG").is_err());
        assert_eq!(ParsedAuthorization::split_signed_headers("a;b"), ["a", "b"]);
        assert!(ParsedAuthorization::split_signed_headers("").is_empty());
    }
}
