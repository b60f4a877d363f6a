//! The key check and the onboarding advice.
//!
//! BCE has no "who am I" call. The identity call is BOS `ListBuckets` on `bj.bcebos.com`,
//! whose `owner` is the account (id and display name). A key refused *permission* for the
//! bucket list (`AccessDenied`) or whose account has not activated BOS (`OptInRequired`)
//! is valid, only without a known identity: the signature was accepted, and the per-kind
//! probes then say what it may read. An answer that proves nothing either way (no such
//! route, a document of another shape) falls back to BCC `describeRegions`. An
//! authentication refusal is final and never retried.

use multicloud_core::{
    CredentialStatus, ErrorKind, FeatureStatus, Identity, KeyCheck, PrincipalType, Result,
    VerifyReport,
};

use crate::api::{BOS_BUCKETS, DESCRIBE_REGIONS};
use crate::client::Client;
use crate::endpoints::HOME_REGION;
use crate::errors;
use crate::wire::{self, BucketList};

/// The system policy that grants the reads of every product at once (not IAM's).
pub(crate) const QUICK_POLICY: &str = "GlobalReadPolicy";
/// The policy CSPM needs besides the products' (or [`QUICK_POLICY`]).
pub(crate) const IAM_POLICY: &str = "IAMReadAccessPolicy";

/// What one identity attempt proved.
enum Attempt {
    /// The key works (with the owner, when the answer named it).
    Valid(Option<Identity>),
    /// The key was refused, or the check could not run: final.
    Final(KeyCheck),
    /// The answer proves nothing about the key (no such route, an odd document): try the
    /// next identity call, keeping this failure for the report.
    Inconclusive(multicloud_core::Error),
}

/// Sorts a failed identity call.
fn judge(e: multicloud_core::Error) -> Result<Attempt> {
    if e.kind() == ErrorKind::PermissionDenied || errors::is_not_activated(&e) {
        // The signature was accepted: the key works, its permissions are probed per kind.
        return Ok(Attempt::Valid(None));
    }
    if e.kind() == ErrorKind::Config {
        return Err(e);
    }
    if e.is_auth_failure() || e.is_retryable() {
        return Ok(Attempt::Final(failed(&e)));
    }
    Ok(Attempt::Inconclusive(e))
}

/// The key check for a failure that ends it.
fn failed(e: &multicloud_core::Error) -> KeyCheck {
    let diagnosis = diagnosis(e);
    let status = if e.is_auth_failure() {
        CredentialStatus::from_error(e, diagnosis)
    } else {
        CredentialStatus::Unknown {
            kind: e.kind(),
            diagnosis,
        }
    };
    KeyCheck::new(status, None)
}

/// The identity call: BOS `ListBuckets` (its `owner` is the account); when its answer
/// proves nothing either way (a server without BOS), BCC `describeRegions`.
pub(crate) async fn check_key(client: &Client) -> Result<KeyCheck> {
    let first = match client
        .call(&BOS_BUCKETS, Some(HOME_REGION), &[], None)
        .await
    {
        Ok(body) => match wire::parse::<BucketList>(BOS_BUCKETS.name, None, &body) {
            Ok(doc) => Attempt::Valid(doc.owner.filter(|o| !o.id.is_empty()).map(|o| {
                let principal = o.display_name.unwrap_or_else(|| o.id.clone());
                Identity::new(o.id, principal, PrincipalType::Unknown)
            })),
            Err(e) => Attempt::Inconclusive(e),
        },
        Err(e) => judge(e)?,
    };
    let first_failure = match first {
        Attempt::Valid(identity) => return Ok(KeyCheck::new(CredentialStatus::Valid, identity)),
        Attempt::Final(check) => return Ok(check),
        Attempt::Inconclusive(e) => e,
    };
    tracing::debug!(error = %first_failure, "the bucket list proves nothing about the key; trying describeRegions");
    let second = match client.call(&DESCRIBE_REGIONS, None, &[], Some("{}")).await {
        Ok(_) => Attempt::Valid(None),
        Err(e) => judge(e)?,
    };
    Ok(match second {
        Attempt::Valid(identity) => KeyCheck::new(CredentialStatus::Valid, identity),
        Attempt::Final(check) => check,
        Attempt::Inconclusive(e) => failed(&e),
    })
}

/// What the user should do about a failed identity call.
fn diagnosis(e: &multicloud_core::Error) -> String {
    let what = match e.code() {
        Some("InvalidAccessKeyId") => {
            "BCE does not know this Access Key ID: check BCE_ACCESS_KEY_ID against the console's \
             Access Key page (IAM > Access Key). A disabled or deleted key is reported the same \
             way: re-enable it or create a new one"
        }
        Some("SignatureDoesNotMatch") => {
            "the Secret Access Key does not belong to this Access Key ID: copy BCE_SECRET_ACCESS_KEY \
             again (the console shows it on request), or create a new key pair"
        }
        Some("InvalidHTTPAuthHeader") => {
            "BCE refused the Authorization header as malformed: check that the key id and secret \
             have no spaces or line breaks"
        }
        Some("RequestExpired") => {
            "the request's timestamp was refused: this host's clock is off; synchronise it (NTP) \
             and verify again"
        }
        _ => match e.kind() {
            ErrorKind::Throttled | ErrorKind::Transient => {
                "BCE could not be reached or answered with an error: the key's state is unknown, \
                 verify again later"
            }
            _ => "the key check failed",
        },
    };
    format!("{what} ({e})")
}

/// A sentence on the policies to grant, from a verify report: the exact missing policies,
/// and `GlobalReadPolicy` as the quick alternative for the products. `None` when nothing is
/// missing.
pub(crate) fn advice(report: &VerifyReport) -> Option<String> {
    let mut missing: Vec<&str> = Vec::new();
    for check in &report.features {
        if let FeatureStatus::Missing { grant, .. } = &check.status {
            for g in grant {
                if !missing.contains(&g.as_str()) {
                    missing.push(g);
                }
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let products: Vec<&str> = missing
        .iter()
        .copied()
        .filter(|g| *g != IAM_POLICY)
        .collect();
    let mut text = format!("grant the sub-user {}", missing.join(", "));
    if !products.is_empty() {
        let iam = if missing.contains(&IAM_POLICY) {
            format!(" (with {IAM_POLICY})")
        } else {
            String::new()
        };
        text.push_str(&format!(
            "; or, quicker, {QUICK_POLICY}{iam}, which grants the reads of every product at once"
        ));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::{AccountName, Domain, FeatureCheck, ProviderKind};

    fn report(grants: &[&str]) -> VerifyReport {
        let status = FeatureStatus::Missing {
            allowed_actions: vec![],
            denied_actions: vec!["x".into()],
            grant: grants.iter().map(|g| (*g).to_owned()).collect(),
            denied_kinds: vec![],
        };
        VerifyReport::new(
            ProviderKind::Baidu,
            AccountName::new("a").unwrap(),
            Domain::China,
            CredentialStatus::Valid,
        )
        .with_features(vec![FeatureCheck::new("cspm", status)])
    }

    #[test]
    fn advice_names_exactly_the_missing_policies_and_the_quick_one() {
        let text = advice(&report(&["RedisReadAccessPolicy", "IAMReadAccessPolicy"])).unwrap();
        assert!(text.starts_with("grant the sub-user RedisReadAccessPolicy, IAMReadAccessPolicy"));
        assert!(
            text.contains("GlobalReadPolicy (with IAMReadAccessPolicy)"),
            "{text}"
        );
        let iam_only = advice(&report(&["IAMReadAccessPolicy"])).unwrap();
        assert!(!iam_only.contains(QUICK_POLICY));
        let ok = VerifyReport::new(
            ProviderKind::Baidu,
            AccountName::new("a").unwrap(),
            Domain::China,
            CredentialStatus::Valid,
        );
        assert_eq!(advice(&ok), None);
    }
}
