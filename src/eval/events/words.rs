//! A large zeroed table of 64-bit words: the event engine's customer records
//! and index slots.
//!
//! Both are read at random rows, one cache line per event, over tables far
//! larger than the caches. With 4 KiB pages most of those reads also miss the
//! TLB; a table of 4 MiB or more is therefore an anonymous mapping advised to
//! use transparent huge pages (`madvise(MADV_HUGEPAGE)`, through `memmap2`'s
//! safe API; where the kernel declines, the mapping works as ordinary pages).
//! Smaller tables, and any mapping that fails, live on the heap. Mappings are
//! page-aligned, so a cache line of words never straddles two lines.

use memmap2::{Advice, MmapMut};

/// Tables from this size on are mapped and advised to use huge pages.
const MAPPED_FROM: usize = 4 << 20;

/// Zeroed words, on huge pages where possible.
pub(crate) struct Words {
    storage: Storage,
}

enum Storage {
    Heap(Vec<u64>),
    Mapped(MmapMut, usize),
}

impl Words {
    /// `len` zero words.
    pub(crate) fn zeroed(len: usize) -> Words {
        let bytes = len.saturating_mul(8);
        if bytes >= MAPPED_FROM
            && let Ok(map) = MmapMut::map_anon(bytes)
        {
            // a hint: the kernel may decline, and the table works either way
            let _ = map.advise(Advice::HugePage);
            let words = Words {
                storage: Storage::Mapped(map, len),
            };
            if words.as_slice().len() == len {
                return words;
            }
        }
        Words {
            storage: Storage::Heap(vec![0; len]),
        }
    }

    /// The words.
    pub(crate) fn as_slice(&self) -> &[u64] {
        match &self.storage {
            Storage::Heap(words) => words,
            Storage::Mapped(map, len) => bytemuck::try_cast_slice(&map[..])
                .ok()
                .and_then(|words: &[u64]| words.get(..*len))
                .unwrap_or_default(),
        }
    }

    /// The words, to update.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u64] {
        match &mut self.storage {
            Storage::Heap(words) => words,
            Storage::Mapped(map, len) => bytemuck::try_cast_slice_mut(&mut map[..])
                .ok()
                .and_then(|words: &mut [u64]| words.get_mut(..*len))
                .unwrap_or_default(),
        }
    }

    /// Gives back the memory of the words from `len` on where the storage
    /// allows it (heap tables shrink; a mapping is freed whole when dropped).
    pub(crate) fn truncate(&mut self, len: usize) {
        if let Storage::Heap(words) = &mut self.storage {
            words.truncate(len);
            words.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_tables_are_zeroed_and_writable() {
        for len in [0, 1, 1000, MAPPED_FROM / 8 + 3] {
            let mut words = Words::zeroed(len);
            assert_eq!(words.as_slice().len(), len);
            assert!(words.as_slice().iter().all(|w| *w == 0));
            if let Some(last) = words.as_mut_slice().last_mut() {
                *last = 7;
            }
            assert_eq!(words.as_slice().last().copied(), (len > 0).then_some(7));
        }
    }
}
