//! `bce-auth-v1` verification.
//!
//! The auth string carries the AK, the signing timestamp, the validity period and the signed
//! header names (empty = BCE's default set). The signature is recomputed with [`BceSigner`]
//! over the received request at the auth-string timestamp, with the same period and header
//! list. A request is expired once `timestamp + expirationSeconds` has passed; a timestamp
//! more than 15 minutes ahead of the server is refused the same way.

use multicloud_baidu::BceSigner;
use multicloud_core::signing::RequestSigner;
use multicloud_core::AccessKey;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::errors;
use crate::authorization;
use crate::keys::SimKey;
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// How far ahead of the server a signing timestamp may be.
pub(crate) const MAX_FUTURE_SKEW: Duration = Duration::minutes(15);

fn signature_matches(
    req: &SimRequest,
    key: &SimKey,
    at: OffsetDateTime,
    expiration: u32,
    signed: &[String],
    sent: &str,
) -> bool {
    let access = AccessKey::new(key.id.clone(), key.secret.expose().to_string());
    let names: Vec<&str> = signed.iter().map(String::as_str).collect();
    BceSigner::new()
        .with_expiration_seconds(expiration)
        .signing_parts_for_headers(&req.to_http(), &access, at, &names)
        .map(|p| p.signature.eq_ignore_ascii_case(sent))
        .unwrap_or(false)
}

/// Authenticates a BCE request and checks the key's permissions for `ctx.endpoint`.
pub(crate) fn authenticate(
    req: &SimRequest,
    ctx: &SimContext<'_>,
) -> Result<AuthedKey, SimResponse> {
    let rid = ctx.request_id;
    let header = req
        .header("authorization")
        .ok_or_else(|| errors::invalid_auth_header(rid))?;
    let parsed = authorization::baidu(header).map_err(|_| errors::invalid_auth_header(rid))?;
    let key = ctx
        .keys
        .get(&parsed.access_key_id)
        .ok_or_else(|| errors::invalid_access_key(rid))?;
    let at = parsed
        .date
        .as_deref()
        .and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok())
        .ok_or_else(|| errors::invalid_auth_header(rid))?;
    let expiration = parsed.expiration_seconds.unwrap_or(1800);
    if !signature_matches(
        req,
        &key,
        at,
        expiration,
        &parsed.signed_headers,
        &parsed.signature,
    ) {
        return Err(errors::signature_mismatch(rid));
    }
    let expired = ctx.now > at + Duration::seconds(i64::from(expiration));
    if expired || at - ctx.now > MAX_FUTURE_SKEW {
        return Err(errors::request_expired(&super::wire::utc(at), rid));
    }
    if !key.is_active() {
        return Err(errors::invalid_access_key(rid));
    }
    if !key.permissions.allows(ctx.endpoint) {
        return Err(errors::access_denied(rid));
    }
    Ok(AuthedKey {
        key_id: key.id.clone(),
        account_id: key.account_id.clone(),
        user_name: key.user_name.clone(),
        user_id: key.user_id.clone(),
    })
}
