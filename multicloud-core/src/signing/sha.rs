//! Streaming SHA-256 and HMAC-SHA256 over the `sha2` compression function (SHA-NI where the
//! CPU has it).
//!
//! Signers write canonical strings straight into these instead of building them first, and
//! an [`HmacKey`] keeps the two HMAC midstates of a key so a cached signing key costs no
//! key schedule per request. Midstates are as good as the key, so [`HmacKey`] is zeroized
//! on drop and prints nothing.

use sha2::digest::generic_array::GenericArray;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::sink::Sink;

const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// An incremental SHA-256.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    block: [u8; 64],
    filled: usize,
    /// Bytes absorbed so far, the block being filled included.
    total: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256::new()
    }
}

impl std::fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The state may be an HMAC midstate: show only how much was absorbed.
        f.debug_struct("Sha256")
            .field("absorbed", &self.total)
            .finish()
    }
}

impl Sha256 {
    /// A fresh hash.
    pub fn new() -> Self {
        Sha256::resume(IV, 0)
    }

    /// Continues from `state` after `absorbed` bytes (whole blocks).
    fn resume(state: [u32; 8], absorbed: u64) -> Self {
        Sha256 {
            state,
            block: [0; 64],
            filled: 0,
            total: absorbed,
        }
    }

    /// Absorbs `data`.
    #[inline]
    pub fn update(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        let room = 64 - self.filled;
        if data.len() < room {
            // The usual case for the short pieces of a canonical string.
            self.block[self.filled..self.filled + data.len()].copy_from_slice(data);
            self.filled += data.len();
            return;
        }
        self.update_slow(data, room);
    }

    fn update_slow(&mut self, data: &[u8], room: usize) {
        let (head, mut rest) = data.split_at(room);
        self.block[self.filled..].copy_from_slice(head);
        compress(&mut self.state, &self.block);
        while let Some((block, tail)) = rest.split_first_chunk::<64>() {
            compress(&mut self.state, block);
            rest = tail;
        }
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    /// Absorbs one byte.
    #[inline]
    pub fn update_byte(&mut self, byte: u8) {
        self.total += 1;
        self.block[self.filled] = byte;
        self.filled += 1;
        if self.filled == 64 {
            compress(&mut self.state, &self.block);
            self.filled = 0;
        }
    }

    /// The digest.
    pub fn finish(mut self) -> [u8; 32] {
        let bits = self.total.wrapping_mul(8);
        self.block[self.filled] = 0x80;
        self.block[self.filled + 1..].fill(0);
        if self.filled >= 56 {
            compress(&mut self.state, &self.block);
            self.block.fill(0);
        }
        self.block[56..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut self.state, &self.block);
        state_bytes(&self.state)
    }

    /// `SHA256(data)` in one call.
    pub fn digest(data: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(data);
        h.finish()
    }
}

impl Sink for Sha256 {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.update_byte(byte);
    }
}

/// An HMAC-SHA256 key, held as its two midstates (the key schedule done once).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(** redacted **)")
    }
}

impl HmacKey {
    /// Keys HMAC with `key` (hashed first when longer than a block, as RFC 2104 says).
    pub fn new(key: &[u8]) -> Self {
        let hashed;
        let key = if key.len() > 64 {
            hashed = Zeroizing::new(Sha256::digest(key));
            &hashed[..]
        } else {
            key
        };
        // One block holds key ^ ipad, then key ^ opad; it is wiped before it goes.
        let mut block = Zeroizing::new([0x36u8; 64]);
        for (b, k) in block.iter_mut().zip(key) {
            *b ^= k;
        }
        let mut inner = IV;
        compress(&mut inner, &block);
        for b in block.iter_mut() {
            *b ^= 0x36 ^ 0x5c;
        }
        let mut outer = IV;
        compress(&mut outer, &block);
        HmacKey { inner, outer }
    }

    /// An HMAC over data fed in pieces.
    pub fn start(&self) -> HmacStream {
        HmacStream {
            inner: Sha256::resume(self.inner, 64),
            outer: self.outer,
        }
    }

    /// `HMAC(key, data)`.
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut stream = self.start();
        stream.update(data);
        stream.finish()
    }
}

/// An HMAC-SHA256 being computed; [`HmacKey::start`] makes one.
#[derive(Clone)]
pub struct HmacStream {
    inner: Sha256,
    outer: [u32; 8],
}

impl std::fmt::Debug for HmacStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacStream(** redacted **)")
    }
}

impl HmacStream {
    /// Absorbs `data`.
    #[inline]
    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The MAC.
    pub fn finish(self) -> [u8; 32] {
        // The outer hash is one known block after the key's: the inner digest, then its
        // padding for (64 + 32) bytes. Written out directly, it skips a streaming hash.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.inner.finish());
        block[32] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        let mut outer = self.outer;
        compress(&mut outer, &block);
        state_bytes(&outer)
    }
}

impl Sink for HmacStream {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.inner.update(bytes);
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.inner.update_byte(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Digest;

    fn reference_sha(data: &[u8]) -> [u8; 32] {
        sha2::Sha256::digest(data).into()
    }

    fn reference_hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    #[test]
    fn every_length_around_the_padding_edges_matches_sha2() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let input = &data[..len];
            assert_eq!(Sha256::digest(input), reference_sha(input), "len {len}");
            // Fed in uneven pieces, too, and byte by byte.
            let mut h = Sha256::new();
            for piece in input.chunks(len % 13 + 1) {
                h.update(piece);
            }
            assert_eq!(h.finish(), reference_sha(input), "pieces, len {len}");
            let mut h = Sha256::new();
            input.iter().for_each(|b| h.update_byte(*b));
            assert_eq!(h.finish(), reference_sha(input), "bytes, len {len}");
        }
    }

    #[test]
    fn hmac_matches_the_hmac_crate_for_short_block_and_long_keys() {
        let data: Vec<u8> = (0..200u8).collect();
        for key_len in [0, 1, 32, 63, 64, 65, 130] {
            let key = vec![0xA5u8; key_len];
            let k = HmacKey::new(&key);
            for len in [0, 1, 55, 56, 64, 119, 200] {
                assert_eq!(
                    k.mac(&data[..len]),
                    reference_hmac(&key, &data[..len]),
                    "key {key_len}, data {len}"
                );
            }
        }
    }

    #[test]
    fn debug_shows_no_state() {
        let k = HmacKey::new(b"PLANTED");
        assert_eq!(format!("{k:?}"), "HmacKey(** redacted **)");
        assert!(!format!("{:?}", k.start()).contains("inner"));
    }
}
