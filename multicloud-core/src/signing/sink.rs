//! Where canonical bytes go: a `Vec<u8>` or a running hash, and the [`Writer`]s that write
//! them into either.
//!
//! `sign` only needs the hashes of its canonical strings, so it writes them straight into
//! SHA-256/HMAC; `signing_parts` must show the text too, so [`hash_text`] writes it into a
//! buffer first and hashes that. Both run the same [`Writer`], so the text shown is exactly
//! the bytes that were hashed.

use crate::error::Result;

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

/// A canonical string's builder, callable with any [`Sink`]: its hash when signing, a buffer
/// when its text is wanted too.
pub trait Writer {
    /// Writes the string into `out`.
    fn write_to<S: Sink>(self, out: &mut S) -> Result<()>;
}

/// Writes `writer`'s string into `hash` and returns its text when `keep_text` (else an empty
/// `Vec`). Each way is compiled on its own, so signing pays no per-write check for the text;
/// a kept text is written first and then hashed whole, so it is exactly the bytes hashed.
#[inline]
pub fn hash_text<H: Sink>(hash: &mut H, keep_text: bool, writer: impl Writer) -> Result<Vec<u8>> {
    if keep_text {
        let mut text = Vec::with_capacity(512);
        writer.write_to(&mut text)?;
        hash.put(&text);
        Ok(text)
    } else {
        writer.write_to(hash)?;
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::sha::Sha256;

    struct Abc;

    impl Writer for Abc {
        fn write_to<S: Sink>(self, out: &mut S) -> Result<()> {
            out.put(b"abc");
            out.put_byte(b'\n');
            Ok(())
        }
    }

    #[test]
    fn the_kept_text_is_exactly_what_was_hashed() {
        let (mut kept, mut lean) = (Sha256::new(), Sha256::new());
        let text = hash_text(&mut kept, true, Abc).unwrap();
        assert_eq!(text, b"abc\n");
        assert!(hash_text(&mut lean, false, Abc).unwrap().is_empty());
        let expected = Sha256::digest(b"abc\n");
        assert_eq!(kept.finish(), expected);
        assert_eq!(lean.finish(), expected);
    }

    #[test]
    fn a_writer_error_is_returned_either_way() {
        struct Fails;
        impl Writer for Fails {
            fn write_to<S: Sink>(self, out: &mut S) -> Result<()> {
                out.put(b"partial");
                Err(crate::Error::config("no"))
            }
        }
        for keep_text in [false, true] {
            let err = hash_text(&mut Vec::new(), keep_text, Fails).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::Config);
        }
    }
}
