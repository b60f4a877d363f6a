//! The settings every provider builder gathers, kept once: account name, key source, domain,
//! endpoint override, transport settings and clock.
//!
//! A provider builder holds a [`ProviderSettings`] and gets the common `with_*` methods from
//! [`provider_builder_settings!`](crate::provider_builder_settings); it adds only what is its
//! own (page size, `from_env`'s variable names, the endpoint override's meaning), then calls
//! [`ProviderSettings::finish`] in `build`.

use std::fmt;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::credential::{Credential, StaticCredential};
use crate::error::{Error, Result};
use crate::model::{AccountName, Domain, ProviderKind};
use crate::secret::AccessKey;
use crate::transport::{LimitConfig, RetryConfig, Timeouts, Transport};

/// What a provider builder gathers before `build`.
pub struct ProviderSettings {
    provider: ProviderKind,
    account: String,
    credential: Option<Arc<dyn Credential>>,
    domain: Domain,
    endpoint_url: Option<String>,
    transport: Option<Transport>,
    timeouts: Option<Timeouts>,
    retry: Option<RetryConfig>,
    limits: Option<LimitConfig>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ProviderSettings {
    // The credential's Debug redacts its secret; nothing else here is sensitive.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("provider", &self.provider)
            .field("account", &self.account)
            .field("credential", &self.credential)
            .field("domain", &self.domain)
            .field("endpoint_url", &self.endpoint_url)
            .field("custom_transport", &self.transport.is_some())
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("limits", &self.limits)
            .finish()
    }
}

/// The validated settings a provider is built from.
#[derive(Debug)]
#[non_exhaustive]
pub struct FinishedSettings {
    /// The account's name in the user's inventory.
    pub account: AccountName,
    /// Where keys come from.
    pub credential: Arc<dyn Credential>,
    /// The site (China or International).
    pub domain: Domain,
    /// The one URL every request goes to, when overridden (a simulator or proxy).
    pub endpoint_url: Option<String>,
    /// The transport to send through.
    pub transport: Transport,
    /// The clock request timestamps come from.
    pub clock: Arc<dyn Clock>,
}

impl ProviderSettings {
    /// Settings for `account_name` on `provider`, on `domain` until changed, with the system
    /// clock and default transport settings.
    pub fn new(provider: ProviderKind, account_name: impl Into<String>, domain: Domain) -> Self {
        ProviderSettings {
            provider,
            account: account_name.into(),
            credential: None,
            domain,
            endpoint_url: None,
            transport: None,
            timeouts: None,
            retry: None,
            limits: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Takes keys from `credential`.
    pub fn set_credential(&mut self, credential: impl Credential + 'static) {
        self.credential = Some(Arc::new(credential));
    }

    /// Takes a fixed key.
    pub fn set_access_key(&mut self, key: AccessKey) {
        self.set_credential(StaticCredential::new(key));
    }

    /// Sets the site.
    pub fn set_domain(&mut self, domain: Domain) {
        self.domain = domain;
    }

    /// Sends every request to `url`.
    pub fn set_endpoint_url(&mut self, url: impl Into<String>) {
        self.endpoint_url = Some(url.into());
    }

    /// Sets the timeouts of the transport to build.
    pub fn set_timeouts(&mut self, timeouts: Timeouts) {
        self.timeouts = Some(timeouts);
    }

    /// Sets the retries of the transport to build.
    pub fn set_retry(&mut self, retry: RetryConfig) {
        self.retry = Some(retry);
    }

    /// Sets the limits of the transport to build.
    pub fn set_limits(&mut self, limits: LimitConfig) {
        self.limits = Some(limits);
    }

    /// Sends through `transport` as it is.
    pub fn set_transport(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    /// Takes request timestamps from `clock`.
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// The site chosen so far.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// Validates the common settings: a non-empty account name, a credential, and a transport
    /// (the one given, or one built from the settings with `cloud_limits` applied on top of
    /// the user's limits).
    ///
    /// Fails with [`Config`](crate::ErrorKind::Config) for an empty account name, a missing
    /// credential, invalid transport settings, or a transport given together with settings
    /// for the one to build.
    pub fn finish(
        self,
        cloud_limits: impl FnOnce(LimitConfig) -> LimitConfig,
    ) -> Result<FinishedSettings> {
        let account = AccountName::new(self.account)?;
        let credential = self.credential.ok_or_else(|| {
            Error::config(format!(
                "no {} credential: call with_credential(...), with_access_key(...) or from_env()",
                self.provider.display_name()
            ))
        })?;
        let transport = Transport::for_provider(
            self.transport,
            self.timeouts,
            self.retry,
            self.limits,
            self.clock.clone(),
            cloud_limits,
        )?;
        Ok(FinishedSettings {
            account,
            credential,
            domain: self.domain,
            endpoint_url: self.endpoint_url,
            transport,
            clock: self.clock,
        })
    }
}

/// Gives a provider builder with a `ProviderSettings` field the `with_*` methods every
/// provider shares: `with_credential`, `with_access_key`, `with_timeouts`, `with_retry`,
/// `with_limits`, `with_transport` and `with_clock`.
///
/// ```
/// use multicloud_core::builder::ProviderSettings;
/// use multicloud_core::{AccessKey, Domain, ProviderKind};
///
/// /// A builder of some provider.
/// #[derive(Debug)]
/// pub struct ExampleBuilder {
///     settings: ProviderSettings,
/// }
/// multicloud_core::provider_builder_settings!(ExampleBuilder, settings);
///
/// let builder = ExampleBuilder {
///     settings: ProviderSettings::new(ProviderKind::Aws, "prod", Domain::International),
/// }
/// .with_access_key(AccessKey::new("AKIDEXAMPLE", "example-secret"));
/// let finished = builder.settings.finish(std::convert::identity)?;
/// assert_eq!(finished.account.as_str(), "prod");
/// # Ok::<(), multicloud_core::Error>(())
/// ```
#[macro_export]
macro_rules! provider_builder_settings {
    ($builder:ty, $field:ident) => {
        impl $builder {
            /// Signs with keys from `credential` (fetched again when it says they expire).
            pub fn with_credential(
                mut self,
                credential: impl $crate::Credential + 'static,
            ) -> Self {
                self.$field.set_credential(credential);
                self
            }

            /// Signs with a fixed key.
            pub fn with_access_key(mut self, key: $crate::AccessKey) -> Self {
                self.$field.set_access_key(key);
                self
            }

            /// Sets the connect, per-attempt and whole-call timeouts of the transport the
            /// provider builds (default: [`Timeouts::default`]).
            ///
            /// [`Timeouts::default`]: $crate::transport::Timeouts::default
            pub fn with_timeouts(mut self, timeouts: $crate::transport::Timeouts) -> Self {
                self.$field.set_timeouts(timeouts);
                self
            }

            /// Sets how failed calls are retried (default: [`RetryConfig::default`]).
            /// Authentication failures are never retried.
            ///
            /// [`RetryConfig::default`]: $crate::transport::RetryConfig::default
            pub fn with_retry(mut self, retry: $crate::transport::RetryConfig) -> Self {
                self.$field.set_retry(retry);
                self
            }

            /// Sets the concurrency and rate limits (default: [`LimitConfig::default`]); the
            /// cloud's documented per-API limits are added on top (see the crate docs).
            ///
            /// [`LimitConfig::default`]: $crate::transport::LimitConfig::default
            pub fn with_limits(mut self, limits: $crate::transport::LimitConfig) -> Self {
                self.$field.set_limits(limits);
                self
            }

            /// Sends through `transport`, as it is, instead of building one (to share one
            /// retry budget and set of limits between providers). Its limits are used
            /// unchanged, without the cloud's per-API limits; it cannot be combined with
            /// `with_timeouts`, `with_retry` or `with_limits`.
            pub fn with_transport(mut self, transport: $crate::transport::Transport) -> Self {
                self.$field.set_transport(transport);
                self
            }

            /// Takes request timestamps from `clock` (default: the system clock).
            pub fn with_clock(mut self, clock: ::std::sync::Arc<dyn $crate::Clock>) -> Self {
                self.$field.set_clock(clock);
                self
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_missing_credential_names_the_provider_and_the_three_ways_to_give_one() {
        let err = ProviderSettings::new(ProviderKind::Baidu, "prod", Domain::China)
            .finish(std::convert::identity)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let text = err.to_string();
        assert!(text.contains("Baidu"), "{text}");
        assert!(text.contains("from_env()"), "{text}");
    }

    #[test]
    fn a_given_transport_cannot_be_mixed_with_settings_for_one_to_build() {
        let mut settings = ProviderSettings::new(ProviderKind::Aws, "prod", Domain::China);
        settings.set_access_key(AccessKey::new("AKIDEXAMPLE", "example-secret"));
        settings.set_transport(Transport::builder().build().unwrap());
        settings.set_retry(RetryConfig::default());
        let err = settings.finish(std::convert::identity).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let mut settings = ProviderSettings::new(ProviderKind::Aws, "prod", Domain::China);
        settings.set_access_key(AccessKey::new("AKIDEXAMPLE", "very-secret-value"));
        let text = format!("{settings:?}");
        assert!(!text.contains("very-secret-value"), "{text}");
        assert!(text.contains("prod"));
    }
}
