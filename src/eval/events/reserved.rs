//! [`ReservedVec`]: a vector whose capacity is address space, not memory.
//!
//! A backtest keeps most of an event table in memory, appended block by block
//! as the file is read without knowing how many events each block will get,
//! then grouped on two threads. Memory that glibc's allocator hands out and
//! takes back stays with the process (about 50 MB after grouping 10M events,
//! some of it in another thread's arena, where the next date's columns cannot
//! use it), and a vector that outgrows its reservation copies itself. A
//! `ReservedVec` of 1 MiB or more is an anonymous mapping (`memmap2`, safe API)
//! of generous capacity on ordinary pages: only the pages written become
//! resident, and dropping it gives its memory back to the system at once.
//! Smaller ones are plain vectors.

use arrow::buffer::Buffer;
use arrow::datatypes::ArrowNativeType;
use bytemuck::Pod;
use memmap2::MmapMut;

/// Capacities from this size on (in bytes) are mapped.
const MAPPED_FROM: usize = 1 << 20;

/// Values of a plain-old-data type, appended at the end.
pub(crate) struct ReservedVec<T: Pod> {
    storage: Storage<T>,
    len: usize,
}

enum Storage<T> {
    Heap(Vec<T>),
    /// A mapping of `capacity` values.
    Mapped(MmapMut, usize),
}

impl<T: Pod> Default for ReservedVec<T> {
    fn default() -> Self {
        ReservedVec {
            storage: Storage::Heap(Vec::new()),
            len: 0,
        }
    }
}

impl<T: Pod> ReservedVec<T> {
    /// Room for `capacity` values; mapped when that is 1 MiB or more.
    pub(crate) fn with_capacity(capacity: usize) -> ReservedVec<T> {
        let bytes = capacity.saturating_mul(size_of::<T>());
        let mapped = (bytes >= MAPPED_FROM)
            .then(|| MmapMut::map_anon(bytes).ok())
            .flatten();
        let storage = match mapped {
            Some(map) => Storage::Mapped(map, capacity),
            None => {
                // a reservation the system refuses is not needed: the vector
                // grows as values come instead
                let mut values = Vec::new();
                let _ = values.try_reserve_exact(capacity);
                Storage::Heap(values)
            }
        };
        ReservedVec { storage, len: 0 }
    }

    /// The values appended.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many values fit without moving.
    pub(crate) fn capacity(&self) -> usize {
        match &self.storage {
            Storage::Heap(values) => values.capacity(),
            Storage::Mapped(_, capacity) => *capacity,
        }
    }

    /// Appends `value`; a full mapping moves to one twice its size (rare: the
    /// capacity asked for is generous).
    pub(crate) fn push(&mut self, value: T) {
        match &mut self.storage {
            Storage::Heap(values) => values.push(value),
            Storage::Mapped(map, capacity) => {
                if self.len == *capacity {
                    self.grow();
                    return self.push(value);
                }
                let at = self.len * size_of::<T>();
                if let Some(slot) = map.get_mut(at..at + size_of::<T>()) {
                    slot.copy_from_slice(bytemuck::bytes_of(&value));
                }
            }
        }
        self.len += 1;
    }

    fn grow(&mut self) {
        let mut bigger = ReservedVec::with_capacity(self.capacity().saturating_mul(2).max(1));
        for &value in self.as_slice() {
            bigger.push(value);
        }
        *self = bigger;
    }

    /// Keeps the first `len` values (or all, if fewer).
    pub(crate) fn truncate(&mut self, len: usize) {
        if let Storage::Heap(values) = &mut self.storage {
            values.truncate(len);
        }
        self.len = self.len.min(len);
    }

    /// Appends `value` until there are `len` values.
    pub(crate) fn fill_to(&mut self, len: usize, value: T) {
        while self.len < len {
            self.push(value);
        }
    }

    /// Makes the length `len` without writing: values past the old length are
    /// zero, or left from before a [`ReservedVec::truncate`] (for scratch space
    /// that is written whole before it is read).
    pub(crate) fn resize_keeping(&mut self, len: usize) {
        match &mut self.storage {
            Storage::Heap(values) => {
                values.resize(len, T::zeroed());
                self.len = len;
            }
            Storage::Mapped(_, capacity) if len <= *capacity => self.len = len,
            Storage::Mapped(..) => self.fill_to(len, T::zeroed()),
        }
    }

    /// The values.
    pub(crate) fn as_slice(&self) -> &[T] {
        match &self.storage {
            Storage::Heap(values) => values,
            Storage::Mapped(map, _) => map
                .get(..self.len * size_of::<T>())
                .and_then(|bytes| bytemuck::try_cast_slice(bytes).ok())
                .unwrap_or_default(),
        }
    }

    /// The values, to change in place.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        match &mut self.storage {
            Storage::Heap(values) => values,
            Storage::Mapped(map, _) => map
                .get_mut(..self.len * size_of::<T>())
                .and_then(|bytes| bytemuck::try_cast_slice_mut(bytes).ok())
                .unwrap_or_default(),
        }
    }
}

impl<T: Pod + ArrowNativeType> ReservedVec<T> {
    /// The values as an Arrow buffer, without copying (a mapping is owned by
    /// the buffer from then on).
    pub(crate) fn into_buffer(self) -> Buffer {
        let bytes = self.len * size_of::<T>();
        match self.storage {
            Storage::Heap(mut values) => {
                values.truncate(self.len);
                Buffer::from_vec(values)
            }
            Storage::Mapped(map, _) => {
                Buffer::from(bytes::Bytes::from_owner(map)).slice_with_length(0, bytes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_mapped_vectors_append_grow_and_become_buffers() {
        for capacity in [0, 3, MAPPED_FROM / 8 + 1] {
            let mut values = ReservedVec::<u64>::with_capacity(capacity);
            let count = capacity * 2 + 5;
            for v in 0..count as u64 {
                values.push(v * 3);
            }
            assert_eq!(values.len(), count);
            assert!(
                values
                    .as_slice()
                    .iter()
                    .enumerate()
                    .all(|(i, v)| *v == i as u64 * 3)
            );
            values.as_mut_slice().reverse();
            values.truncate(4);
            values.fill_to(6, 1);
            let expected: Vec<u64> = (0..4)
                .map(|i| (count as u64 - 1 - i) * 3)
                .chain([1, 1])
                .collect();
            assert_eq!(values.as_slice(), expected.as_slice());
            let buffer = values.into_buffer();
            assert_eq!(buffer.typed_data::<u64>(), expected.as_slice());
        }
    }

    #[test]
    fn small_types_pack() {
        let mut rows = ReservedVec::<u16>::with_capacity(MAPPED_FROM);
        rows.push(7);
        rows.push(65535);
        assert_eq!(rows.as_slice(), &[7, 65535]);
        rows.truncate(1);
        rows.resize_keeping(3);
        assert_eq!(rows.as_slice(), &[7, 65535, 0]);
    }
}
