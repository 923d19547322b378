//! Duplicate customer keys: found exactly, with memory bounded by the row count
//! times 8 bytes, never by the keys' lengths.
//!
//! Takes key columns (an `int` or `string` key, canonical Arrow types), gives the
//! keys that occur more than once. A pass hashes every key to 64 bits
//! ([`KeyHashes`]); sorting the hashes finds the ones seen twice, which are only
//! *candidates* (two keys may share a hash). Only when there are candidates is the
//! key column read a second time ([`confirm`]) to collect the keys behind them as
//! text and count them exactly, so a clean table costs one pass and 8 bytes a row.
//! [`FirstRowWins`] then drops every later row of a duplicated key
//! (`--allow-duplicate-keys`).
//!
//! Many tables come sorted by their key (exports ordered by a primary key,
//! numbered ids): keys that ascend strictly, in an order that tells every two
//! keys apart, cannot repeat. [`KeyHashes`] watches for that as it hashes
//! ([`Ascending`]) and, when it holds to the end, skips the sort.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Int64Type};

use super::{BatchSource, DataError};
use crate::check::ir::FieldId;

/// How many duplicated keys messages name.
pub const SHOWN_KEYS: usize = 5;

/// The keys that occur more than once in a table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Duplicates {
    /// Each duplicated key (as text) and how many rows have it, in the order the
    /// keys first appear.
    pub keys: Vec<(String, u64)>,
}

impl Duplicates {
    /// Whether every key is unique.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Rows beyond the first of each duplicated key (the rows left out when the
    /// first row wins).
    pub fn extra_rows(&self) -> u64 {
        self.keys.iter().map(|(_, n)| n - 1).sum()
    }

    /// `3 keys occur more than once ("a" ×2, "b" ×3, …)`: the summary messages use.
    pub fn describe(&self) -> String {
        let count = self.keys.len();
        let noun = if count == 1 {
            "key occurs"
        } else {
            "keys occur"
        };
        let shown: Vec<String> = self
            .keys
            .iter()
            .take(SHOWN_KEYS)
            .map(|(key, n)| format!("{key:?} ×{n}"))
            .collect();
        let more = if count > SHOWN_KEYS { ", …" } else { "" };
        format!("{count} {noun} more than once ({}{more})", shown.join(", "))
    }
}

/// The 64-bit hashes of every key seen, in one flat vector.
#[derive(Debug, Default)]
pub struct KeyHashes {
    hashes: Vec<u64>,
    ascending: Ascending,
}

impl KeyHashes {
    /// Adds the keys of one batch's key column.
    pub fn add(&mut self, keys: &dyn Array) -> Result<(), DataError> {
        self.hashes.reserve(keys.len());
        self.ascending.add(keys);
        for_each_key(keys, |_, key| self.hashes.push(key.hash()))
    }

    /// The hashes seen more than once: the candidates for [`confirm`]. None, and
    /// no sort, when the keys ascended.
    pub fn candidates(self) -> HashSet<u64> {
        if self.ascending.held() {
            return HashSet::new();
        }
        self.sorted().candidates()
    }

    /// The hashes, sorted in place (to look keys up, and find candidates).
    pub fn sorted(mut self) -> SortedKeys {
        use rayon::slice::ParallelSliceMut;
        self.hashes.par_sort_unstable();
        SortedKeys {
            hashes: self.hashes,
        }
    }
}

/// Every key's hash, sorted: which hashes repeat, and whether a key is among them.
#[derive(Debug, Default)]
pub struct SortedKeys {
    hashes: Vec<u64>,
}

impl SortedKeys {
    /// The hashes seen more than once: the candidates for [`confirm`].
    pub fn candidates(&self) -> HashSet<u64> {
        self.hashes
            .windows(2)
            .filter(|pair| pair[0] == pair[1])
            .map(|pair| pair[0])
            .collect()
    }

    /// Whether a key with this hash was seen (a collision may say yes wrongly, at
    /// odds of about rows / 2^64).
    pub fn contains(&self, hash: u64) -> bool {
        self.hashes.binary_search(&hash).is_ok()
    }
}

/// Whether every key so far was greater than the one before, in one of two orders
/// that tell all keys apart: byte order (`a` < `b` < `ba`), or length first and
/// then bytes (`C9999999` < `C10000000`, as numbered ids without padding grow).
/// Integers ascend in their own order. Either order holding to the end proves the
/// keys distinct.
#[derive(Debug)]
struct Ascending {
    by_bytes: bool,
    by_length: bool,
    /// The last key of the batches before (it outlives its batch).
    last: Option<LastKey>,
}

#[derive(Debug)]
enum LastKey {
    Int(i64),
    Text(Vec<u8>),
}

impl Default for Ascending {
    fn default() -> Self {
        Ascending {
            by_bytes: true,
            by_length: true,
            last: None,
        }
    }
}

impl Ascending {
    /// Whether the keys seen ascended in one of the orders.
    fn held(&self) -> bool {
        self.by_bytes || self.by_length
    }

    /// Follows the keys of one batch's key column (missing keys are skipped, as
    /// [`for_each_key`] skips them).
    fn add(&mut self, keys: &dyn Array) {
        if !self.held() {
            return;
        }
        if let Some(ints) = keys.as_primitive_opt::<Int64Type>() {
            self.add_ints(ints.iter().flatten());
        } else if let Some(strings) = keys.as_string_opt::<i32>() {
            self.add_texts(strings.iter().flatten().map(str::as_bytes));
        } else {
            // dictionary keys: not followed, the sort decides
            self.give_up();
        }
    }

    /// Leaves the decision to the sort (keys of another type than before, or
    /// not followed).
    fn give_up(&mut self) {
        self.by_bytes = false;
        self.by_length = false;
    }

    fn add_ints(&mut self, keys: impl Iterator<Item = i64>) {
        let mut last = match self.last {
            Some(LastKey::Int(v)) => Some(v),
            None => None,
            Some(LastKey::Text(_)) => return self.give_up(),
        };
        let mut ascending = true;
        for key in keys {
            ascending &= last.is_none_or(|last| key > last);
            last = Some(key);
        }
        self.by_bytes &= ascending;
        self.by_length &= ascending;
        self.last = last.map(LastKey::Int);
    }

    fn add_texts<'a>(&mut self, keys: impl Iterator<Item = &'a [u8]>) {
        let before = match &self.last {
            Some(LastKey::Text(bytes)) => Some(bytes.as_slice()),
            None => None,
            Some(LastKey::Int(_)) => return self.give_up(),
        };
        let (mut by_bytes, mut by_length) = (true, true);
        let mut last = before;
        for key in keys {
            if let Some(last) = last {
                by_bytes &= key > last;
                by_length &= (key.len(), key) > (last.len(), last);
            }
            last = Some(key);
        }
        let last = last.map(<[u8]>::to_vec);
        self.by_bytes &= by_bytes;
        self.by_length &= by_length;
        if let Some(last) = last {
            self.last = Some(LastKey::Text(last));
        }
    }
}

/// Reads `key` of `source` and counts the keys whose hash is a candidate; keeps
/// those on more than one row.
pub fn confirm(
    source: &dyn BatchSource,
    key: FieldId,
    candidates: &HashSet<u64>,
) -> Result<Duplicates, DataError> {
    if candidates.is_empty() {
        return Ok(Duplicates::default());
    }
    let mut counts: HashMap<String, (u64, u64)> = HashMap::new();
    let mut row = 0u64;
    for batch in source.batches(&[key])? {
        let batch = batch?;
        for_each_key(batch.column(0).as_ref(), |i, value| {
            if candidates.contains(&value.hash()) {
                let entry = counts.entry(value.text()).or_insert((row + i as u64, 0));
                entry.1 += 1;
            }
        })?;
        row += batch.num_rows() as u64;
    }
    let mut keys: Vec<(u64, String, u64)> = counts
        .into_iter()
        .filter(|(_, (_, n))| *n > 1)
        .map(|(key, (first, n))| (first, key, n))
        .collect();
    keys.sort_unstable();
    Ok(Duplicates {
        keys: keys.into_iter().map(|(_, key, n)| (key, n)).collect(),
    })
}

/// Both passes over the key column of `source`.
pub fn find_duplicates(source: &dyn BatchSource, key: FieldId) -> Result<Duplicates, DataError> {
    let mut hashes = KeyHashes::default();
    for batch in source.batches(&[key])? {
        hashes.add(batch?.column(0).as_ref())?;
    }
    confirm(source, key, &hashes.candidates())
}

/// Keeps the first row of each duplicated key and drops the others, batch after
/// batch (the key is column `column` of each batch).
#[derive(Debug)]
pub struct FirstRowWins {
    duplicated: HashSet<String>,
    seen: HashSet<String>,
    column: usize,
}

impl FirstRowWins {
    /// A filter for the keys in `duplicates`.
    pub fn new(duplicates: &Duplicates, column: usize) -> FirstRowWins {
        FirstRowWins {
            duplicated: duplicates.keys.iter().map(|(k, _)| k.clone()).collect(),
            seen: HashSet::new(),
            column,
        }
    }

    /// The batch without the rows whose key was already seen.
    pub fn filter(&mut self, batch: RecordBatch) -> Result<RecordBatch, DataError> {
        if self.duplicated.is_empty() {
            return Ok(batch);
        }
        let mut keep = vec![true; batch.num_rows()];
        let keys = batch.column(self.column);
        for_each_key(keys.as_ref(), |i, value| {
            let text = value.text();
            if self.duplicated.contains(&text) && !self.seen.insert(text) {
                keep[i] = false;
            }
        })?;
        filter_record_batch(&batch, &BooleanArray::from(keep)).map_err(unsupported)
    }
}

/// One key value, borrowed from its column.
#[derive(Clone, Copy, Debug)]
pub enum Key<'a> {
    /// An `int` key.
    Int(i64),
    /// A `string` key.
    Text(&'a str),
}

impl Key<'_> {
    /// The same for the same key in every pass of every run (fixed seeds).
    pub fn hash(self) -> u64 {
        let mut hasher = ahash::RandomState::with_seeds(1, 2, 3, 4).build_hasher();
        match self {
            Key::Int(v) => hasher.write_i64(v),
            Key::Text(s) => hasher.write(s.as_bytes()),
        }
        hasher.finish()
    }

    /// The key as users write it.
    pub fn text(self) -> String {
        match self {
            Key::Int(v) => v.to_string(),
            Key::Text(s) => s.to_owned(),
        }
    }
}

/// Calls `f` with each non-missing key of an `int` or `string` key column (missing
/// keys are an error of the reader, before this).
pub fn for_each_key(array: &dyn Array, mut f: impl FnMut(usize, Key<'_>)) -> Result<(), DataError> {
    let plain: ArrayRef;
    let array = match array.data_type() {
        DataType::Dictionary(_, _) => {
            plain = arrow::compute::cast(array, &DataType::Utf8).map_err(unsupported)?;
            plain.as_ref()
        }
        _ => array,
    };
    if let Some(ints) = array.as_primitive_opt::<Int64Type>() {
        for (i, v) in ints.iter().enumerate() {
            if let Some(v) = v {
                f(i, Key::Int(v));
            }
        }
    } else if let Some(strings) = array.as_string_opt::<i32>() {
        for (i, v) in strings.iter().enumerate() {
            if let Some(v) = v {
                f(i, Key::Text(v));
            }
        }
    } else {
        return Err(unsupported(format!(
            "a key column of type {} cannot be compared",
            array.data_type()
        )));
    }
    Ok(())
}

fn unsupported(reason: impl ToString) -> DataError {
    DataError::KeyColumn {
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};

    #[test]
    fn candidates_are_the_hashes_seen_twice() {
        let mut hashes = KeyHashes::default();
        hashes.add(&StringArray::from(vec!["a", "b", "a"])).ok();
        hashes.add(&StringArray::from(vec!["c", "b"])).ok();
        assert_eq!(hashes.candidates().len(), 2);
    }

    #[test]
    fn keys_that_ascend_need_no_sort_and_a_repeat_is_still_found() {
        let ascending = |batches: &[&[&str]]| {
            let mut hashes = KeyHashes::default();
            for keys in batches {
                hashes.add(&StringArray::from(keys.to_vec())).ok();
            }
            (hashes.ascending.held(), hashes.candidates().len())
        };
        // numbered ids without padding: ascending by length, then bytes
        assert_eq!(ascending(&[&["C8", "C9"], &["C10", "C11"]]), (true, 0));
        // byte order across batches
        assert_eq!(ascending(&[&["a", "ab"], &["b"]]), (true, 0));
        // a repeat across batches breaks both orders; the sort finds it
        assert_eq!(ascending(&[&["C8", "C9"], &["C9"]]), (false, 1));
        assert_eq!(ascending(&[&["b", "a", "b"]]), (false, 1));
        let mut ints = KeyHashes::default();
        ints.add(&Int64Array::from(vec![3, 5])).ok();
        ints.add(&Int64Array::from(vec![9])).ok();
        assert!(ints.ascending.held());
        ints.add(&Int64Array::from(vec![9])).ok();
        assert!(!ints.ascending.held());
        assert_eq!(ints.candidates().len(), 1);
        // a key column cannot change type, but if it did the sort would decide
        let mut mixed = KeyHashes::default();
        mixed.add(&Int64Array::from(vec![1])).ok();
        mixed.add(&StringArray::from(vec!["2"])).ok();
        assert!(!mixed.ascending.held());
    }

    #[test]
    fn first_row_wins_across_batches() {
        let duplicates = Duplicates {
            keys: vec![("7".into(), 3)],
        };
        let mut filter = FirstRowWins::new(&duplicates, 0);
        let batch = |keys: Vec<i64>| {
            RecordBatch::try_from_iter([(
                "id",
                std::sync::Arc::new(Int64Array::from(keys)) as ArrayRef,
            )])
        };
        let kept: Vec<usize> = [vec![1, 7, 7], vec![7, 2]]
            .into_iter()
            .filter_map(|keys| batch(keys).ok())
            .filter_map(|b| filter.filter(b).ok())
            .map(|b| b.num_rows())
            .collect();
        assert_eq!(kept, vec![2, 1]);
        assert_eq!(duplicates.extra_rows(), 2);
    }
}
