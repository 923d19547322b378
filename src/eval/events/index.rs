//! The customer key index: for an event's key, the customer rows that hold it.
//!
//! Built once per run from the customer table's key column, typed, with no
//! `String` per key or per event: each key is packed into a `u128` (ints, and
//! strings of up to 15 bytes, whole; longer strings by length and offset into
//! one byte buffer), and an open-addressing table holds each distinct packed
//! key with its first row.
//! Duplicate keys, which the spec does not forbid, are chained (`next`), so an
//! event reaches every row with its key, as the reference interpreter does.
//!
//! Rows are `u32` (a customer table of four billion rows is refused with a
//! clear error); [`NO_ROW`] marks an event whose key matches no customer.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use arrow::error::ArrowError;

use super::words::Words;
use crate::data::BatchSource;
use crate::eval::EvalError;
use crate::plan::Plan;

/// The row of an event whose key matches no customer (or is missing).
pub(crate) const NO_ROW: u32 = u32::MAX;

/// An empty slot of the table.
const EMPTY: u64 = u64::MAX;

/// Strings up to this many bytes are packed whole into a row's `u128`.
const SHORT: usize = 15;

/// The top byte of a packed long string (short strings hold their length, 0–15).
const LONG: u128 = 0xFF << 120;

/// Customer keys by row, and an open-addressing table from key to first row.
///
/// A lookup costs one memory access in the usual case, which matters more
/// than any arithmetic here (the table is larger than the caches and events
/// arrive in no useful order): the slot holds the packed key itself, its hash
/// tag and its row (24 bytes, linear probing).
pub(crate) struct CustomerIndex {
    /// Each row's key, packed, while the table is built (then freed): an int as
    /// itself; a string of up to 15 bytes as its bytes with its length in the
    /// top byte; a longer string as [`LONG`], its length and its offset in `long`.
    packed: Vec<u128>,
    /// Customer rows.
    rows: usize,
    /// The bytes of the strings longer than [`SHORT`].
    long: Vec<u8>,
    /// Per slot, three words: the packed key (low, high) and `tag << 32 | row`
    /// ([`EMPTY`] when free); a power of two slots long.
    slots: Words,
    /// The number of slots minus one.
    mask: usize,
    /// For each row, the next row with the same key ([`NO_ROW`] at the end);
    /// empty when every key is unique (the usual case).
    next: Vec<u32>,
    strings: ahash::RandomState,
}

/// A key as looked up: its packed form and its hash.
#[derive(Clone, Copy)]
struct Probe<'a> {
    packed: u128,
    hash: u64,
    /// The whole string, when it is longer than [`SHORT`].
    long: Option<&'a [u8]>,
}

/// A well-mixed 64-bit hash of a packed key (a multiply–fold of both halves).
fn mix(packed: u128) -> u64 {
    let folded = (packed as u64) ^ ((packed >> 64) as u64).rotate_left(29);
    let product = u128::from(folded).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
    (product as u64) ^ ((product >> 64) as u64)
}

/// A string of up to [`SHORT`] bytes, packed (length in the top byte).
fn pack_short(bytes: &[u8]) -> u128 {
    let mut word = [0u8; 16];
    for (slot, byte) in word.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    word[15] = bytes.len() as u8;
    u128::from_le_bytes(word)
}

impl CustomerIndex {
    /// Reads the key column of `customers` (one pass, nothing else) and indexes it.
    pub(crate) fn build(plan: &Plan, customers: &dyn BatchSource) -> Result<Self, EvalError> {
        let key = plan.schema().key;
        let expected = customers
            .row_count()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut index = CustomerIndex::empty(expected);
        let mut missing = Vec::new();
        for batch in customers.batches(&[key])? {
            let batch = batch?;
            index.append(batch.column(0), &mut missing)?;
        }
        index.rows = index.packed.len();
        if index.rows >= NO_ROW as usize {
            return Err(EvalError::Output(format!(
                "event aggregates support at most {} customer rows; the customer table has {}",
                NO_ROW - 1,
                index.packed.len()
            )));
        }
        index.build_table(&missing);
        Ok(index)
    }

    fn empty(expected: usize) -> Self {
        CustomerIndex {
            packed: Vec::with_capacity(expected),
            rows: 0,
            long: Vec::new(),
            slots: Words::zeroed(0),
            mask: 0,
            next: Vec::new(),
            strings: ahash::RandomState::with_seeds(
                0x243F_6A88_85A3_08D3,
                0x1319_8A2E_0370_7344,
                0xA409_3822_299F_31D0,
                0x082E_FA98_EC4E_6C89,
            ),
        }
    }

    /// Appends one batch of the customer key column (its canonical type: int64,
    /// utf8 or a dictionary of utf8). Rows without a key (the file readers
    /// reject them; in-memory sources may hold them) go to `missing`.
    fn append(&mut self, column: &ArrayRef, missing: &mut Vec<u32>) -> Result<(), EvalError> {
        let first = self.packed.len();
        if column.null_count() > 0 {
            missing.extend(
                (0..column.len())
                    .filter(|i| column.is_null(*i))
                    .map(|i| (first + i).min(NO_ROW as usize) as u32),
            );
        }
        if column.data_type() == &DataType::Int64 {
            let ints = column.as_primitive::<Int64Type>();
            self.packed
                .extend(ints.values().iter().map(|k| u128::from(*k as u64)));
            return Ok(());
        }
        let strings = as_utf8(column)?;
        let strings = strings.as_string::<i32>();
        for i in 0..strings.len() {
            let bytes = strings.value(i).as_bytes();
            let packed = if bytes.len() <= SHORT {
                pack_short(bytes)
            } else {
                let at = self.long.len() as u128;
                self.long.extend_from_slice(bytes);
                LONG | (bytes.len() as u128) << 64 | at
            };
            self.packed.push(packed);
        }
        Ok(())
    }

    /// Builds the slots (load at most 2/3), every row but those in `missing`
    /// (ascending), which no event matches; then frees the packed keys.
    fn build_table(&mut self, missing: &[u32]) {
        let rows = self.packed.len();
        self.rows = rows;
        let capacity = (rows.saturating_mul(3) / 2).max(16).next_power_of_two();
        self.slots = Words::zeroed(capacity * 3);
        self.mask = capacity - 1;
        for slot in self.slots.as_mut_slice().chunks_exact_mut(3) {
            slot[2] = EMPTY;
        }
        for row in 0..rows as u32 {
            if missing.binary_search(&row).is_err() {
                self.insert(row);
            }
        }
        self.packed = Vec::new();
    }

    /// The probe for row `row`'s own key.
    fn probe_of_row(&self, row: u32) -> Probe<'_> {
        let packed = self.packed.get(row as usize).copied().unwrap_or_default();
        match self.long_bytes(packed) {
            Some(bytes) => Probe {
                packed,
                hash: self.strings.hash_one(bytes),
                long: Some(bytes),
            },
            None => Probe {
                packed,
                hash: mix(packed),
                long: None,
            },
        }
    }

    /// The bytes of a packed long string.
    fn long_bytes(&self, packed: u128) -> Option<&[u8]> {
        if packed & LONG != LONG {
            return None;
        }
        let at = (packed as u64) as usize;
        let len = ((packed >> 64) as u32) as usize;
        self.long.get(at..at.saturating_add(len))
    }

    /// Adds `row`: a new key takes a free slot; a key seen before is chained
    /// after the first row that holds it.
    fn insert(&mut self, row: u32) {
        let probe = self.probe_of_row(row);
        let first = self.find(probe);
        if first != NO_ROW {
            if self.next.is_empty() {
                self.next = vec![NO_ROW; self.rows];
            }
            if let Some(after_first) = self.next.get(first as usize).copied() {
                if let Some(slot) = self.next.get_mut(row as usize) {
                    *slot = after_first;
                }
                if let Some(slot) = self.next.get_mut(first as usize) {
                    *slot = row;
                }
            }
            return;
        }
        let (hash, packed, mask) = (probe.hash, probe.packed, self.mask);
        let slots = self.slots.as_mut_slice();
        let mut at = hash as usize & mask;
        while slots.get(at * 3 + 2).is_some_and(|entry| *entry != EMPTY) {
            at = (at + 1) & mask;
        }
        if let Some(slot) = slots.get_mut(at * 3..at * 3 + 3) {
            slot.copy_from_slice(&[
                packed as u64,
                (packed >> 64) as u64,
                (hash >> 32) << 32 | u64::from(row),
            ]);
        }
    }

    /// The first row whose key is the probe's, or [`NO_ROW`].
    #[inline]
    fn find(&self, probe: Probe<'_>) -> u32 {
        let (mask, slots) = (self.mask, self.slots.as_slice());
        let tag = probe.hash >> 32;
        let mut at = probe.hash as usize & mask;
        loop {
            let Some(&[low, high, entry]) = slots.get(at * 3..at * 3 + 3) else {
                return NO_ROW;
            };
            if entry == EMPTY {
                return NO_ROW;
            }
            if entry >> 32 == tag && self.holds(u128::from(high) << 64 | u128::from(low), probe) {
                return entry as u32;
            }
            at = (at + 1) & mask;
        }
    }

    /// Whether a slot's packed key is the probe's key.
    #[inline]
    fn holds(&self, packed: u128, probe: Probe<'_>) -> bool {
        match probe.long {
            None => packed == probe.packed,
            Some(bytes) => self.long_bytes(packed) == Some(bytes),
        }
    }

    /// The number of customer rows.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Calls `visit` with `row` and every other row holding the same key.
    #[inline]
    pub(crate) fn each_row(&self, row: u32, mut visit: impl FnMut(usize)) {
        visit(row as usize);
        if self.next.is_empty() {
            return;
        }
        let mut at = self.next.get(row as usize).copied().unwrap_or(NO_ROW);
        while at != NO_ROW {
            visit(at as usize);
            at = self.next.get(at as usize).copied().unwrap_or(NO_ROW);
        }
    }

    /// Each event key's first customer row, [`NO_ROW`] when missing or unknown,
    /// written to `out` (one per key).
    pub(crate) fn lookup(&self, keys: &ArrayRef, out: &mut [u32]) -> Result<(), ArrowError> {
        match keys.data_type() {
            DataType::Int64 => {
                let ints = keys.as_primitive::<Int64Type>();
                self.lookup_each(out, |i| {
                    ints.is_valid(i)
                        .then(|| Key::Packed(u128::from(ints.value(i) as u64)))
                });
            }
            DataType::Utf8 => self.lookup_strings(keys.as_string::<i32>(), out),
            DataType::Dictionary(index, _) if **index == DataType::Int32 => {
                let dictionary = keys.as_dictionary::<Int32Type>();
                let values = as_utf8(dictionary.values())?;
                let mut rows_of_values = vec![NO_ROW; values.len()];
                self.lookup_strings(values.as_string::<i32>(), &mut rows_of_values);
                let codes = dictionary.keys().values();
                for ((i, code), row) in codes.iter().enumerate().zip(out.iter_mut()) {
                    *row = if dictionary.is_valid(i) {
                        usize::try_from(*code)
                            .ok()
                            .and_then(|v| rows_of_values.get(v).copied())
                            .unwrap_or(NO_ROW)
                    } else {
                        NO_ROW
                    };
                }
            }
            _ => {
                let strings = as_utf8(keys)?;
                self.lookup_strings(strings.as_string::<i32>(), out);
            }
        }
        Ok(())
    }

    fn lookup_strings(&self, strings: &StringArray, out: &mut [u32]) {
        self.lookup_each(out, |i| {
            strings.is_valid(i).then(|| {
                let bytes = strings.value(i).as_bytes();
                if bytes.len() <= SHORT {
                    Key::Packed(pack_short(bytes))
                } else {
                    Key::Long(bytes)
                }
            })
        });
    }

    /// Looks up `key(i)` for each `out[i]` in chunks of [`CHUNK`], in three
    /// sweeps: hash every key, read every key's home slot, then probe. Within a sweep no load depends on another, so the processor
    /// keeps many cache misses in flight instead of waiting on each in turn:
    /// several times faster than one probe after another on a table larger
    /// than the caches.
    fn lookup_each<'a>(&self, out: &mut [u32], key: impl Fn(usize) -> Option<Key<'a>>) {
        let (mask, slots) = (self.mask, self.slots.as_slice());
        let mut keys = [None; CHUNK];
        let mut hashes = [0u64; CHUNK];
        for (c, chunk) in out.chunks_mut(CHUNK).enumerate() {
            let start = c * CHUNK;
            for (j, (k, h)) in keys
                .iter_mut()
                .zip(hashes.iter_mut())
                .enumerate()
                .take(chunk.len())
            {
                *k = key(start + j);
                *h = match k {
                    Some(Key::Packed(packed)) => mix(*packed),
                    Some(Key::Long(bytes)) => self.strings.hash_one(bytes),
                    None => 0,
                };
            }
            // every key's home slot, loaded together (see above)
            let mut seen = 0u64;
            for hash in hashes.iter().take(chunk.len()) {
                seen ^= slots
                    .get((*hash as usize & mask) * 3 + 2)
                    .copied()
                    .unwrap_or(0);
            }
            std::hint::black_box(seen);
            for (j, row) in chunk.iter_mut().enumerate() {
                let (Some(Some(k)), Some(&hash)) = (keys.get(j), hashes.get(j)) else {
                    *row = NO_ROW;
                    continue;
                };
                *row = match *k {
                    Key::Packed(packed) => self.find(Probe {
                        packed,
                        hash,
                        long: None,
                    }),
                    Key::Long(bytes) => self.find(Probe {
                        packed: LONG,
                        hash,
                        long: Some(bytes),
                    }),
                };
            }
        }
    }
}

/// An event's key, ready to hash.
#[derive(Clone, Copy)]
enum Key<'a> {
    /// An int, or a string of up to [`SHORT`] bytes, packed.
    Packed(u128),
    /// A longer string.
    Long(&'a [u8]),
}

/// Keys looked up together (see [`CustomerIndex::lookup_each`]).
const CHUNK: usize = 256;

/// A string column in `Utf8` (dictionaries, large and view strings are cast).
fn as_utf8(array: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    if array.data_type() == &DataType::Utf8 {
        Ok(Arc::clone(array))
    } else {
        cast(array, &DataType::Utf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{DictionaryArray, Int64Array};

    fn index_of(column: ArrayRef) -> CustomerIndex {
        let mut index = CustomerIndex::empty(0);
        let mut missing = Vec::new();
        index.append(&column, &mut missing).unwrap();
        index.build_table(&missing);
        index
    }

    fn lookup(index: &CustomerIndex, events: ArrayRef) -> Vec<u32> {
        let mut rows = vec![0; events.len()];
        index.lookup(&events, &mut rows).unwrap();
        rows
    }

    #[test]
    fn string_keys_match_exactly_short_and_long() {
        let long = "a customer key longer than fifteen bytes";
        let index = index_of(Arc::new(StringArray::from(vec![
            "c1",
            "c2",
            "",
            "C1",
            long,
            "fifteen bytes!!",
        ])));
        let events: ArrayRef = Arc::new(StringArray::from(vec![
            Some("c2"),
            Some("c2"),
            None,
            Some("C1"),
            Some("c1 "),
            Some(""),
            Some(long),
            Some("a customer key longer than fifteen byte"),
            Some("fifteen bytes!!"),
        ]));
        assert_eq!(
            lookup(&index, events),
            vec![1, 1, NO_ROW, 3, NO_ROW, 2, 4, NO_ROW, 5]
        );
    }

    #[test]
    fn dictionary_keys_look_each_value_up_once() {
        let index = index_of(Arc::new(StringArray::from(vec!["a", "b"])));
        let events: DictionaryArray<Int32Type> =
            vec![Some("b"), None, Some("z"), Some("a"), Some("b")]
                .into_iter()
                .collect();
        assert_eq!(
            lookup(&index, Arc::new(events)),
            vec![1, NO_ROW, NO_ROW, 0, 1]
        );
    }

    #[test]
    fn duplicate_keys_reach_every_row_and_missing_keys_none() {
        let index = index_of(Arc::new(Int64Array::from(vec![
            Some(7),
            Some(8),
            Some(7),
            Some(9),
            Some(7),
            None,
            Some(-1),
        ])));
        let events: ArrayRef = Arc::new(Int64Array::from(vec![Some(7), Some(0), None, Some(-1)]));
        assert_eq!(lookup(&index, events), vec![0, NO_ROW, NO_ROW, 6]);
        let mut reached = Vec::new();
        index.each_row(0, |r| reached.push(r));
        reached.sort_unstable();
        assert_eq!(reached, vec![0, 2, 4]);
        let mut single = Vec::new();
        index.each_row(1, |r| single.push(r));
        assert_eq!(single, vec![1]);
    }

    #[test]
    fn many_keys_all_found() {
        let keys: Vec<String> = (0..50_000).map(|i| format!("C{i:07}")).collect();
        let index = index_of(Arc::new(StringArray::from(keys.clone())));
        let rows = lookup(&index, Arc::new(StringArray::from(keys)));
        assert!(rows.iter().enumerate().all(|(i, r)| *r as usize == i));
        let ints = index_of(Arc::new(Int64Array::from_iter_values(0..50_000)));
        let found = lookup(
            &ints,
            Arc::new(Int64Array::from_iter_values((0..50_000).rev())),
        );
        assert!(
            found
                .iter()
                .rev()
                .enumerate()
                .all(|(i, r)| *r as usize == i)
        );
    }
}
