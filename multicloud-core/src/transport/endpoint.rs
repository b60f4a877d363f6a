//! Endpoint overrides: send a provider's (or a host's) requests somewhere else, such as a
//! local simulator, without touching what was signed.

use std::collections::HashMap;

use bytes::Bytes;
use http::header::{HeaderValue, HOST};
use http::uri::{Authority, Scheme};
use http::{Request, Uri};

use super::loopback::check_plain_http;
use crate::error::{Error, Result};
use crate::model::ProviderKind;

/// Checks a user-given endpoint URL (`--endpoint-url`, a builder's `with_endpoint_url`)
/// before anything is sent: `http` or `https`, a host, a port from 1 to 65535 when one is
/// given, no user info, no query. Every failure is a [`Config`](crate::ErrorKind::Config)
/// error naming the URL and the fault; a URL with user info is never echoed (it would be a
/// credential).
///
/// ```
/// use multicloud_core::transport::check_endpoint_url;
///
/// assert!(check_endpoint_url("http://127.0.0.1:4566").is_ok());
/// let err = check_endpoint_url("http://127.0.0.1:99999").unwrap_err();
/// assert!(err.to_string().contains("port 99999"));
/// ```
pub fn check_endpoint_url(url: &str) -> Result<Uri> {
    let trimmed = url.trim();
    if trimmed.contains('@') {
        return Err(Error::config(
            "the endpoint URL must not contain credentials (user@host)",
        ));
    }
    // A query may hold a signature: it is never echoed.
    let shown = trimmed.split('?').next().unwrap_or_default();
    let bad = |why: String| {
        Error::config(format!("invalid endpoint URL {shown:?}: {why}"))
            .with_hint("give scheme://host[:port], e.g. http://127.0.0.1:4566")
    };
    let uri: Uri = trimmed.parse().map_err(|_| bad("not a URL".into()))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(bad(format!("the scheme {other:?} is not http or https"))),
        None => {
            return Err(bad(
                "no scheme: it must start with http:// or https://".into()
            ))
        }
    }
    let Some(authority) = uri.authority() else {
        return Err(bad("no host".into()));
    };
    if authority.host().is_empty() {
        return Err(bad("no host".into()));
    }
    // `Authority::port` hides a port that does not fit in 16 bits: read the text.
    if let Some((_, port)) = authority.as_str().rsplit_once(':') {
        if !port.contains(']') && !matches!(port.parse::<u16>(), Ok(1..)) {
            return Err(bad(format!("port {port} is out of range (1 to 65535)")));
        }
    }
    if uri.query().is_some() {
        return Err(bad("it must not have a query".into()));
    }
    Ok(uri)
}

/// Where overridden requests go: a scheme and an authority (`http://127.0.0.1:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: Scheme,
    authority: Authority,
}

impl Origin {
    fn parse(url: &str) -> Result<Self> {
        let bad = |why: &str| {
            // The URL is the user's own override target; a query string is rejected, never
            // printed, so the message is safe.
            Error::config(format!(
                "endpoint override must be scheme://host[:port] ({why})"
            ))
        };
        if url.contains('@') {
            return Err(bad("credentials in the URL"));
        }
        let uri = check_endpoint_url(url)?;
        let parts = uri.into_parts();
        let scheme = parts.scheme.ok_or_else(|| bad("no scheme"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(bad("scheme is not http or https"));
        }
        let authority = parts.authority.ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("credentials in the URL"));
        }
        match parts.path_and_query {
            Some(pq) if pq.query().is_some() => Err(bad("has a query string")),
            Some(pq) if !matches!(pq.path(), "" | "/") => Err(bad("has a path")),
            _ => Ok(Origin { scheme, authority }),
        }
    }
}

/// Overrides by provider and by host. A host entry wins over the provider's.
#[derive(Debug, Clone, Default)]
pub(crate) struct EndpointOverrides {
    providers: HashMap<ProviderKind, Origin>,
    hosts: HashMap<String, Origin>,
}

impl EndpointOverrides {
    pub(crate) fn add_provider(&mut self, provider: ProviderKind, url: &str) -> Result<()> {
        self.providers.insert(provider, Origin::parse(url)?);
        Ok(())
    }

    pub(crate) fn add_host(&mut self, host: &str, url: &str) -> Result<()> {
        let host = host.trim().to_ascii_lowercase();
        if host.is_empty() {
            return Err(Error::config("host override needs a host name"));
        }
        self.hosts.insert(host, Origin::parse(url)?);
        Ok(())
    }

    /// Refuses a plain `http://` override to a host other than loopback unless `allowed`.
    pub(crate) fn check_plain_http(&self, allowed: bool) -> Result<()> {
        for origin in self.providers.values().chain(self.hosts.values()) {
            let uri = Uri::builder()
                .scheme(origin.scheme.clone())
                .authority(origin.authority.clone())
                .path_and_query("/")
                .build()
                .map_err(|_| Error::config("endpoint override is not a valid URL"))?;
            check_plain_http(&uri, allowed)?;
        }
        Ok(())
    }

    /// Points `request` at its override, if any, keeping the original authority in the
    /// `Host` header: the signature covers that header, and a server or simulator verifying
    /// the signature must see the value that was signed.
    pub(crate) fn apply(&self, provider: ProviderKind, request: &mut Request<Bytes>) -> Result<()> {
        let origin = request
            .uri()
            .host()
            .and_then(|h| self.hosts.get(&h.to_ascii_lowercase()))
            .or_else(|| self.providers.get(&provider));
        let Some(origin) = origin else {
            return Ok(());
        };
        let original = request
            .uri()
            .authority()
            .cloned()
            .ok_or_else(|| Error::config("request URI has no host"))?;
        if !request.headers().contains_key(HOST) {
            let host = HeaderValue::from_str(original.as_str())
                .map_err(|_| Error::config("request host is not a valid header value"))?;
            request.headers_mut().insert(HOST, host);
        }
        let mut parts = request.uri().clone().into_parts();
        parts.scheme = Some(origin.scheme.clone());
        parts.authority = Some(origin.authority.clone());
        *request.uri_mut() =
            Uri::from_parts(parts).map_err(|_| Error::config("cannot rewrite the request URI"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_are_checked_up_front_port_included() {
        for good in [
            "http://127.0.0.1:4566",
            "https://sim.example",
            "http://[::1]:1/",
        ] {
            assert!(check_endpoint_url(good).is_ok(), "{good}");
        }
        for (bad, says) in [
            ("http://127.0.0.1:99999", "port 99999 is out of range"),
            ("http://127.0.0.1:0", "port 0 is out of range"),
            ("127.0.0.1:4566", "scheme"),
            ("ftp://h", "not http or https"),
            ("http://h/?a=1", "query"),
            ("not a url", "not a URL"),
        ] {
            let err = check_endpoint_url(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{bad}");
            assert!(err.to_string().contains(says), "{bad}: {err}");
        }
        let err = check_endpoint_url("http://user:pw@h").unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    fn request(uri: &str) -> Request<Bytes> {
        Request::get(uri).body(Bytes::new()).unwrap()
    }

    #[test]
    fn provider_override_rewrites_origin_and_keeps_path_query_and_signed_host() {
        let mut o = EndpointOverrides::default();
        o.add_provider(ProviderKind::Tencent, "http://127.0.0.1:9000")
            .unwrap();
        let mut r = request("https://cvm.tencentcloudapi.com/v1/x?Action=DescribeInstances");
        o.apply(ProviderKind::Tencent, &mut r).unwrap();
        assert_eq!(
            r.uri().to_string(),
            "http://127.0.0.1:9000/v1/x?Action=DescribeInstances"
        );
        assert_eq!(r.headers()[HOST], "cvm.tencentcloudapi.com");

        // Another provider is left alone.
        let mut other = request("https://ec2.us-east-1.amazonaws.com/");
        o.apply(ProviderKind::Aws, &mut other).unwrap();
        assert_eq!(other.uri().host(), Some("ec2.us-east-1.amazonaws.com"));
        assert!(!other.headers().contains_key(HOST));
    }

    #[test]
    fn existing_host_header_is_kept_and_host_entries_win() {
        let mut o = EndpointOverrides::default();
        o.add_provider(ProviderKind::Huawei, "http://127.0.0.1:1")
            .unwrap();
        o.add_host("IAM.myhuaweicloud.com", "http://127.0.0.1:2/")
            .unwrap();
        let mut r = request("https://iam.myhuaweicloud.com/v3/users");
        r.headers_mut()
            .insert(HOST, HeaderValue::from_static("signed.example"));
        o.apply(ProviderKind::Huawei, &mut r).unwrap();
        assert_eq!(r.uri().authority().unwrap().as_str(), "127.0.0.1:2");
        assert_eq!(r.headers()[HOST], "signed.example");
    }

    #[test]
    fn override_urls_must_be_bare_origins() {
        let mut o = EndpointOverrides::default();
        for bad in [
            "127.0.0.1:80",
            "ftp://127.0.0.1",
            "http://127.0.0.1/prefix",
            "http://127.0.0.1/?sig=x",
            "http://user:pw@127.0.0.1",
            "not a url",
        ] {
            assert!(o.add_provider(ProviderKind::Aws, bad).is_err(), "{bad}");
        }
        assert!(o.add_host(" ", "http://127.0.0.1").is_err());
    }
}
