//! The one error type of the SDK.
//!
//! Every provider maps its own error codes into [`ErrorKind`] once, in its `client.rs`, so
//! callers match on [`Error::kind`] and never on message text. The provider's own code,
//! message and request id stay available for support tickets.

use std::fmt;
use std::time::Duration;

use crate::provider_kind::ProviderKind;

/// A boxed error kept as the [`std::error::Error::source`] of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The crate-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, as a caller can act on it.
///
/// Each kind documents the action a user should take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The AccessKey id is unknown, or the secret does not match (bad signature).
    /// Action: check the key id and secret; do not retry.
    InvalidCredential,
    /// The key exists but is disabled, expired or its account is frozen.
    /// Action: re-enable the key or issue a new one.
    CredentialDisabled,
    /// The key is valid but lacks a permission. [`Error::action`] names the call that was
    /// refused when known. Action: grant the policy the verify report names.
    PermissionDenied,
    /// The key belongs to another domain/partition (China vs International), or the region
    /// is not enabled for the account. Action: fix the domain or opt in to the region.
    WrongDomainOrRegion,
    /// The request time was rejected as too far from the server's clock.
    /// Action: synchronise the host clock (NTP).
    ClockSkew,
    /// The provider throttled the call. Retried automatically with backoff.
    Throttled,
    /// A server-side or network failure (5xx, timeout, connection reset). Retried
    /// automatically.
    Transient,
    /// A response could not be decoded (malformed or truncated body).
    Decode,
    /// A server kept returning the same page token; the listing was stopped.
    PaginationLoop,
    /// A listing reached its page cap (or its reported total promised more pages than the
    /// cap allows) and was stopped: the server may be paging forever. The message names the
    /// listing and the cap. Action: if the account really holds that many items, raise the
    /// cap with [`LimitConfig::with_max_pages`](crate::transport::LimitConfig::with_max_pages).
    PageLimit,
    /// The SDK was configured wrongly (bad endpoint, invalid policy, half-set credentials).
    Config,
    /// A credential source has nothing to offer (e.g. its environment variables are unset).
    /// A [`CredentialChain`](crate::CredentialChain) moves on only past this kind.
    CredentialNotConfigured,
    /// The requested resource does not exist.
    NotFound,
    /// The provider refused the request for another reason it reported.
    Service,
}

impl ErrorKind {
    /// A short, stable, snake_case name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidCredential => "invalid_credential",
            ErrorKind::CredentialDisabled => "credential_disabled",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::WrongDomainOrRegion => "wrong_domain_or_region",
            ErrorKind::ClockSkew => "clock_skew",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Transient => "transient",
            ErrorKind::Decode => "decode",
            ErrorKind::PaginationLoop => "pagination_loop",
            ErrorKind::PageLimit => "page_limit",
            ErrorKind::Config => "config",
            ErrorKind::CredentialNotConfigured => "credential_not_configured",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Service => "service",
        }
    }

    /// What a user should do about an error of this kind, when the kind alone says it; `None`
    /// for kinds whose message must say it (configuration, decoding, service errors).
    ///
    /// [`Error`]'s `Display` ends with this advice unless [`Error::with_hint`] set a more
    /// precise one.
    pub fn advice(self) -> Option<&'static str> {
        Some(match self {
            ErrorKind::InvalidCredential => {
                "check the key id and secret (and the domain: a key of one site or partition is \
                 unknown on the other); retrying the same key will not help"
            }
            ErrorKind::CredentialDisabled => "re-enable the key in the console or issue a new one",
            ErrorKind::PermissionDenied => {
                "grant the key the permission for this action (verify names the policy to attach)"
            }
            ErrorKind::WrongDomainOrRegion => {
                "check the domain (China or International) and that the account has the region \
                 enabled"
            }
            ErrorKind::ClockSkew => "synchronise this machine's clock (NTP)",
            ErrorKind::Throttled => "the provider is rate limiting this key; try again later",
            ErrorKind::Transient => {
                "check that the endpoint is reachable and answering, then try again"
            }
            ErrorKind::PaginationLoop => {
                "the server repeated a page token; report it to the provider with the request id"
            }
            _ => return None,
        })
    }

    /// Whether an error of this kind may succeed if the same request is sent again.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Throttled | ErrorKind::Transient)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SDK's error: a [`kind`](Error::kind) to match on, plus whatever the provider said.
///
/// `Display` is one line: what happened, where (provider, action, HTTP status, attempts,
/// request id) and, last, what to do ([`Error::hint`]). It never repeats the source; walk [`std::error::Error::source`]
/// (or use [`Error::report`]) for the chain. No field ever holds a secret: messages are built
/// from provider responses and our own text, never from key material.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    provider: Option<ProviderKind>,
    code: Option<String>,
    request_id: Option<String>,
    http_status: Option<u16>,
    action: Option<String>,
    hint: Option<String>,
    retry_after: Option<Duration>,
    attempts: Option<u32>,
    elapsed: Option<Duration>,
    source: Option<BoxError>,
}

impl Error {
    /// A new error of `kind` with a one-line message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                provider: None,
                code: None,
                request_id: None,
                http_status: None,
                action: None,
                hint: None,
                retry_after: None,
                attempts: None,
                elapsed: None,
                source: None,
            }),
        }
    }

    /// Shorthand for a [`ErrorKind::Config`] error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    /// Shorthand for a [`ErrorKind::Decode`] error.
    pub fn decode(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Decode, message)
    }

    /// Sets the provider that reported the error.
    pub fn with_provider(mut self, provider: ProviderKind) -> Self {
        self.inner.provider = Some(provider);
        self
    }

    /// Sets the provider's own error code (e.g. `AuthFailure.SignatureFailure`).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }

    /// Sets the provider's request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.inner.request_id = Some(request_id.into());
        self
    }

    /// Sets the HTTP status of the response that carried the error.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }

    /// Sets the API action that was refused or failed (e.g. `ec2:DescribeInstances`).
    pub fn with_action(mut self, action: impl Into<String>) -> Self {
        self.inner.action = Some(action.into());
        self
    }

    /// Sets what the user should do, replacing the [kind's advice](ErrorKind::advice) at the
    /// end of `Display` (e.g. "build the provider with `with_domain(Domain::China)`").
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.inner.hint = Some(hint.into());
        self
    }

    /// Sets the delay the server asked for before a retry (`Retry-After`).
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.inner.retry_after = Some(delay);
        self
    }

    /// Records how many attempts were made before this error was returned.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = Some(attempts);
        self
    }

    /// Records how long the call took, retries included (set by the retry layer).
    pub fn with_elapsed(mut self, elapsed: Duration) -> Self {
        self.inner.elapsed = Some(elapsed);
        self
    }

    /// Replaces the one-line message, e.g. to add why the retry layer stopped.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = message.into();
        self
    }

    /// Sets the underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// What went wrong, to match on.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Our one-line description, or the provider's message.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The provider that reported the error, when one did.
    pub fn provider(&self) -> Option<ProviderKind> {
        self.inner.provider
    }

    /// The provider's own error code.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The provider's request id, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The HTTP status of the failed response.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }

    /// The API action concerned, when known (for [`ErrorKind::PermissionDenied`]).
    pub fn action(&self) -> Option<&str> {
        self.inner.action.as_deref()
    }

    /// What the user should do: the hint set with [`with_hint`](Self::with_hint), else the
    /// [kind's advice](ErrorKind::advice).
    pub fn hint(&self) -> Option<&str> {
        self.inner
            .hint
            .as_deref()
            .or_else(|| self.inner.kind.advice())
    }

    /// The delay the server asked for before a retry.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// How many attempts were made (set by the retry layer).
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    /// How long the call took, retries included (set by the retry layer).
    pub fn elapsed(&self) -> Option<Duration> {
        self.inner.elapsed
    }

    /// Whether sending the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        self.inner.kind.is_retryable()
    }

    /// Whether the key itself is bad (unknown, wrong secret, disabled) — never retry these.
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::InvalidCredential | ErrorKind::CredentialDisabled | ErrorKind::ClockSkew
        )
    }

    /// The error and its whole source chain on one line, for logs: what happened, each
    /// cause, then what to do.
    pub fn report(&self) -> String {
        let mut out = Head(self).to_string();
        let mut next = std::error::Error::source(self);
        while let Some(cause) = next {
            out.push_str(": ");
            out.push_str(&cause.to_string());
            next = cause.source();
        }
        if let Some(hint) = self.hint() {
            out.push_str("; to fix: ");
            out.push_str(hint);
        }
        out
    }
}

/// `Display` of an [`Error`] without its hint.
struct Head<'a>(&'a Error);

impl fmt::Display for Head<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0.inner;
        write!(f, "{}", i.kind)?;
        if let Some(p) = i.provider {
            write!(f, " ({p})")?;
        }
        write!(f, ": {}", i.message)?;
        if let Some(code) = &i.code {
            write!(f, " [code {code}]")?;
        }
        if let Some(action) = &i.action {
            write!(f, " [action {action}]")?;
        }
        if let Some(status) = i.http_status {
            write!(f, " [http {status}]")?;
        }
        if let Some(attempts) = i.attempts {
            let plural = if attempts == 1 { "" } else { "s" };
            write!(f, " [after {attempts} attempt{plural}")?;
            if let Some(elapsed) = i.elapsed {
                write!(f, " in {elapsed:.3?}")?;
            }
            f.write_str("]")?;
        }
        if let Some(id) = &i.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Head(self).fmt(f)?;
        if let Some(hint) = self.hint() {
            write!(f, "; to fix: {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Error")
            .field("kind", &i.kind)
            .field("message", &i.message)
            .field("provider", &i.provider)
            .field("code", &i.code)
            .field("request_id", &i.request_id)
            .field("http_status", &i.http_status)
            .field("action", &i.action)
            .field("hint", &i.hint)
            .field("retry_after", &i.retry_after)
            .field("attempts", &i.attempts)
            .field("elapsed", &i.elapsed)
            .field("source", &i.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_code_and_request_id() {
        let e = Error::new(ErrorKind::PermissionDenied, "not allowed")
            .with_provider(ProviderKind::Aws)
            .with_code("UnauthorizedOperation")
            .with_request_id("req-1")
            .with_http_status(403);
        let s = e.to_string();
        assert_eq!(
            s,
            "permission_denied (aws): not allowed [code UnauthorizedOperation] [http 403] \
             [request id req-1]; to fix: grant the key the permission for this action (verify \
             names the policy to attach)"
        );
        assert!(!s.contains('\n'));
    }

    #[test]
    fn an_explicit_hint_replaces_the_kinds_advice_and_config_errors_carry_none() {
        let e = Error::new(ErrorKind::InvalidCredential, "unknown key")
            .with_hint("build the provider with with_domain(Domain::China)");
        assert!(e
            .to_string()
            .ends_with("; to fix: build the provider with with_domain(Domain::China)"));
        let plain = Error::new(ErrorKind::ClockSkew, "too far");
        assert_eq!(
            plain.to_string(),
            "clock_skew: too far; to fix: synchronise this machine's clock (NTP)"
        );
        assert_eq!(Error::config("bad").to_string(), "config: bad");
        assert_eq!(Error::config("bad").hint(), None);
    }

    #[test]
    fn only_throttled_and_transient_are_retryable() {
        for kind in [
            ErrorKind::InvalidCredential,
            ErrorKind::CredentialDisabled,
            ErrorKind::PermissionDenied,
            ErrorKind::WrongDomainOrRegion,
            ErrorKind::ClockSkew,
            ErrorKind::Decode,
            ErrorKind::PaginationLoop,
            ErrorKind::PageLimit,
            ErrorKind::Config,
            ErrorKind::CredentialNotConfigured,
            ErrorKind::NotFound,
            ErrorKind::Service,
        ] {
            assert!(!Error::new(kind, "x").is_retryable(), "{kind}");
        }
        assert!(Error::new(ErrorKind::Throttled, "x").is_retryable());
        assert!(Error::new(ErrorKind::Transient, "x").is_retryable());
    }

    #[test]
    fn report_walks_the_source_chain_but_display_does_not() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let e = Error::new(ErrorKind::Decode, "send failed").with_source(io);
        assert_eq!(e.to_string(), "decode: send failed");
        assert_eq!(e.report(), "decode: send failed: reset by peer");
        assert!(std::error::Error::source(&e).is_some());
    }
}
