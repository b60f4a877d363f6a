//! The answer to "is this key usable, and for what?".

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::feature::StandardFeature;
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
    /// The feature probed.
    pub feature: StandardFeature,
    /// The verdict.
    pub status: FeatureStatus,
}

impl FeatureCheck {
    /// The verdict `status` on `feature`.
    pub fn new(feature: StandardFeature, status: FeatureStatus) -> Self {
        FeatureCheck { feature, status }
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
                FeatureStatus::Ok => return false,
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
                .map(|status| FeatureCheck {
                    feature: StandardFeature::Host,
                    status,
                })
                .collect(),
        }
    }

    #[test]
    fn valid_but_empty_needs_denials_and_no_success() {
        let missing = FeatureStatus::Missing {
            allowed_actions: vec![],
            denied_actions: vec!["ec2:DescribeInstances".into()],
            grant: vec!["AmazonEC2ReadOnlyAccess".into()],
        };
        let partly = FeatureStatus::Missing {
            allowed_actions: vec!["ec2:DescribeInstances".into()],
            denied_actions: vec!["iam:ListUsers".into()],
            grant: vec!["IAMReadOnlyAccess".into()],
        };
        assert!(report(vec![missing.clone()]).is_valid_but_empty());
        assert!(!report(vec![missing.clone(), partly]).is_valid_but_empty());
        assert!(!report(vec![missing.clone(), FeatureStatus::Ok]).is_valid_but_empty());
        assert!(!report(vec![FeatureStatus::Ok]).is_valid_but_empty());
        assert!(report(vec![FeatureStatus::Ok]).is_ready());
        assert!(!report(vec![missing]).is_ready());
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
