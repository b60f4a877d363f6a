//! `SDK-HMAC-SHA256` verification as Huawei's API gateway does it, plus the AK lockout.
//!
//! The signature is recomputed with [`HuaweiSigner::signing_parts_for_headers`] over exactly
//! the headers the client listed in `SignedHeaders=`, as received, at the received
//! `X-Sdk-Date`. More than five consecutive authentication failures of one AK lock it for
//! five minutes; while locked even a correct signature is refused.

use std::collections::HashMap;
use std::sync::Mutex;

use multicloud_core::signing::RequestSigner;
use multicloud_core::AccessKey;
use multicloud_huawei::HuaweiSigner;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::errors;
use crate::authorization;
use crate::keys::SimKey;
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// How far `X-Sdk-Date` may be from the gateway's clock.
pub(crate) const MAX_SKEW: Duration = Duration::minutes(15);
/// Consecutive failures tolerated before the AK is locked.
pub(crate) const MAX_FAILURES: u32 = 5;
/// How long a locked AK stays locked.
pub(crate) const LOCK_FOR: Duration = Duration::minutes(5);

#[derive(Debug, Default, Clone, Copy)]
struct Strikes {
    failures: u32,
    locked_until: Option<OffsetDateTime>,
}

/// Per-AK consecutive-failure counters.
#[derive(Debug, Default)]
pub(crate) struct Lockout {
    by_ak: Mutex<HashMap<String, Strikes>>,
}

impl Lockout {
    fn with<T>(&self, ak: &str, f: impl FnOnce(&mut Strikes) -> T) -> T {
        let mut map = self.by_ak.lock().unwrap_or_else(|p| p.into_inner());
        f(map.entry(ak.to_string()).or_default())
    }

    /// Whether the AK is locked at `now` (an expired lock is lifted and forgotten).
    pub(crate) fn is_locked(&self, ak: &str, now: OffsetDateTime) -> bool {
        self.with(ak, |s| match s.locked_until {
            Some(until) if now < until => true,
            Some(_) => {
                *s = Strikes::default();
                false
            }
            None => false,
        })
    }

    /// Counts a failure; locks the AK once failures exceed [`MAX_FAILURES`].
    pub(crate) fn fail(&self, ak: &str, now: OffsetDateTime) {
        self.with(ak, |s| {
            s.failures += 1;
            if s.failures > MAX_FAILURES {
                s.locked_until = Some(now + LOCK_FOR);
            }
        });
    }

    /// Resets the counter after a success.
    pub(crate) fn succeed(&self, ak: &str) {
        self.with(ak, |s| *s = Strikes::default());
    }
}

/// Parses `X-Sdk-Date: 20240101T000000Z`.
pub(crate) fn parse_sdk_date(value: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(value.trim(), fmt)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Recomputes the signature of what was received; true if it matches.
fn signature_matches(
    req: &SimRequest,
    key: &SimKey,
    at: OffsetDateTime,
    signed: &[String],
    sent: &str,
) -> bool {
    let names: Vec<&str> = signed.iter().map(String::as_str).collect();
    let access = AccessKey::new(key.id.clone(), key.secret.expose().to_string());
    HuaweiSigner::new()
        .signing_parts_for_headers(&req.to_http(), &access, at, &names)
        .map(|parts| parts.signature.eq_ignore_ascii_case(sent))
        .unwrap_or(false)
}

/// Authenticates an APIG-fronted call (everything but OBS).
pub(crate) fn authenticate(
    req: &SimRequest,
    ctx: &SimContext<'_>,
    lockout: &Lockout,
) -> Result<(SimKey, AuthedKey), SimResponse> {
    let rid = ctx.request_id;
    let Some(header) = req.header("authorization") else {
        return Err(errors::auth_failed(
            "Incorrect IAM authentication information: x-auth-token not found",
            rid,
        ));
    };
    let parsed = authorization::huawei(header)
        .map_err(|_| errors::auth_failed(errors::MSG_SIGNATURE, rid))?;
    let ak = parsed.access_key_id.clone();
    if lockout.is_locked(&ak, ctx.now) {
        return Err(errors::auth_failed(errors::MSG_LOCKED, rid));
    }
    let fail = |resp: SimResponse| {
        lockout.fail(&ak, ctx.now);
        Err(resp)
    };
    let Some(key) = ctx.keys.get(&ak) else {
        return fail(errors::unknown_ak(&ak, rid));
    };
    let Some(at) = req.header("x-sdk-date").and_then(parse_sdk_date) else {
        return fail(errors::auth_failed(errors::MSG_SIGNATURE, rid));
    };
    if !signature_matches(req, &key, at, &parsed.signed_headers, &parsed.signature) {
        return fail(errors::auth_failed(errors::MSG_SIGNATURE, rid));
    }
    if (at - ctx.now).abs() > MAX_SKEW {
        return fail(errors::auth_failed(errors::MSG_SIGNATURE, rid));
    }
    if !key.is_active() {
        return Err(errors::auth_failed(errors::MSG_UNAUTHORIZED, rid));
    }
    lockout.succeed(&ak);
    let authed = AuthedKey {
        key_id: key.id.clone(),
        account_id: key.account_id.clone(),
        user_name: key.user_name.clone(),
        user_id: key.user_id.clone(),
    };
    Ok((key, authed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_dates_parse() {
        let t = parse_sdk_date("20240101T000000Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_704_067_200);
        assert!(parse_sdk_date("2024-01-01").is_none());
    }

    #[test]
    fn six_failures_lock_for_five_minutes() {
        let l = Lockout::default();
        let t0 = OffsetDateTime::from_unix_timestamp(1_704_067_200).unwrap();
        for _ in 0..MAX_FAILURES {
            l.fail("AK", t0);
        }
        assert!(!l.is_locked("AK", t0));
        l.fail("AK", t0);
        assert!(l.is_locked("AK", t0 + Duration::minutes(4)));
        assert!(!l.is_locked("AK", t0 + Duration::minutes(5)));
        // The lock is lifted with a clean slate.
        l.fail("AK", t0 + Duration::minutes(6));
        assert!(!l.is_locked("AK", t0 + Duration::minutes(6)));
        assert!(!l.is_locked("OTHER", t0));
    }

    #[test]
    fn success_resets_the_count() {
        let l = Lockout::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        for _ in 0..MAX_FAILURES {
            l.fail("AK", t0);
        }
        l.succeed("AK");
        l.fail("AK", t0);
        assert!(!l.is_locked("AK", t0));
    }
}
