//! Whole-slice byte tests written so the compiler turns them into vector instructions.
//!
//! Signing asks "is every byte of this path, name or host a plain one?" many times per
//! request. Asked byte by byte with an early exit, each question costs a few instructions per
//! byte; asked over 16-byte blocks with no exit, it costs a few per block.

/// Whether `keep` holds for every byte of `input`.
///
/// `keep` runs over whole 16-byte blocks, which vectorise when it is made of comparisons;
/// `keep_tail` runs over the bytes after the last block, one at a time, and may be a cheaper
/// test per byte (a table look-up) that gives the same answers.
#[inline(always)]
pub fn all_bytes(input: &[u8], keep: impl Fn(u8) -> bool, keep_tail: impl Fn(u8) -> bool) -> bool {
    // Within a block a fold, not `all`: with no exit inside it, the block is tested in one
    // go. The exit between blocks keeps the compiler from interleaving blocks instead.
    let blocks = input.chunks_exact(16);
    let tail = blocks.remainder();
    for block in blocks {
        if !block.iter().fold(true, |all, &b| all & keep(b)) {
            return false;
        }
    }
    tail.iter().fold(true, |all, &b| all & keep_tail(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_is_tested_in_blocks_and_in_the_tail() {
        let not_x = |b: u8| b != b'x';
        for len in 0..70 {
            assert!(all_bytes(&vec![b'a'; len], not_x, not_x), "{len}");
            for at in 0..len {
                let mut input = vec![b'a'; len];
                input[at] = b'x';
                assert!(!all_bytes(&input, not_x, not_x), "x at {at} of {len}");
            }
        }
    }

    #[test]
    fn the_tail_test_runs_only_after_the_last_block() {
        let input = [b'b'; 35];
        // 32 bytes in two blocks, 3 in the tail.
        assert!(all_bytes(&input, |b| b == b'b', |_| true));
        assert!(!all_bytes(&input, |b| b == b'b', |_| false));
        assert!(!all_bytes(&input[..32], |_| false, |_| true));
        assert!(all_bytes(&input[..15], |_| false, |_| true));
    }
}
