//! # multicloud-benches
//!
//! Fixtures for the signing benchmark (`signing.rs` beside this file): one typical
//! list-hosts request per cloud, the same AWS request signed by the official `aws-sigv4`
//! crate, and each algorithm's *floor* — only the SHA-256/HMAC work its signature needs for
//! that request, on inputs prepared in advance.
//!
//! Run with `cargo bench -p multicloud-benches --bench signing`; the bench prints the
//! nanoseconds per signature and the ratios (ours vs `aws-sigv4`, ours vs floor) at the end.
//!
//! ```
//! use multicloud_benches::{aws_sigv4_sign, fixture_key, requests, TIME};
//! use multicloud_aws::SigV4Signer;
//! use multicloud_core::signing::RequestSigner;
//!
//! let mut ours = requests::aws_describe_instances();
//! SigV4Signer::new("us-east-1", "ec2").sign(&mut ours, &fixture_key(), TIME)?;
//! let mut official = requests::aws_describe_instances();
//! aws_sigv4_sign(&mut official, &fixture_key(), TIME, "us-east-1", "ec2")?;
//! assert_eq!(ours.headers()["authorization"], official.headers()["authorization"]);
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Request;
use multicloud_core::signing::{derive_key, hmac_sha256, sha256};
use multicloud_core::AccessKey;
use time::macros::datetime;
use time::OffsetDateTime;

pub mod requests;

/// The signing time of every fixture.
pub const TIME: OffsetDateTime = datetime!(2024-05-01 08:30:00 UTC);

/// The AccessKey every fixture is signed with.
pub fn fixture_key() -> AccessKey {
    AccessKey::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
}

/// Signs `request` with the official `aws-sigv4` crate (default settings: double URI
/// encoding, normalised path, signature in headers) and applies the result to it.
pub fn aws_sigv4_sign(
    request: &mut Request<Bytes>,
    key: &AccessKey,
    time: OffsetDateTime,
    region: &str,
    service: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_smithy_runtime_api::client::identity::Identity;

    let identity: Identity = aws_credential_types::Credentials::new(
        key.id(),
        key.secret().expose(),
        key.session_token().map(|t| t.expose().to_owned()),
        None,
        "multicloud-benches",
    )
    .into();
    let seconds = u64::try_from(time.unix_timestamp())?;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
        .settings(SigningSettings::default())
        .build()?
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(&str, &str)> = request
        .headers()
        .iter()
        .map(|(n, v)| Ok((n.as_str(), v.to_str()?)))
        .collect::<Result<_, http::header::ToStrError>>()?;
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body()),
    )?;
    let (instructions, _signature) = sign(signable, &params)?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

/// The hashing work one algorithm must do for one request, on inputs prepared in advance
/// from that request's real canonical forms. Running it is the floor a signer is held to.
#[derive(Clone)]
pub enum Floor {
    /// `SHA256(body)`, `SHA256(canonical request)`, `HMAC(cached kSigning, string to sign)`:
    /// AWS SigV4 and Tencent TC3 with a warm derived-key cache.
    ScopedKey {
        /// The request body.
        body: Vec<u8>,
        /// The canonical request.
        canonical: Vec<u8>,
        /// The string to sign.
        string_to_sign: Vec<u8>,
        /// The derived signing key.
        key: [u8; 32],
    },
    /// AWS SigV4 without a cache: the same plus the four-HMAC key derivation.
    ScopedKeyUncached {
        /// The request body.
        body: Vec<u8>,
        /// The canonical request.
        canonical: Vec<u8>,
        /// The string to sign.
        string_to_sign: Vec<u8>,
        /// The secret key.
        secret: String,
        /// `date`, `region`, `service`.
        scope: [String; 3],
    },
    /// Huawei: `SHA256(canonical request)` and `HMAC(SK, string to sign)` (an empty body
    /// hashes to a constant).
    PlainKey {
        /// The canonical request.
        canonical: Vec<u8>,
        /// The string to sign.
        string_to_sign: Vec<u8>,
        /// The secret key.
        secret: Vec<u8>,
    },
    /// Baidu: `hex(HMAC(SK, prefix))`, then `HMAC(that hex, canonical request)`.
    HexKey {
        /// The auth-string prefix.
        prefix: Vec<u8>,
        /// The canonical request.
        canonical: Vec<u8>,
        /// The secret key.
        secret: Vec<u8>,
    },
    /// CTyun: `SHA256(body)`, the three-HMAC key chain, `HMAC(kDate, string to sign)`.
    EopChain {
        /// The request body.
        body: Vec<u8>,
        /// The string to sign.
        string_to_sign: Vec<u8>,
        /// The secret key.
        secret: Vec<u8>,
        /// The AccessKey id.
        key_id: Vec<u8>,
        /// `Eop-date`.
        eop_date: Vec<u8>,
    },
}

impl std::fmt::Debug for Floor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Floor::ScopedKey { .. } => "ScopedKey",
            Floor::ScopedKeyUncached { .. } => "ScopedKeyUncached",
            Floor::PlainKey { .. } => "PlainKey",
            Floor::HexKey { .. } => "HexKey",
            Floor::EopChain { .. } => "EopChain",
        };
        write!(f, "Floor::{name}")
    }
}

impl Floor {
    /// Does the hashing; returns the final MAC so the work cannot be optimised away.
    pub fn run(&self) -> [u8; 32] {
        match self {
            Floor::ScopedKey {
                body,
                canonical,
                string_to_sign,
                key,
            } => {
                std::hint::black_box(sha256(body));
                std::hint::black_box(sha256(canonical));
                hmac_sha256(key, string_to_sign)
            }
            Floor::ScopedKeyUncached {
                body,
                canonical,
                string_to_sign,
                secret,
                scope,
            } => {
                std::hint::black_box(sha256(body));
                std::hint::black_box(sha256(canonical));
                let key = derive_key(
                    "AWS4",
                    secret,
                    scope[0].as_bytes(),
                    &[scope[1].as_bytes(), scope[2].as_bytes(), b"aws4_request"],
                );
                hmac_sha256(&key[..], string_to_sign)
            }
            Floor::PlainKey {
                canonical,
                string_to_sign,
                secret,
            } => {
                std::hint::black_box(sha256(canonical));
                hmac_sha256(secret, string_to_sign)
            }
            Floor::HexKey {
                prefix,
                canonical,
                secret,
            } => {
                let hex_key = hex::encode(hmac_sha256(secret, prefix));
                hmac_sha256(hex_key.as_bytes(), canonical)
            }
            Floor::EopChain {
                body,
                string_to_sign,
                secret,
                key_id,
                eop_date,
            } => {
                std::hint::black_box(sha256(body));
                let k_date = hmac_sha256(
                    &hmac_sha256(&hmac_sha256(secret, eop_date), key_id),
                    &eop_date[..8],
                );
                hmac_sha256(&k_date, string_to_sign)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_aws::SigV4Signer;
    use multicloud_core::signing::RequestSigner;

    #[test]
    fn the_official_crate_and_ours_agree_on_the_bench_request() {
        for key in [
            fixture_key(),
            fixture_key().with_session_token("session/token+=="),
        ] {
            let mut ours = requests::aws_describe_instances();
            SigV4Signer::new("us-east-1", "ec2")
                .sign(&mut ours, &key, TIME)
                .unwrap();
            let mut official = requests::aws_describe_instances();
            aws_sigv4_sign(&mut official, &key, TIME, "us-east-1", "ec2").unwrap();
            assert_eq!(
                ours.headers()["authorization"],
                official.headers()["authorization"]
            );
        }
    }

    #[test]
    fn the_official_crate_and_ours_agree_on_paths_queries_and_header_values() {
        let mut base = requests::aws_describe_instances();
        *base.uri_mut() =
            "https://ec2.us-east-1.amazonaws.com/a%20b/./c//d?b=2&a=1&a=0&%E1%88%B4=x"
                .parse()
                .unwrap();
        base.headers_mut()
            .insert("x-spaced", "  one   two  ".parse().unwrap());
        base.headers_mut().append("x-multi", "1".parse().unwrap());
        base.headers_mut().append("x-multi", " 2 ".parse().unwrap());
        let mut ours = base.clone();
        SigV4Signer::new("eu-west-1", "ec2")
            .sign(&mut ours, &fixture_key(), TIME)
            .unwrap();
        let mut official = base;
        aws_sigv4_sign(&mut official, &fixture_key(), TIME, "eu-west-1", "ec2").unwrap();
        assert_eq!(
            ours.headers()["authorization"],
            official.headers()["authorization"]
        );
    }

    #[test]
    fn every_floor_runs_and_depends_on_its_inputs() {
        let floors = requests::floors();
        assert_eq!(floors.len(), 6);
        for (name, floor) in &floors {
            assert_eq!(floor.run(), floor.run(), "{name} is deterministic");
        }
        // The AWS floor MAC is the signature our signer writes.
        let (_, aws) = &floors[0];
        let parts = SigV4Signer::new("us-east-1", "ec2")
            .signing_parts(&requests::aws_describe_instances(), &fixture_key(), TIME)
            .unwrap();
        assert_eq!(hex::encode(aws.run()), parts.signature);
    }
}
