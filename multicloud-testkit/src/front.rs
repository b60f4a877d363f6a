//! A tiny loopback TCP front in front of the wiremock server, so faults that HTTP mocks
//! cannot express — a dropped connection, a body cut off half-way — can be injected.
//!
//! Client bytes are piped to wiremock unchanged. Responses are parsed one by one (status
//! line, headers, `Content-Length` body); a response the simulator marked with
//! [`FAULT_HEADER`] is turned into a closed connection or a truncated body; every other
//! response is forwarded as is, minus the internal marker headers.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Marks a response for the front: `drop` or `truncate`.
pub(crate) const FAULT_HEADER: &str = "x-multicloud-sim-fault";
/// Marks a response that has no body despite its `Content-Length` (a reply to `HEAD`).
pub(crate) const NO_BODY_HEADER: &str = "x-multicloud-sim-no-body";
const INTERNAL_PREFIX: &str = "x-multicloud-sim-";

/// The running front; stops accepting when dropped.
#[derive(Debug)]
pub(crate) struct Front {
    addr: SocketAddr,
    accept: JoinHandle<()>,
}

impl Front {
    /// Listens on 127.0.0.1 (random port) and forwards to `upstream`.
    pub(crate) async fn start(upstream: SocketAddr) -> io::Result<Front> {
        let listener = TcpListener::bind((crate::LOOPBACK, 0)).await?;
        let addr = listener.local_addr()?;
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    // A failed connection only affects that client; nothing to report.
                    let _ = serve(client, upstream).await;
                });
            }
        });
        Ok(Front { addr, accept })
    }

    /// The address clients connect to.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

struct Head {
    raw: Vec<u8>,
    status: u16,
    content_length: Option<usize>,
    chunked: bool,
    fault: Option<String>,
    no_body: bool,
}

async fn serve(client: TcpStream, upstream: SocketAddr) -> io::Result<()> {
    let server = TcpStream::connect(upstream).await?;
    let (mut client_rd, mut client_wr) = client.into_split();
    let (server_rd, mut server_wr) = server.into_split();
    let pipe = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_rd, &mut server_wr).await;
        let _ = server_wr.shutdown().await;
    });
    let mut server_rd = BufReader::new(server_rd);
    let result = async {
        loop {
            let Some(head) = read_head(&mut server_rd).await? else {
                return Ok(());
            };
            if head.chunked {
                // Not produced by our simulators; pass the rest through untouched.
                client_wr.write_all(&head.raw).await?;
                tokio::io::copy(&mut server_rd, &mut client_wr).await?;
                return Ok(());
            }
            let body_len = if head.no_body
                || (100..200).contains(&head.status)
                || head.status == 204
                || head.status == 304
            {
                0
            } else {
                head.content_length.unwrap_or(0)
            };
            let mut body = vec![0u8; body_len];
            server_rd.read_exact(&mut body).await?;
            match head.fault.as_deref() {
                Some("drop") => return Ok(()),
                Some("truncate") => {
                    client_wr.write_all(&head.raw).await?;
                    client_wr.write_all(&body[..body_len / 2]).await?;
                    client_wr.flush().await?;
                    return Ok(());
                }
                _ => {
                    client_wr.write_all(&head.raw).await?;
                    client_wr.write_all(&body).await?;
                    client_wr.flush().await?;
                }
            }
        }
    }
    .await;
    pipe.abort();
    // Dropping both halves closes the client connection (for drop/truncate, mid-exchange).
    drop(client_wr);
    result
}

/// Reads one response head; `None` at a clean end of stream. Internal marker headers are
/// removed from `raw`.
async fn read_head<R: tokio::io::AsyncBufRead + Unpin>(rd: &mut R) -> io::Result<Option<Head>> {
    let mut line = Vec::new();
    if rd.read_until(b'\n', &mut line).await? == 0 {
        return Ok(None);
    }
    let status_line = String::from_utf8_lossy(&line).to_string();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut head = Head {
        raw: line.clone(),
        status,
        content_length: None,
        chunked: false,
        fault: None,
        no_body: false,
    };
    loop {
        line.clear();
        if rd.read_until(b'\n', &mut line).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof in head"));
        }
        if line == b"\r\n" || line == b"\n" {
            head.raw.extend_from_slice(&line);
            return Ok(Some(head));
        }
        let text = String::from_utf8_lossy(&line);
        let (name, value) = text.split_once(':').unwrap_or((&text, ""));
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        match name.as_str() {
            "content-length" => head.content_length = value.parse().ok(),
            "transfer-encoding" => head.chunked = value.to_ascii_lowercase().contains("chunked"),
            FAULT_HEADER => head.fault = Some(value.to_string()),
            NO_BODY_HEADER => head.no_body = true,
            _ => {}
        }
        if !name.starts_with(INTERNAL_PREFIX) {
            head.raw.extend_from_slice(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn head_parser_strips_markers_and_reads_length() {
        let raw = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-multicloud-sim-fault: truncate\r\nx-a: b\r\n\r\nhello";
        let mut rd = BufReader::new(&raw[..]);
        let head = read_head(&mut rd).await.unwrap().unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(head.content_length, Some(5));
        assert_eq!(head.fault.as_deref(), Some("truncate"));
        let text = String::from_utf8(head.raw).unwrap();
        assert!(text.contains("x-a: b"));
        assert!(!text.contains("x-multicloud-sim"));
        assert!(text.ends_with("\r\n\r\n"));
    }
}
