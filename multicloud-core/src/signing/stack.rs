//! [`StackVec`] and [`StackBuf`]: a short list and a short byte string kept on the stack,
//! moved to the heap only when they outgrow their inline room. A signer's header and query
//! lists are a handful of items; allocating for each of them per request was a measurable
//! part of signing.

use super::sink::Sink;

/// A list of up to `N` items on the stack, spilling to a `Vec` past that.
#[derive(Debug, Clone)]
pub struct StackVec<T, const N: usize> {
    inline: [T; N],
    len: usize,
    /// Every item, once there are more than `N` (the inline ones are moved here).
    spill: Vec<T>,
}

impl<T: Default, const N: usize> Default for StackVec<T, N> {
    fn default() -> Self {
        StackVec::new()
    }
}

impl<T: Default, const N: usize> StackVec<T, N> {
    /// An empty list.
    pub fn new() -> Self {
        StackVec {
            inline: std::array::from_fn(|_| T::default()),
            len: 0,
            spill: Vec::new(),
        }
    }

    /// Appends `item`.
    #[inline]
    pub fn push(&mut self, item: T) {
        if self.len < N {
            self.inline[self.len] = item;
        } else {
            if self.len == N {
                self.spill.reserve(2 * N);
                self.spill
                    .extend(self.inline.iter_mut().map(std::mem::take));
            }
            self.spill.push(item);
        }
        self.len += 1;
    }

    /// The items.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        if self.len <= N {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }

    /// The items, mutably (for sorting).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        if self.len <= N {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }

    /// How many items.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T: Default, const N: usize> std::ops::Deref for StackVec<T, N> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Default, const N: usize> std::ops::DerefMut for StackVec<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T: Default, const N: usize> IntoIterator for StackVec<T, N> {
    type Item = T;
    type IntoIter =
        std::iter::Chain<std::iter::Take<std::array::IntoIter<T, N>>, std::vec::IntoIter<T>>;

    fn into_iter(self) -> Self::IntoIter {
        // Once spilled, the inline slots were moved out and every item is in `spill`.
        let inline = if self.len <= N { self.len } else { 0 };
        self.inline.into_iter().take(inline).chain(self.spill)
    }
}

impl<T: Default, const N: usize> FromIterator<T> for StackVec<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut out = StackVec::new();
        iter.into_iter().for_each(|item| out.push(item));
        out
    }
}

/// Bytes on the stack, up to `N`, moved to a `Vec` past that.
#[derive(Debug, Clone)]
pub struct StackBuf<const N: usize> {
    inline: [u8; N],
    len: usize,
    /// Every byte, once there are more than `N`.
    spill: Vec<u8>,
}

impl<const N: usize> Default for StackBuf<N> {
    fn default() -> Self {
        StackBuf::new()
    }
}

impl<const N: usize> StackBuf<N> {
    /// An empty buffer.
    pub fn new() -> Self {
        StackBuf {
            inline: [0; N],
            len: 0,
            spill: Vec::new(),
        }
    }

    /// The bytes written so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        if self.len <= N {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }

    /// How many bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> Sink for StackBuf<N> {
    #[inline]
    fn put_byte(&mut self, byte: u8) {
        if self.len < N {
            self.inline[self.len] = byte;
            self.len += 1;
        } else {
            self.put(&[byte]);
        }
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end <= N {
            self.inline[self.len..end].copy_from_slice(bytes);
        } else {
            if self.len <= N {
                self.spill.reserve(2 * end);
                self.spill.extend_from_slice(&self.inline[..self.len]);
            }
            self.spill.extend_from_slice(bytes);
        }
        self.len = end;
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
