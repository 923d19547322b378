//! Sets of values that comparisons with literals allow, for the lints that reason
//! about ranges (`impossible_comparison`, `unreachable_tier`).
//!
//! Everything here is *sound*: `is_empty` and `is_subset` answer `true` only when
//! that is certain, and `false` whenever they cannot tell (values of different
//! kinds, a relative date against a fixed one, months of unknown length, …).
//! A lint built on them may miss a problem but never reports one that is not there.

use std::cmp::Ordering;

use chrono::NaiveDate;

/// A literal value a comparison is made with.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Key {
    /// `true`, `false`
    Bool(bool),
    /// an int
    Int(i64),
    /// a float
    Float(f64),
    /// a string or an enum value
    Str(String),
    /// a date
    Date(NaiveDate),
    /// an instant, microseconds since the epoch
    Timestamp(i64),
    /// a date relative to the as-of date, in days (`30 days ago` is `-30`)
    DaysFromAsOf(i64),
}

impl Key {
    /// Order between two keys of the same kind; `None` when they cannot be compared.
    fn compare(&self, other: &Key) -> Option<Ordering> {
        match (self, other) {
            (Key::Bool(a), Key::Bool(b)) => Some(a.cmp(b)),
            (Key::Int(a), Key::Int(b)) => Some(a.cmp(b)),
            (Key::Float(a), Key::Float(b)) => a.partial_cmp(b),
            (Key::Str(a), Key::Str(b)) => Some(a.cmp(b)),
            (Key::Date(a), Key::Date(b)) => Some(a.cmp(b)),
            (Key::Timestamp(a), Key::Timestamp(b)) => Some(a.cmp(b)),
            (Key::DaysFromAsOf(a), Key::DaysFromAsOf(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// The next value up, for kinds with no value in between (ints, dates, instants).
    fn next(&self) -> Option<Key> {
        match self {
            Key::Int(n) => n.checked_add(1).map(Key::Int),
            Key::Timestamp(n) => n.checked_add(1).map(Key::Timestamp),
            Key::DaysFromAsOf(n) => n.checked_add(1).map(Key::DaysFromAsOf),
            Key::Date(d) => d.succ_opt().map(Key::Date),
            _ => None,
        }
    }

    /// The next value down, for the same kinds as [`Key::next`].
    fn previous(&self) -> Option<Key> {
        match self {
            Key::Int(n) => n.checked_sub(1).map(Key::Int),
            Key::Timestamp(n) => n.checked_sub(1).map(Key::Timestamp),
            Key::DaysFromAsOf(n) => n.checked_sub(1).map(Key::DaysFromAsOf),
            Key::Date(d) => d.pred_opt().map(Key::Date),
            _ => None,
        }
    }
}

/// One end of a range.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum End {
    /// No limit on this side.
    Open,
    /// The key is in the range.
    Inclusive(Key),
    /// The key is not in the range.
    Exclusive(Key),
}

/// The present values a set of criteria on one value allows: those within
/// `low..high`, in `only` (when given) and not in `except`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Range {
    low: End,
    high: End,
    only: Option<Vec<Key>>,
    except: Vec<Key>,
}

/// What some criteria on one value allow. Every criterion but `is missing` is false
/// on a missing value, so the two cases never mix.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ValueSet {
    /// `x is missing`
    Missing,
    /// Present values in a range.
    Present(Range),
}

impl ValueSet {
    /// Every present value (`x is present`).
    pub(super) fn present() -> Self {
        ValueSet::Present(Range {
            low: End::Open,
            high: End::Open,
            only: None,
            except: Vec::new(),
        })
    }

    /// Values at or above / above `key` (`>=`, `>`, `after`).
    pub(super) fn at_least(key: Key, inclusive: bool) -> Self {
        ValueSet::Present(Range {
            low: lower_end(key, inclusive),
            ..Self::everything()
        })
    }

    /// Values at or below / below `key` (`<=`, `<`, `before`).
    pub(super) fn at_most(key: Key, inclusive: bool) -> Self {
        ValueSet::Present(Range {
            high: upper_end(key, inclusive),
            ..Self::everything()
        })
    }

    /// Values in `low..=high` (`between`, `within last`).
    pub(super) fn between(low: Key, high: Key) -> Self {
        ValueSet::Present(Range {
            low: End::Inclusive(low),
            high: End::Inclusive(high),
            ..Self::everything()
        })
    }

    /// Values in `low..=high`, with the low end excluded (`within next`).
    pub(super) fn above_up_to(low: Key, high: Key) -> Self {
        ValueSet::Present(Range {
            low: lower_end(low, false),
            high: End::Inclusive(high),
            ..Self::everything()
        })
    }

    /// Exactly these values (`=`, `in`, a bare bool field).
    pub(super) fn one_of(keys: Vec<Key>) -> Self {
        ValueSet::Present(Range {
            only: Some(keys),
            ..Self::everything()
        })
    }

    /// Any present value but these (`!=`, `not in`).
    pub(super) fn none_of(keys: Vec<Key>) -> Self {
        ValueSet::Present(Range {
            except: keys,
            ..Self::everything()
        })
    }

    fn everything() -> Range {
        Range {
            low: End::Open,
            high: End::Open,
            only: None,
            except: Vec::new(),
        }
    }

    /// The values both sets allow; `None` when that cannot be worked out.
    pub(super) fn intersect(&self, other: &ValueSet) -> Option<ValueSet> {
        match (self, other) {
            (ValueSet::Missing, ValueSet::Missing) => Some(ValueSet::Missing),
            (ValueSet::Missing, ValueSet::Present(_))
            | (ValueSet::Present(_), ValueSet::Missing) => Some(ValueSet::Present(Range {
                only: Some(Vec::new()),
                ..Self::everything()
            })),
            (ValueSet::Present(a), ValueSet::Present(b)) => a.intersect(b).map(ValueSet::Present),
        }
    }

    /// Whether no value at all is allowed (`true` only when certain).
    pub(super) fn is_empty(&self) -> bool {
        match self {
            ValueSet::Missing => false,
            ValueSet::Present(range) => range.is_empty(),
        }
    }

    /// Whether every value `self` allows is allowed by `other` (`true` only when
    /// certain, and never for an empty `self`).
    pub(super) fn is_subset(&self, other: &ValueSet) -> bool {
        match (self, other) {
            (ValueSet::Missing, ValueSet::Missing) => true,
            (ValueSet::Present(a), ValueSet::Present(b)) => a.is_subset(b),
            _ => false,
        }
    }
}

/// `> key` becomes `>= key + 1` for kinds without values in between.
fn lower_end(key: Key, inclusive: bool) -> End {
    match (inclusive, key.next()) {
        (true, _) => End::Inclusive(key),
        (false, Some(next)) => End::Inclusive(next),
        (false, None) => End::Exclusive(key),
    }
}

/// `< key` becomes `<= key - 1` for kinds without values in between.
fn upper_end(key: Key, inclusive: bool) -> End {
    match (inclusive, key.previous()) {
        (true, _) => End::Inclusive(key),
        (false, Some(previous)) => End::Inclusive(previous),
        (false, None) => End::Exclusive(key),
    }
}

impl Range {
    fn intersect(&self, other: &Range) -> Option<Range> {
        let only = match (&self.only, &other.only) {
            (Some(a), Some(b)) => Some(common(a, b)?),
            (Some(a), None) | (None, Some(a)) => Some(a.clone()),
            (None, None) => None,
        };
        let mut except = self.except.clone();
        except.extend(other.except.iter().cloned());
        Some(Range {
            low: tighter(&self.low, &other.low, Ordering::Greater)?,
            high: tighter(&self.high, &other.high, Ordering::Less)?,
            only,
            except,
        })
    }

    /// Whether `key` is in the range; `None` when that cannot be told.
    fn contains(&self, key: &Key) -> Option<bool> {
        let above_low = match &self.low {
            End::Open => true,
            End::Inclusive(low) => key.compare(low)? != Ordering::Less,
            End::Exclusive(low) => key.compare(low)? == Ordering::Greater,
        };
        let below_high = match &self.high {
            End::Open => true,
            End::Inclusive(high) => key.compare(high)? != Ordering::Greater,
            End::Exclusive(high) => key.compare(high)? == Ordering::Less,
        };
        let listed = match &self.only {
            Some(only) => position(only, key)?.is_some(),
            None => true,
        };
        let excepted = position(&self.except, key)?.is_some();
        Some(above_low && below_high && listed && !excepted)
    }

    fn is_empty(&self) -> bool {
        if let Some(only) = &self.only {
            // Empty when each listed value is certainly outside.
            return only.iter().all(|key| self.contains(key) == Some(false));
        }
        match (&self.low, &self.high) {
            (End::Inclusive(low), End::Inclusive(high)) => match low.compare(high) {
                Some(Ordering::Greater) => true,
                Some(Ordering::Equal) => self.contains(low) == Some(false),
                _ => false,
            },
            (
                End::Inclusive(low) | End::Exclusive(low),
                End::Inclusive(high) | End::Exclusive(high),
            ) => {
                matches!(low.compare(high), Some(Ordering::Greater | Ordering::Equal))
            }
            _ => false,
        }
    }

    fn is_subset(&self, other: &Range) -> bool {
        if self.is_empty() {
            return false;
        }
        if let Some(only) = &self.only {
            return only.iter().all(|key| match self.contains(key) {
                Some(false) => true,
                Some(true) => other.contains(key) == Some(true),
                None => false,
            });
        }
        other.only.is_none()
            && starts_within(&other.low, &self.low)
            && ends_within(&self.high, &other.high)
            && other
                .except
                .iter()
                .all(|key| self.contains(key) == Some(false))
    }
}

/// Whether a range starting at `inner` starts no earlier than one starting at `outer`.
fn starts_within(outer: &End, inner: &End) -> bool {
    match (outer, inner) {
        (End::Open, _) => true,
        (_, End::Open) => false,
        (End::Inclusive(o), End::Inclusive(i) | End::Exclusive(i))
        | (End::Exclusive(o), End::Exclusive(i)) => {
            matches!(i.compare(o), Some(Ordering::Greater | Ordering::Equal))
        }
        (End::Exclusive(o), End::Inclusive(i)) => i.compare(o) == Some(Ordering::Greater),
    }
}

/// Whether a range ending at `inner` ends no later than one ending at `outer`.
fn ends_within(inner: &End, outer: &End) -> bool {
    match (outer, inner) {
        (End::Open, _) => true,
        (_, End::Open) => false,
        (End::Inclusive(o), End::Inclusive(i) | End::Exclusive(i))
        | (End::Exclusive(o), End::Exclusive(i)) => {
            matches!(i.compare(o), Some(Ordering::Less | Ordering::Equal))
        }
        (End::Exclusive(o), End::Inclusive(i)) => i.compare(o) == Some(Ordering::Less),
    }
}

/// Of two ends of the same side, the one that allows less. `towards` is
/// `Greater` for low ends and `Less` for high ends.
fn tighter(a: &End, b: &End, towards: Ordering) -> Option<End> {
    let (ka, kb) = match (a, b) {
        (End::Open, other) | (other, End::Open) => return Some(other.clone()),
        (End::Inclusive(ka) | End::Exclusive(ka), End::Inclusive(kb) | End::Exclusive(kb)) => {
            (ka, kb)
        }
    };
    Some(match ka.compare(kb)? {
        Ordering::Equal if matches!(a, End::Exclusive(_)) => a.clone(),
        Ordering::Equal => b.clone(),
        order if order == towards => a.clone(),
        _ => b.clone(),
    })
}

/// Keys in both lists; `None` when some pair cannot be compared.
fn common(a: &[Key], b: &[Key]) -> Option<Vec<Key>> {
    let mut out = Vec::new();
    for key in a {
        if position(b, key)?.is_some() {
            out.push(key.clone());
        }
    }
    Some(out)
}

/// Where `key` is in `keys`; `None` when some key cannot be compared with it.
fn position(keys: &[Key], key: &Key) -> Option<Option<usize>> {
    for (i, k) in keys.iter().enumerate() {
        if k.compare(key)? == Ordering::Equal {
            return Some(Some(i));
        }
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> Key {
        Key::Int(n)
    }

    fn both(a: ValueSet, b: ValueSet) -> ValueSet {
        a.intersect(&b).unwrap()
    }

    #[test]
    fn disjoint_int_ranges_are_empty() {
        // age > 50 and age < 30
        let set = both(
            ValueSet::at_least(int(50), false),
            ValueSet::at_most(int(30), false),
        );
        assert!(set.is_empty());
    }

    #[test]
    fn touching_inclusive_ranges_are_not_empty() {
        // age >= 30 and age <= 30
        let set = both(
            ValueSet::at_least(int(30), true),
            ValueSet::at_most(int(30), true),
        );
        assert!(!set.is_empty());
    }

    #[test]
    fn ints_have_nothing_between_neighbours_but_floats_do() {
        let ints = both(
            ValueSet::at_least(int(5), false),
            ValueSet::at_most(int(6), false),
        );
        assert!(ints.is_empty());
        let floats = both(
            ValueSet::at_least(Key::Float(5.0), false),
            ValueSet::at_most(Key::Float(6.0), false),
        );
        assert!(!floats.is_empty());
    }

    #[test]
    fn two_different_equalities_are_empty() {
        let set = both(
            ValueSet::one_of(vec![int(1)]),
            ValueSet::one_of(vec![int(2)]),
        );
        assert!(set.is_empty());
    }

    #[test]
    fn equality_and_inequality_of_the_same_value_are_empty() {
        let set = both(
            ValueSet::one_of(vec![int(1)]),
            ValueSet::none_of(vec![int(1)]),
        );
        assert!(set.is_empty());
    }

    #[test]
    fn missing_and_a_comparison_are_empty() {
        let set = both(ValueSet::Missing, ValueSet::at_least(int(1), true));
        assert!(set.is_empty());
    }

    #[test]
    fn different_kinds_are_never_called_empty() {
        let relative = ValueSet::between(Key::DaysFromAsOf(-30), Key::DaysFromAsOf(0));
        let fixed = ValueSet::at_most(Key::Date(NaiveDate::MIN), false);
        assert_eq!(relative.intersect(&fixed), None);
    }

    #[test]
    fn reversed_between_is_empty() {
        assert!(ValueSet::between(int(50), int(30)).is_empty());
    }

    #[test]
    fn higher_threshold_is_a_subset_of_lower() {
        let high = ValueSet::at_least(int(2000), true);
        let low = ValueSet::at_least(int(1000), true);
        assert!(high.is_subset(&low));
        assert!(!low.is_subset(&high));
    }

    #[test]
    fn listed_values_are_a_subset_when_all_are_allowed() {
        let small = ValueSet::one_of(vec![int(1), int(2)]);
        assert!(small.is_subset(&ValueSet::between(int(0), int(5))));
        assert!(!small.is_subset(&ValueSet::none_of(vec![int(2)])));
    }

    #[test]
    fn a_range_is_not_a_subset_of_a_range_with_a_hole_inside_it() {
        let range = ValueSet::between(int(0), int(10));
        assert!(!range.is_subset(&ValueSet::none_of(vec![int(5)])));
        assert!(range.is_subset(&ValueSet::none_of(vec![int(50)])));
    }

    #[test]
    fn exclusive_float_ends_compare_correctly() {
        // x > 5.0 is within x >= 5.0, but not the other way round.
        let open = ValueSet::at_least(Key::Float(5.0), false);
        let closed = ValueSet::at_least(Key::Float(5.0), true);
        assert!(open.is_subset(&closed));
        assert!(!closed.is_subset(&open));
    }
}
