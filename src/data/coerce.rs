//! The one place that knows Arrow's type variety.
//!
//! Takes a column of any compatible Arrow type (language.md, "Data columns may use
//! any compatible Arrow type") and gives the canonical type of its segmint type (the
//! table in [`crate::data`]). [`accepts`] is the compatibility rule, used by
//! `DataFile::open` before any work; [`normalise`] is the conversion, applied to
//! every batch. Nothing is cast silently: a type not accepted here is a mismatch.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, new_null_array};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{
    DataType, Date32Type, Field, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow::error::ArrowError;

use crate::check::ir::Type;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Whether a column of Arrow type `data` can hold values of segmint type `ty`.
/// A `Null` column (no values at all) fits every type.
pub(crate) fn accepts(ty: &Type, data: &DataType) -> bool {
    if *data == DataType::Null {
        return true;
    }
    match ty {
        Type::Bool => *data == DataType::Boolean,
        Type::Int => data.is_integer(),
        Type::Float => is_float(data),
        Type::String | Type::Enum(_) => is_string(data),
        Type::Date => matches!(data, DataType::Date32 | DataType::Date64),
        Type::Timestamp => matches!(data, DataType::Timestamp(_, _)),
        Type::ListString => list_item(data).is_some_and(|item| item.is_null() || is_string(item)),
        Type::ListInt => list_item(data).is_some_and(|item| item.is_null() || item.is_integer()),
    }
}

fn is_float(data: &DataType) -> bool {
    matches!(
        data,
        DataType::Float16
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal32(_, _)
            | DataType::Decimal64(_, _)
            | DataType::Decimal128(_, _)
            | DataType::Decimal256(_, _)
    )
}

/// Plain strings of every layout, and dictionaries of them (any key type).
fn is_string(data: &DataType) -> bool {
    match data {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(key, value) => key.is_integer() && is_plain_string(value),
        _ => false,
    }
}

fn is_plain_string(data: &DataType) -> bool {
    matches!(
        data,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn list_item(data: &DataType) -> Option<&DataType> {
    match data {
        DataType::List(item) | DataType::LargeList(item) => Some(item.data_type()),
        _ => None,
    }
}

/// The canonical Arrow type of a segmint type (strings and enums in the plain `Utf8`
/// form, as written to outputs; readers may also hand out dictionaries).
pub fn canonical_type(ty: &Type) -> DataType {
    match ty {
        Type::Bool => DataType::Boolean,
        Type::Int => DataType::Int64,
        Type::Float => DataType::Float64,
        Type::String | Type::Enum(_) => DataType::Utf8,
        Type::Date => DataType::Date32,
        Type::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        Type::ListString => list_of(DataType::Utf8),
        Type::ListInt => list_of(DataType::Int64),
    }
}

/// `Dictionary(Int32, Utf8)`, the canonical dictionary type for strings.
pub(crate) fn string_dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// `List(item: T)`, nullable items, the canonical list layout.
pub(crate) fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

/// Converts an accepted column to the canonical type of `ty`. Fails only when a
/// value does not fit (an unsigned 64-bit integer beyond `i64::MAX`, a date beyond
/// the representable range); the message is one clause for the caller to wrap.
pub(crate) fn normalise(array: &ArrayRef, ty: &Type) -> Result<ArrayRef, String> {
    let data = array.data_type();
    if *data == DataType::Null {
        return Ok(new_null_array(&canonical_type(ty), array.len()));
    }
    match ty {
        Type::String | Type::Enum(_) => strings(array),
        Type::Date => dates(array),
        Type::Timestamp => timestamps(array),
        Type::Int => cast_to(array, &DataType::Int64)
            .map_err(|_| "holds a value beyond the range of `int` (64-bit signed)".to_owned()),
        _ => cast_to(array, &canonical_type(ty)),
    }
}

/// Utf8 and `Dictionary(Int32, Utf8)` pass through; other layouts are rewritten,
/// keeping dictionaries (evaluation compares a dictionary's few values only).
fn strings(array: &ArrayRef) -> Result<ArrayRef, String> {
    match array.data_type() {
        DataType::Utf8 => Ok(Arc::clone(array)),
        DataType::Dictionary(key, value)
            if **key == DataType::Int32 && **value == DataType::Utf8 =>
        {
            Ok(Arc::clone(array))
        }
        DataType::Dictionary(_, _) => {
            cast_to(array, &string_dictionary()).or_else(|_| cast_to(array, &DataType::Utf8))
        }
        _ => cast_to(array, &DataType::Utf8),
    }
}

fn dates(array: &ArrayRef) -> Result<ArrayRef, String> {
    match array.data_type() {
        DataType::Date64 => {
            let millis = array.as_primitive::<arrow::datatypes::Date64Type>();
            let days = millis.try_unary::<_, Date32Type, String>(|ms| {
                i32::try_from(ms.div_euclid(MILLIS_PER_DAY))
                    .map_err(|_| format!("holds a date beyond the supported range ({ms} ms)"))
            })?;
            Ok(Arc::new(days))
        }
        _ => cast_to(array, &DataType::Date32),
    }
}

/// Every unit to microseconds. The zone is dropped without shifting: Arrow stores
/// instants as UTC whatever the zone says (arrow's own cast to a zone-less type
/// would shift to local wall time, which is not what we want). Nanoseconds are
/// truncated towards the past (floor), so an instant never moves to a later date.
fn timestamps(array: &ArrayRef) -> Result<ArrayRef, String> {
    let DataType::Timestamp(unit, _) = array.data_type() else {
        return cast_to(array, &canonical_type(&Type::Timestamp));
    };
    let overflow = |v: i64| format!("holds a timestamp beyond the supported range ({v})");
    let micros = match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .try_unary::<_, TimestampMicrosecondType, String>(|v| {
                v.checked_mul(1_000_000).ok_or_else(|| overflow(v))
            })?,
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .try_unary::<_, TimestampMicrosecondType, String>(|v| {
            v.checked_mul(1_000).ok_or_else(|| overflow(v))
        })?,
        TimeUnit::Microsecond => array
            .as_primitive::<TimestampMicrosecondType>()
            .clone()
            .with_timezone_opt(None::<Arc<str>>),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .unary::<_, TimestampMicrosecondType>(|v| v.div_euclid(1_000)),
    };
    Ok(Arc::new(micros))
}

fn cast_to(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, String> {
    if array.data_type() == to {
        return Ok(Arc::clone(array));
    }
    let options = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    cast_with_options(array, to, &options).map_err(|e| match e {
        ArrowError::CastError(msg) | ArrowError::ComputeError(msg) => msg,
        other => other.to_string(),
    })
}

/// An Arrow type in the words of messages: `int8`, `float64`, `large_utf8`,
/// `timestamp[ms, UTC]`, `dictionary<int8, utf8>`, `list<int64>`.
pub(crate) fn describe(data: &DataType) -> String {
    match data {
        DataType::Null => "null".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Utf8 => "utf8".into(),
        DataType::LargeUtf8 => "large_utf8".into(),
        DataType::Utf8View => "utf8_view".into(),
        DataType::Binary => "binary".into(),
        DataType::LargeBinary => "large_binary".into(),
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => format!("decimal({p}, {s})"),
        DataType::Timestamp(unit, tz) => match tz {
            Some(tz) => format!("timestamp[{}, {tz}]", unit_name(unit)),
            None => format!("timestamp[{}]", unit_name(unit)),
        },
        DataType::Dictionary(key, value) => {
            format!("dictionary<{}, {}>", describe(key), describe(value))
        }
        DataType::List(item) => format!("list<{}>", describe(item.data_type())),
        DataType::LargeList(item) => format!("large_list<{}>", describe(item.data_type())),
        DataType::Struct(_) => "struct".into(),
        DataType::Map(_, _) => "map".into(),
        other => other.to_string().to_ascii_lowercase(),
    }
}

fn unit_name(unit: &TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "us",
        TimeUnit::Nanosecond => "ns",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int8Array, TimestampNanosecondArray, UInt64Array};

    #[test]
    fn float_column_is_not_an_int() {
        assert!(!accepts(&Type::Int, &DataType::Float64));
        assert!(accepts(&Type::Int, &DataType::UInt16));
        assert!(!accepts(&Type::Date, &DataType::Utf8));
        assert!(accepts(&Type::Float, &DataType::Decimal128(10, 2)));
    }

    #[test]
    fn int8_widens_to_int64() {
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(-3), None]));
        let out = normalise(&a, &Type::Int).unwrap();
        assert_eq!(out.data_type(), &DataType::Int64);
        assert_eq!(out.null_count(), 1);
    }

    #[test]
    fn u64_beyond_i64_is_an_error() {
        let a: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX]));
        assert!(normalise(&a, &Type::Int).is_err());
    }

    #[test]
    fn nanoseconds_floor_to_micros() {
        let a: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![-1, 1_999]));
        let out = normalise(&a, &Type::Timestamp).unwrap();
        let micros = out.as_primitive::<TimestampMicrosecondType>();
        assert_eq!(micros.values().to_vec(), vec![-1, 1]);
    }
}
