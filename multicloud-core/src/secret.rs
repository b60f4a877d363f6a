//! Secret material: redacted in `Debug`/`Display`, zeroized on drop, never `Serialize`.

use std::fmt;
use std::sync::OnceLock;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::signing::sha::HmacKey;

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
    /// The derived-key cache's fingerprint of (id, secret), computed once per key.
    fingerprint: OnceLock<[u8; 32]>,
    /// HMAC keyed with the secret (Huawei, Baidu and CTyun sign with it directly): its key
    /// schedule done once per key. Zeroized on drop like the secret.
    secret_mac: OnceLock<HmacKey>,
    /// Whether the id can be written into a header value: checked once, here, rather than
    /// on every signature.
    id_is_header_safe: bool,
}

impl PartialEq for AccessKey {
    fn eq(&self, other: &Self) -> bool {
        // The memoised fingerprint follows from the id and secret: not compared.
        self.id == other.id
            && self.secret == other.secret
            && self.session_token == other.session_token
    }
}

impl Eq for AccessKey {}

impl AccessKey {
    /// A long-term key (id + secret).
    pub fn new(id: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        let id = id.into();
        AccessKey {
            id_is_header_safe: crate::signing::request::is_header_value(id.as_bytes()),
            id,
            secret: secret.into(),
            session_token: None,
            fingerprint: OnceLock::new(),
            secret_mac: OnceLock::new(),
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

    /// Whether the id can be sent in a header value (printable ASCII, tab, or bytes above
    /// 0x7f, as `http::HeaderValue` accepts): signers refuse a key whose id cannot.
    pub fn id_is_header_safe(&self) -> bool {
        self.id_is_header_safe
    }

    /// The secret key.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }

    /// `HMAC-SHA256` keyed with the secret, its key schedule computed on first use only: the
    /// algorithms that key an HMAC with the raw secret (Huawei, Baidu, CTyun) skip two
    /// SHA-256 blocks per signature. As sensitive as the secret; `Debug` prints nothing.
    pub fn secret_mac_key(&self) -> &HmacKey {
        self.secret_mac
            .get_or_init(|| HmacKey::new(self.secret.expose().as_bytes()))
    }

    /// The fingerprint `compute` makes of this key, computed on first use only.
    pub(crate) fn memo_fingerprint(&self, compute: impl FnOnce(&Self) -> [u8; 32]) -> &[u8; 32] {
        self.fingerprint.get_or_init(|| compute(self))
    }
}

impl Drop for AccessKey {
    fn drop(&mut self) {
        // The secret and token zeroize themselves; the id is not secret but costs nothing.
        self.id.zeroize();
        if let Some(fingerprint) = self.fingerprint.get_mut() {
            fingerprint.zeroize();
        }
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
    fn the_memoised_secret_mac_key_is_hmac_keyed_with_the_secret_and_stays_hidden() {
        let key = AccessKey::new("AKID", PLANTED_SECRET);
        let expected = crate::signing::hash::hmac_sha256(PLANTED_SECRET.as_bytes(), b"data");
        assert_eq!(key.secret_mac_key().mac(b"data"), expected);
        // Memoised: the same key schedule every time, and carried over by a clone.
        assert!(std::ptr::eq(key.secret_mac_key(), key.secret_mac_key()));
        assert_eq!(key.clone().secret_mac_key().mac(b"data"), expected);
        let shown = format!("{key:?} {:?}", key.secret_mac_key());
        assert!(!shown.contains(PLANTED_SECRET), "{shown}");
        assert!(!shown.contains("inner"), "{shown}");
    }

    #[test]
    fn secret_bytes_are_redacted() {
        let b = SecretBytes::new(b"derived-key".to_vec());
        assert!(!format!("{b:?}").contains("derived"));
        assert_eq!(b.expose(), b"derived-key");
    }
}
