//! The identity call, the per-kind probes, and the diagnoses of the onboarding guide's FAQ:
//! a refused permission, an expired key and an edition that does not match the key each get
//! their own.
//!
//! CTyun has no "who am I" call: `list-regions` is the cheapest authenticated call, so it
//! tells whether the key works but not whose it is. The gateway answers an unknown, deleted
//! or disabled key, and a key of the other edition, with one code (`CTAPI_10002`), so that
//! diagnosis names the edition as the first likely cause and says the API cannot tell.

use std::fmt;

use multicloud_core::{
    CredentialStatus, Domain, Error, ErrorKind, FeatureStatus, KeyCheck, Region, Result,
    StandardFeature, VerifyReport,
};

use crate::client::Client;
use crate::endpoints::{domain_call, edition_name, other_edition};
use crate::errors::{BAD_SIGNATURE, INVALID_AK};
use crate::regions;

/// The standard features CTyun offers (the guide: Host and cloud products).
pub(crate) const FEATURES: [StandardFeature; 2] = [StandardFeature::Host, StandardFeature::Cspm];

/// The guide's IAM policy for the account-level (IAM) view, granted at global scope. No
/// listing of this SDK calls an IAM API, so it is advised, not probed.
pub const CTIAM_VIEWER: &str = "ctiam viewer";

/// Where a CTyun policy is granted. CTyun's console grants resource-pool policies and
/// global policies in two separate operations: a policy granted at the other scope leaves
/// its calls refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyScope {
    /// Granted per resource pool (ECS, Kafka, Redis, RocketMQ, ELB, EBS viewers).
    ResourcePool,
    /// Granted once for the account (`ctiam viewer`, `zos viewer`).
    Global,
}

impl fmt::Display for PolicyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyScope::ResourcePool => "resource-pool",
            PolicyScope::Global => "global",
        })
    }
}

/// The scope the guide grants `policy` at. ZOS lists buckets account-wide, so `zos viewer`
/// is taken as global (the guide does not say; unconfirmed).
pub fn policy_scope(policy: &str) -> PolicyScope {
    match policy {
        CTIAM_VIEWER | "zos viewer" => PolicyScope::Global,
        _ => PolicyScope::ResourcePool,
    }
}

/// What to grant for a partly granted key, or `None` when the report misses no permission:
/// the missing policies split by scope, in two grant operations, as CTyun's console needs.
///
/// ```
/// use multicloud_core::{
///     AccountName, CredentialStatus, Domain, FeatureCheck, FeatureStatus, ProviderKind,
///     VerifyReport,
/// };
///
/// let missing = FeatureStatus::Missing {
///     allowed_actions: vec!["ecs:ListInstances".into()],
///     denied_actions: vec!["kafka:QueryInstances".into(), "zos:ListBuckets".into()],
///     grant: vec!["KAFKA viewer".into(), "zos viewer".into()],
///     denied_kinds: vec!["ctgkafka.instance".into(), "zos.bucket".into()],
/// };
/// let report = VerifyReport::new(
///     ProviderKind::Ctyun,
///     AccountName::new("prod")?,
///     Domain::China,
///     CredentialStatus::Valid,
/// )
/// .with_features(vec![FeatureCheck::new("cspm", missing)]);
/// let advice = multicloud_ctyun::grant_advice(&report).expect("something is missing");
/// assert!(advice.contains("resource-pool scope: KAFKA viewer"));
/// assert!(advice.contains("global scope: zos viewer"));
/// # Ok::<(), multicloud_core::Error>(())
/// ```
pub fn grant_advice(report: &VerifyReport) -> Option<String> {
    let mut pool: Vec<&str> = Vec::new();
    let mut global: Vec<&str> = Vec::new();
    for check in &report.features {
        if let FeatureStatus::Missing { grant, .. } = &check.status {
            for policy in grant {
                let list = match policy_scope(policy) {
                    PolicyScope::ResourcePool => &mut pool,
                    PolicyScope::Global => &mut global,
                };
                if !list.contains(&policy.as_str()) {
                    list.push(policy);
                }
            }
        }
    }
    if pool.is_empty() && global.is_empty() {
        return None;
    }
    let mut steps = Vec::new();
    if !pool.is_empty() {
        steps.push(format!(
            "grant at resource-pool scope: {} (select every pool to scan)",
            pool.join(", ")
        ));
    }
    if !global.is_empty() {
        steps.push(format!("grant at global scope: {}", global.join(", ")));
    }
    Some(format!(
        "{}. CTyun grants resource-pool and global policies in separate operations; the guide also \
         asks for {CTIAM_VIEWER} at global scope (not probed: no listing calls IAM)",
        steps.join("; then, in a separate operation, ")
    ))
}

/// The one-line advice for a call refused for want of `policy`.
pub(crate) fn denied_advice(policy: &str) -> String {
    format!(
        "grant `{policy}` at {} scope (resource-pool and global policies are granted separately)",
        policy_scope(policy)
    )
}

/// Runs the identity call and says what a failure means; returns the pools when listed.
pub(crate) async fn check_key(client: &Client) -> Result<(KeyCheck, Option<Vec<Region>>)> {
    match regions::list(client).await {
        Ok(pools) => Ok((KeyCheck::new(CredentialStatus::Valid, None), Some(pools))),
        // The gateway accepted the key; the listing probes report the permissions.
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            Ok((KeyCheck::new(CredentialStatus::Valid, None), None))
        }
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Config | ErrorKind::CredentialNotConfigured
            ) =>
        {
            Err(e)
        }
        Err(e) => {
            let diagnosis = diagnosis(&e, client.domain());
            let status = CredentialStatus::from_error(&e, diagnosis);
            Ok((KeyCheck::new(status, None), None))
        }
    }
}

/// A sentence for the user: what a failed identity call means, and what to do.
pub(crate) fn diagnosis(e: &Error, domain: Domain) -> String {
    let edition = edition_name(domain);
    let other = other_edition(domain);
    let id = e
        .request_id()
        .map(|r| format!(" (request id {r})"))
        .unwrap_or_default();
    match (e.kind(), e.code()) {
        (ErrorKind::InvalidCredential, Some(INVALID_AK)) => format!(
            "The {edition} gateway does not know this AccessKey{id}. Likely causes, most likely \
             first: (1) edition mismatch: the key belongs to the {}; keys of the two editions are \
             separate, so build the provider with {} (the API cannot tell this apart from the \
             next causes); (2) the AccessKey was mistyped or deleted: compare it with Personal \
             Center > Security Settings > User AccessKey; (3) the key was disabled or has expired \
             (the gateway answers that with the same code): enable it or create a new one.",
            edition_name(other),
            domain_call(other),
        ),
        (ErrorKind::InvalidCredential, Some(BAD_SIGNATURE)) => format!(
            "The {edition} gateway knows this AccessKey but refused the signature{id}: the \
             SecurityKey (SK) does not belong to this AccessKey (copy both again from Personal \
             Center > Security Settings > User AccessKey), or this host's clock is more than 15 \
             minutes off (synchronise it with NTP)."
        ),
        (ErrorKind::InvalidCredential, _) => format!(
            "The {edition} gateway refused this key{id}: check the AccessKey and SecurityKey; if \
             the key was created in the {} console, build the provider with {}.",
            edition_name(other),
            domain_call(other),
        ),
        (ErrorKind::CredentialDisabled, _) => format!(
            "Expired key: the AccessKey or its account is disabled, expired or frozen{id}. Enable \
             the key (or create a new one) under Personal Center > Security Settings > User \
             AccessKey of the {edition}, and settle any arrears that froze the account."
        ),
        (ErrorKind::ClockSkew, _) => format!(
            "The gateway refused the request time{id}: synchronise this host's clock (NTP)."
        ),
        (ErrorKind::WrongDomainOrRegion, _) => format!(
            "A resource pool refused the identity call{id}: the account has no such pool in the \
             {edition}; if the key was created in the {} console, build the provider with {}.",
            edition_name(other),
            domain_call(other),
        ),
        (kind, _) if kind.is_retryable() => {
            format!("The key could not be checked now ({e}); try again later.")
        }
        _ => format!("The identity call failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_faq_cause_has_its_own_diagnosis() {
        let unknown = Error::new(ErrorKind::InvalidCredential, "x").with_code(INVALID_AK);
        let edition = diagnosis(&unknown, Domain::China);
        assert!(edition.contains("edition mismatch"), "{edition}");
        assert!(edition.contains("International edition"), "{edition}");
        assert!(
            edition.contains("with_domain(Domain::International)"),
            "{edition}"
        );
        let intl = diagnosis(&unknown, Domain::International);
        assert!(intl.contains("with_domain(Domain::China)"), "{intl}");
        let expired = diagnosis(
            &Error::new(ErrorKind::CredentialDisabled, "x"),
            Domain::China,
        );
        assert!(expired.starts_with("Expired key"), "{expired}");
        let signature = diagnosis(
            &Error::new(ErrorKind::InvalidCredential, "x").with_code(BAD_SIGNATURE),
            Domain::China,
        );
        assert!(signature.contains("SecurityKey"), "{signature}");
        assert!(denied_advice("ecs viewer").contains("resource-pool scope"));
        assert!(denied_advice("zos viewer").contains("global scope"));
    }

    #[test]
    fn nothing_to_advise_for_a_ready_key() {
        let report = VerifyReport::new(
            multicloud_core::ProviderKind::Ctyun,
            multicloud_core::AccountName::new("a").unwrap(),
            Domain::China,
            CredentialStatus::Valid,
        );
        assert_eq!(grant_advice(&report), None);
    }
}
