//! [`StackVec`] and [`StackBuf`]: a short list and a short byte string kept on the stack,
//! moved to the heap only when they outgrow their inline room. A signer's header and query
//! lists are a handful of items; allocating for each of them per request was a measurable
//! part of signing. Both are `smallvec`'s `SmallVec`, whose inline room is left
//! uninitialised until written, so making one costs nothing however large the room.

use smallvec::SmallVec;

use super::sink::Sink;

/// A list of up to `N` items on the stack, spilling to the heap past that.
pub type StackVec<T, const N: usize> = SmallVec<[T; N]>;

/// Bytes on the stack, up to `N`, moved to the heap past that.
pub type StackBuf<const N: usize> = SmallVec<[u8; N]>;

impl<const N: usize> Sink for SmallVec<[u8; N]> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spills_past_the_inline_room_keeping_order() {
        let mut v: StackVec<u32, 3> = StackVec::new();
        assert!(v.is_empty());
        for i in 0..3 {
            v.push(i);
        }
        assert_eq!(v.as_slice(), [0, 1, 2]);
        v.push(3);
        v.push(4);
        assert_eq!(v.as_slice(), [0, 1, 2, 3, 4]);
        assert_eq!(v.len(), 5);
        v.as_mut_slice().reverse();
        assert_eq!(v.as_slice(), [4, 3, 2, 1, 0]);
        let w: StackVec<u8, 2> = (0..2).collect();
        assert_eq!(w.as_slice(), [0, 1]);
        assert_eq!(w.into_iter().collect::<Vec<_>>(), [0, 1]);
        assert_eq!(v.into_iter().collect::<Vec<_>>(), [4, 3, 2, 1, 0]);
    }

    #[test]
    fn bytes_spill_past_the_inline_room() {
        let mut b: StackBuf<4> = StackBuf::new();
        assert!(b.is_empty());
        b.put(b"ab");
        b.put_byte(b'c');
        assert_eq!(b.as_slice(), b"abc");
        b.put(b"de");
        b.put(b"f");
        assert_eq!((b.as_slice(), b.len()), (&b"abcdef"[..], 6));
    }
}
