//! The customer key index: for an event's key, the customer rows that hold it.
//!
//! Built once per run from the customer table's key column, typed (int keys are
//! hashed as integers, string keys as bytes; no `String` per key or per event):
//! the keys live in one flat vector (ints) or one byte buffer with offsets
//! (strings), and a [`HashTable`] maps each distinct key to its first row.
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
use hashbrown::HashTable;

use crate::data::BatchSource;
use crate::eval::EvalError;
use crate::plan::Plan;

/// The row of an event whose key matches no customer (or is missing).
pub(crate) const NO_ROW: u32 = u32::MAX;

/// Customer keys by row, and the first row of each distinct key by hash.
pub(crate) struct CustomerIndex {
    keys: Keys,
    table: HashTable<u32>,
    /// For each row, the next row with the same key ([`NO_ROW`] at the end);
    /// empty when every key is unique (the usual case).
    next: Vec<u32>,
    strings: ahash::RandomState,
}

/// The key column, whole.
enum Keys {
    Int(Vec<i64>),
    /// Row `r`'s key is `bytes[offsets[r]..offsets[r + 1]]`.
    Str {
        bytes: Vec<u8>,
        offsets: Vec<usize>,
    },
}

impl Keys {
    fn len(&self) -> usize {
        match self {
            Keys::Int(keys) => keys.len(),
            Keys::Str { offsets, .. } => offsets.len().saturating_sub(1),
        }
    }

    fn str(&self, row: u32) -> &[u8] {
        match self {
            Keys::Str { bytes, offsets } => {
                let row = row as usize;
                match (offsets.get(row), offsets.get(row + 1)) {
                    (Some(&start), Some(&end)) => bytes.get(start..end).unwrap_or_default(),
                    _ => &[],
                }
            }
            Keys::Int(_) => &[],
        }
    }

    fn int(&self, row: u32) -> Option<i64> {
        match self {
            Keys::Int(keys) => keys.get(row as usize).copied(),
            Keys::Str { .. } => None,
        }
    }
}

/// A well-mixed hash of an int key (a multiply–fold; hashbrown uses both the
/// high and the low bits).
fn hash_int(key: i64) -> u64 {
    let product = u128::from(key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
    (product as u64) ^ ((product >> 64) as u64)
}

impl CustomerIndex {
    /// Reads the key column of `customers` (one pass, nothing else) and indexes it.
    pub(crate) fn build(plan: &Plan, customers: &dyn BatchSource) -> Result<Self, EvalError> {
        let key = plan.schema().key;
        let rows = customers
            .row_count()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut keys = None;
        let mut missing = Vec::new();
        for batch in customers.batches(&[key])? {
            let batch = batch?;
            let column = batch.column(0);
            append(&mut keys, &mut missing, column, rows)?;
        }
        let keys = keys.unwrap_or(match &plan.schema().field(key).ty {
            crate::check::ir::Type::Int => Keys::Int(Vec::new()),
            _ => Keys::Str {
                bytes: Vec::new(),
                offsets: vec![0],
            },
        });
        if keys.len() >= NO_ROW as usize {
            return Err(EvalError::Output(format!(
                "event aggregates support at most {} customer rows; the customer table has {}",
                NO_ROW - 1,
                keys.len()
            )));
        }
        Ok(CustomerIndex::new(keys, &missing))
    }

    /// Indexes every row but those in `missing` (rows without a key, ascending),
    /// which no event matches.
    fn new(keys: Keys, missing: &[u32]) -> Self {
        let n = keys.len();
        let mut index = CustomerIndex {
            keys,
            table: HashTable::with_capacity(n),
            next: Vec::new(),
            strings: ahash::RandomState::with_seeds(
                0x243F_6A88_85A3_08D3,
                0x1319_8A2E_0370_7344,
                0xA409_3822_299F_31D0,
                0x082E_FA98_EC4E_6C89,
            ),
        };
        for row in 0..n as u32 {
            if missing.binary_search(&row).is_err() {
                index.insert(row);
            }
        }
        index
    }

    /// Adds `row`: a new key gets a slot; a key seen before is chained after the
    /// first row that holds it.
    fn insert(&mut self, row: u32) {
        let hash = self.hash_of(row);
        let keys = &self.keys;
        let same = |other: &u32| match keys {
            Keys::Int(ints) => ints.get(*other as usize) == ints.get(row as usize),
            Keys::Str { .. } => keys.str(*other) == keys.str(row),
        };
        if let Some(&first) = self.table.find(hash, same) {
            if self.next.is_empty() {
                self.next = vec![NO_ROW; self.keys.len()];
            }
            if let Some(slot) = self.next.get(first as usize).copied() {
                self.next[row as usize] = slot;
                self.next[first as usize] = row;
            }
            return;
        }
        let (keys, strings) = (&self.keys, &self.strings);
        let rehash = |r: &u32| match keys {
            Keys::Int(ints) => hash_int(ints.get(*r as usize).copied().unwrap_or_default()),
            Keys::Str { .. } => strings.hash_one(keys.str(*r)),
        };
        self.table.insert_unique(hash, row, rehash);
    }

    fn hash_of(&self, row: u32) -> u64 {
        match &self.keys {
            Keys::Int(ints) => hash_int(ints.get(row as usize).copied().unwrap_or_default()),
            Keys::Str { .. } => self.strings.hash_one(self.keys.str(row)),
        }
    }

    /// The number of customer rows.
    pub(crate) fn rows(&self) -> usize {
        self.keys.len()
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
    /// written to `out` (cleared first).
    pub(crate) fn lookup(&self, keys: &ArrayRef, out: &mut Vec<u32>) -> Result<(), ArrowError> {
        out.clear();
        out.reserve(keys.len());
        match keys.data_type() {
            DataType::Int64 => {
                let ints = keys.as_primitive::<Int64Type>();
                for (i, key) in ints.values().iter().enumerate() {
                    out.push(if ints.is_valid(i) {
                        self.find_int(*key)
                    } else {
                        NO_ROW
                    });
                }
            }
            DataType::Utf8 => self.lookup_strings(keys.as_string::<i32>(), out),
            DataType::Dictionary(index, _) if **index == DataType::Int32 => {
                let dictionary = keys.as_dictionary::<Int32Type>();
                let mut rows_of_values = Vec::new();
                let values = as_utf8(dictionary.values())?;
                self.lookup_strings(values.as_string::<i32>(), &mut rows_of_values);
                for (i, value) in dictionary.keys().values().iter().enumerate() {
                    let row = if dictionary.is_valid(i) {
                        usize::try_from(*value)
                            .ok()
                            .and_then(|v| rows_of_values.get(v).copied())
                            .unwrap_or(NO_ROW)
                    } else {
                        NO_ROW
                    };
                    out.push(row);
                }
            }
            _ => {
                let strings = as_utf8(keys)?;
                self.lookup_strings(strings.as_string::<i32>(), out);
            }
        }
        Ok(())
    }

    fn lookup_strings(&self, strings: &StringArray, out: &mut Vec<u32>) {
        // exports are often grouped by customer: a key equal to the previous
        // event's costs a comparison, not a hash and a probe
        let mut previous: Option<(&[u8], u32)> = None;
        for i in 0..strings.len() {
            if strings.is_null(i) {
                out.push(NO_ROW);
                continue;
            }
            let key = strings.value(i).as_bytes();
            let row = match previous {
                Some((last, row)) if last == key => row,
                _ => {
                    let row = self.find_str(key);
                    previous = Some((key, row));
                    row
                }
            };
            out.push(row);
        }
    }

    fn find_int(&self, key: i64) -> u32 {
        self.table
            .find(hash_int(key), |row| self.keys.int(*row) == Some(key))
            .copied()
            .unwrap_or(NO_ROW)
    }

    fn find_str(&self, key: &[u8]) -> u32 {
        self.table
            .find(self.strings.hash_one(key), |row| self.keys.str(*row) == key)
            .copied()
            .unwrap_or(NO_ROW)
    }
}

/// A string column in `Utf8` (dictionaries, large and view strings are cast).
fn as_utf8(array: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    if array.data_type() == &DataType::Utf8 {
        Ok(Arc::clone(array))
    } else {
        cast(array, &DataType::Utf8)
    }
}

/// Appends one batch of the customer key column (its canonical type: int64,
/// utf8 or a dictionary of utf8), reserving `expected` rows on the first batch.
/// Rows without a key (the file readers reject them; in-memory sources may
/// hold them) go to `missing`.
fn append(
    keys: &mut Option<Keys>,
    missing: &mut Vec<u32>,
    column: &ArrayRef,
    expected: usize,
) -> Result<(), EvalError> {
    let first = keys.as_ref().map_or(0, Keys::len);
    if column.null_count() > 0 {
        missing.extend(
            (0..column.len())
                .filter(|i| column.is_null(*i))
                .map(|i| (first + i).min(NO_ROW as usize) as u32),
        );
    }
    if column.data_type() == &DataType::Int64 {
        let ints = column.as_primitive::<Int64Type>();
        let target = keys.get_or_insert_with(|| Keys::Int(Vec::with_capacity(expected)));
        let Keys::Int(target) = target else {
            return Err(mixed_key_types());
        };
        target.extend_from_slice(ints.values());
        return Ok(());
    }
    let strings = as_utf8(column)?;
    let strings = strings.as_string::<i32>();
    let target = keys.get_or_insert_with(|| Keys::Str {
        bytes: Vec::new(),
        offsets: {
            let mut offsets = Vec::with_capacity(expected + 1);
            offsets.push(0);
            offsets
        },
    });
    let Keys::Str { bytes, offsets } = target else {
        return Err(mixed_key_types());
    };
    for i in 0..strings.len() {
        if strings.is_valid(i) {
            bytes.extend_from_slice(strings.value(i).as_bytes());
        }
        offsets.push(bytes.len());
    }
    Ok(())
}

fn mixed_key_types() -> EvalError {
    EvalError::Output("the customer key column changed type between batches".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{DictionaryArray, Int64Array};

    fn strings(keys: &[&str]) -> CustomerIndex {
        let bytes: Vec<u8> = keys.iter().flat_map(|k| k.bytes()).collect();
        let mut offsets = vec![0];
        for k in keys {
            offsets.push(offsets.last().copied().unwrap_or(0) + k.len());
        }
        CustomerIndex::new(Keys::Str { bytes, offsets }, &[])
    }

    #[test]
    fn string_keys_match_exactly() {
        let index = strings(&["c1", "c2", "", "C1"]);
        let events: ArrayRef = Arc::new(StringArray::from(vec![
            Some("c2"),
            Some("c2"),
            None,
            Some("C1"),
            Some("c1 "),
            Some(""),
        ]));
        let mut rows = Vec::new();
        index.lookup(&events, &mut rows).unwrap();
        assert_eq!(rows, vec![1, 1, NO_ROW, 3, NO_ROW, 2]);
    }

    #[test]
    fn dictionary_keys_look_each_value_up_once() {
        let index = strings(&["a", "b"]);
        let events: DictionaryArray<Int32Type> =
            vec![Some("b"), None, Some("z"), Some("a"), Some("b")]
                .into_iter()
                .collect();
        let events: ArrayRef = Arc::new(events);
        let mut rows = Vec::new();
        index.lookup(&events, &mut rows).unwrap();
        assert_eq!(rows, vec![1, NO_ROW, NO_ROW, 0, 1]);
    }

    #[test]
    fn duplicate_keys_reach_every_row() {
        let index = CustomerIndex::new(Keys::Int(vec![7, 8, 7, 9, 7, 10]), &[5]);
        let events: ArrayRef = Arc::new(Int64Array::from(vec![Some(7), Some(10), None]));
        let mut rows = Vec::new();
        index.lookup(&events, &mut rows).unwrap();
        assert_eq!(rows, vec![0, NO_ROW, NO_ROW]);
        let mut reached = Vec::new();
        index.each_row(0, |r| reached.push(r));
        reached.sort_unstable();
        assert_eq!(reached, vec![0, 2, 4]);
        let mut single = Vec::new();
        index.each_row(1, |r| single.push(r));
        assert_eq!(single, vec![1]);
    }
}
