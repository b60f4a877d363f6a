//! What the transport needs to know about one API call.

use std::borrow::Cow;

use crate::model::ProviderKind;

/// Describes a call to the transport: which provider and API it targets, and whether it is
/// safe to send twice.
///
/// `provider` and `api` key the concurrency and rate limits and name the call in tracing
/// spans and errors. `api` uses the `service:Action` form of the provider's permission names
/// (`"ec2:DescribeInstances"`, `"cvm:DescribeInstances"`), so a
/// [`PermissionDenied`](crate::ErrorKind::PermissionDenied) error names the action to grant.
///
/// `idempotent` decides whether a request that *may* have reached the server (it timed out,
/// or the connection broke after it was sent) is sent again. List, describe and get calls are
/// idempotent even when they use `POST`; calls that create or change something are not.
/// Requests with a safe HTTP method (`GET`, `HEAD`, `OPTIONS`) are always treated as
/// idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallInfo {
    /// The provider the call goes to.
    pub provider: ProviderKind,
    /// The API, as `service:Action` (e.g. `"ec2:DescribeInstances"`).
    pub api: Cow<'static, str>,
    /// Whether sending the request twice has the same effect as sending it once.
    pub idempotent: bool,
}

impl CallInfo {
    /// A call that may change state: a timeout or broken connection is not retried.
    pub fn new(provider: ProviderKind, api: impl Into<Cow<'static, str>>) -> Self {
        CallInfo {
            provider,
            api: api.into(),
            idempotent: false,
        }
    }

    /// A list/describe/get call: safe to retry after a timeout, whatever its HTTP method.
    pub fn read_only(provider: ProviderKind, api: impl Into<Cow<'static, str>>) -> Self {
        CallInfo::new(provider, api).with_idempotent(true)
    }

    /// Marks the call idempotent (or not).
    pub fn with_idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_calls_are_idempotent_and_new_calls_are_not() {
        assert!(CallInfo::read_only(ProviderKind::Aws, "ec2:DescribeInstances").idempotent);
        assert!(!CallInfo::new(ProviderKind::Tencent, "cfw:CreateBlockIgnoreRule").idempotent);
        let owned = CallInfo::new(ProviderKind::Baidu, String::from("bcc:ListInstances"));
        assert_eq!(owned.api, "bcc:ListInstances");
    }
}
