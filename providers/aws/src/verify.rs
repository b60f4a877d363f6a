//! Verify: STS `GetCallerIdentity` proves the key and names the account, then cheap
//! permission probes tell, per wanted feature, whether the key may list what the feature
//! needs and which managed policy to grant when it may not.
//!
//! `GetCallerIdentity` needs no permission and ignores explicit denies (providers.md §1.a),
//! so a valid key can still list nothing: the probes catch that ("valid but empty", see
//! [`VerifyReport::is_valid_but_empty`]).
//!
//! Nothing here retries an authentication failure. The one extra identity call, made when
//! the key id is unknown, goes to the *other* partition's STS: it does not repeat the failed
//! request, it asks a different authority whether the key is a China (or International) key,
//! so the report can say "wrong domain" instead of "invalid key".

use std::collections::HashMap;

use futures::future::join_all;

use multicloud_core::{
    AccountName, CredentialStatus, Domain, Error, ErrorKind, Feature, FeatureCheck, FeatureStatus,
    Identity, PrincipalType, ProviderKind, Result, StandardFeature, VerifyReport,
};

use crate::client::{AwsClient, Params};
use crate::endpoints::{Partition, Resolver, Service};
use crate::errors::{DRY_RUN_OPERATION, UNKNOWN_KEY_CODES};
use crate::wire::query::{decode_result, CallerIdentity};
use crate::wire::xml::{EC2_LISTS, QUERY_LISTS, RDS_LISTS, S3_LISTS};

/// A cheap call that succeeds only when the key holds one permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Probe {
    /// An EC2 `Describe*` call with `DryRun=true`: `DryRunOperation` means allowed.
    Ec2DryRun(&'static str),
    IamListUsers,
    S3ListBuckets,
    RdsDescribeDbInstances,
}

impl Probe {
    /// The IAM action the probe exercises, as reported in `denied_actions`.
    fn action(self) -> String {
        match self {
            Probe::Ec2DryRun(action) => format!("ec2:{action}"),
            Probe::IamListUsers => "iam:ListUsers".to_owned(),
            Probe::S3ListBuckets => "s3:ListAllMyBuckets".to_owned(),
            Probe::RdsDescribeDbInstances => "rds:DescribeDBInstances".to_owned(),
        }
    }
}

/// What a probe found.
#[derive(Debug)]
enum Outcome {
    Allowed,
    Denied,
    Failed(Error),
}

/// The probes of each feature, each with the managed policy (from the onboarding guide, see
/// [`Feature::policies`]) that grants it.
fn probes_for(feature: StandardFeature) -> &'static [(Probe, &'static str)] {
    match feature {
        StandardFeature::Host => &[
            (
                Probe::Ec2DryRun("DescribeInstances"),
                "AmazonEC2ReadOnlyAccess",
            ),
            (Probe::IamListUsers, "IAMReadOnlyAccess"),
        ],
        StandardFeature::Cspm => &[
            (Probe::S3ListBuckets, "ReadOnlyAccess"),
            (Probe::RdsDescribeDbInstances, "ReadOnlyAccess"),
            (Probe::Ec2DryRun("DescribeSecurityGroups"), "ReadOnlyAccess"),
            (Probe::IamListUsers, "ReadOnlyAccess"),
        ],
        StandardFeature::Agentless => &[
            (
                Probe::Ec2DryRun("DescribeVolumes"),
                "AmazonEC2ReadOnlyAccess",
            ),
            (
                Probe::Ec2DryRun("DescribeSnapshots"),
                "AmazonEC2ReadOnlyAccess",
            ),
        ],
        _ => &[],
    }
}

/// Whether this crate implements `feature` in `domain`. Agentless scanning is offered
/// outside mainland China only (architecture.md feature table).
pub(crate) fn supports(feature: StandardFeature, domain: Domain) -> bool {
    match feature {
        StandardFeature::Host | StandardFeature::Cspm => true,
        StandardFeature::Agentless => domain == Domain::International,
        _ => false,
    }
}

/// Runs the identity check and the probes of `features`.
pub(crate) async fn verify(
    client: &AwsClient,
    account: &AccountName,
    domain: Domain,
    features: &[StandardFeature],
) -> Result<VerifyReport> {
    let mut report = VerifyReport::new(
        ProviderKind::Aws,
        account.clone(),
        domain,
        CredentialStatus::Valid,
    );
    match caller_identity(client, client.resolver()).await {
        Ok(identity) => report.identity = Some(identity),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Config | ErrorKind::CredentialNotConfigured
            ) =>
        {
            return Err(e)
        }
        Err(e) => {
            let (status, identity) = diagnose(client, &e).await;
            report.credential = status;
            report.identity = identity;
            report.features = features
                .iter()
                .map(|&feature| {
                    FeatureCheck::new(
                        feature,
                        FeatureStatus::Error {
                            kind: e.kind(),
                            message: "not probed: the key did not pass the identity check"
                                .to_owned(),
                        },
                    )
                })
                .collect();
            return Ok(report);
        }
    }
    report.features = probe_features(client, domain, features).await;
    Ok(report)
}

/// STS `GetCallerIdentity` against `resolver`'s partition.
async fn caller_identity(client: &AwsClient, resolver: &Resolver) -> Result<Identity> {
    let endpoint = resolver.global(Service::Sts);
    let out = client
        .query(&endpoint, "GetCallerIdentity", &Params::new(), QUERY_LISTS)
        .await?;
    let id: CallerIdentity = decode_result(&out.doc, "GetCallerIdentity")?;
    Ok(Identity::new(
        id.account,
        id.arn.clone(),
        principal_type(&id.arn),
    ))
}

/// `arn:aws:iam::123:root` is the root user, `…:user/…` an IAM user, assumed roles and
/// federated users are sessions.
fn principal_type(arn: &str) -> PrincipalType {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    if resource == "root" {
        PrincipalType::Root
    } else if resource.starts_with("user/") {
        PrincipalType::User
    } else if resource.starts_with("assumed-role/") || resource.starts_with("federated-user/") {
        PrincipalType::Role
    } else {
        PrincipalType::Unknown
    }
}

/// Turns a failed identity call into the credential status and a sentence for the user.
async fn diagnose(client: &AwsClient, error: &Error) -> (CredentialStatus, Option<Identity>) {
    let partition = client.resolver().partition();
    let code = error.code().unwrap_or_default();
    if UNKNOWN_KEY_CODES.contains(&code) {
        // The diagnosis probe (see the module docs): is it a key of the other partition?
        let other = partition.other();
        tracing::debug!(%partition, %other, code, "identity refused; asking the other partition's STS");
        if let Ok(identity) = caller_identity(client, &client.resolver().for_partition(other)).await
        {
            let status = CredentialStatus::Invalid {
                kind: ErrorKind::WrongDomainOrRegion,
                code: Some(code.to_owned()),
                diagnosis: wrong_partition(other),
            };
            return (status, Some(identity));
        }
        let diagnosis = format!(
            "AWS ({partition}) does not recognise this access key id ({code}): the key does not \
             exist, was deleted, or has been deactivated; AWS answers all three the same way, so \
             a disabled key cannot be told apart from an unknown one. It is not an {} key either. \
             Check the key's status under IAM > Users > Security credentials, or issue a new key.",
            partition_label(other)
        );
        return (CredentialStatus::from_error(error, diagnosis), None);
    }
    let diagnosis = match error.kind() {
        ErrorKind::InvalidCredential => format!(
            "AWS rejected the request signature ({code}): the secret access key does not match \
             the access key id; re-enter the secret"
        ),
        ErrorKind::CredentialDisabled => format!(
            "the credentials can no longer be used ({code}): {}; issue new credentials",
            error.message()
        ),
        ErrorKind::ClockSkew => format!(
            "AWS rejected the request time ({code}): this machine's clock ({}) is more than 15 \
             minutes away from AWS's; synchronise it (NTP)",
            client.now()
        ),
        ErrorKind::Throttled | ErrorKind::Transient => format!(
            "the identity check could not complete ({}): {}; the key's state is unknown, try again later",
            error.kind(),
            error.message()
        ),
        ErrorKind::WrongDomainOrRegion | ErrorKind::PermissionDenied => {
            format!("AWS refused the identity check ({code}): {}", error.message())
        }
        // A garbled answer or an unexpected service error says nothing about the key.
        other => {
            let diagnosis = format!(
                "the identity check could not complete ({other}): {}; the key's state is unknown",
                error.message()
            );
            let status = CredentialStatus::Unknown {
                kind: other,
                diagnosis,
            };
            return (status, None);
        }
    };
    (CredentialStatus::from_error(error, diagnosis), None)
}

fn partition_label(partition: Partition) -> &'static str {
    match partition {
        Partition::AwsCn => "AWS China (aws-cn)",
        Partition::Aws => "AWS International (aws)",
    }
}

fn wrong_partition(actual: Partition) -> String {
    let domain = match actual.domain() {
        Domain::China => "china",
        Domain::International => "international",
    };
    format!(
        "this key belongs to {}; set domain = {domain}",
        partition_label(actual)
    )
}

/// Runs every probe the wanted features need (each once) and folds them into verdicts.
async fn probe_features(
    client: &AwsClient,
    domain: Domain,
    features: &[StandardFeature],
) -> Vec<FeatureCheck> {
    let mut unique: Vec<Probe> = Vec::new();
    for &feature in features.iter().filter(|f| supports(**f, domain)) {
        for (probe, _) in probes_for(feature) {
            if !unique.contains(probe) {
                unique.push(*probe);
            }
        }
    }
    let outcomes: HashMap<Probe, Outcome> = join_all(
        unique
            .iter()
            .map(|&p| async move { (p, run_probe(client, p).await) }),
    )
    .await
    .into_iter()
    .collect();
    features
        .iter()
        .map(|&feature| {
            let status = if supports(feature, domain) {
                verdict(feature, &outcomes)
            } else {
                FeatureStatus::Unsupported
            };
            FeatureCheck::new(feature, status)
        })
        .collect()
}

fn verdict(feature: StandardFeature, outcomes: &HashMap<Probe, Outcome>) -> FeatureStatus {
    let mut allowed_actions = Vec::new();
    let mut denied_actions = Vec::new();
    let mut grant: Vec<String> = Vec::new();
    let mut failure: Option<&Error> = None;
    for (probe, policy) in probes_for(feature) {
        match outcomes.get(probe) {
            Some(Outcome::Allowed) => allowed_actions.push(probe.action()),
            None => {}
            Some(Outcome::Denied) => {
                denied_actions.push(probe.action());
                if !grant.iter().any(|g| g == policy) {
                    grant.push((*policy).to_owned());
                }
            }
            Some(Outcome::Failed(e)) => failure = failure.or(Some(e)),
        }
    }
    if !denied_actions.is_empty() {
        // Keep the policies in the onboarding guide's order.
        let order = feature.policies(ProviderKind::Aws);
        grant.sort_by_key(|g| order.iter().position(|p| p == g).unwrap_or(usize::MAX));
        return FeatureStatus::Missing {
            allowed_actions,
            denied_actions,
            grant,
        };
    }
    match failure {
        Some(e) => FeatureStatus::Error {
            kind: e.kind(),
            message: e.to_string(),
        },
        None => FeatureStatus::Ok,
    }
}

async fn run_probe(client: &AwsClient, probe: Probe) -> Outcome {
    let resolver = client.resolver();
    let home = resolver.partition().home_region();
    let result = match probe {
        Probe::Ec2DryRun(action) => match resolver.regional(Service::Ec2, home) {
            Ok(endpoint) => {
                let params = Params::new().with("DryRun", "true").with("MaxResults", "5");
                client
                    .query(&endpoint, action, &params, EC2_LISTS)
                    .await
                    .map(drop)
            }
            Err(e) => Err(e),
        },
        Probe::IamListUsers => {
            let params = Params::new().with("MaxItems", "1");
            client
                .query(
                    &resolver.global(Service::Iam),
                    "ListUsers",
                    &params,
                    QUERY_LISTS,
                )
                .await
                .map(drop)
        }
        Probe::S3ListBuckets => client
            .rest_get(
                &resolver.global(Service::S3),
                "s3:ListAllMyBuckets",
                "ListAllMyBucketsResult",
                "/",
                &[("max-buckets", Some("1".to_owned()))],
                S3_LISTS,
            )
            .await
            .map(drop),
        Probe::RdsDescribeDbInstances => match resolver.regional(Service::Rds, home) {
            Ok(endpoint) => {
                let params = Params::new().with("MaxRecords", "20");
                client
                    .query(&endpoint, "DescribeDBInstances", &params, RDS_LISTS)
                    .await
                    .map(drop)
            }
            Err(e) => Err(e),
        },
    };
    match result {
        // An endpoint that ignores DryRun and lists is as good an answer as DryRunOperation.
        Ok(()) => Outcome::Allowed,
        Err(e) if e.code() == Some(DRY_RUN_OPERATION) => Outcome::Allowed,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Outcome::Denied,
        Err(e) => Outcome::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_types_come_from_the_arn() {
        assert_eq!(
            principal_type("arn:aws:iam::123456789012:root"),
            PrincipalType::Root
        );
        assert_eq!(
            principal_type("arn:aws-cn:iam::123456789012:user/ops/secops"),
            PrincipalType::User
        );
        assert_eq!(
            principal_type("arn:aws:sts::123456789012:assumed-role/Admin/session"),
            PrincipalType::Role
        );
        assert_eq!(principal_type("garbage"), PrincipalType::Unknown);
    }

    #[test]
    fn verdicts_name_denied_actions_and_policies() {
        let mut outcomes = HashMap::new();
        outcomes.insert(Probe::Ec2DryRun("DescribeInstances"), Outcome::Denied);
        outcomes.insert(Probe::IamListUsers, Outcome::Allowed);
        assert_eq!(
            verdict(StandardFeature::Host, &outcomes),
            FeatureStatus::Missing {
                allowed_actions: vec!["iam:ListUsers".into()],
                denied_actions: vec!["ec2:DescribeInstances".into()],
                grant: vec!["AmazonEC2ReadOnlyAccess".into()],
            }
        );
        outcomes.insert(Probe::IamListUsers, Outcome::Denied);
        let FeatureStatus::Missing { grant, .. } = verdict(StandardFeature::Host, &outcomes) else {
            panic!("expected Missing");
        };
        assert_eq!(grant, ["AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess"]);

        let mut outcomes = HashMap::new();
        outcomes.insert(Probe::Ec2DryRun("DescribeVolumes"), Outcome::Allowed);
        outcomes.insert(
            Probe::Ec2DryRun("DescribeSnapshots"),
            Outcome::Failed(Error::new(ErrorKind::Throttled, "slow down")),
        );
        assert!(matches!(
            verdict(StandardFeature::Agentless, &outcomes),
            FeatureStatus::Error {
                kind: ErrorKind::Throttled,
                ..
            }
        ));
        outcomes.insert(Probe::Ec2DryRun("DescribeSnapshots"), Outcome::Allowed);
        assert_eq!(
            verdict(StandardFeature::Agentless, &outcomes),
            FeatureStatus::Ok
        );
    }

    #[test]
    fn cspm_grants_read_only_access_and_agentless_is_international_only() {
        assert!(probes_for(StandardFeature::Cspm)
            .iter()
            .all(|(_, p)| *p == "ReadOnlyAccess"));
        assert!(supports(StandardFeature::Agentless, Domain::International));
        assert!(!supports(StandardFeature::Agentless, Domain::China));
        assert!(!supports(StandardFeature::Response, Domain::International));
        assert_eq!(
            wrong_partition(Partition::AwsCn),
            "this key belongs to AWS China (aws-cn); set domain = china"
        );
    }
}
