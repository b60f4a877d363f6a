//! Secret material: redacted in `Debug`/`Display`, zeroized on drop, never `Serialize`.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

/// A string that must never be printed: secret keys, session tokens, derived signing keys.
///
/// `Debug` and `Display` print `"** redacted **"`; the memory is zeroized when dropped. There
/// is deliberately no `Serialize` impl and no `Deref`: reading the value takes an explicit
/// [`SecretString::expose`].
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The secret value. Call only where the value is consumed (signing), never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"** redacted **\"")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// Bytes that must never be printed (derived signing keys); zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps secret bytes.
    pub fn new(value: Vec<u8>) -> Self {
        SecretBytes(value)
    }

    /// The secret bytes, for the HMAC that consumes them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes(** redacted **)")
    }
}

/// An AccessKey: the id (not secret), the secret and an optional session token.
///
/// The id is shown in `Debug`/`Display` because it is what users recognise a key by and what
/// every provider puts in clear text on the wire; the secret and token are redacted.
#[derive(Clone)]
pub struct AccessKey {
    id: String,
    secret: SecretString,
    session_token: Option<SecretString>,
}

impl PartialEq for AccessKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.secret == other.secret
            && self.session_token == other.session_token
    }
}

impl Eq for AccessKey {}

impl AccessKey {
    /// A long-term key (id + secret).
    pub fn new(id: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        AccessKey {
            id: id.into(),
            secret: secret.into(),
            session_token: None,
        }
    }

    /// Adds a session token (temporary credentials from STS).
    pub fn with_session_token(mut self, token: impl Into<SecretString>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The AccessKey id (`AKIA…`, `AKID…`, …).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The secret key.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }

    /// Checks the key's text before anything is signed or sent, so that a mistyped or
    /// half-pasted key fails here rather than as a refused request (Huawei locks a key after
    /// five refusals in a row).
    ///
    /// The id must be visible ASCII (no space, no control character); the secret and any
    /// session token must be non-blank, free of control characters and without leading or
    /// trailing whitespace. A [`Config`](crate::ErrorKind::Config) error names the part
    /// and the rule, never the text itself (a secret pasted into the id field stays
    /// unprinted).
    ///
    /// ```
    /// use multicloud_core::{AccessKey, ErrorKind};
    ///
    /// assert!(AccessKey::new("AKIDEXAMPLE", "s3cr3t/+x").validate().is_ok());
    /// let err = AccessKey::new("AKID EXAMPLE", "s3cr3t").validate().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Config);
    /// assert!(!err.to_string().contains("EXAMPLE"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.id.trim().is_empty() {
            return Err(Error::config("the AccessKey id is empty"));
        }
        if !self.id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::config(
                "the AccessKey id contains whitespace, a control character or non-ASCII text",
            ));
        }
        check_secret_text("secret", self.secret.expose())?;
        match &self.session_token {
            Some(token) => check_secret_text("session token", token.expose()),
            None => Ok(()),
        }
    }
}

/// The rules of [`AccessKey::validate`] for a secret part; the error names `part` only.
fn check_secret_text(part: &str, text: &str) -> Result<()> {
    let why = if text.trim().is_empty() {
        "is empty or only whitespace"
    } else if text.chars().any(char::is_control) {
        "contains a control character"
    } else if text.trim() != text {
        "has leading or trailing whitespace"
    } else {
        return Ok(());
    };
    Err(Error::config(format!("the AccessKey {part} {why}")))
}

impl Drop for AccessKey {
    fn drop(&mut self) {
        // The secret and token zeroize themselves; the id is not secret but costs nothing.
        self.id.zeroize();
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .field("session_token", &self.session_token)
            .finish()
    }
}

impl fmt::Display for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessKey({}, secret ** redacted **", self.id)?;
        if self.session_token.is_some() {
            f.write_str(", session token ** redacted **")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLANTED_SECRET: &str = "PLANTED-SECRET-9f8e7d";
    const PLANTED_TOKEN: &str = "PLANTED-TOKEN-1a2b3c";

    #[test]
    fn planted_secret_and_token_are_absent_from_debug_and_display() {
        let key = AccessKey::new("AKIDVISIBLE", PLANTED_SECRET).with_session_token(PLANTED_TOKEN);
        for rendered in [
            format!("{key:?}"),
            format!("{key:#?}"),
            format!("{key}"),
            format!("{:?}", key.secret()),
            format!("{}", key.secret()),
        ] {
            assert!(!rendered.contains(PLANTED_SECRET), "{rendered}");
            assert!(!rendered.contains(PLANTED_TOKEN), "{rendered}");
        }
        assert!(format!("{key:?}").contains("AKIDVISIBLE"));
        assert_eq!(key.secret().expose(), PLANTED_SECRET);
        assert_eq!(key.session_token().unwrap().expose(), PLANTED_TOKEN);
    }

    #[test]
    fn well_formed_keys_pass_validation() {
        for key in [
            AccessKey::new(
                "AKIAIOSFODNN7EXAMPLE",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            AccessKey::new(
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                "Gu5t9xGARNpq86cd98joQYCN3",
            ),
            AccessKey::new("bb9fdb42056f11eda16", "s").with_session_token("tok+/="),
        ] {
            assert!(key.validate().is_ok(), "{key:?}");
        }
    }

    #[test]
    fn blank_or_garbled_key_text_is_a_config_error_that_never_prints_it() {
        let cases = [
            AccessKey::new("", PLANTED_SECRET),
            AccessKey::new("   ", PLANTED_SECRET),
            AccessKey::new(format!("AKID {PLANTED_SECRET}"), "s"),
            AccessKey::new(format!("{PLANTED_SECRET}\t"), "s"),
            AccessKey::new(format!("{PLANTED_SECRET}\n"), "s"),
            AccessKey::new(format!("AKIDé{PLANTED_SECRET}"), "s"),
            AccessKey::new("AKID", ""),
            AccessKey::new("AKID", " \t "),
            AccessKey::new("AKID", format!("{PLANTED_SECRET}\n")),
            AccessKey::new("AKID", format!(" {PLANTED_SECRET}")),
            AccessKey::new("AKID", format!("{PLANTED_SECRET}\u{7f}x")),
            AccessKey::new("AKID", PLANTED_SECRET).with_session_token(""),
            AccessKey::new("AKID", PLANTED_SECRET).with_session_token(format!("{PLANTED_TOKEN}\r")),
        ];
        for key in cases {
            let err = key.validate().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config);
            for shown in [err.to_string(), format!("{err:?}"), err.report()] {
                assert!(!shown.contains(PLANTED_SECRET), "{shown}");
                assert!(!shown.contains(PLANTED_TOKEN), "{shown}");
            }
        }
    }

    #[test]
    fn secret_bytes_are_redacted() {
        let b = SecretBytes::new(b"derived-key".to_vec());
        assert!(!format!("{b:?}").contains("derived"));
        assert_eq!(b.expose(), b"derived-key");
    }
}
