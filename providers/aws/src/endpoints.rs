//! Where each call goes: service, region and partition → URL and signing scope.
//!
//! Default hosts follow botocore's `endpoints.json` (providers.md §1.0):
//! `{service}.{region}.amazonaws.com` (`aws`) or `….amazonaws.com.cn` (`aws-cn`); IAM is
//! global (`iam.amazonaws.com`, China `iam.cn-north-1.amazonaws.com.cn`); STS is global in
//! `aws` and regional in `aws-cn`, which has no global STS endpoint.
//!
//! With an endpoint override every service goes to that one URL, exactly like
//! `AWS_ENDPOINT_URL` / boto3's `endpoint_url`: the region and service of the signature come
//! from the scope, the `Host` signed is the override's `host:port`, and S3 is path-style.

use std::fmt;

use multicloud_core::signing::percent_encode;
use multicloud_core::{validate_region_id, Domain, Error, ProviderKind, Result};

/// Percent-encodes one query or form component: RFC 3986 unreserved characters stay, the
/// rest is `%XX` — what botocore does for query-protocol bodies (`quote(x, safe='-_.~')`).
pub(crate) fn encode(value: &str) -> String {
    percent_encode(value.as_bytes())
}

/// An AWS partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Partition {
    /// `aws`: the International regions.
    Aws,
    /// `aws-cn`: Beijing and Ningxia.
    AwsCn,
}

impl Partition {
    /// The partition of a domain.
    pub(crate) fn of(domain: Domain) -> Self {
        match domain {
            Domain::International => Partition::Aws,
            Domain::China => Partition::AwsCn,
        }
    }

    /// The other partition (for the wrong-partition diagnosis).
    pub(crate) fn other(self) -> Self {
        match self {
            Partition::Aws => Partition::AwsCn,
            Partition::AwsCn => Partition::Aws,
        }
    }

    /// The partition's name as in ARNs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
        }
    }

    /// The SDK domain of the partition.
    pub(crate) fn domain(self) -> Domain {
        match self {
            Partition::Aws => Domain::International,
            Partition::AwsCn => Domain::China,
        }
    }

    fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
        }
    }

    /// Whether `region` belongs to this partition (`aws`: `us-east-1`, `eu-west-1`, … but not
    /// GovCloud, ISO or European Sovereign Cloud regions; `aws-cn`: `cn-*`).
    pub(crate) fn contains_region(self, region: &str) -> bool {
        const INTERNATIONAL: [&str; 9] = [
            "us-", "eu-", "ap-", "sa-", "ca-", "me-", "af-", "il-", "mx-",
        ];
        const OTHER_PARTITIONS: [&str; 3] = ["us-gov-", "us-iso", "eusc-"];
        match self {
            Partition::AwsCn => region.starts_with("cn-"),
            Partition::Aws => {
                INTERNATIONAL.iter().any(|p| region.starts_with(p))
                    && !OTHER_PARTITIONS.iter().any(|p| region.starts_with(p))
            }
        }
    }

    /// The region global calls (STS, IAM, S3 ListBuckets, DescribeRegions) are made in.
    pub(crate) fn home_region(self) -> &'static str {
        match self {
            Partition::Aws => "us-east-1",
            Partition::AwsCn => "cn-north-1",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The AWS services this crate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Service {
    Sts,
    Ec2,
    Iam,
    Rds,
    Elbv2,
    S3,
    Sqs,
}

impl Service {
    /// The endpoint prefix and SigV4 signing name (the same for every service we call).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::Ec2 => "ec2",
            Service::Iam => "iam",
            Service::Rds => "rds",
            Service::Elbv2 => "elasticloadbalancing",
            Service::S3 => "s3",
            Service::Sqs => "sqs",
        }
    }

    /// The IAM action prefix (`ec2:DescribeInstances`).
    pub(crate) fn action_prefix(self) -> &'static str {
        self.name()
    }

    /// The API version sent with query-protocol calls.
    pub(crate) fn api_version(self) -> &'static str {
        match self {
            Service::Sts => "2011-06-15",
            Service::Ec2 => "2016-11-15",
            Service::Iam => "2010-05-08",
            Service::Rds => "2014-10-31",
            Service::Elbv2 => "2015-12-01",
            Service::S3 => "2006-03-01",
            Service::Sqs => "2012-11-05",
        }
    }
}

/// A resolved endpoint: the base URL (no trailing slash) and the SigV4 scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) base_url: String,
    pub(crate) signing_region: String,
    pub(crate) service: Service,
    /// Whether S3 bucket operations must be path-style (always, with an override).
    pub(crate) path_style: bool,
}

/// Resolves endpoints for one partition, optionally overridden by one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolver {
    partition: Partition,
    override_url: Option<String>,
}

impl Resolver {
    /// A resolver for `partition`; `override_url` (validated) replaces every host.
    pub(crate) fn new(partition: Partition, override_url: Option<&str>) -> Result<Self> {
        let override_url = override_url.map(validate_override).transpose()?;
        Ok(Resolver {
            partition,
            override_url,
        })
    }

    /// The partition.
    pub(crate) fn partition(&self) -> Partition {
        self.partition
    }

    /// The same resolver for the other partition (same override).
    pub(crate) fn for_partition(&self, partition: Partition) -> Self {
        Resolver {
            partition,
            override_url: self.override_url.clone(),
        }
    }

    /// The endpoint for a regional call to `service` in `region`.
    pub(crate) fn regional(&self, service: Service, region: &str) -> Result<Endpoint> {
        validate_region(region)?;
        let host = format!(
            "{}.{}.{}",
            service.name(),
            region,
            self.partition.dns_suffix()
        );
        Ok(self.endpoint(service, host, region))
    }

    /// The endpoint for a global call (STS identity, IAM, S3 bucket list).
    pub(crate) fn global(&self, service: Service) -> Endpoint {
        let home = self.partition.home_region();
        let host = match (self.partition, service) {
            (Partition::Aws, Service::Sts | Service::Iam | Service::S3) => {
                format!("{}.amazonaws.com", service.name())
            }
            // aws-cn has no global STS or IAM host: both are served from cn-north-1.
            (partition, service) => {
                format!("{}.{}.{}", service.name(), home, partition.dns_suffix())
            }
        };
        self.endpoint(service, host, home)
    }

    /// Where an S3 bucket-level call (`GET /{bucket}?location`) goes, and the path to use.
    /// Virtual-hosted (`{bucket}.s3.amazonaws.com`) by default, as AWS recommends; path-style
    /// with an endpoint override, or when the name has dots (they break the TLS wildcard).
    pub(crate) fn s3_bucket(&self, bucket: &str) -> (Endpoint, String) {
        let mut endpoint = self.global(Service::S3);
        let encoded = encode(bucket);
        if endpoint.path_style || bucket.contains('.') || encoded != bucket {
            return (endpoint, format!("/{encoded}"));
        }
        endpoint.base_url =
            endpoint
                .base_url
                .replacen("https://", &format!("https://{bucket}."), 1);
        (endpoint, "/".to_owned())
    }

    /// Where an S3 object of `bucket` in `region` is read, and the object's path (`key`
    /// percent-encoded, `/` kept): virtual-hosted `{bucket}.s3.{region}.…` by default,
    /// path-style with an endpoint override or a bucket name DNS cannot carry.
    pub(crate) fn s3_object(
        &self,
        bucket: &str,
        region: &str,
        key: &str,
    ) -> Result<(Endpoint, String)> {
        let mut endpoint = self.regional(Service::S3, region)?;
        let key: Vec<String> = key.split('/').map(encode).collect();
        let key = key.join("/");
        let encoded = encode(bucket);
        if endpoint.path_style || bucket.contains('.') || encoded != bucket {
            return Ok((endpoint, format!("/{encoded}/{key}")));
        }
        endpoint.base_url =
            endpoint
                .base_url
                .replacen("https://", &format!("https://{bucket}."), 1);
        Ok((endpoint, format!("/{key}")))
    }

    fn endpoint(&self, service: Service, host: String, region: &str) -> Endpoint {
        let (base_url, path_style) = match &self.override_url {
            Some(url) => (url.clone(), true),
            None => (format!("https://{host}"), false),
        };
        Endpoint {
            base_url,
            signing_region: region.to_owned(),
            service,
            path_style,
        }
    }
}

/// Region ids become DNS labels: accept only what region ids are made of.
fn validate_region(region: &str) -> Result<()> {
    validate_region_id(region).map_err(|e| e.with_provider(ProviderKind::Aws))
}

fn validate_override(url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    // Checked first, and the URL is then never echoed: userinfo would be a credential.
    if trimmed.contains('@') {
        return Err(Error::config(
            "endpoint URL must not contain credentials (user@host)",
        ));
    }
    // Scheme, host and port range first (port 99999 fails here, not at request time).
    multicloud_core::transport::check_endpoint_url(trimmed)?;
    let bad = |why: &str| Error::config(format!("invalid endpoint URL {trimmed:?}: {why}"));
    let uri: http::Uri = trimmed.parse().map_err(|_| bad("not a URL"))?;
    if !matches!(uri.scheme_str(), Some("http") | Some("https")) {
        return Err(bad("it must start with http:// or https://"));
    }
    if uri.authority().is_none() {
        return Err(bad("no host"));
    }
    if uri.query().is_some() {
        return Err(bad("it must not have a query"));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_hosts() {
        let r = Resolver::new(Partition::Aws, None).unwrap();
        let e = r.regional(Service::Ec2, "eu-west-1").unwrap();
        assert_eq!(e.base_url, "https://ec2.eu-west-1.amazonaws.com");
        assert_eq!(e.signing_region, "eu-west-1");
        let e = r.regional(Service::Elbv2, "us-west-2").unwrap();
        assert_eq!(
            e.base_url,
            "https://elasticloadbalancing.us-west-2.amazonaws.com"
        );
        let sts = r.global(Service::Sts);
        assert_eq!(sts.base_url, "https://sts.amazonaws.com");
        assert_eq!(sts.signing_region, "us-east-1");
        assert_eq!(r.global(Service::Iam).base_url, "https://iam.amazonaws.com");
        assert_eq!(r.global(Service::S3).base_url, "https://s3.amazonaws.com");
        assert!(!r.global(Service::S3).path_style);
    }

    #[test]
    fn china_hosts_have_no_global_sts_or_iam() {
        let r = Resolver::new(Partition::AwsCn, None).unwrap();
        let e = r.regional(Service::Ec2, "cn-northwest-1").unwrap();
        assert_eq!(e.base_url, "https://ec2.cn-northwest-1.amazonaws.com.cn");
        let sts = r.global(Service::Sts);
        assert_eq!(sts.base_url, "https://sts.cn-north-1.amazonaws.com.cn");
        assert_eq!(sts.signing_region, "cn-north-1");
        let iam = r.global(Service::Iam);
        assert_eq!(iam.base_url, "https://iam.cn-north-1.amazonaws.com.cn");
        assert_eq!(iam.signing_region, "cn-north-1");
        assert_eq!(
            r.global(Service::S3).base_url,
            "https://s3.cn-north-1.amazonaws.com.cn"
        );
    }

    #[test]
    fn override_sends_every_service_to_one_url_but_keeps_the_scope() {
        let r = Resolver::new(Partition::AwsCn, Some("http://127.0.0.1:4566/")).unwrap();
        let e = r.regional(Service::Rds, "cn-north-1").unwrap();
        assert_eq!(e.base_url, "http://127.0.0.1:4566");
        assert_eq!(e.signing_region, "cn-north-1");
        assert!(e.path_style);
        let sts = r.for_partition(Partition::Aws).global(Service::Sts);
        assert_eq!(sts.base_url, "http://127.0.0.1:4566");
        assert_eq!(sts.signing_region, "us-east-1");
    }

    #[test]
    fn s3_buckets_are_virtual_hosted_unless_overridden_or_dotted() {
        let r = Resolver::new(Partition::Aws, None).unwrap();
        let (e, path) = r.s3_bucket("logs");
        assert_eq!(
            (e.base_url.as_str(), path.as_str()),
            ("https://logs.s3.amazonaws.com", "/")
        );
        let (e, path) = r.s3_bucket("my.dotted.bucket");
        assert_eq!(e.base_url, "https://s3.amazonaws.com");
        assert_eq!(path, "/my.dotted.bucket");
        let cn = Resolver::new(Partition::AwsCn, None).unwrap();
        let (e, _) = cn.s3_bucket("logs");
        assert_eq!(e.base_url, "https://logs.s3.cn-north-1.amazonaws.com.cn");
        assert_eq!(e.signing_region, "cn-north-1");
        let o = Resolver::new(Partition::Aws, Some("http://127.0.0.1:9000")).unwrap();
        let (e, path) = o.s3_bucket("logs");
        assert_eq!(
            (e.base_url.as_str(), path.as_str()),
            ("http://127.0.0.1:9000", "/logs")
        );
    }

    #[test]
    fn s3_objects_are_virtual_hosted_in_their_region_with_the_key_encoded() {
        let r = Resolver::new(Partition::Aws, None).unwrap();
        let (e, path) = r
            .s3_object("trail", "eu-west-1", "AWSLogs/1/a b+c.json.gz")
            .unwrap();
        assert_eq!(e.base_url, "https://trail.s3.eu-west-1.amazonaws.com");
        assert_eq!(e.signing_region, "eu-west-1");
        assert_eq!(path, "/AWSLogs/1/a%20b%2Bc.json.gz");
        let o = Resolver::new(Partition::Aws, Some("http://127.0.0.1:9000")).unwrap();
        let (e, path) = o.s3_object("trail", "eu-west-1", "k/x").unwrap();
        assert_eq!(
            (e.base_url.as_str(), path.as_str()),
            ("http://127.0.0.1:9000", "/trail/k/x")
        );
    }

    #[test]
    fn bad_regions_and_urls_are_config_errors() {
        let r = Resolver::new(Partition::Aws, None).unwrap();
        for bad in [
            "",
            "us-east-1.evil.com",
            "US-EAST-1",
            "a/b",
            "../x",
            "us east-1",
        ] {
            assert_eq!(
                r.regional(Service::Ec2, bad).unwrap_err().kind(),
                multicloud_core::ErrorKind::Config,
                "{bad}"
            );
        }
        for bad in [
            "localhost:4566",
            "ftp://x",
            "http://h?x=1",
            "not a url",
            "http://u:p@h",
        ] {
            assert!(Resolver::new(Partition::Aws, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn unicode_is_encoded_as_utf8_bytes() {
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode("-_.~"), "-_.~");
    }
}
