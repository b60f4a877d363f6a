//! EOP signature verification (`Eop-Authorization`, `Eop-date`, `ctyun-eop-request-id`).
//!
//! The signature is recomputed with [`EopSigner`] at the received `Eop-date` and request id
//! over the received query and body. `Eop-date` is Beijing wall-clock time written with a
//! literal `Z`; the official Python SDK writes the *host's local* time instead, so a date is
//! accepted when it is within 15 minutes of the gateway clock read either as Beijing time or
//! as UTC (anything else is refused like a bad signature).

use multicloud_core::signing::RequestSigner;
use multicloud_core::{AccessKey, Domain};
use multicloud_ctyun::EopSigner;
use time::macros::{format_description, offset};
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::errors;
use crate::authorization;
use crate::keys::SimKey;
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// How far `Eop-date` may be from the gateway clock.
pub(crate) const MAX_SKEW: Duration = Duration::minutes(15);

/// Parses `Eop-date` (`20240101T080000Z`) as the instant it names in Beijing time.
pub(crate) fn parse_eop_date(value: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(value.trim(), fmt)
        .ok()
        .map(|d| d.assume_offset(offset!(+8)))
}

/// Whether a Beijing-read date is close enough to `now`, read as Beijing time or as UTC.
pub(crate) fn fresh(beijing: OffsetDateTime, now: OffsetDateTime) -> bool {
    let as_utc = beijing.replace_offset(time::UtcOffset::UTC);
    (beijing - now).abs() <= MAX_SKEW || (as_utc - now).abs() <= MAX_SKEW
}

/// The headers an EOP signature covers.
const SIGNED: [&str; 2] = ["ctyun-eop-request-id", "eop-date"];

fn signature_matches(req: &SimRequest, key: &SimKey, at: OffsetDateTime, sent: &str) -> bool {
    let access = AccessKey::new(key.id.clone(), key.secret.expose().to_string());
    // The request id is read from the request itself, as a gateway does.
    EopSigner::new()
        .signing_parts_for_headers(&req.to_http(), &access, at, &SIGNED)
        .map(|p| p.signature == sent)
        .unwrap_or(false)
}

/// Authenticates an EOP request; permission failures are the product's `CTIAM_0005`.
pub(crate) fn authenticate(
    req: &SimRequest,
    ctx: &SimContext<'_>,
) -> Result<AuthedKey, SimResponse> {
    let rid = ctx.request_id;
    let header = req
        .header("eop-authorization")
        .ok_or_else(|| errors::signature_failed(rid))?;
    let parsed = authorization::ctyun(header).map_err(|_| errors::signature_failed(rid))?;
    // The Chinese edition's gateway: keys of the International edition are not its own.
    let key = ctx
        .keys
        .get(&parsed.access_key_id)
        .filter(|k| k.domain == Domain::China)
        .ok_or_else(|| errors::invalid_ak(rid))?;
    let at = req
        .header("eop-date")
        .and_then(parse_eop_date)
        .ok_or_else(|| errors::signature_failed(rid))?;
    if req.header("ctyun-eop-request-id").is_none()
        || !signature_matches(req, &key, at, &parsed.signature)
        || !fresh(at, ctx.now)
    {
        return Err(errors::signature_failed(rid));
    }
    if !key.is_active() {
        return Err(errors::invalid_ak(rid));
    }
    if !key.permissions.allows(ctx.endpoint) {
        return Err(errors::no_permission(rid));
    }
    Ok(AuthedKey {
        key_id: key.id.clone(),
        account_id: key.account_id.clone(),
        user_name: key.user_name.clone(),
        user_id: key.user_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eop_dates_are_beijing_time() {
        let t = parse_eop_date("20240101T080000Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_704_067_200);
        let now = OffsetDateTime::from_unix_timestamp(1_704_067_200).unwrap();
        assert!(fresh(t, now));
        // A client on a UTC host writes 00:00 for the same instant; accepted too.
        assert!(fresh(parse_eop_date("20240101T000000Z").unwrap(), now));
        assert!(!fresh(parse_eop_date("20240101T040000Z").unwrap(), now));
    }
}
