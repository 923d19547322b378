//! [`Operand`]: a value node's result, an array or a one-row scalar, usable as an
//! arrow `Datum`; and [`Computed`], what a node leaves in the per-batch memo.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Datum};
use arrow::buffer::BooleanBuffer;

/// A value: one entry per row, or one entry standing for every row.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    /// One value per row of the batch.
    Array(ArrayRef),
    /// A one-row array that stands for every row (a literal, or computed from literals).
    Scalar(ArrayRef),
}

impl Datum for Operand {
    fn get(&self) -> (&dyn Array, bool) {
        match self {
            Operand::Array(a) => (a.as_ref(), false),
            Operand::Scalar(a) => (a.as_ref(), true),
        }
    }
}

impl Operand {
    /// The underlying array (one row for a scalar).
    pub(crate) fn array(&self) -> &ArrayRef {
        match self {
            Operand::Array(a) | Operand::Scalar(a) => a,
        }
    }

    /// Whether this stands for every row.
    pub(crate) fn is_scalar(&self) -> bool {
        matches!(self, Operand::Scalar(_))
    }

    /// The same shape (array or scalar) around a new array.
    pub(crate) fn with(&self, array: ArrayRef) -> Operand {
        match self {
            Operand::Array(_) => Operand::Array(array),
            Operand::Scalar(_) => Operand::Scalar(array),
        }
    }

    /// The result shape of combining two operands: scalar only if both are.
    pub(crate) fn combine(left: &Operand, right: &Operand, array: ArrayRef) -> Operand {
        if left.is_scalar() && right.is_scalar() {
            Operand::Scalar(array)
        } else {
            Operand::Array(array)
        }
    }

    /// Which rows hold a value (present), for a batch of `len` rows.
    pub(crate) fn presence(&self, len: usize) -> BooleanBuffer {
        match self {
            Operand::Array(a) => match a.logical_nulls() {
                Some(nulls) => nulls.inner().clone(),
                None => BooleanBuffer::new_set(a.len()),
            },
            Operand::Scalar(a) => constant(a.is_valid(0), len),
        }
    }

    /// A mask used as a value: a non-null boolean array.
    pub(crate) fn from_mask(mask: &BooleanBuffer) -> Operand {
        Operand::Array(Arc::new(BooleanArray::new(mask.clone(), None)))
    }
}

/// What a node computed for the current batch.
#[derive(Clone, Debug)]
pub(crate) enum Computed {
    /// A definite mask (criterion), one bit per row.
    Mask(BooleanBuffer),
    /// Values.
    Values(Operand),
}

/// A mask of `len` rows, all `value`.
pub(crate) fn constant(value: bool, len: usize) -> BooleanBuffer {
    if value {
        BooleanBuffer::new_set(len)
    } else {
        BooleanBuffer::new_unset(len)
    }
}
