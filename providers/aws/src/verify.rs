//! Verify: STS `GetCallerIdentity` proves the key and names the account; one cheap probe per
//! resource kind then tells whether the key may list it (core folds these into per-feature
//! verdicts with the policies to grant).
//!
//! `GetCallerIdentity` needs no permission and ignores explicit denies (providers.md §1.a),
//! so a valid key can still list nothing: the probes catch that ("valid but empty", see
//! [`VerifyReport::is_valid_but_empty`](multicloud_core::VerifyReport::is_valid_but_empty)).
//!
//! Nothing here retries an authentication failure. The one extra identity call, made when
//! the key id is unknown, goes to the *other* partition's STS: it does not repeat the failed
//! request, it asks a different authority whether the key is a China (or International) key,
//! so the report can say "wrong domain" instead of "invalid key".

use multicloud_core::{
    CredentialStatus, Domain, Error, ErrorKind, Identity, KeyCheck, PrincipalType, ResourceKind,
    Result,
};

use crate::client::{AwsClient, Params};
use crate::endpoints::{Partition, Resolver, Service};
use crate::errors::{DRY_RUN_OPERATION, UNKNOWN_KEY_CODES};
use crate::wire::query::{decode_result, CallerIdentity};
use crate::wire::xml::{EC2_LISTS, QUERY_LISTS, RDS_LISTS, S3_LISTS};

/// The identity call, with a diagnosis for every way it can fail.
pub(crate) async fn check_key(client: &AwsClient) -> Result<KeyCheck> {
    match caller_identity(client, client.resolver()).await {
        Ok(identity) => Ok(KeyCheck::new(CredentialStatus::Valid, Some(identity))),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Config | ErrorKind::CredentialNotConfigured
            ) =>
        {
            Err(e)
        }
        Err(e) => {
            let (status, identity) = diagnose(client, &e).await;
            Ok(KeyCheck::new(status, identity))
        }
    }
}

/// The caller's account id, asked once per client and remembered.
pub(crate) async fn account_id(client: &AwsClient) -> Result<String> {
    if let Some(id) = client.known_account_id() {
        return Ok(id.to_owned());
    }
    let identity = caller_identity(client, client.resolver()).await?;
    Ok(identity.account_id)
}

/// STS `GetCallerIdentity` against `resolver`'s partition.
async fn caller_identity(client: &AwsClient, resolver: &Resolver) -> Result<Identity> {
    let endpoint = resolver.global(Service::Sts);
    let out = client
        .query(&endpoint, "GetCallerIdentity", &Params::new(), QUERY_LISTS)
        .await?;
    let id: CallerIdentity = decode_result(&out.doc, "GetCallerIdentity")?;
    if resolver.partition() == client.resolver().partition() {
        client.remember_account_id(&id.account);
    }
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
        Domain::China => "China",
        Domain::International => "International",
    };
    format!(
        "this key belongs to {}; build the provider with with_domain(Domain::{domain})",
        partition_label(actual)
    )
}

/// One cheap call of `kind`'s main listing action, in the partition's home region.
pub(crate) async fn probe_read(client: &AwsClient, kind: &ResourceKind) -> Result<()> {
    let resolver = client.resolver();
    let home = resolver.partition().home_region();
    let result = match kind.id {
        "host" => ec2_dry_run(client, "DescribeInstances").await,
        "ec2.vpc" => ec2_dry_run(client, "DescribeVpcs").await,
        "ec2.security_group" => ec2_dry_run(client, "DescribeSecurityGroups").await,
        "ec2.volume" => ec2_dry_run(client, "DescribeVolumes").await,
        "ec2.snapshot" => ec2_dry_run(client, "DescribeSnapshots").await,
        "rds.db_instance" => {
            let params = Params::new().with("MaxRecords", "20");
            let endpoint = resolver.regional(Service::Rds, home)?;
            client
                .query(&endpoint, "DescribeDBInstances", &params, RDS_LISTS)
                .await
                .map(drop)
        }
        "elasticloadbalancing.load_balancer" => {
            let params = Params::new().with("PageSize", "1");
            let endpoint = resolver.regional(Service::Elbv2, home)?;
            client
                .query(&endpoint, "DescribeLoadBalancers", &params, QUERY_LISTS)
                .await
                .map(drop)
        }
        "s3.bucket" => client
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
        "iam.user" => {
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
        other => Err(Error::config(format!("AWS has no resource kind {other}"))),
    };
    match result {
        // An endpoint that ignores DryRun and lists is as good an answer as DryRunOperation.
        Err(e) if e.code() == Some(DRY_RUN_OPERATION) => Ok(()),
        other => other,
    }
}

/// An EC2 `Describe*` call with `DryRun=true`: `DryRunOperation` means allowed.
async fn ec2_dry_run(client: &AwsClient, action: &str) -> Result<()> {
    let home = client.resolver().partition().home_region();
    let endpoint = client.resolver().regional(Service::Ec2, home)?;
    let params = Params::new().with("DryRun", "true").with("MaxResults", "5");
    client
        .query(&endpoint, action, &params, EC2_LISTS)
        .await
        .map(drop)
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
    fn a_wrong_partition_names_the_domain_to_set() {
        assert_eq!(
            wrong_partition(Partition::AwsCn),
            "this key belongs to AWS China (aws-cn); build the provider with with_domain(Domain::China)"
        );
    }
}
