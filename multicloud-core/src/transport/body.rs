//! Reading a response body within the size cap of [`LimitConfig`](super::LimitConfig).

use bytes::{Bytes, BytesMut};

use super::classify::request_id;
use super::response::HttpResponse;
use crate::error::Error;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed.
    Network(reqwest::Error),
    /// The body is larger than the cap: a [`Decode`](crate::ErrorKind::Decode) error.
    TooLarge(Error),
}

/// Reads `response` whole, refusing a `Content-Length` above `cap` before reading anything
/// and stopping a body without one as soon as it passes `cap`. Dropping the response then
/// closes the connection, so nothing past the cap is buffered.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    cap: u64,
    host: &str,
) -> Result<HttpResponse, ReadError> {
    let status = response.status();
    let headers = response.headers().clone();
    let too_large = |why: String| {
        let mut error = Error::decode(format!(
            "the response from {host} {why}, above the {} cap on response bodies; raise the cap \
             with LimitConfig::with_max_response_bytes",
            size(cap)
        ))
        .with_http_status(status.as_u16());
        if let Some(id) = request_id(&headers) {
            error = error.with_request_id(id);
        }
        ReadError::TooLarge(error)
    };
    let declared = response.content_length();
    if let Some(length) = declared.filter(|&n| n > cap) {
        return Err(too_large(format!("declares {}", size(length))));
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Network)? {
        total = total.saturating_add(chunk.len() as u64);
        if total > cap {
            return Err(too_large("sent more".to_owned()));
        }
        chunks.push(chunk);
    }
    let body = match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.swap_remove(0),
        _ => {
            // `total <= cap`, which a `usize` holds on every platform that received it.
            let mut joined = BytesMut::with_capacity(usize::try_from(total).unwrap_or(0));
            for chunk in &chunks {
                joined.extend_from_slice(chunk);
            }
            joined.freeze()
        }
    };
    Ok(HttpResponse::new(status, headers, body))
}

/// `n` bytes for a message: whole MiB or KiB when exact, else bytes.
fn size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_whole_units_when_exact() {
        assert_eq!(size(32 << 20), "32 MiB");
        assert_eq!(size(64 << 10), "64 KiB");
        assert_eq!(size(1025), "1025 bytes");
        assert_eq!(size((1 << 20) + 1), "1048577 bytes");
    }
}
