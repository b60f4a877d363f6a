//! Which AWS service, region and partition a request is for, and which action it calls.
//!
//! A request names its target either in the `Host` header (`ec2.us-east-1.amazonaws.com`,
//! `sts.amazonaws.com`, `iam.cn-north-1.amazonaws.com.cn`) or — when a client such as boto3
//! with `endpoint_url` signs the loopback address it connects to — only in the SigV4
//! credential scope `AKID/date/region/service/aws4_request`.

use multicloud_core::Domain;

use crate::sim::SimRequest;

/// The AWS services simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Ec2,
    Sts,
    Iam,
    Rds,
    Elb,
    S3,
    Tagging,
    Sqs,
}

impl Service {
    /// The endpoint prefix and SigV4 signing name.
    pub(crate) fn signing_name(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Sts => "sts",
            Service::Iam => "iam",
            Service::Rds => "rds",
            Service::Elb => "elasticloadbalancing",
            Service::S3 => "s3",
            Service::Tagging => "tagging",
            Service::Sqs => "sqs",
        }
    }

    /// The IAM action prefix used in endpoint names.
    pub(crate) fn action_prefix(self) -> &'static str {
        match self {
            Service::Tagging => "tag",
            other => other.signing_name(),
        }
    }

    fn from_name(name: &str) -> Option<Service> {
        Some(match name {
            "ec2" => Service::Ec2,
            "sts" => Service::Sts,
            "iam" => Service::Iam,
            "rds" => Service::Rds,
            "elasticloadbalancing" => Service::Elb,
            "s3" => Service::S3,
            "tagging" => Service::Tagging,
            "sqs" => Service::Sqs,
            _ => return None,
        })
    }

    /// The XML namespace of the service's responses.
    pub(crate) fn xmlns(self) -> &'static str {
        match self {
            Service::Ec2 => "http://ec2.amazonaws.com/doc/2016-11-15/",
            Service::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
            Service::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Service::Rds => "http://rds.amazonaws.com/doc/2014-10-31/",
            Service::Elb => "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
            Service::S3 => "http://s3.amazonaws.com/doc/2006-03-01/",
            Service::Tagging | Service::Sqs => "",
        }
    }
}

/// Where a request is going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) service: Service,
    /// The region (global endpoints: their signing region).
    pub(crate) region: String,
    /// The partition the target belongs to.
    pub(crate) domain: Domain,
}

/// The partition of a region id.
pub(crate) fn domain_of_region(region: &str) -> Domain {
    if region.starts_with("cn-") {
        Domain::China
    } else {
        Domain::International
    }
}

/// `aws` or `aws-cn`, for ARNs.
pub(crate) fn partition_name(domain: Domain) -> &'static str {
    match domain {
        Domain::China => "aws-cn",
        Domain::International => "aws",
    }
}

/// The DNS suffix of a partition.
pub(crate) fn dns_suffix(domain: Domain) -> &'static str {
    match domain {
        Domain::China => "amazonaws.com.cn",
        Domain::International => "amazonaws.com",
    }
}

/// Routes by a real AWS host name, if the host is one.
fn from_host(host: &str) -> Option<Route> {
    let (rest, domain) = if let Some(r) = host.strip_suffix(".amazonaws.com.cn") {
        (r, Domain::China)
    } else if let Some(r) = host.strip_suffix(".amazonaws.com") {
        (r, Domain::International)
    } else {
        return None;
    };
    let mut parts = rest.split('.');
    let service = Service::from_name(parts.next()?)?;
    let region = match parts.next() {
        Some(r) => r.to_string(),
        // Global endpoints (sts.amazonaws.com, iam.amazonaws.com, s3.amazonaws.com) sign
        // for us-east-1; aws-cn has no global names.
        None if domain == Domain::International => "us-east-1".to_string(),
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(Route {
        service,
        region,
        domain,
    })
}

/// The `(region, service)` of the SigV4 credential scope in the Authorization header or the
/// `X-Amz-Credential` query parameter.
pub(crate) fn credential_scope(req: &SimRequest) -> Option<(String, String)> {
    let cred = match req.header("authorization") {
        Some(auth) => {
            let start = auth.find("Credential=")? + "Credential=".len();
            let end = auth[start..]
                .find([',', ' '])
                .map(|e| start + e)
                .unwrap_or(auth.len());
            auth[start..end].to_string()
        }
        None => req.query_param("X-Amz-Credential")?.to_string(),
    };
    let parts: Vec<&str> = cred.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" {
        return None;
    }
    Some((parts[2].to_string(), parts[3].to_string()))
}

/// Routes a request by host, else by credential scope.
pub(crate) fn route(req: &SimRequest) -> Option<Route> {
    if let Some(r) = from_host(&req.host_name()) {
        return Some(r);
    }
    let (region, service) = credential_scope(req)?;
    Some(Route {
        service: Service::from_name(&service)?,
        domain: domain_of_region(&region),
        region,
    })
}

/// The action parameters of a query/EC2 request: the form body plus the query string.
pub(crate) fn params(req: &SimRequest) -> Vec<(String, String)> {
    let mut p = req.query.clone();
    let is_form = req
        .header("content-type")
        .map(|c| c.starts_with("application/x-www-form-urlencoded"))
        .unwrap_or(true);
    if is_form && !req.body.is_empty() {
        p.extend(req.form_params());
    }
    p
}

/// The first parameter named `name`.
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The values of a numbered list parameter `prefix.1`, `prefix.2`, … in index order.
pub(crate) fn list_param(params: &[(String, String)], prefix: &str) -> Vec<String> {
    let mut items: Vec<(u32, String)> = params
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
            Some((n, v.clone()))
        })
        .collect();
    items.sort();
    items.into_iter().map(|(_, v)| v).collect()
}

/// The action name of a request to `service`, if it names a known action.
pub(crate) fn action(req: &SimRequest, service: Service) -> Option<String> {
    match service {
        Service::S3 => s3_action(req).map(str::to_string),
        Service::Tagging => {
            let target = req.header("x-amz-target")?;
            target
                .strip_prefix("ResourceGroupsTaggingAPI_20170126.")
                .map(str::to_string)
        }
        Service::Sqs => req
            .header("x-amz-target")?
            .strip_prefix("AmazonSQS.")
            .map(str::to_string),
        _ => param(&params(req), "Action").map(str::to_string),
    }
}

fn s3_action(req: &SimRequest) -> Option<&'static str> {
    if req.method != http::Method::GET {
        return None;
    }
    let path = req.path.trim_end_matches('/');
    if path.is_empty() {
        return Some("ListBuckets");
    }
    let bucket_only = !path[1..].contains('/');
    if bucket_only && req.query.iter().any(|(k, _)| k == "location") {
        return Some("GetBucketLocation");
    }
    (!bucket_only).then_some("GetObject")
}

/// The bucket named in a path-style S3 path.
pub(crate) fn s3_bucket(req: &SimRequest) -> String {
    let path = req.path.trim_start_matches('/');
    let name = path.split('/').next().unwrap_or_default();
    percent_encoding::percent_decode_str(name)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn req(host: &str, auth: Option<&str>, body: &str) -> SimRequest {
        let mut headers = http::HeaderMap::new();
        if let Some(a) = auth {
            headers.insert("authorization", a.parse().unwrap());
        }
        SimRequest {
            method: http::Method::POST,
            host: host.into(),
            path: "/".into(),
            query: vec![],
            raw_query: None,
            headers,
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn routes_by_real_host_names() {
        let r = route(&req("ec2.eu-west-1.amazonaws.com", None, "")).unwrap();
        assert_eq!(
            (r.service, r.region.as_str(), r.domain),
            (Service::Ec2, "eu-west-1", Domain::International)
        );
        let r = route(&req("sts.amazonaws.com", None, "")).unwrap();
        assert_eq!((r.service, r.region.as_str()), (Service::Sts, "us-east-1"));
        let r = route(&req("iam.cn-north-1.amazonaws.com.cn:443", None, "")).unwrap();
        assert_eq!((r.service, r.domain), (Service::Iam, Domain::China));
        assert!(route(&req("sts.amazonaws.com.cn", None, "")).is_none());
    }

    #[test]
    fn routes_loopback_by_credential_scope() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKIA/20240101/cn-northwest-1/rds/aws4_request, SignedHeaders=host, Signature=00";
        let r = route(&req("127.0.0.1:5555", Some(auth), "")).unwrap();
        assert_eq!(
            (r.service, r.region.as_str(), r.domain),
            (Service::Rds, "cn-northwest-1", Domain::China)
        );
        assert!(route(&req("127.0.0.1:5555", None, "")).is_none());
    }

    #[test]
    fn reads_actions_and_lists() {
        let r = req(
            "ec2.us-east-1.amazonaws.com",
            None,
            "Action=DescribeInstances&InstanceId.2=i-b&InstanceId.1=i-a",
        );
        assert_eq!(
            action(&r, Service::Ec2).as_deref(),
            Some("DescribeInstances")
        );
        assert_eq!(list_param(&params(&r), "InstanceId"), vec!["i-a", "i-b"]);
    }
}
