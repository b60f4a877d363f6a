//! Shared helpers of the transport tests: a one-answer HTTPS server on loopback and a GET
//! through a transport.

#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use multicloud_core::transport::{CallInfo, StatusClassifier, Transport};
use multicloud_core::{Error, ProviderKind, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// The test CA that signed [`SERVER_PEM`].
pub const CA_PEM: &str = include_str!("../tls/ca.pem");
const SERVER_PEM: &str = include_str!("../tls/server.pem");
const SERVER_KEY: &str = include_str!("../tls/server.key");

/// An HTTPS server on 127.0.0.1 answering every request `200 ok`, counting handshakes.
pub struct TlsServer {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    served: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

impl TlsServer {
    /// Starts the server with the test certificate.
    pub async fn start() -> TlsServer {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(SERVER_PEM.as_bytes())
                .collect::<std::result::Result<_, _>>()
                .expect("test certificate");
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).expect("test key");
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("https://{}", listener.local_addr().expect("address"));
        let served = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicUsize::new(0));
        let (s, r) = (served.clone(), refused.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (acceptor, s, r) = (acceptor.clone(), s.clone(), r.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        r.fetch_add(1, Ordering::SeqCst);
                        return;
                    };
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let answer =
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                    if tls.write_all(answer).await.is_ok() && tls.shutdown().await.is_ok() {
                        s.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        TlsServer {
            url,
            served,
            refused,
        }
    }

    /// Requests answered.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    /// Connections whose TLS handshake failed (the client did not trust the server), once
    /// the server has seen `at_least` of them (or after 10 s): the client may report its
    /// failure before the server task has read the alert.
    pub async fn refused(&self, at_least: usize) -> usize {
        for _ in 0..1000 {
            if self.refused.load(Ordering::SeqCst) >= at_least {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.refused.load(Ordering::SeqCst)
    }
}

/// `GET url` through `transport`, returning the body.
pub async fn get(transport: &Transport, url: &str) -> Result<Bytes> {
    let call = CallInfo::read_only(ProviderKind::Ctyun, "ecs:ListRegions");
    let response = transport
        .execute(
            &call,
            |_| {
                http::Request::get(url)
                    .body(Bytes::new())
                    .map_err(|e| Error::config(e.to_string()))
            },
            &StatusClassifier,
        )
        .await?;
    Ok(response.body)
}
