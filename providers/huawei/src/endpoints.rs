//! Where each Huawei Cloud service is reached.
//!
//! Regional services live at `https://{service}.{region}.myhuaweicloud.com`, except the EU
//! sovereign region `eu-west-101`, which is on `.myhuaweicloud.eu`. IAM and RMS are global
//! (`iam.myhuaweicloud.com`, `rms.myhuaweicloud.com`); the bucket list is read from the OBS
//! endpoint of a region the account uses (any region's endpoint lists every bucket). A test or proxy may replace all of them with
//! one base URL ([`Endpoints::with_override`]), which then serves every service.

use http::Uri;
use multicloud_core::{Error, Result};

/// The root domain of every region but the EU sovereign one.
const ROOT: &str = "myhuaweicloud.com";
/// The root domain of the EU sovereign region.
const EU_ROOT: &str = "myhuaweicloud.eu";
/// The region served from [`EU_ROOT`].
const EU_REGION: &str = "eu-west-101";

/// Resolves the base URL (`scheme://authority`) of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    /// `scheme://authority` of an override serving every service.
    base: Option<String>,
}

impl Endpoints {
    /// The public endpoints.
    pub(crate) fn new() -> Self {
        Endpoints { base: None }
    }

    /// One URL (e.g. `http://127.0.0.1:40123`) serving every service.
    pub(crate) fn with_override(url: &str) -> Result<Self> {
        // Scheme, host and port range (port 99999 fails here, not at request time).
        multicloud_core::transport::check_endpoint_url(url)?;
        let uri: Uri = url
            .trim()
            .parse()
            .map_err(|e| Error::config(format!("invalid endpoint URL {url:?}: {e}")))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(Error::config(format!(
                "endpoint URL {url:?} needs a scheme and a host, e.g. http://127.0.0.1:8080"
            )));
        };
        if !matches!(scheme, "http" | "https") {
            return Err(Error::config(format!(
                "endpoint URL {url:?} must use http or https"
            )));
        }
        Ok(Endpoints {
            base: Some(format!("{scheme}://{authority}")),
        })
    }

    /// The host of `service` in `region`, or its global host for `None`.
    pub(crate) fn public_host(service: &str, region: Option<&str>) -> String {
        match region {
            Some(r) if r == EU_REGION => format!("{service}.{r}.{EU_ROOT}"),
            Some(r) => format!("{service}.{r}.{ROOT}"),
            None => format!("{service}.{ROOT}"),
        }
    }

    /// The base URL (`scheme://authority`, no trailing slash) of `service` in `region`.
    pub(crate) fn base(&self, service: &str, region: Option<&str>) -> String {
        match &self.base {
            Some(base) => base.clone(),
            None => format!("https://{}", Self::public_host(service, region)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_global_and_eu_hosts() {
        let e = Endpoints::new();
        assert_eq!(
            e.base("ecs", Some("cn-north-4")),
            "https://ecs.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            e.base("cfw", Some("eu-west-101")),
            "https://cfw.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(e.base("iam", None), "https://iam.myhuaweicloud.com");
        assert_eq!(e.base("rms", None), "https://rms.myhuaweicloud.com");
    }

    #[test]
    fn an_override_serves_everything() {
        let e = Endpoints::with_override("http://127.0.0.1:4000/").unwrap();
        assert_eq!(e.base("ecs", Some("cn-north-4")), "http://127.0.0.1:4000");
        assert_eq!(e.base("iam", None), "http://127.0.0.1:4000");
        for bad in ["127.0.0.1:8080", "ftp://x.example", "not a url"] {
            assert!(Endpoints::with_override(bad).is_err(), "{bad}");
        }
    }
}
