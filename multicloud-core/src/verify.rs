//! The answer to "is this key usable, and for what?".

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::feature::{grants_for, Feature};
use crate::kind::ResourceKind;
use crate::model::{AccountName, Domain, ProviderKind};

/// What kind of principal a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PrincipalType {
    /// The account's root / main account key. Works, but should be replaced by a sub-account.
    Root,
    /// An IAM / CAM / sub-account user.
    User,
    /// An assumed role or federated session (temporary key).
    Role,
    /// The provider does not say.
    Unknown,
}

/// Who the key belongs to, as the identity call reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Identity {
    /// The provider's account id (AWS account, Tencent UIN/AppId, Huawei domain id, …).
    pub account_id: String,
    /// The principal's full identifier (ARN, user id, …).
    pub principal: String,
    /// The principal's type.
    pub principal_type: PrincipalType,
}

impl Identity {
    /// Who a key belongs to.
    pub fn new(
        account_id: impl Into<String>,
        principal: impl Into<String>,
        principal_type: PrincipalType,
    ) -> Self {
        Identity {
            account_id: account_id.into(),
            principal: principal.into(),
            principal_type,
        }
    }
}

/// Whether the key itself works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CredentialStatus {
    /// The identity call succeeded.
    Valid,
    /// The key cannot be used; `kind` says why, `diagnosis` says what to do.
    Invalid {
        /// The classified failure (invalid, disabled, wrong domain, clock skew, …).
        kind: ErrorKind,
        /// The provider's code, when it gave one.
        code: Option<String>,
        /// A sentence for the user: what is wrong and what to do.
        diagnosis: String,
    },
    /// The check could not be completed (throttled, network); the key's state is unknown.
    Unknown {
        /// The classified failure.
        kind: ErrorKind,
        /// What happened.
        diagnosis: String,
    },
}

impl CredentialStatus {
    /// Builds the status for a failed identity call.
    pub fn from_error(error: &Error, diagnosis: impl Into<String>) -> Self {
        if error.is_retryable() {
            CredentialStatus::Unknown {
                kind: error.kind(),
                diagnosis: diagnosis.into(),
            }
        } else {
            CredentialStatus::Invalid {
                kind: error.kind(),
                code: error.code().map(str::to_owned),
                diagnosis: diagnosis.into(),
            }
        }
    }
}

/// The outcome of probing one feature's permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FeatureStatus {
    /// Every probe for the feature succeeded.
    Ok,
    /// Some calls were denied.
    Missing {
        /// The probed asset listings that were allowed (region listings do not count): when
        /// the feature's main listing is among them it still works, only partly (e.g. hosts
        /// list but their IAM context does not).
        allowed_actions: Vec<String>,
        /// The actions that were refused (`ec2:DescribeInstances`, …).
        denied_actions: Vec<String>,
        /// The managed policies to grant.
        grant: Vec<String>,
        /// The kinds that will not be listed (their previous snapshots are kept).
        denied_kinds: Vec<String>,
    },
    /// Every read was allowed, but some write actions (e.g. creating a block rule) have no
    /// side-effect-free check on this provider: they are not known to work.
    Unverified {
        /// The write actions that could not be checked.
        not_checked: Vec<String>,
        /// The managed policies that grant them.
        grant: Vec<String>,
    },
    /// The provider does not offer this feature.
    Unsupported,
    /// A probe failed for another reason (throttled, network, decode).
    Error {
        /// The classified failure.
        kind: ErrorKind,
        /// What happened.
        message: String,
    },
}

/// One feature's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureCheck {
    /// The feature's name ([`Feature::name`]).
    pub feature: String,
    /// The verdict.
    pub status: FeatureStatus,
}

impl FeatureCheck {
    /// The verdict `status` on the feature named `feature`.
    pub fn new(feature: impl Into<String>, status: FeatureStatus) -> Self {
        FeatureCheck {
            feature: feature.into(),
            status,
        }
    }

    /// Whether this is the verdict on `feature`.
    pub fn is(&self, feature: &dyn Feature) -> bool {
        self.feature == feature.name()
    }

    /// The verdict on `feature` from the checks of its kinds (`checks` may hold other kinds
    /// too; those are ignored). No kind at all means the provider does not offer it.
    pub fn fold(feature: &dyn Feature, kinds: &[ResourceKind], checks: &[KindCheck]) -> Self {
        let mine: Vec<(&ResourceKind, &KindCheck)> = kinds
            .iter()
            .filter(|k| feature.includes(k))
            .filter_map(|k| checks.iter().find(|c| c.kind == k.id).map(|c| (k, c)))
            .collect();
        if mine.is_empty() {
            return FeatureCheck::new(feature.name(), FeatureStatus::Unsupported);
        }
        let mut allowed_actions = Vec::new();
        let mut denied_actions = Vec::new();
        let mut denied_kinds = Vec::new();
        let mut not_checked = Vec::new();
        let mut denied_grants = Vec::new();
        let mut unchecked_grants = Vec::new();
        let mut failure = None;
        for (kind, check) in mine {
            for (access, actions) in [
                (&check.read, kind.list_actions),
                (&check.write, kind.write_actions),
            ] {
                match access {
                    Access::Allowed => {
                        allowed_actions.extend(actions.iter().map(|a| (*a).to_owned()))
                    }
                    Access::Denied { actions } => {
                        denied_actions.extend(actions.iter().cloned());
                        if !denied_kinds.contains(&check.kind) {
                            denied_kinds.push(check.kind.clone());
                        }
                        denied_grants.push(kind);
                    }
                    Access::NotChecked { .. } => {
                        not_checked.extend(actions.iter().map(|a| (*a).to_owned()));
                        unchecked_grants.push(kind);
                    }
                    Access::Failed { kind, message } => {
                        failure = failure.or(Some((*kind, message.clone())));
                    }
                    Access::NotNeeded => {}
                }
            }
        }
        let owned = |kinds: Vec<&ResourceKind>| -> Vec<String> {
            grants_for(kinds).into_iter().map(str::to_owned).collect()
        };
        let status = if !denied_actions.is_empty() {
            FeatureStatus::Missing {
                allowed_actions,
                denied_actions,
                grant: owned(denied_grants),
                denied_kinds,
            }
        } else if let Some((kind, message)) = failure {
            FeatureStatus::Error { kind, message }
        } else if !not_checked.is_empty() {
            FeatureStatus::Unverified {
                not_checked,
                grant: owned(unchecked_grants),
            }
        } else {
            FeatureStatus::Ok
        };
        FeatureCheck::new(feature.name(), status)
    }
}

/// Whether a set of actions (a kind's reads, or its writes) is granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Access {
    /// The probe succeeded.
    Allowed,
    /// The probe was refused.
    Denied {
        /// The refused actions.
        actions: Vec<String>,
    },
    /// There is no side-effect-free way to check these actions here, or the probe was not
    /// sent (the key failed, or an earlier probe was refused by authentication).
    NotChecked {
        /// Why.
        reason: String,
    },
    /// The probe failed for another reason (throttled, network, decode).
    Failed {
        /// The classified failure.
        kind: ErrorKind,
        /// What happened.
        message: String,
    },
    /// The kind declares no such actions.
    NotNeeded,
}

impl Access {
    /// The access a probe of `actions` found: allowed, denied, or failed.
    pub fn from_probe(result: &Result<(), Error>, actions: &[&str]) -> Self {
        match result {
            Ok(()) => Access::Allowed,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Access::Denied {
                actions: match e.action() {
                    Some(action) => vec![action.to_owned()],
                    None => actions.iter().map(|a| (*a).to_owned()).collect(),
                },
            },
            Err(e) => Access::Failed {
                kind: e.kind(),
                message: e.to_string(),
            },
        }
    }
}

/// The verdict on one resource kind: may the key read it (list), and write it (if the kind
/// has write actions)?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KindCheck {
    /// The kind's id.
    pub kind: String,
    /// The listing's actions.
    pub read: Access,
    /// The write actions.
    pub write: Access,
}

impl KindCheck {
    /// The verdict on the kind `kind`.
    pub fn new(kind: impl Into<String>, read: Access, write: Access) -> Self {
        KindCheck {
            kind: kind.into(),
            read,
            write,
        }
    }

    /// Whether the listing of this kind was refused.
    pub fn is_read_denied(&self) -> bool {
        matches!(self.read, Access::Denied { .. })
    }
}

/// The full verify answer for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The provider.
    pub provider: ProviderKind,
    /// The account's name.
    pub account: AccountName,
    /// The domain that was checked.
    pub domain: Domain,
    /// The key's state.
    pub credential: CredentialStatus,
    /// Who the key belongs to, when the identity call succeeded.
    pub identity: Option<Identity>,
    /// One verdict per requested feature.
    pub features: Vec<FeatureCheck>,
    /// One verdict per kind of the requested features, in declaration order.
    pub kinds: Vec<KindCheck>,
}

impl VerifyReport {
    /// A report on the key of `account`, with no identity and no feature verdict yet.
    pub fn new(
        provider: ProviderKind,
        account: AccountName,
        domain: Domain,
        credential: CredentialStatus,
    ) -> Self {
        VerifyReport {
            provider,
            account,
            domain,
            credential,
            identity: None,
            features: Vec::new(),
            kinds: Vec::new(),
        }
    }

    /// Sets who the key belongs to.
    pub fn with_identity(mut self, identity: Option<Identity>) -> Self {
        self.identity = identity;
        self
    }

    /// Sets the per-feature verdicts.
    pub fn with_features(mut self, features: Vec<FeatureCheck>) -> Self {
        self.features = features;
        self
    }

    /// Sets the per-kind verdicts.
    pub fn with_kinds(mut self, kinds: Vec<KindCheck>) -> Self {
        self.kinds = kinds;
        self
    }

    /// The verdict on `feature`, if it was requested.
    pub fn feature(&self, feature: &dyn Feature) -> Option<&FeatureStatus> {
        self.features
            .iter()
            .find(|f| f.is(feature))
            .map(|f| &f.status)
    }

    /// The verdict on the kind `id`, if it was probed.
    pub fn kind(&self, id: &str) -> Option<&KindCheck> {
        self.kinds.iter().find(|k| k.kind == id)
    }

    /// The ids of the kinds whose listing the key may not call.
    pub fn denied_kinds(&self) -> Vec<&str> {
        self.kinds
            .iter()
            .filter(|k| k.is_read_denied())
            .map(|k| k.kind.as_str())
            .collect()
    }

    /// Whether the key works and every requested feature is granted.
    pub fn is_ready(&self) -> bool {
        self.credential == CredentialStatus::Valid
            && self
                .features
                .iter()
                .all(|f| matches!(f.status, FeatureStatus::Ok | FeatureStatus::Unsupported))
    }

    /// "Valid but empty": the key passes identity but every permission probe was denied, so
    /// a sync would report an empty inventory instead of a real one.
    pub fn is_valid_but_empty(&self) -> bool {
        let mut denied_any = false;
        for check in &self.features {
            match &check.status {
                FeatureStatus::Ok | FeatureStatus::Unverified { .. } => return false,
                FeatureStatus::Missing {
                    allowed_actions, ..
                } => {
                    if !allowed_actions.is_empty() {
                        return false;
                    }
                    denied_any = true;
                }
                FeatureStatus::Unsupported | FeatureStatus::Error { .. } => {}
            }
        }
        self.credential == CredentialStatus::Valid && denied_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: Vec<FeatureStatus>) -> VerifyReport {
        VerifyReport {
            provider: ProviderKind::Aws,
            account: AccountName::new("a").unwrap(),
            domain: Domain::International,
            credential: CredentialStatus::Valid,
            identity: None,
            features: statuses
                .into_iter()
                .map(|status| FeatureCheck::new("host", status))
                .collect(),
            kinds: Vec::new(),
        }
    }

    #[test]
    fn valid_but_empty_needs_denials_and_no_success() {
        let missing = FeatureStatus::Missing {
            allowed_actions: vec![],
            denied_actions: vec!["ec2:DescribeInstances".into()],
            grant: vec!["AmazonEC2ReadOnlyAccess".into()],
            denied_kinds: vec!["host".into()],
        };
        let partly = FeatureStatus::Missing {
            allowed_actions: vec!["ec2:DescribeInstances".into()],
            denied_actions: vec!["iam:ListUsers".into()],
            grant: vec!["IAMReadOnlyAccess".into()],
            denied_kinds: vec!["iam.user".into()],
        };
        assert!(report(vec![missing.clone()]).is_valid_but_empty());
        assert!(!report(vec![missing.clone(), partly]).is_valid_but_empty());
        assert!(!report(vec![missing.clone(), FeatureStatus::Ok]).is_valid_but_empty());
        assert!(!report(vec![FeatureStatus::Ok]).is_valid_but_empty());
        assert!(report(vec![FeatureStatus::Ok]).is_ready());
        assert!(!report(vec![missing]).is_ready());
    }

    #[test]
    fn a_feature_folds_its_kinds_checks() {
        use crate::feature::{KindFeature, StandardFeature};
        use crate::kind::KindScope;
        const KINDS: [ResourceKind; 3] = [
            ResourceKind::hosts("cvm")
                .with_features(&[StandardFeature::Host])
                .with_list_actions(&["cvm:DescribeInstances"])
                .with_grant("QcloudCVMReadOnlyAccess"),
            ResourceKind::resources("cbs", "disk", KindScope::Regional)
                .with_id("cbs.disk")
                .with_features(&[StandardFeature::Cspm])
                .with_list_actions(&["cbs:DescribeDisks"])
                .with_grant("QcloudCBSReadOnlyAccess"),
            ResourceKind::capability("cfw.block", "cfw", KindScope::Regional)
                .with_features(&[StandardFeature::Response])
                .with_list_actions(&["cfw:DescribeBlockIgnoreList"])
                .with_write_actions(&["cfw:CreateBlockIgnoreRuleList"])
                .with_grant("QcloudCFWFullAccess"),
        ];
        let checks = vec![
            KindCheck::new("host", Access::Allowed, Access::NotNeeded),
            KindCheck::new(
                "cbs.disk",
                Access::Denied {
                    actions: vec!["cbs:DescribeDisks".into()],
                },
                Access::NotNeeded,
            ),
            KindCheck::new(
                "cfw.block",
                Access::Allowed,
                Access::NotChecked {
                    reason: "no dry run".into(),
                },
            ),
        ];
        let host = FeatureCheck::fold(&StandardFeature::Host, &KINDS, &checks);
        assert_eq!(host.status, FeatureStatus::Ok);
        let cspm = FeatureCheck::fold(&StandardFeature::Cspm, &KINDS, &checks);
        assert_eq!(
            cspm.status,
            FeatureStatus::Missing {
                allowed_actions: vec![],
                denied_actions: vec!["cbs:DescribeDisks".into()],
                grant: vec!["QcloudCBSReadOnlyAccess".into()],
                denied_kinds: vec!["cbs.disk".into()],
            }
        );
        // A write that cannot be checked is never reported as granted.
        let response = FeatureCheck::fold(&StandardFeature::Response, &KINDS, &checks);
        assert_eq!(
            response.status,
            FeatureStatus::Unverified {
                not_checked: vec!["cfw:CreateBlockIgnoreRuleList".into()],
                grant: vec!["QcloudCFWFullAccess".into()],
            }
        );
        let custom = KindFeature::new("compute", ["host", "cbs.disk"]);
        let custom = FeatureCheck::fold(&custom, &KINDS, &checks);
        assert!(
            matches!(custom.status, FeatureStatus::Missing { ref allowed_actions, .. }
            if allowed_actions == &["cvm:DescribeInstances"])
        );
        let none = FeatureCheck::fold(&StandardFeature::AuditLog, &KINDS, &checks);
        assert_eq!(none.status, FeatureStatus::Unsupported);
    }

    #[test]
    fn throttled_identity_call_means_unknown_not_invalid() {
        let e = Error::new(ErrorKind::Throttled, "slow down");
        assert!(matches!(
            CredentialStatus::from_error(&e, "retry later"),
            CredentialStatus::Unknown { .. }
        ));
        let e = Error::new(ErrorKind::InvalidCredential, "bad").with_code("SignatureDoesNotMatch");
        assert!(matches!(
            CredentialStatus::from_error(&e, "check the secret"),
            CredentialStatus::Invalid { code: Some(c), .. } if c == "SignatureDoesNotMatch"
        ));
    }
}
