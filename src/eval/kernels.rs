//! Criterion kernels: each gives a definite mask (one bit per row, missing already
//! turned into false) over [`Operand`]s, using arrow's compute kernels where arrow
//! has one.
//!
//! Two-valued logic lives in [`definite`]: every criterion passes its arrow result
//! through it, and `not` is applied afterwards to the definite mask, so
//! `not (age > 30)` holds where `age` is missing.

use arrow::array::BooleanBufferBuilder;
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Datum, Int32Array, OffsetSizeTrait, Scalar, StringArray,
};
use arrow::buffer::BooleanBuffer;
use arrow::compute::kernels::cmp;
use arrow::datatypes::{ArrowNativeType, DataType, Int32Type};
use arrow::error::ArrowError;
use std::sync::Arc;

use super::operand::{Operand, constant};
use crate::check::ir::{CmpOp, StringOp};
use crate::plan::Pattern;

type Result<T> = std::result::Result<T, ArrowError>;

/// Missing → false: every criterion about a missing value is false (language.md,
/// "Missing values"). Unlike arrow's `prep_null_mask_filter`, this accepts masks
/// without a null buffer.
pub(crate) fn definite(mask: &BooleanArray) -> BooleanBuffer {
    match mask.nulls() {
        Some(nulls) => mask.values() & nulls.inner(),
        None => mask.values().clone(),
    }
}

/// An error for a value of a type the kernel does not take (the checker and
/// data layer rule these out; this keeps a mismatch an error, not a panic).
pub(crate) fn unexpected(what: &str, data_type: &DataType) -> ArrowError {
    ArrowError::InvalidArgumentError(format!("{what}: unexpected {data_type} values"))
}

/// A bool value as a criterion: true where the value is present and true.
pub(crate) fn truthy(value: &Operand, len: usize) -> Result<BooleanBuffer> {
    let array = value.array();
    let bools = array
        .as_boolean_opt()
        .ok_or_else(|| unexpected("bool criterion", array.data_type()))?;
    Ok(broadcast_if(value.is_scalar(), definite(bools), len))
}

/// The arrow comparison kernel for an operator.
fn compare_datums(op: CmpOp, left: &dyn Datum, right: &dyn Datum) -> Result<BooleanArray> {
    match op {
        CmpOp::Eq => cmp::eq(left, right),
        CmpOp::NotEq => cmp::neq(left, right),
        CmpOp::Lt => cmp::lt(left, right),
        CmpOp::LtEq => cmp::lt_eq(left, right),
        CmpOp::Gt => cmp::gt(left, right),
        CmpOp::GtEq => cmp::gt_eq(left, right),
    }
}

/// `a op b` (false when either side is missing, `!=` included).
pub(crate) fn compare(
    op: CmpOp,
    left: &Operand,
    right: &Operand,
    len: usize,
) -> Result<BooleanBuffer> {
    if right.is_scalar()
        && let Some(bits) = on_dictionary(left, |values| {
            compare(op, values, right, values.array().len())
        })
    {
        return bits;
    }
    if left.is_scalar()
        && let Some(bits) = on_dictionary(right, |values| {
            compare(op, left, values, values.array().len())
        })
    {
        return bits;
    }
    let result = compare_datums(op, left, right)?;
    Ok(broadcast_if(
        left.is_scalar() && right.is_scalar(),
        definite(&result),
        len,
    ))
}

/// `a op <literal>`.
pub(crate) fn compare_scalar(
    op: CmpOp,
    value: &Operand,
    scalar: &Scalar<ArrayRef>,
    len: usize,
) -> Result<BooleanBuffer> {
    if let Some(bits) = on_dictionary(value, |values| {
        compare_scalar(op, values, scalar, values.array().len())
    }) {
        return bits;
    }
    let result = compare_datums(op, value, scalar)?;
    Ok(broadcast_if(value.is_scalar(), definite(&result), len))
}

/// A test of a dictionary-encoded column against literals, run once per
/// dictionary value and mapped to rows through the keys (a column of a few
/// distinct strings is tested a few times, not once per row). `None` when
/// `value` is not a dictionary array.
fn on_dictionary(
    value: &Operand,
    test: impl FnOnce(&Operand) -> Result<BooleanBuffer>,
) -> Option<Result<BooleanBuffer>> {
    let Operand::Array(array) = value else {
        return None;
    };
    let DataType::Dictionary(key, _) = array.data_type() else {
        return None;
    };
    if **key != DataType::Int32 {
        return None;
    }
    let dict = array.as_dictionary::<Int32Type>();
    let values = Operand::Array(Arc::clone(dict.values()));
    Some(test(&values).map(|on_values| through_keys(dict.keys(), &on_values)))
}

/// `a [not] in [items]`; `not in` is false on a missing value. A dictionary
/// column is tested once per dictionary value for all items together.
pub(crate) fn in_list(
    value: &Operand,
    items: &[&Scalar<ArrayRef>],
    negated: bool,
    len: usize,
) -> Result<BooleanBuffer> {
    let any = match on_dictionary(value, |values| any_of(values, items, values.array().len())) {
        Some(bits) => bits?,
        None => any_of(value, items, len)?,
    };
    Ok(if negated {
        &value.presence(len) & &!&any
    } else {
        any
    })
}

/// Rows equal to at least one item.
fn any_of(value: &Operand, items: &[&Scalar<ArrayRef>], len: usize) -> Result<BooleanBuffer> {
    let mut any = BooleanBuffer::new_unset(len);
    for item in items {
        any |= &compare_scalar(CmpOp::Eq, value, item, len)?;
    }
    Ok(any)
}

/// `a [not] between low and high`, inclusive; `not between` is false when any
/// side is missing.
pub(crate) fn between(
    value: &Operand,
    low: &Operand,
    high: &Operand,
    negated: bool,
    len: usize,
) -> Result<BooleanBuffer> {
    let above = compare(CmpOp::GtEq, value, low, len)?;
    let below = compare(CmpOp::LtEq, value, high, len)?;
    let inside = &above & &below;
    if !negated {
        return Ok(inside);
    }
    let present = &(&value.presence(len) & &low.presence(len)) & &high.presence(len);
    Ok(&present & &!&inside)
}

/// `contains`, `starts with`, `ends with`, `matches` (case-sensitive; `matches`
/// searches anywhere). Dictionary strings are tested once per dictionary value.
pub(crate) fn string_test(
    value: &Operand,
    op: StringOp,
    pattern: &Pattern,
    len: usize,
) -> Result<BooleanBuffer> {
    let bits = on_strings(
        value.array(),
        "string test",
        |strings| utf8_test(strings, op, pattern),
        |keys, on_values| Ok(through_keys(keys, &on_values)),
    )?;
    Ok(broadcast_if(value.is_scalar(), bits, len))
}

/// Runs `f` on the strings of a `Utf8` or `Dictionary(Int32, Utf8)` array. On a
/// dictionary `f` sees each dictionary value once and `back(keys, result)` maps
/// its result to rows. Any other type is an error naming `what`.
pub(crate) fn on_strings<T>(
    array: &dyn Array,
    what: &str,
    f: impl FnOnce(&StringArray) -> Result<T>,
    back: impl FnOnce(&Int32Array, T) -> Result<T>,
) -> Result<T> {
    match array.data_type() {
        DataType::Utf8 => f(array.as_string::<i32>()),
        DataType::Dictionary(key, _) if **key == DataType::Int32 => {
            let dict = array.as_dictionary::<Int32Type>();
            let values = dict.values();
            let strings = values
                .as_string_opt::<i32>()
                .ok_or_else(|| unexpected(what, values.data_type()))?;
            back(dict.keys(), f(strings)?)
        }
        other => Err(unexpected(what, other)),
    }
}

/// A mask of `len` rows; a mask computed from scalars only (one row) stands
/// for every row.
fn broadcast_if(scalar: bool, bits: BooleanBuffer, len: usize) -> BooleanBuffer {
    if scalar {
        constant(!bits.is_empty() && bits.value(0), len)
    } else {
        bits
    }
}

fn utf8_test(strings: &StringArray, op: StringOp, pattern: &Pattern) -> Result<BooleanBuffer> {
    let needle = pattern.text.as_bytes();
    Ok(match op {
        StringOp::Contains => affix_test(strings, needle, contains_bytes),
        StringOp::StartsWith => affix_test(strings, needle, <[u8]>::starts_with),
        StringOp::EndsWith => affix_test(strings, needle, <[u8]>::ends_with),
        // our own loop: the regex is compiled once per plan (arrow's scalar regex
        // kernel compiles per call) and runs on dictionary values too
        StringOp::Matches => {
            let Some(regex) = &pattern.regex else {
                return Err(ArrowError::InvalidArgumentError(
                    "matches without a regex".into(),
                ));
            };
            BooleanBuffer::collect_bool(strings.len(), |i| {
                strings.is_valid(i) && regex.is_match(strings.value(i))
            })
        }
    })
}

/// `starts with` / `ends with` / `contains` straight on the value bytes, one
/// `test` per row (arrow's kernels compare byte by byte through iterators, or
/// build a searcher per row), then the validity applied word by word
/// (missing → false).
fn affix_test(
    strings: &StringArray,
    needle: &[u8],
    test: fn(&[u8], &[u8]) -> bool,
) -> BooleanBuffer {
    let offsets = strings.value_offsets();
    let bytes = strings.values().as_slice();
    let bits = BooleanBuffer::collect_bool(strings.len(), |i| {
        let start = offsets[i].as_usize();
        let end = offsets[i + 1].as_usize();
        bytes
            .get(start..end)
            .is_some_and(|value| test(value, needle))
    });
    match strings.nulls() {
        Some(nulls) => &bits & nulls.inner(),
        None => bits,
    }
}

/// Substring test for one row. Short values (the usual case: emails, names,
/// codes) scan for the needle's first byte and compare the rest there, with no
/// set-up per row (arrow's kernel builds a substring searcher for every row);
/// long values use the standard library's linear-time search.
fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    const SHORT: usize = 256;
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if haystack.len() > SHORT {
        return match (std::str::from_utf8(haystack), std::str::from_utf8(needle)) {
            (Ok(h), Ok(n)) => h.contains(n),
            _ => haystack.windows(needle.len()).any(|w| w == needle),
        };
    }
    let mut from = 0;
    while let Some(found) = haystack
        .get(from..)
        .and_then(|tail| tail.iter().position(|b| *b == first))
    {
        let start = from + found + 1;
        if haystack.get(start..start + rest.len()) == Some(rest) {
            return true;
        }
        from = start;
    }
    false
}

/// A mask over dictionary values mapped to rows (a null key gives false): one
/// table lookup per row, then the keys' validity applied word by word.
pub(crate) fn through_keys(keys: &Int32Array, on_values: &BooleanBuffer) -> BooleanBuffer {
    let table: Vec<bool> = on_values.iter().collect();
    let raw = keys.values();
    let bits = BooleanBuffer::collect_bool(keys.len(), |i| {
        usize::try_from(raw[i])
            .ok()
            .and_then(|k| table.get(k).copied())
            .unwrap_or(false)
    });
    match keys.nulls() {
        Some(nulls) => &bits & nulls.inner(),
        None => bits,
    }
}

/// `has x`, `has any [...]`, `has all [...]`: items matched against each list's
/// elements (a missing element matches nothing; `has all []` holds on present lists).
pub(crate) fn has(
    list: &Operand,
    all: bool,
    items: &[&Scalar<ArrayRef>],
    len: usize,
) -> Result<BooleanBuffer> {
    let array = list.array();
    let bits = match array.data_type() {
        DataType::List(_) => has_in(array.as_list::<i32>(), all, items)?,
        DataType::LargeList(_) => has_in(array.as_list::<i64>(), all, items)?,
        other => return Err(unexpected("has", other)),
    };
    Ok(broadcast_if(list.is_scalar(), bits, len))
}

fn has_in<O: OffsetSizeTrait>(
    list: &arrow::array::GenericListArray<O>,
    all: bool,
    items: &[&Scalar<ArrayRef>],
) -> Result<BooleanBuffer> {
    let elements: &ArrayRef = list.values();
    let element = Operand::Array(Arc::clone(elements));
    let hits = items
        .iter()
        .map(|item| compare_scalar(CmpOp::Eq, &element, item, elements.len()))
        .collect::<Result<Vec<_>>>()?;
    let offsets = list.value_offsets();
    let present = match list.logical_nulls() {
        Some(nulls) => nulls.inner().clone(),
        None => BooleanBuffer::new_set(list.len()),
    };
    if all {
        let mut rows = present;
        for h in &hits {
            rows &= &rows_with_hits(offsets, h);
        }
        return Ok(rows);
    }
    let mut any = BooleanBuffer::new_unset(elements.len());
    for h in &hits {
        any |= h;
    }
    Ok(&present & &rows_with_hits(offsets, &any))
}

/// The rows (lists) holding at least one set element: one walk over the set
/// bits and the offsets together, O(elements + rows).
fn rows_with_hits<O: OffsetSizeTrait>(offsets: &[O], hits: &BooleanBuffer) -> BooleanBuffer {
    let rows = offsets.len().saturating_sub(1);
    let mut out = BooleanBufferBuilder::new(rows);
    out.append_n(rows, false);
    let mut row = 0;
    for element in hits.set_indices() {
        while row < rows
            && offsets
                .get(row + 1)
                .is_some_and(|end| end.as_usize() <= element)
        {
            row += 1;
        }
        if row >= rows {
            break;
        }
        if offsets
            .get(row)
            .is_some_and(|start| start.as_usize() <= element)
        {
            out.set_bit(row, true);
        }
    }
    out.finish()
}

/// `is empty` (a present, empty list) / `is not empty` (present, non-empty).
pub(crate) fn is_empty(list: &Operand, negated: bool, len: usize) -> Result<BooleanBuffer> {
    let array = list.array();
    let lengths = super::values::list_lengths(array)?;
    let present = list.presence(array.len());
    let bits = BooleanBuffer::collect_bool(array.len(), |i| {
        present.value(i) && lengths.get(i).is_some_and(|n| (*n == 0) != negated)
    });
    Ok(broadcast_if(list.is_scalar(), bits, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_turns_missing_into_false_with_or_without_a_null_buffer() {
        let with_nulls = BooleanArray::from(vec![Some(true), None, Some(false)]);
        let bits: Vec<bool> = definite(&with_nulls).iter().collect();
        assert_eq!(bits, [true, false, false]);
        let without = BooleanArray::from(vec![true, false]);
        let bits: Vec<bool> = definite(&without).iter().collect();
        assert_eq!(bits, [true, false]);
    }

    #[test]
    fn contains_bytes_agrees_with_str_contains() {
        let texts = [
            "",
            "a",
            "ab",
            "aab",
            "abab",
            "aaaab",
            "user@gmail.com",
            "@gmail",
            "gmail.@",
            "ünïcödé@gmail.com",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ];
        let long = "ab".repeat(200) + "@gmail.com";
        let needles = [
            "",
            "a",
            "ab",
            "aab",
            "b",
            "@gmail.",
            "gmail.com",
            "ü",
            "ab@",
            "zz",
        ];
        for text in texts.iter().copied().chain([long.as_str()]) {
            for needle in needles {
                assert_eq!(
                    contains_bytes(text.as_bytes(), needle.as_bytes()),
                    text.contains(needle),
                    "{text:?} contains {needle:?}"
                );
            }
        }
    }

    #[test]
    fn hits_map_to_rows_through_offsets_that_do_not_start_at_zero() {
        // elements 0..8; rows [2,4) [4,4) [4,7); elements 0, 1 and 7 belong to no row
        let offsets = [2i32, 4, 4, 7];
        let cases: [(&[usize], [bool; 3]); 4] = [
            (&[0, 1, 7], [false, false, false]),
            (&[3], [true, false, false]),
            (&[2, 6], [true, false, true]),
            (&[4], [false, false, true]),
        ];
        for (set, want) in cases {
            let hits = BooleanBuffer::collect_bool(8, |i| set.contains(&i));
            let rows: Vec<bool> = rows_with_hits(&offsets, &hits).iter().collect();
            assert_eq!(rows, want, "{set:?}");
        }
    }
}
