//! Secret material: redacted in `Debug`/`Display`, zeroized on drop, never `Serialize`.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

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
    fn secret_bytes_are_redacted() {
        let b = SecretBytes::new(b"derived-key".to_vec());
        assert!(!format!("{b:?}").contains("derived"));
        assert_eq!(b.expose(), b"derived-key");
    }
}
