//! [`RequestSigner`], the one trait every provider's signer implements, with the shared
//! plan → compute → apply step; [`SigningParts`].

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
/// A signer never reads a clock: the time is an argument. The [module docs](super) show a
/// toy one.
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

    /// The host a request without a `Host` header is signed for (default, botocore's rule:
    /// the URI's host lower-cased, with its port unless it is the scheme's default).
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

impl SigningParts {
    /// The V4 family's parts (AWS, Huawei, Tencent), the authorization value being
    /// `ALGORITHM <credential>, SignedHeaders=<list>, Signature=<hex>`, where `credential` is
    /// joined from pieces (`Credential=`, id, `/`, scope; or `Access=`, id).
    pub fn v4(
        algorithm: &str,
        credential: &[&str],
        canonical_request: Vec<u8>,
        string_to_sign: String,
        signature: String,
        signed_headers: String,
    ) -> Self {
        let mut authorization = [algorithm, " "].concat();
        authorization.extend(credential.iter().copied());
        authorization.extend([
            ", SignedHeaders=",
            &signed_headers,
            ", Signature=",
            &signature,
        ]);
        SigningParts::new(
            canonical_request,
            string_to_sign,
            signature,
            signed_headers,
            authorization,
        )
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
    }
}
