//! The response type the transport hands back: status, headers and the whole body.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::nesting::{check_json_depth, MAX_DEPTH};

/// A complete HTTP response: the body has been read into memory.
///
/// `Debug` prints the status, the header *names* and the body length only: bodies can hold
/// credentials (an STS response carries a secret key and a session token) and must not end
/// up in logs by accident.
#[derive(Clone)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole response body.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response from its parts (used by the transport and by tests).
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        HttpResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The value of header `name` (case-insensitive), when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Deserializes the body as JSON.
    ///
    /// The [`Decode`](crate::ErrorKind::Decode) error says where decoding failed but quotes
    /// nothing from the body, so a credential in a response can never leak into an error.
    /// A body nested deeper than [`MAX_DEPTH`](crate::nesting::MAX_DEPTH) is a `Decode` error
    /// before anything is built from it.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        check_json_depth(&self.body, MAX_DEPTH)
            .map_err(|e| e.with_http_status(self.status.as_u16()))?;
        serde_json::from_slice(&self.body).map_err(|e| {
            // serde_json's Display quotes offending values; report position and category only.
            Error::decode(format!(
                "response body is not the expected JSON ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
            .with_http_status(self.status.as_u16())
        })
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const PLANTED: &str = "PLANTED-SESSION-TOKEN-5e4d";

    fn sts_like() -> HttpResponse {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "req-9".parse().unwrap());
        let body = format!(r#"{{"SecretAccessKey":"{PLANTED}","Expiration":"{PLANTED}"}}"#);
        HttpResponse::new(StatusCode::OK, headers, body)
    }

    #[test]
    fn debug_shows_status_and_header_names_but_never_the_body() {
        let rendered = format!("{:?}", sts_like());
        assert!(!rendered.contains(PLANTED), "{rendered}");
        assert!(rendered.contains("x-request-id"));
        assert!(rendered.contains("200"));
        assert_eq!(sts_like().header("X-Request-Id"), Some("req-9"));
    }

    #[test]
    fn decode_errors_quote_nothing_from_the_body() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Wire {
            #[serde(rename = "Expiration")]
            expiration: u64,
        }
        let err = sts_like().json::<Wire>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(!err.report().contains(PLANTED), "{}", err.report());
        assert!(!format!("{err:?}").contains(PLANTED));
        assert!(err.message().contains("line 1"));
    }

    #[test]
    fn json_refuses_a_body_nested_four_thousand_deep() {
        let deep = format!("{}{}", "[".repeat(4000), "]".repeat(4000));
        let response = HttpResponse::new(StatusCode::OK, HeaderMap::new(), deep);
        let err = response.json::<serde_json::Value>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.message().contains("deeper than 64 levels"), "{err}");
    }

    #[test]
    fn json_decodes_a_valid_body() {
        let v: serde_json::Value = sts_like().json().unwrap();
        assert_eq!(v["SecretAccessKey"], PLANTED);
    }
}
