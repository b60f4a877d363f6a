//! TC3-HMAC-SHA256 verification as the API 3.0 gateway does it: a parsable Authorization
//! header, `X-TC-Timestamp` within 5 minutes of the server clock, a known and enabled
//! SecretId of the right site, the signature recomputed over the received request, and a
//! CAM grant for the action.

use multicloud_core::signing::RequestSigner;
use multicloud_tencent::Tc3Signer;
use time::OffsetDateTime;

use crate::authorization;
use crate::keys::SimKey;
use crate::sim::{SimContext, SimRequest};

use super::errors::{self, TcError};
use super::route::Route;

/// The most `X-TC-Timestamp` may differ from the server clock, in seconds.
pub(crate) const MAX_SKEW_SECS: i64 = 300;

/// The signed time (`X-TC-Timestamp`, unix seconds).
pub(crate) fn signed_time(req: &SimRequest) -> Option<i64> {
    req.header("x-tc-timestamp")?.trim().parse().ok()
}

fn same(a: &str, b: &str) -> bool {
    // Constant-time over equal lengths.
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Authenticates and authorizes a request for `endpoint` (`cvm:DescribeInstances`).
pub(crate) fn authenticate(
    req: &SimRequest,
    ctx: &SimContext<'_>,
    route: &Route,
    endpoint: &str,
) -> Result<SimKey, TcError> {
    let header = req
        .header("authorization")
        .ok_or_else(errors::invalid_authorization)?;
    let parsed = authorization::tencent(header).map_err(|_| errors::invalid_authorization())?;
    let ts = signed_time(req).ok_or_else(|| errors::missing("X-TC-Timestamp"))?;
    let now = ctx.now.unix_timestamp();
    if (now - ts).abs() > MAX_SKEW_SECS {
        return Err(errors::signature_expire(ts, now));
    }
    let key = ctx
        .keys
        .get(&parsed.access_key_id)
        .filter(|k| k.is_active())
        .filter(|k| route.host_domain.is_none_or(|d| d == k.domain))
        .ok_or_else(errors::secret_id_not_found)?;
    let scope_service = parsed.service.clone().unwrap_or_default();
    if scope_service != route.service {
        return Err(errors::signature_failure());
    }
    let time = OffsetDateTime::from_unix_timestamp(ts).map_err(|_| errors::signature_failure())?;
    let unsigned = req
        .header("x-tc-content-sha256")
        .is_some_and(|v| v == "UNSIGNED-PAYLOAD");
    let signer = Tc3Signer::new(scope_service).with_unsigned_payload(unsigned);
    let http = req.to_http();
    let access = key.access_key();
    let names: Vec<&str> = parsed.signed_headers.iter().map(String::as_str).collect();
    // The SDKs sign `content-type;host` with values as sent; other clients may follow the
    // documented rule (trimmed, lower-cased) over a longer list. Either is accepted.
    let as_sdk = (names == ["content-type", "host"])
        .then(|| signer.signing_parts(&http, &access, time).ok())
        .flatten()
        .is_some_and(|p| same(&p.signature, &parsed.signature));
    let as_doc = || {
        signer
            .signing_parts_for_headers(&http, &access, time, &names)
            .is_ok_and(|p| same(&p.signature, &parsed.signature))
    };
    if !as_sdk && !as_doc() {
        return Err(errors::signature_failure());
    }
    if !key.permissions.allows(endpoint) {
        return Err(errors::unauthorized(
            endpoint,
            &key.account_id,
            &key.user_id,
        ));
    }
    Ok(key)
}
