//! Where canonical bytes go: a `Vec<u8>`, a running hash, or a hash that also keeps the
//! text.
//!
//! `sign` only needs the hashes of its canonical strings, so it writes them straight into
//! SHA-256/HMAC; `signing_parts` must show the text too, so it writes through a [`Traced`]
//! sink that keeps a copy. Both run the same builder code, so the text shown is exactly the
//! bytes that were hashed.

/// A byte sink the canonical builders write into.
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);

    /// Appends one byte.
    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.put(std::slice::from_ref(&byte));
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.push(byte);
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        (**self).put(bytes);
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        (**self).put_byte(byte);
    }
}

/// A sink that forwards to `inner` and, when tracing, keeps a copy of every byte.
#[derive(Debug, Clone)]
pub struct Traced<S> {
    inner: S,
    text: Option<Vec<u8>>,
}

impl<S: Sink> Traced<S> {
    /// Forwards to `inner`; keeps the text only when `keep_text`.
    pub fn new(inner: S, keep_text: bool) -> Self {
        Traced {
            inner,
            text: keep_text.then(|| Vec::with_capacity(512)),
        }
    }

    /// The inner sink and the text (empty when not kept).
    pub fn into_parts(self) -> (S, Vec<u8>) {
        (self.inner, self.text.unwrap_or_default())
    }
}

impl<S: Sink> Sink for Traced<S> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.inner.put(bytes);
        if let Some(text) = &mut self.text {
            text.extend_from_slice(bytes);
        }
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.inner.put_byte(byte);
        if let Some(text) = &mut self.text {
            text.push(byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::sha::Sha256;

    #[test]
    fn traced_keeps_exactly_what_was_hashed() {
        let mut t = Traced::new(Sha256::new(), true);
        t.put(b"abc");
        t.put_byte(b'\n');
        let (hash, text) = t.into_parts();
        assert_eq!(text, b"abc\n");
        assert_eq!(hash.finish(), Sha256::digest(b"abc\n"));
        let (_, none) = Traced::new(Vec::new(), false).into_parts();
        assert!(none.is_empty());
    }
}
