//! The `reqwest` clients behind a transport: how they trust servers, which proxy they use,
//! and whether they are shared.
//!
//! Every transport has two clients with the same TLS settings: one for loopback hosts that
//! never uses a proxy, and one for everything else that uses the builder's proxy or, by
//! default, the system's (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::error::{Error, Result};

/// The settings the `reqwest` clients are built from.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClientOptions {
    pub(crate) connect_timeout: Duration,
    /// The proxy for non-loopback requests; `None` for the system's.
    pub(crate) proxy: Option<String>,
    /// PEM bundles of extra trusted CA certificates.
    pub(crate) extra_roots: Vec<Vec<u8>>,
    /// Whether the operating system's trust store is trusted too.
    pub(crate) system_roots: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: super::Timeouts::default().connect,
            proxy: None,
            extra_roots: Vec::new(),
            system_roots: false,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A proxy URL may carry a user and password: say only whether one is set.
        f.debug_struct("ClientOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("proxy", &self.proxy.as_ref().map(|_| "** set **"))
            .field("extra_roots", &self.extra_roots.len())
            .field("system_roots", &self.system_roots)
            .finish()
    }
}

/// The two clients of a transport.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    /// For loopback hosts: never through a proxy.
    direct: reqwest::Client,
    /// For every other host: through the configured or system proxy.
    proxied: reqwest::Client,
}

impl Clients {
    /// Builds both clients; a bad proxy URL or certificate is a `Config` error.
    pub(crate) fn new(options: &ClientOptions) -> Result<Self> {
        let mut roots = Vec::new();
        for pem in &options.extra_roots {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|_| Error::config("an extra CA certificate is not valid PEM"))?;
            if certs.is_empty() {
                return Err(Error::config(
                    "an extra CA certificate bundle holds no PEM certificate",
                ));
            }
            roots.extend(certs);
        }
        let builder = || {
            let mut builder = reqwest::Client::builder()
                .use_rustls_tls()
                .connect_timeout(options.connect_timeout)
                // A redirect would be re-sent with a signature made for another URL.
                .redirect(reqwest::redirect::Policy::none())
                .tls_built_in_webpki_certs(true)
                .tls_built_in_native_certs(options.system_roots);
            for root in &roots {
                builder = builder.add_root_certificate(root.clone());
            }
            builder
        };
        let mut proxied = builder();
        if let Some(url) = &options.proxy {
            // The URL may hold credentials: never quoted.
            let proxy = reqwest::Proxy::all(url.as_str())
                .map_err(|_| Error::config("the proxy URL is not valid"))?;
            proxied = proxied.proxy(proxy);
        }
        let setup = |e: reqwest::Error| {
            Error::config("cannot set up the HTTP client").with_source(e.without_url())
        };
        Ok(Clients {
            direct: builder().no_proxy().build().map_err(setup)?,
            proxied: proxied.build().map_err(setup)?,
        })
    }

    /// The client for a request to a loopback host or not.
    pub(crate) fn for_host(&self, loopback: bool) -> &reqwest::Client {
        if loopback {
            &self.direct
        } else {
            &self.proxied
        }
    }
}

/// Where a transport gets its clients from.
#[derive(Debug)]
pub(crate) enum ClientSource {
    /// The clients shared by every default transport on the current tokio runtime.
    Shared,
    /// Clients of this transport's own.
    Dedicated(Clients),
}

impl ClientSource {
    /// Dedicated clients when asked for or when the options differ from the defaults, else
    /// the shared ones (set up now, so a TLS setup failure surfaces at build time).
    pub(crate) fn new(options: &ClientOptions, dedicated: bool) -> Result<Self> {
        if dedicated || *options != ClientOptions::default() {
            return Ok(ClientSource::Dedicated(Clients::new(options)?));
        }
        shared_clients()?;
        Ok(ClientSource::Shared)
    }

    /// The client for a request to a loopback host or not.
    pub(crate) fn client(&self, loopback: bool) -> Result<reqwest::Client> {
        match self {
            ClientSource::Shared => Ok(shared_clients()?.for_host(loopback).clone()),
            ClientSource::Dedicated(clients) => Ok(clients.for_host(loopback).clone()),
        }
    }
}

/// The clients shared on the current tokio runtime (or outside any runtime), built on first
/// use with the default options.
///
/// Sharing stops at the runtime because a pooled connection is driven by a task of the
/// runtime that opened it: handed to another runtime after the first one is gone (as happens
/// between `#[tokio::test]`s), it would fail with "dispatch task is gone".
fn shared_clients() -> Result<Clients> {
    type Shared = Mutex<HashMap<Option<tokio::runtime::Id>, Clients>>;
    static SHARED: OnceLock<Shared> = OnceLock::new();
    let runtime = tokio::runtime::Handle::try_current().ok().map(|h| h.id());
    let mut clients = SHARED
        .get_or_init(Shared::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(found) = clients.get(&runtime) {
        return Ok(found.clone());
    }
    // Runtimes that ended leave their clients behind; past a few, start afresh. A live runtime
    // that loses its entry just gets new clients on its next call.
    if clients.len() >= MAX_SHARED_CLIENTS {
        clients.clear();
    }
    let built = Clients::new(&ClientOptions::default())?;
    clients.insert(runtime, built.clone());
    Ok(built)
}

/// Bound on remembered per-runtime clients (a process normally has one runtime).
const MAX_SHARED_CLIENTS: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_proxy_url() {
        let options = ClientOptions {
            proxy: Some("http://user:PLANTED-PROXY-PASSWORD@127.0.0.1:3128".into()),
            ..ClientOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(!shown.contains("PLANTED"), "{shown}");
        assert!(shown.contains("** set **"), "{shown}");
    }

    #[test]
    fn bad_proxies_and_certificates_are_config_errors_that_quote_nothing() {
        let bad = [
            ClientOptions {
                proxy: Some("::not a url PLANTED".into()),
                ..ClientOptions::default()
            },
            ClientOptions {
                extra_roots: vec![b"not PEM at all PLANTED".to_vec()],
                ..ClientOptions::default()
            },
            ClientOptions {
                extra_roots: vec![
                    b"-----BEGIN CERTIFICATE-----\nPLANTED\n-----END CERTIFICATE-----\n".to_vec(),
                ],
                ..ClientOptions::default()
            },
        ];
        for options in bad {
            let err = Clients::new(&options).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{options:?}");
            assert!(!err.report().contains("PLANTED"), "{}", err.report());
        }
    }
}
