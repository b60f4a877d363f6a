//! The canned server: a multi-threaded HTTP/1.1 front on 127.0.0.1 that answers each distinct
//! request from a cache, after an injected latency, and asks the real simulator only the
//! first time a request is seen.
//!
//! The simulators check every signature and render every page, which costs far more CPU than
//! the SDK spends parsing it; serving 100,000 hosts from them would measure the simulators.
//! So the front forwards a request it has not seen (bytes unchanged, so the signature still
//! verifies) and keeps the answer; later requests with the same meaning are answered from
//! memory. "The same meaning" is the method, target, body and the routing parts of the
//! headers (Tencent's `X-TC-Action`/`-Region`/`-Version`, the credential scope's region and
//! service), never the volatile ones (dates, signatures, request ids).
//!
//! It counts requests per (action, region) and cache misses; `GET /__scale/stats` returns
//! them as text lines, `GET /__scale/reset` zeroes them and `GET /__scale/latency/<ms>` sets
//! the injected latency from then on. Which action and region a request is comes from
//! `route.rs`, per cloud.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::route::Router;

/// A parsed message head: the raw bytes (through the blank line) and the header fields.
pub(crate) struct Head {
    raw: Vec<u8>,
    pub(crate) start: String,
    headers: Vec<(String, String)>,
}

impl Head {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn content_length(&self) -> io::Result<usize> {
        match self.header("content-length") {
            None => Ok(0),
            Some(v) => v
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length")),
        }
    }
}

/// Reads one head; `None` at a clean end of stream.
async fn read_head<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<Option<Head>> {
    let mut raw = Vec::new();
    let mut line = Vec::new();
    let mut start = String::new();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).await? == 0 {
            return if raw.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        raw.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        if text.is_empty() {
            if start.is_empty() {
                continue; // stray CRLF between messages
            }
            return Ok(Some(Head {
                raw,
                start,
                headers,
            }));
        }
        if start.is_empty() {
            start = text.to_owned();
        } else if let Some((n, v)) = text.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
}

async fn read_body<R: AsyncBufRead + Unpin>(r: &mut R, head: &Head) -> io::Result<Vec<u8>> {
    let mut body = vec![0; head.content_length()?];
    r.read_exact(&mut body).await?;
    Ok(body)
}

/// Counters, per (action, region).
#[derive(Default)]
struct Stats {
    requests: BTreeMap<(String, String), u64>,
    misses: u64,
}

/// The shared state of one front.
pub(crate) struct Front {
    upstream: SocketAddr,
    /// The injected latency, in microseconds.
    latency_us: AtomicU64,
    router: Router,
    cache: RwLock<HashMap<Vec<u8>, Arc<Vec<u8>>>>,
    stats: Mutex<Stats>,
}

impl Front {
    /// Listens on 127.0.0.1 (random port), forwarding misses to `upstream`; `router` names
    /// each request's action and region.
    pub(crate) async fn start(
        upstream: SocketAddr,
        latency: Duration,
        router: Router,
    ) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let front = Arc::new(Front {
            upstream,
            latency_us: AtomicU64::new(latency.as_micros() as u64),
            router,
            cache: RwLock::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
        });
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let _ = client.set_nodelay(true);
                let front = Arc::clone(&front);
                tokio::spawn(async move {
                    if let Err(e) = front.serve(client).await {
                        if e.kind() != io::ErrorKind::ConnectionReset {
                            eprintln!("scale front: connection ended: {e}");
                        }
                    }
                });
            }
        });
        Ok(addr)
    }

    async fn serve(&self, client: TcpStream) -> io::Result<()> {
        let (read, mut write) = client.into_split();
        let mut read = BufReader::new(read);
        let mut upstream: Option<BufReader<TcpStream>> = None;
        while let Some(head) = read_head(&mut read).await? {
            let body = read_body(&mut read, &head).await?;
            if let Some(control) = head.start.split(' ').nth(1) {
                if let Some(what) = control.strip_prefix("/__scale/") {
                    write.write_all(&self.control(what)).await?;
                    continue;
                }
            }
            let key = cache_key(&head, &body);
            let (action, region) = self.router.route(&head, &body);
            self.count(action, region);
            let cached = self
                .cache
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned();
            let response = match cached {
                Some(response) => response,
                None => {
                    let (response, ok) = self.forward(&mut upstream, &head, &body).await?;
                    let response = Arc::new(response);
                    self.stats.lock().unwrap_or_else(|p| p.into_inner()).misses += 1;
                    if ok {
                        self.cache
                            .write()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(key, Arc::clone(&response));
                    }
                    response
                }
            };
            let latency = self.latency_us.load(Ordering::Relaxed);
            tokio::time::sleep(Duration::from_micros(latency)).await;
            write.write_all(&response).await?;
        }
        Ok(())
    }

    /// Sends the request to the simulator unchanged and returns its whole response, and
    /// whether it was a 200 (only those are kept).
    async fn forward(
        &self,
        upstream: &mut Option<BufReader<TcpStream>>,
        head: &Head,
        body: &[u8],
    ) -> io::Result<(Vec<u8>, bool)> {
        if upstream.is_none() {
            *upstream = Some(BufReader::new(TcpStream::connect(self.upstream).await?));
        }
        let Some(conn) = upstream.as_mut() else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        conn.get_mut().write_all(&head.raw).await?;
        conn.get_mut().write_all(body).await?;
        let Some(answer) = read_head(conn).await? else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        let answer_body = read_body(conn, &answer).await?;
        let ok = answer.start.split(' ').nth(1) == Some("200");
        let mut response = answer.raw;
        response.extend_from_slice(&answer_body);
        Ok((response, ok))
    }

    fn count(&self, action: String, region: String) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        *stats.requests.entry((action, region)).or_default() += 1;
    }

    fn control(&self, what: &str) -> Vec<u8> {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = String::new();
        if what == "reset" {
            *stats = Stats::default();
        } else if let Some(ms) = what.strip_prefix("latency/") {
            let ms: u64 = ms.parse().unwrap_or(0);
            self.latency_us.store(ms * 1000, Ordering::Relaxed);
        } else {
            text.push_str(&format!("misses {}\n", stats.misses));
            for ((action, region), n) in &stats.requests {
                text.push_str(&format!("{action} {region} {n}\n"));
            }
        }
        let mut out = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n",
            text.len()
        )
        .into_bytes();
        out.extend_from_slice(text.as_bytes());
        out
    }
}

/// The cache key of a request: the method and target, the host, the routing headers (Tencent's
/// `X-TC-Action`/`-Region`/`-Version`, the credential scope's region and service of SigV4 and
/// TC3) and the body. Dates, signatures and request ids are left out.
fn cache_key(head: &Head, body: &[u8]) -> Vec<u8> {
    let mut key = head.start.as_bytes().to_vec();
    // Baidu routes by host (`bcc.{region}.baidubce.com`), even through the override URL.
    for name in ["host", "x-tc-action", "x-tc-region", "x-tc-version"] {
        key.push(b'\n');
        key.extend_from_slice(head.header(name).unwrap_or_default().as_bytes());
    }
    if let Some(scope) = crate::route::credential_scope(head) {
        key.push(b'\n');
        key.extend_from_slice(scope.join("/").as_bytes());
    }
    key.push(b'\n');
    key.extend_from_slice(body);
    key
}
