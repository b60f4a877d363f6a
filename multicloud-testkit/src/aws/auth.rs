//! SigV4 verification as the AWS front ends do it: the key must exist in the request's
//! partition and be active, the region must be enabled, the signed time must be within
//! 15 minutes of the server clock, and the signature recomputed over the request as
//! received (the headers the client listed in `SignedHeaders`) must match.

use multicloud_aws::SigV4Signer;
use multicloud_core::signing::RequestSigner;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::authorization;
use crate::keys::SimKey;
use crate::sim::{SimContext, SimRequest};

use super::errors::{self, AwsError};
use super::route::{Route, Service};

/// The most a signed time may differ from the server clock.
pub(crate) const MAX_SKEW: Duration = Duration::minutes(15);

/// `YYYYMMDDTHHMMSSZ`.
pub(crate) fn amz_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub(crate) fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text, &fmt)
        .ok()
        .map(|p| p.assume_utc())
}

/// The signed time of a request (`X-Amz-Date`, else an RFC 1123 `Date`), if valid.
pub(crate) fn signed_time(req: &SimRequest) -> Option<OffsetDateTime> {
    match req.header("x-amz-date") {
        Some(v) => parse_amz_date(v),
        None => req.header("date").and_then(|d| {
            // botocore writes `-0000` where RFC 2822 parsers want `+0000`.
            let d = d.replace("-0000", "+0000").replace(" GMT", " +0000");
            OffsetDateTime::parse(&d, &time::format_description::well_known::Rfc2822).ok()
        }),
    }
}

/// The clock-skew error for a request signed at `signed`, judged at `now`.
pub(crate) fn skew_error(
    service: Service,
    signed: OffsetDateTime,
    now: OffsetDateTime,
) -> AwsError {
    let late = signed < now;
    let edge = if late { now - MAX_SKEW } else { now + MAX_SKEW };
    errors::clock_skew(
        service,
        &amz_date(signed),
        &amz_date(edge),
        &amz_date(now),
        late,
    )
}

fn same(a: &str, b: &str) -> bool {
    // Constant-time over equal lengths: a verifier should not leak how much matched.
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Authenticates and authorizes a request for `endpoint` routed to `route`.
pub(crate) fn authenticate(
    req: &SimRequest,
    ctx: &SimContext<'_>,
    route: &Route,
    endpoint: &str,
) -> Result<SimKey, AwsError> {
    let service = route.service;
    let header = req
        .header("authorization")
        .ok_or_else(|| errors::missing_auth(service))?;
    let parsed = authorization::aws(header)
        .map_err(|_| errors::malformed_auth(service, "Credential, SignedHeaders and Signature"))?;
    let key = ctx
        .keys
        .get(&parsed.access_key_id)
        .filter(|k| k.is_active() && k.domain == route.domain)
        .ok_or_else(|| errors::unknown_key(service))?;
    let region_ok = ctx
        .inventory
        .region(&route.region)
        .is_some_and(|r| r.opted_in && r.domain == route.domain);
    if !region_ok {
        return Err(errors::unknown_key(service));
    }
    let scope_region = parsed.region.clone().unwrap_or_default();
    let scope_service = parsed.service.clone().unwrap_or_default();
    if scope_service != service.signing_name() {
        return Err(AwsError::new(
            403,
            "SignatureDoesNotMatch",
            format!(
                "Credential should be scoped to correct service: '{}'. ",
                service.signing_name()
            ),
        ));
    }
    if scope_region != route.region {
        return Err(AwsError::new(
            403,
            "SignatureDoesNotMatch",
            format!("Credential should be scoped to a valid region, not '{scope_region}'. "),
        ));
    }
    let signed = signed_time(req).ok_or_else(|| {
        errors::malformed_auth(
            service,
            "existence of either a 'X-Amz-Date' or a 'Date' header",
        )
    })?;
    if (ctx.now - signed).abs() > MAX_SKEW {
        return Err(skew_error(service, signed, ctx.now));
    }
    let s3 = service == Service::S3;
    let signer = SigV4Signer::new(scope_region, scope_service)
        .with_normalized_path(!s3)
        .with_content_sha256_header(s3);
    let names: Vec<&str> = parsed.signed_headers.iter().map(String::as_str).collect();
    let parts = signer
        .signing_parts_for_headers(&req.to_http(), &key.access_key(), signed, &names)
        .map_err(|_| errors::bad_signature(service))?;
    if !same(&parts.signature, &parsed.signature) {
        return Err(errors::bad_signature(service));
    }
    // GetCallerIdentity needs no permission, and an explicit deny does not stop it.
    let action = iam_action(endpoint);
    if endpoint != "sts:GetCallerIdentity" && !key.permissions.allows(action) {
        let arn = super::user_arn(&key, route.domain);
        return Err(errors::denied(service, &arn, action));
    }
    Ok(key)
}

/// The IAM action that grants an operation: the operation's own name, except where AWS
/// names the permission differently (S3 `ListBuckets` is `s3:ListAllMyBuckets`).
fn iam_action(endpoint: &str) -> &str {
    match endpoint {
        "s3:ListBuckets" => "s3:ListAllMyBuckets",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_round_trip() {
        let t = OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
        assert_eq!(amz_date(t), "20150830T123600Z");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(t));
        assert_eq!(parse_amz_date("2015-08-30"), None);
    }

    #[test]
    fn skew_messages_match_sts() {
        let now = OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
        let e = skew_error(Service::Sts, now - Duration::hours(1), now);
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert_eq!(
            e.message,
            "Signature expired: 20150830T113600Z is now earlier than 20150830T122100Z (20150830T123600Z - 15 min.)"
        );
        let e = skew_error(Service::Ec2, now + Duration::hours(1), now);
        assert_eq!((e.status, e.code.as_str()), (400, "RequestExpired"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("ab", "abc"));
    }
}
