//! Value kernels: arithmetic, functions and dates over [`Operand`]s, plus the
//! per-column normalisation done when a column enters the engine.
//!
//! Arrow's integer `add`/`sub`/`mul` fail the whole batch on overflow, and its `div`
//! is integer division; the spec wants a missing value on overflow or division by
//! zero and real division, so integer arithmetic and `/` are our own loops.
//! Floats: a NaN is treated as missing and `-0.0` as `0.0`, wherever a float
//! enters (columns) or is produced (arithmetic), so comparisons behave as numbers
//! do (arrow orders floats by IEEE total order, where `-0.0 < 0.0`).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, AsArray, DictionaryArray, Float64Array, Int64Array,
    OffsetSizeTrait, PrimitiveArray, StringArray,
};
use arrow::buffer::{BooleanBuffer, NullBuffer, OffsetBuffer};
use arrow::compute::kernels::numeric;
use arrow::compute::{cast, take};
use arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use arrow::error::ArrowError;

use super::kernels::{on_strings, unexpected};
use super::operand::Operand;
use crate::check::ir::ArithOp;
use crate::plan::dates;

type Result<T> = std::result::Result<T, ArrowError>;

/// `a + b`, `a - b`, `a * b`, `a / b`.
pub(crate) fn arith(op: ArithOp, left: &Operand, right: &Operand) -> Result<Operand> {
    let types = (left.array().data_type(), right.array().data_type());
    match (types, op) {
        ((DataType::Int64, DataType::Int64), ArithOp::Add) => {
            binary::<Int64Type, Int64Type, Int64Type>(left, right, checked(i64::overflowing_add))
        }
        ((DataType::Int64, DataType::Int64), ArithOp::Sub) => {
            binary::<Int64Type, Int64Type, Int64Type>(left, right, checked(i64::overflowing_sub))
        }
        ((DataType::Int64, DataType::Int64), ArithOp::Mul) => {
            binary::<Int64Type, Int64Type, Int64Type>(left, right, checked(i64::overflowing_mul))
        }
        ((DataType::Int64, DataType::Int64), ArithOp::Div) => {
            binary::<Int64Type, Int64Type, Float64Type>(left, right, |a, b| {
                divide(a as f64, b as f64)
            })
        }
        ((DataType::Float64, DataType::Float64), ArithOp::Div) => {
            binary::<Float64Type, Float64Type, Float64Type>(left, right, divide)
        }
        ((DataType::Float64, DataType::Float64), _) => {
            let result = match op {
                ArithOp::Add => numeric::add(left, right)?,
                ArithOp::Sub => numeric::sub(left, right)?,
                _ => numeric::mul(left, right)?,
            };
            let floats = result.as_primitive::<Float64Type>();
            Ok(Operand::combine(
                left,
                right,
                Arc::new(normalize_floats(floats)),
            ))
        }
        ((l, r), _) => Err(ArrowError::InvalidArgumentError(format!(
            "arithmetic on {l} and {r}"
        ))),
    }
}

/// An overflowing int operation as (value, present): overflow gives missing.
fn checked(op: fn(i64, i64) -> (i64, bool)) -> impl Fn(i64, i64) -> (i64, bool) {
    move |a, b| {
        let (v, overflow) = op(a, b);
        (v, !overflow)
    }
}

/// Real division; division by zero gives missing, and so does a NaN result.
fn divide(a: f64, b: f64) -> (f64, bool) {
    let (v, ok) = normal_float(a / b);
    (v, ok && b != 0.0)
}

/// NaN → missing, `-0.0` → `0.0`.
fn normal_float(v: f64) -> (f64, bool) {
    // `v + 0.0` turns -0.0 into 0.0 and leaves every other value alone
    (v + 0.0, !v.is_nan())
}

/// `-a` (the negation of the smallest int is missing).
pub(crate) fn neg(value: &Operand) -> Result<Operand> {
    match value.array().data_type() {
        DataType::Int64 => {
            unary::<Int64Type, Int64Type>(value, |v| (v.wrapping_neg(), v != i64::MIN))
        }
        DataType::Float64 => unary::<Float64Type, Float64Type>(value, |v| normal_float(-v)),
        other => Err(unexpected("negation", other)),
    }
}

/// An int as a float.
pub(crate) fn to_float(value: &Operand) -> Result<Operand> {
    match value.array().data_type() {
        DataType::Float64 => Ok(value.clone()),
        _ => unary::<Int64Type, Float64Type>(value, |v| (v as f64, true)),
    }
}

/// The UTC calendar date of an instant (floor division, so instants before 1970
/// fall on the right day).
pub(crate) fn date_of(value: &Operand) -> Result<Operand> {
    match value.array().data_type() {
        DataType::Date32 => Ok(value.clone()),
        _ => unary::<TimestampMicrosecondType, Date32Type>(value, |v| {
            (dates::day_of_micros(v), true)
        }),
    }
}

/// `days_since(d)`: as-of − d, in days.
pub(crate) fn days_since(value: &Operand, as_of: i32) -> Result<Operand> {
    unary::<Date32Type, Int64Type>(value, |d| (i64::from(as_of) - i64::from(d), true))
}

/// `year(d)`.
pub(crate) fn year(value: &Operand) -> Result<Operand> {
    unary::<Date32Type, Int64Type>(value, |d| (dates::year_month_of_days(d).0, true))
}

/// `month(d)`.
pub(crate) fn month(value: &Operand) -> Result<Operand> {
    unary::<Date32Type, Int64Type>(value, |d| (dates::year_month_of_days(d).1, true))
}

/// One value per row through `f`, which gives the value and whether it is
/// present; a missing input gives missing. Two tight passes over the value slice
/// (values, then validity) instead of one branchy pass, so they vectorise.
fn unary<A: ArrowPrimitiveType, O: ArrowPrimitiveType>(
    value: &Operand,
    f: impl Fn(A::Native) -> (O::Native, bool),
) -> Result<Operand> {
    let input = value
        .array()
        .as_primitive_opt::<A>()
        .ok_or_else(|| unexpected("function", value.array().data_type()))?;
    let raw = input.values();
    let values: Vec<O::Native> = raw.iter().map(|v| f(*v).0).collect();
    let ok = BooleanBuffer::collect_bool(raw.len(), |i| f(raw[i]).1);
    let valid = match input.nulls() {
        Some(nulls) => nulls.inner() & &ok,
        None => ok,
    };
    let array = PrimitiveArray::<O>::new(values.into(), Some(NullBuffer::new(valid)));
    Ok(value.with(Arc::new(array)))
}

/// Two values per row through `f` (value, present); a scalar side stands for
/// every row. Same two-pass shape as [`unary`].
fn binary<A: ArrowPrimitiveType, B: ArrowPrimitiveType, O: ArrowPrimitiveType>(
    left: &Operand,
    right: &Operand,
    f: impl Fn(A::Native, B::Native) -> (O::Native, bool),
) -> Result<Operand> {
    let l = left
        .array()
        .as_primitive_opt::<A>()
        .ok_or_else(|| unexpected("arithmetic", left.array().data_type()))?;
    let r = right
        .array()
        .as_primitive_opt::<B>()
        .ok_or_else(|| unexpected("arithmetic", right.array().data_type()))?;
    let (ls, rs) = (left.is_scalar(), right.is_scalar());
    let len = if ls { r.len() } else { l.len() };
    let fits = |scalar: bool, n: usize| if scalar { n == 1 } else { n == len };
    if !fits(ls, l.len()) || !fits(rs, r.len()) {
        return Err(ArrowError::InvalidArgumentError(
            "arithmetic on arrays of different lengths".into(),
        ));
    }
    let (lv, rv) = (l.values(), r.values());
    let (values, ok): (Vec<O::Native>, BooleanBuffer) = match (ls, rs) {
        (false, true) => {
            let b = rv[0];
            (
                lv.iter().map(|a| f(*a, b).0).collect(),
                BooleanBuffer::collect_bool(len, |i| f(lv[i], b).1),
            )
        }
        (true, false) => {
            let a = lv[0];
            (
                rv.iter().map(|b| f(a, *b).0).collect(),
                BooleanBuffer::collect_bool(len, |i| f(a, rv[i]).1),
            )
        }
        _ => {
            let at = |i: usize| (lv[if ls { 0 } else { i }], rv[if rs { 0 } else { i }]);
            (
                (0..len)
                    .map(|i| {
                        let (a, b) = at(i);
                        f(a, b).0
                    })
                    .collect(),
                BooleanBuffer::collect_bool(len, |i| {
                    let (a, b) = at(i);
                    f(a, b).1
                }),
            )
        }
    };
    let presence = |nulls: Option<&NullBuffer>, scalar: bool| -> Option<BooleanBuffer> {
        match nulls {
            None => None,
            Some(nulls) if scalar => Some(super::operand::constant(nulls.is_valid(0), len)),
            Some(nulls) => Some(nulls.inner().clone()),
        }
    };
    let mut valid = ok;
    if let Some(p) = presence(l.nulls(), ls) {
        valid &= &p;
    }
    if let Some(p) = presence(r.nulls(), rs) {
        valid &= &p;
    }
    let array = PrimitiveArray::<O>::new(values.into(), Some(NullBuffer::new(valid)));
    Ok(Operand::combine(left, right, Arc::new(array)))
}

/// `lower(s)` / `upper(s)`; dictionary strings are mapped once per dictionary value.
pub(crate) fn map_strings(value: &Operand, f: fn(&str) -> String) -> Result<Operand> {
    let mapped = on_strings(
        value.array(),
        "string function",
        |strings| Ok(Arc::new(map_utf8(strings, f)) as ArrayRef),
        |keys, on_values| {
            let mapped = DictionaryArray::<Int32Type>::try_new(keys.clone(), on_values)?;
            Ok(Arc::new(mapped) as ArrayRef)
        },
    )?;
    Ok(value.with(mapped))
}

fn map_utf8(strings: &StringArray, f: fn(&str) -> String) -> StringArray {
    strings.iter().map(|s| s.map(f)).collect()
}

/// `length(s)`: characters (code points), not bytes.
pub(crate) fn length_string(value: &Operand) -> Result<Operand> {
    let lengths = on_strings(
        value.array(),
        "length",
        |strings| Ok(Arc::new(char_counts(strings)) as ArrayRef),
        |keys, on_values| take(&on_values, keys, None),
    )?;
    Ok(value.with(lengths))
}

fn char_counts(strings: &StringArray) -> Int64Array {
    strings
        .iter()
        .map(|s| s.map(|s| s.chars().count() as i64))
        .collect()
}

/// `length(list)`: items, missing for a missing list.
pub(crate) fn length_list(value: &Operand) -> Result<Operand> {
    let array = value.array();
    let lengths = list_lengths(array)?;
    let nulls = array.logical_nulls();
    Ok(value.with(Arc::new(Int64Array::new(lengths.into(), nulls))))
}

/// The number of items of each row's list (whatever its validity).
pub(crate) fn list_lengths(array: &ArrayRef) -> Result<Vec<i64>> {
    fn of<O: OffsetSizeTrait>(offsets: &[O]) -> Vec<i64> {
        offsets
            .windows(2)
            .map(|w| match w {
                [a, b] => (b.as_usize() - a.as_usize()) as i64,
                _ => 0,
            })
            .collect()
    }
    match array.data_type() {
        DataType::List(_) => Ok(of(array.as_list::<i32>().value_offsets())),
        DataType::LargeList(_) => Ok(of(array.as_list::<i64>().value_offsets())),
        other => Err(unexpected("list", other)),
    }
}

/// The tier labels: for each row the first tier whose condition holds
/// (`None` = `otherwise`), missing when none does. A plain `Utf8` array, built
/// directly from the label bytes (arrow's dictionary→string cast is several
/// times slower here, and the output wants `Utf8`).
pub(crate) fn tiers(
    conditions: &[Option<&BooleanBuffer>],
    labels: &[String],
    len: usize,
) -> Result<ArrayRef> {
    // keys[i] = index of the winning label; labels.len() (the empty entry) = none.
    // Tiers are applied last to first, each overwriting the rows it holds on, so
    // the first tier that holds wins without tracking the rows still open.
    let unmatched = labels.len() as u32;
    let mut keys = vec![unmatched; len];
    for (tier, condition) in conditions.iter().enumerate().rev() {
        let tier = tier as u32;
        match condition {
            None => keys.fill(tier),
            Some(mask) => {
                for row in mask.set_indices() {
                    if let Some(key) = keys.get_mut(row) {
                        *key = tier;
                    }
                }
            }
        }
    }
    let table: Vec<&[u8]> = labels
        .iter()
        .map(|l| l.as_bytes())
        .chain([&[][..]])
        .collect();
    let label = |key: u32| table.get(key as usize).copied().unwrap_or_default();
    let total: usize = keys.iter().map(|k| label(*k).len()).sum();
    if i32::try_from(total).is_err() {
        return Err(ArrowError::InvalidArgumentError(
            "tier labels exceed 2 GiB in one batch".into(),
        ));
    }
    let mut bytes = Vec::with_capacity(total);
    let mut offsets = Vec::with_capacity(len + 1);
    offsets.push(0i32);
    for key in &keys {
        bytes.extend_from_slice(label(*key));
        offsets.push(bytes.len() as i32);
    }
    let matched = BooleanBuffer::collect_bool(len, |i| keys[i] != unmatched);
    let offsets = OffsetBuffer::new(offsets.into());
    Ok(Arc::new(StringArray::try_new(
        offsets,
        bytes.into(),
        Some(NullBuffer::new(matched)),
    )?))
}

/// A column as the kernels want it: floats normalised (NaN → missing, `-0.0` →
/// `0.0`), a timestamp zone dropped (values are UTC already), any string layout
/// other than `Utf8` or `Dictionary(Int32, Utf8)` cast to `Utf8`.
pub(crate) fn normalize_column(array: &ArrayRef) -> Result<ArrayRef> {
    match array.data_type() {
        DataType::Float64 => Ok(Arc::new(normalize_floats(
            array.as_primitive::<Float64Type>(),
        ))),
        DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => {
            let instants = array.as_primitive::<TimestampMicrosecondType>().clone();
            Ok(Arc::new(instants.with_timezone_opt(None::<Arc<str>>)))
        }
        DataType::Dictionary(key, value)
            if **key == DataType::Int32 && **value == DataType::Utf8 =>
        {
            Ok(Arc::clone(array))
        }
        DataType::Dictionary(_, _) | DataType::LargeUtf8 | DataType::Utf8View => {
            cast(array, &DataType::Utf8)
        }
        _ => Ok(Arc::clone(array)),
    }
}

/// NaN → missing, `-0.0` → `0.0`; no copy when there is neither.
pub(crate) fn normalize_floats(floats: &Float64Array) -> Float64Array {
    // a branch-free fold (not `any`) so the scan vectorises: NaN, or the bits of -0.0
    let odd = |v: &f64| v.is_nan() | (v.to_bits() == (-0.0f64).to_bits());
    if !floats.values().iter().fold(false, |acc, v| acc | odd(v)) {
        return floats.clone();
    }
    let values: Vec<f64> = floats.values().iter().map(|v| v + 0.0).collect();
    let not_nan = BooleanBuffer::collect_bool(floats.len(), |i| !floats.value(i).is_nan());
    let valid = match floats.nulls() {
        Some(nulls) => nulls.inner() & &not_nan,
        None => not_nan,
    };
    Float64Array::new(values.into(), Some(NullBuffer::new(valid)))
}
