//! [`StackVec`] and [`StackBuf`]: a short list and a short byte string kept on the stack,
//! moved to the heap only when they outgrow their inline room. A signer's header and query
//! lists are a handful of items; allocating for each of them per request was a measurable
//! part of signing. Both sit on `smallvec`, whose inline room is left uninitialised until
//! written, so making one costs nothing however large the room.

use smallvec::SmallVec;

use super::sink::Sink;

/// A list of up to `N` items on the stack, spilling to the heap past that.
#[derive(Debug, Clone)]
pub struct StackVec<T, const N: usize>(SmallVec<[T; N]>);

impl<T, const N: usize> Default for StackVec<T, N> {
    fn default() -> Self {
        StackVec::new()
    }
}

impl<T, const N: usize> StackVec<T, N> {
    /// An empty list.
    #[inline]
    pub fn new() -> Self {
        StackVec(SmallVec::new())
    }

    /// Appends `item`.
    #[inline]
    pub fn push(&mut self, item: T) {
        self.0.push(item);
    }

    /// The items.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    /// The items, mutably (for sorting).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.0
    }

    /// How many items.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T, const N: usize> std::ops::Deref for StackVec<T, N> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T, const N: usize> std::ops::DerefMut for StackVec<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T, const N: usize> IntoIterator for StackVec<T, N> {
    type Item = T;
    type IntoIter = smallvec::IntoIter<[T; N]>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T, const N: usize> FromIterator<T> for StackVec<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        StackVec(iter.into_iter().collect())
    }
}

/// Bytes on the stack, up to `N`, moved to the heap past that.
#[derive(Debug, Clone, Default)]
pub struct StackBuf<const N: usize>(SmallVec<[u8; N]>);

impl<const N: usize> StackBuf<N> {
    /// An empty buffer.
    #[inline]
    pub fn new() -> Self {
        StackBuf(SmallVec::new())
    }

    /// The bytes written so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// How many bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<const N: usize> Sink for StackBuf<N> {
    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.0.push(byte);
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
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
        assert_eq!(b.as_bytes(), b"abc");
        b.put(b"de");
        b.put(b"f");
        assert_eq!((b.as_bytes(), b.len()), (&b"abcdef"[..], 6));
    }
}
