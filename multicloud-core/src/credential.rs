//! Where AccessKeys come from: static values, environment variables, and a chain of sources.
//!
//! Environment variables are read through the injectable [`Env`] trait, so tests pass a map
//! ([`StaticEnv`]) and never mutate the process environment.
//!
//! Environment variable names per provider (the names each cloud's own SDKs and CLIs read):
//!
//! | provider | key id | secret | session token |
//! |---|---|---|---|
//! | AWS | `AWS_ACCESS_KEY_ID` | `AWS_SECRET_ACCESS_KEY` | `AWS_SESSION_TOKEN` |
//! | Huawei | `HUAWEICLOUD_SDK_AK` | `HUAWEICLOUD_SDK_SK` | `HUAWEICLOUD_SDK_SECURITY_TOKEN` |
//! | Tencent | `TENCENTCLOUD_SECRET_ID` | `TENCENTCLOUD_SECRET_KEY` | `TENCENTCLOUD_SESSION_TOKEN`, `TENCENTCLOUD_TOKEN` |
//! | Baidu | `BCE_ACCESS_KEY_ID` | `BCE_SECRET_ACCESS_KEY` | `BCE_SESSION_TOKEN` |
//! | CTyun | `CTYUN_ACCESS_KEY`, `CTYUN_AK` | `CTYUN_SECRET_KEY`, `CTYUN_SK` | — |
//!
//! Where two names are listed, the first one set wins.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{Error, ErrorKind, Result};
use crate::model::ProviderKind;
use crate::secret::AccessKey;

/// A source of the current AccessKey.
///
/// Refreshable sources (STS, instance roles) return a new key when the old one nears expiry;
/// callers ask for the key before every request and never cache it themselves.
///
/// A source that has nothing to offer returns an error of kind
/// [`ErrorKind::CredentialNotConfigured`]; only that kind lets a [`CredentialChain`] move on.
#[async_trait]
pub trait Credential: Send + Sync + fmt::Debug {
    /// The key to sign the next request with.
    async fn access_key(&self) -> Result<AccessKey>;
}

#[async_trait]
impl<T: Credential + ?Sized> Credential for Arc<T> {
    async fn access_key(&self) -> Result<AccessKey> {
        (**self).access_key().await
    }
}

/// A fixed AccessKey.
#[derive(Debug, Clone)]
pub struct StaticCredential {
    key: AccessKey,
}

impl StaticCredential {
    /// A source that always yields `key`.
    pub fn new(key: AccessKey) -> Self {
        StaticCredential { key }
    }
}

#[async_trait]
impl Credential for StaticCredential {
    async fn access_key(&self) -> Result<AccessKey> {
        Ok(self.key.clone())
    }
}

/// A key that can be replaced while providers use it (key rotation): clone it into a
/// provider's builder, then [`replace`](Self::replace) the key; the next request is signed
/// with the new one.
#[derive(Debug, Clone)]
pub struct SharedCredential {
    key: Arc<std::sync::RwLock<AccessKey>>,
}

impl SharedCredential {
    /// A source yielding `key` until it is replaced.
    pub fn new(key: AccessKey) -> Self {
        SharedCredential {
            key: Arc::new(std::sync::RwLock::new(key)),
        }
    }

    /// Signs every later request with `key`.
    pub fn replace(&self, key: AccessKey) {
        *self.key.write().unwrap_or_else(|p| p.into_inner()) = key;
    }

    /// The id of the key in use.
    pub fn key_id(&self) -> String {
        self.key
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .id()
            .to_owned()
    }
}

#[async_trait]
impl Credential for SharedCredential {
    async fn access_key(&self) -> Result<AccessKey> {
        Ok(self.key.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

/// Read access to environment variables, injectable for tests.
pub trait Env: Send + Sync + fmt::Debug {
    /// The value of `name`, or `None` when unset or not valid Unicode.
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsEnv;

impl Env for OsEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A fixed map standing in for the environment (tests, embedding services with their own
/// configuration).
#[derive(Clone, Default)]
pub struct StaticEnv {
    vars: HashMap<String, String>,
}

impl StaticEnv {
    /// An environment holding exactly `vars`.
    pub fn new<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        StaticEnv {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl fmt::Debug for StaticEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show only the names.
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("StaticEnv").field("names", &names).finish()
    }
}

impl Env for StaticEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
}

/// The environment variable names one provider's key is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVarNames {
    /// Names for the key id, first set wins.
    pub key_id: &'static [&'static str],
    /// Names for the secret, first set wins.
    pub secret: &'static [&'static str],
    /// Names for the session token, first set wins.
    pub session_token: &'static [&'static str],
}

impl EnvVarNames {
    /// The usual names for `provider` (see the module docs).
    pub fn for_provider(provider: ProviderKind) -> Self {
        match provider {
            ProviderKind::Aws => EnvVarNames {
                key_id: &["AWS_ACCESS_KEY_ID"],
                secret: &["AWS_SECRET_ACCESS_KEY"],
                session_token: &["AWS_SESSION_TOKEN"],
            },
            ProviderKind::Huawei => EnvVarNames {
                key_id: &["HUAWEICLOUD_SDK_AK"],
                secret: &["HUAWEICLOUD_SDK_SK"],
                session_token: &["HUAWEICLOUD_SDK_SECURITY_TOKEN"],
            },
            ProviderKind::Tencent => EnvVarNames {
                key_id: &["TENCENTCLOUD_SECRET_ID"],
                secret: &["TENCENTCLOUD_SECRET_KEY"],
                session_token: &["TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_TOKEN"],
            },
            ProviderKind::Baidu => EnvVarNames {
                key_id: &["BCE_ACCESS_KEY_ID"],
                secret: &["BCE_SECRET_ACCESS_KEY"],
                session_token: &["BCE_SESSION_TOKEN"],
            },
            ProviderKind::Ctyun => EnvVarNames {
                key_id: &["CTYUN_ACCESS_KEY", "CTYUN_AK"],
                secret: &["CTYUN_SECRET_KEY", "CTYUN_SK"],
                session_token: &[],
            },
        }
    }
}

/// Reads a provider's key from environment variables.
#[derive(Debug, Clone)]
pub struct EnvCredential {
    provider: ProviderKind,
    names: EnvVarNames,
    env: Arc<dyn Env>,
}

impl EnvCredential {
    /// Reads `provider`'s usual variables from the process environment.
    pub fn from_env(provider: ProviderKind) -> Self {
        EnvCredential::with_env(provider, Arc::new(OsEnv))
    }

    /// Reads `provider`'s usual variables from `env`.
    pub fn with_env(provider: ProviderKind, env: Arc<dyn Env>) -> Self {
        EnvCredential {
            provider,
            names: EnvVarNames::for_provider(provider),
            env,
        }
    }

    fn first(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .filter_map(|n| self.env.var(n))
            .find(|v| !v.trim().is_empty())
    }

    /// "unset", or which of `names` are set but blank (reported as such: "unset" would send
    /// the user looking for a variable that is there).
    fn absence(&self, names: &[&str]) -> String {
        let blank: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| self.env.var(n).is_some())
            .collect();
        if blank.is_empty() {
            format!("{} unset", names.join(" or "))
        } else {
            format!("{} set but empty", blank.join(" and "))
        }
    }
}

#[async_trait]
impl Credential for EnvCredential {
    async fn access_key(&self) -> Result<AccessKey> {
        let id = self.first(self.names.key_id);
        let secret = self.first(self.names.secret);
        let (key_id, secret_names) = (self.names.key_id, self.names.secret);
        match (id, secret) {
            (None, None) => Err(Error::new(
                ErrorKind::CredentialNotConfigured,
                format!(
                    "no {} key in the environment ({}; {})",
                    self.provider,
                    self.absence(key_id),
                    self.absence(secret_names)
                ),
            )
            .with_hint(format!("export {} and {}", key_id[0], secret_names[0]))),
            (Some(_), None) => Err(Error::config(format!(
                "{} is set but the secret is not ({})",
                key_id.join(" or "),
                self.absence(secret_names)
            ))
            .with_hint(format!("export {} too", secret_names[0]))),
            (None, Some(_)) => Err(Error::config(format!(
                "{} is set but the key id is not ({})",
                secret_names.join(" or "),
                self.absence(key_id)
            ))
            .with_hint(format!("export {} too", key_id[0]))),
            (Some(id), Some(secret)) => {
                let key = AccessKey::new(id.trim(), secret.trim().to_owned());
                Ok(match self.first(self.names.session_token) {
                    Some(token) => key.with_session_token(token.trim().to_owned()),
                    None => key,
                })
            }
        }
    }
}

/// Tries sources in order. It moves on only when a source reports
/// [`ErrorKind::CredentialNotConfigured`]; any other error stops the chain (a present but
/// broken source must not be silently skipped). When every source is unconfigured, the error
/// lists each attempt.
#[derive(Debug, Clone, Default)]
pub struct CredentialChain {
    sources: Vec<Arc<dyn Credential>>,
}

impl CredentialChain {
    /// An empty chain.
    pub fn new() -> Self {
        CredentialChain::default()
    }

    /// Appends a source, tried after those already added.
    pub fn with_source(mut self, source: impl Credential + 'static) -> Self {
        self.sources.push(Arc::new(source));
        self
    }
}

#[async_trait]
impl Credential for CredentialChain {
    async fn access_key(&self) -> Result<AccessKey> {
        let mut attempts = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            match source.access_key().await {
                Ok(key) => return Ok(key),
                Err(e) if e.kind() == ErrorKind::CredentialNotConfigured => {
                    attempts.push(e.message().to_owned());
                }
                Err(e) => return Err(e),
            }
        }
        let tried = if attempts.is_empty() {
            "the chain has no sources".to_owned()
        } else {
            attempts.join("; ")
        };
        Err(Error::new(
            ErrorKind::CredentialNotConfigured,
            format!("no credential source is configured: {tried}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Arc<dyn Env> {
        Arc::new(StaticEnv::new(vars.iter().copied()))
    }

    #[tokio::test]
    async fn empty_variables_are_reported_as_empty_not_unset() {
        let blank = EnvCredential::with_env(
            ProviderKind::Aws,
            env(&[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", " ")]),
        );
        let err = blank.access_key().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CredentialNotConfigured);
        assert!(
            err.message().contains("AWS_ACCESS_KEY_ID set but empty")
                && err
                    .message()
                    .contains("AWS_SECRET_ACCESS_KEY set but empty"),
            "{err}"
        );
        let unset = EnvCredential::with_env(ProviderKind::Aws, env(&[]));
        let err = unset.access_key().await.unwrap_err();
        assert!(err.message().contains("AWS_ACCESS_KEY_ID unset"), "{err}");
        assert!(
            err.to_string()
                .contains("to fix: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
            "{err}"
        );
        let half = EnvCredential::with_env(
            ProviderKind::Tencent,
            env(&[
                ("TENCENTCLOUD_SECRET_ID", "AKIDx"),
                ("TENCENTCLOUD_SECRET_KEY", ""),
            ]),
        );
        let err = half.access_key().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(
            err.message()
                .contains("TENCENTCLOUD_SECRET_KEY set but empty"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn env_credential_reads_each_providers_usual_names() {
        let cases = [
            (
                ProviderKind::Aws,
                [
                    ("AWS_ACCESS_KEY_ID", "AKIA1"),
                    ("AWS_SECRET_ACCESS_KEY", "s1"),
                    ("AWS_SESSION_TOKEN", "t1"),
                ],
            ),
            (
                ProviderKind::Huawei,
                [
                    ("HUAWEICLOUD_SDK_AK", "HW1"),
                    ("HUAWEICLOUD_SDK_SK", "s2"),
                    ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "t2"),
                ],
            ),
            (
                ProviderKind::Tencent,
                [
                    ("TENCENTCLOUD_SECRET_ID", "AKID1"),
                    ("TENCENTCLOUD_SECRET_KEY", "s3"),
                    ("TENCENTCLOUD_TOKEN", "t3"),
                ],
            ),
            (
                ProviderKind::Baidu,
                [
                    ("BCE_ACCESS_KEY_ID", "BD1"),
                    ("BCE_SECRET_ACCESS_KEY", "s4"),
                    ("BCE_SESSION_TOKEN", "t4"),
                ],
            ),
        ];
        for (provider, vars) in cases {
            let key = EnvCredential::with_env(provider, env(&vars))
                .access_key()
                .await
                .unwrap();
            assert_eq!(key.id(), vars[0].1, "{provider}");
            assert_eq!(key.secret().expose(), vars[1].1, "{provider}");
            assert_eq!(key.session_token().unwrap().expose(), vars[2].1);
        }
        let ctyun = EnvCredential::with_env(
            ProviderKind::Ctyun,
            env(&[("CTYUN_AK", "CT1"), ("CTYUN_SECRET_KEY", "s5")]),
        )
        .access_key()
        .await
        .unwrap();
        assert_eq!(ctyun.id(), "CT1");
        assert!(ctyun.session_token().is_none());
    }

    #[tokio::test]
    async fn half_configured_env_is_a_config_error_not_skipped() {
        let e = EnvCredential::with_env(ProviderKind::Aws, env(&[("AWS_ACCESS_KEY_ID", "AKIA")]))
            .access_key()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains("AWS_SECRET_ACCESS_KEY"));
    }

    #[tokio::test]
    async fn chain_moves_on_only_when_not_configured() {
        let empty = EnvCredential::with_env(ProviderKind::Aws, env(&[]));
        let fallback = StaticCredential::new(AccessKey::new("AKIAFALLBACK", "s"));
        let key = CredentialChain::new()
            .with_source(empty.clone())
            .with_source(fallback.clone())
            .access_key()
            .await
            .unwrap();
        assert_eq!(key.id(), "AKIAFALLBACK");

        let broken =
            EnvCredential::with_env(ProviderKind::Aws, env(&[("AWS_SECRET_ACCESS_KEY", "s")]));
        let err = CredentialChain::new()
            .with_source(broken)
            .with_source(fallback)
            .access_key()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[tokio::test]
    async fn exhausted_chain_lists_every_attempt() {
        let err = CredentialChain::new()
            .with_source(EnvCredential::with_env(ProviderKind::Aws, env(&[])))
            .with_source(EnvCredential::with_env(ProviderKind::Tencent, env(&[])))
            .access_key()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CredentialNotConfigured);
        assert!(err.message().contains("AWS_ACCESS_KEY_ID"));
        assert!(err.message().contains("TENCENTCLOUD_SECRET_ID"));
    }

    #[test]
    fn static_env_debug_shows_names_not_values() {
        let e = StaticEnv::new([("AWS_SECRET_ACCESS_KEY", "PLANTED-SECRET-VALUE")]);
        let dbg = format!("{e:?}");
        assert!(dbg.contains("AWS_SECRET_ACCESS_KEY"));
        assert!(!dbg.contains("PLANTED-SECRET-VALUE"));
    }
}
