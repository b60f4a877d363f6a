//! The simulated AWS (providers.md §1): STS, EC2, S3, RDS, ELBv2, IAM and the tagging API,
//! in both the `aws` and `aws-cn` partitions.
//!
//! Endpoint names (for faults, permissions and recording):
//!
//! | endpoint | call |
//! |---|---|
//! | `sts:GetCallerIdentity` | identity (never denied by policy) |
//! | `ec2:DescribeRegions` | regions with `optInStatus` |
//! | `ec2:DescribeInstances` | hosts (`MaxResults` 5..1000, `DryRun`) |
//! | `ec2:DescribeVpcs`, `ec2:DescribeSecurityGroups`, `ec2:DescribeVolumes`, `ec2:DescribeSnapshots` | products |
//! | `s3:ListBuckets`, `s3:GetBucketLocation` | buckets (path-style) |
//! | `rds:DescribeDBInstances` | databases |
//! | `elasticloadbalancing:DescribeLoadBalancers`, `elasticloadbalancing:DescribeTags` | load balancers and their tags |
//! | `iam:ListUsers` | users (global endpoint, us-east-1 scope) |
//! | `iam:CreateUser`, `iam:CreateAccessKey`, … (see `iam.rs`) | quick configuration: users, policies, keys (root only) |
//! | `tag:GetResources` | tagged resources (awsJson1.1) |
//! | `sqs:GetQueueUrl`, `sqs:ReceiveMessage`, `sqs:DeleteMessage` | audit-log queues (awsJson1.0, see [`AuditPipeline`]) |
//! | `s3:GetObject` | CloudTrail log files (`kms:Decrypt` needed for SSE-KMS ones) |
//!
//! Requests are routed by a real `Host` (`ec2.eu-west-1.amazonaws.com`) or, when the
//! client signed the loopback address, by the SigV4 credential scope.

mod auth;
mod ec2;
mod errors;
mod iam;
mod instances;
mod profile;
mod query;
mod route;
mod s3;
mod sqs;
mod tagging;

use multicloud_core::{Domain, ProviderKind};

use crate::fixture::ProviderProfile;
use crate::keys::SimKey;
use crate::sim::{AuthedKey, CloudSim, SimContext, SimRequest, SimResponse};

pub use profile::{demo_keys, profile, ACCOUNT_ID, CHINA_ACCOUNT_ID, DEMO_KEYS};
pub use sqs::{cloudtrail_record, gzip, notification, sns_envelope, test_event, AuditPipeline};

use errors::AwsError;
use route::{Route, Service};

/// The AWS simulator.
#[derive(Debug, Clone, Default)]
pub struct AwsSim {
    audit: AuditPipeline,
}

impl AwsSim {
    /// A simulator with the standard profile.
    pub fn new() -> Self {
        AwsSim::default()
    }

    /// Serves `pipeline`'s queues and log objects (keep a clone to drive it).
    pub fn with_audit(mut self, pipeline: AuditPipeline) -> Self {
        self.audit = pipeline;
        self
    }
}

/// The ARN of the user owning `key`, in the partition of `domain`.
pub(crate) fn user_arn(key: &SimKey, domain: Domain) -> String {
    principal_arn(domain, &key.account_id, &key.user_name)
}

/// `arn:{partition}:iam::{account}:user/{name}`, or `…:root` for the account's root user
/// (a key whose user is named `root`), as STS reports it.
pub(crate) fn principal_arn(domain: Domain, account_id: &str, user_name: &str) -> String {
    let partition = route::partition_name(domain);
    if user_name == "root" {
        return format!("arn:{partition}:iam::{account_id}:root");
    }
    format!("arn:{partition}:iam::{account_id}:user/{user_name}")
}

/// One request being handled.
pub(crate) struct Call<'a> {
    pub(crate) req: &'a SimRequest,
    pub(crate) ctx: &'a SimContext<'a>,
    pub(crate) key: &'a AuthedKey,
    pub(crate) route: Route,
    pub(crate) params: Vec<(String, String)>,
}

impl Call<'_> {
    /// The caller's ARN.
    pub(crate) fn caller_arn(&self) -> String {
        principal_arn(self.route.domain, &self.key.account_id, &self.key.user_name)
    }
}

const ACTIONS: &[(Service, &[&str])] = &[
    (Service::Sts, &["GetCallerIdentity"]),
    (
        Service::Ec2,
        &[
            "DescribeRegions",
            "DescribeInstances",
            "DescribeVpcs",
            "DescribeSecurityGroups",
            "DescribeVolumes",
            "DescribeSnapshots",
        ],
    ),
    (
        Service::S3,
        &["ListBuckets", "GetBucketLocation", "GetObject"],
    ),
    (
        Service::Sqs,
        &["GetQueueUrl", "ReceiveMessage", "DeleteMessage"],
    ),
    (Service::Rds, &["DescribeDBInstances"]),
    (Service::Elb, &["DescribeLoadBalancers", "DescribeTags"]),
    (Service::Iam, iam::ACTIONS),
    (Service::Tagging, &["GetResources"]),
];

fn known(service: Service, action: &str) -> bool {
    ACTIONS
        .iter()
        .any(|(s, names)| *s == service && names.contains(&action))
}

/// The service a request is for, falling back to EC2 (the protocol most clients probe).
fn service_of(req: &SimRequest) -> Service {
    route::route(req).map(|r| r.service).unwrap_or(Service::Ec2)
}

fn render(service: Service, result: Result<SimResponse, AwsError>, rid: &str) -> SimResponse {
    match result {
        Ok(r) => r,
        Err(e) => e.render(service, rid),
    }
}

impl CloudSim for AwsSim {
    fn provider(&self) -> ProviderKind {
        ProviderKind::Aws
    }

    fn profile(&self) -> ProviderProfile {
        profile()
    }

    fn endpoint_of(&self, req: &SimRequest) -> Option<String> {
        let r = route::route(req)?;
        let action = route::action(req, r.service)?;
        known(r.service, &action).then(|| format!("{}:{action}", r.service.action_prefix()))
    }

    /// The region of the real host, or of the SigV4 credential scope for loopback hosts
    /// (global endpoints: their signing region).
    fn region_of(&self, req: &SimRequest, _ctx: &SimContext<'_>) -> Option<String> {
        route::route(req).map(|r| r.region)
    }

    fn authenticate(
        &self,
        req: &SimRequest,
        ctx: &SimContext<'_>,
    ) -> Result<AuthedKey, SimResponse> {
        let service = service_of(req);
        let route = route::route(req)
            .ok_or_else(|| errors::missing_auth(service).render(service, ctx.request_id))?;
        auth::authenticate(req, ctx, &route, ctx.endpoint)
            .map(|k| AuthedKey {
                key_id: k.id,
                account_id: k.account_id,
                user_name: k.user_name,
                user_id: k.user_id,
            })
            .map_err(|e| e.render(service, ctx.request_id))
    }

    fn handle(&self, req: &SimRequest, key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse {
        let service = service_of(req);
        let Some(route) = route::route(req) else {
            return errors::missing_auth(service).render(service, ctx.request_id);
        };
        let call = Call {
            req,
            ctx,
            key,
            params: route::params(req),
            route,
        };
        let action = ctx.endpoint.split_once(':').map(|(_, a)| a).unwrap_or("");
        let xml = |r: Result<String, AwsError>| r.map(|body| SimResponse::xml(200, body));
        if service == Service::Ec2
            && route::param(&call.params, "DryRun").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            // Permission was already checked: a dry run that got here would have succeeded.
            let e = AwsError::new(
                412,
                "DryRunOperation",
                "Request would have succeeded, but DryRun flag is set.",
            );
            return e.render(service, ctx.request_id);
        }
        let result = match (service, action) {
            (Service::Sts, _) => xml(query::get_caller_identity(&call)),
            (Service::Iam, _) => xml(iam::handle(&call, action)),
            (Service::Rds, _) => xml(query::describe_db_instances(&call)),
            (Service::Elb, "DescribeTags") => xml(query::describe_tags(&call)),
            (Service::Elb, _) => xml(query::describe_load_balancers(&call)),
            (Service::Ec2, "DescribeRegions") => xml(ec2::describe_regions(&call)),
            (Service::Ec2, "DescribeInstances") => xml(instances::describe_instances(&call)),
            (Service::Ec2, "DescribeVpcs") => xml(ec2::describe_vpcs(&call)),
            (Service::Ec2, "DescribeSecurityGroups") => xml(ec2::describe_security_groups(&call)),
            (Service::Ec2, "DescribeVolumes") => xml(ec2::describe_volumes(&call)),
            (Service::Ec2, _) => xml(ec2::describe_snapshots(&call)),
            (Service::S3, "ListBuckets") => s3::list_buckets(&call)
                .map(|b| SimResponse::xml(200, b).with_header("x-amz-request-id", ctx.request_id)),
            (Service::S3, "GetObject") => s3::get_object(&call, &self.audit),
            (Service::S3, _) => s3::get_bucket_location(&call).map(|b| SimResponse::xml(200, b)),
            (Service::Sqs, _) => sqs::handle(&call, action, &self.audit).map(|a| {
                let mut r = SimResponse::json(200, &a.body);
                r.headers = vec![
                    ("Content-Type".into(), "application/x-amz-json-1.0".into()),
                    ("x-amzn-RequestId".into(), ctx.request_id.into()),
                ];
                match a.delay {
                    Some(delay) => r.with_delay(delay),
                    None => r,
                }
            }),
            (Service::Tagging, _) => tagging::get_resources(&call).map(|v| {
                let mut r = SimResponse::json(200, &v);
                r.headers = vec![
                    ("Content-Type".into(), "application/x-amz-json-1.1".into()),
                    ("x-amzn-RequestId".into(), ctx.request_id.into()),
                ];
                r
            }),
        };
        render(service, result, ctx.request_id)
    }

    fn throttle_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        let service = service_of(req);
        errors::throttled(service).render(service, ctx.request_id)
    }

    fn server_error_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        let service = service_of(req);
        errors::internal(service).render(service, ctx.request_id)
    }

    fn clock_skew_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        let service = service_of(req);
        // Report the request as 20 minutes late when it carries no usable date.
        let signed = auth::signed_time(req).unwrap_or(ctx.now - time::Duration::minutes(20));
        let signed = if (ctx.now - signed).abs() <= auth::MAX_SKEW {
            ctx.now - time::Duration::minutes(20)
        } else {
            signed
        };
        auth::skew_error(service, signed, ctx.now).render(service, ctx.request_id)
    }

    fn unknown_route_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        let service = service_of(req);
        if req.header("authorization").is_none() && route::route(req).is_none() {
            return errors::missing_auth(service).render(service, ctx.request_id);
        }
        let action = route::action(req, service).unwrap_or_default();
        errors::unknown_action(service, &action).render(service, ctx.request_id)
    }
}
