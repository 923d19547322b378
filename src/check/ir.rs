//! The checked program: names resolved to ids, a type on every expression,
//! implicit conversions made explicit.
//!
//! This is what evaluation (`plan`), the reference interpreter, `segmint test`,
//! `diff`, `backtest` and SQL export consume. It never depends on the as-of date:
//! relative dates stay relative (`Within`, `DateTarget::Ago`) so one program can be
//! evaluated at many as-of dates.
//!
//! Conversions the checker makes explicit, so that every comparison is between
//! operands of one type:
//! - a timestamp compared with a date (or a relative date) is wrapped in [`ExprKind::DateOf`];
//! - a timestamp *literal* compared with a date field becomes a date literal (its UTC date);
//! - an int compared or combined with a float is wrapped in [`ExprKind::ToFloat`];
//! - string literals compared with an enum are typed as that enum (values validated).
//!
//! Expressions are never deeper than about twice [`super::MAX_NESTING`], so recursive
//! walks over them are safe.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::source::Span;
pub use crate::syntax::ast::{ArithOp, CmpOp, Direction, DurationUnit, Side, StringOp};

/// Index of a field in [`Schema::fields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);
/// Index of a segment in [`Program::segments`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegmentId(pub u32);
/// Index of a tiers block in [`Program::tiers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TierId(pub u32);
/// Index of an event table in [`Program::events`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventsId(pub u32);
/// Index of a field in [`EventTable::fields`] (the time column is one of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventFieldId(pub u32);

impl EventFieldId {
    /// The field's column in [`Program::event_schema`] (the key is column 0).
    pub fn column(self) -> FieldId {
        FieldId(self.0.saturating_add(1))
    }
}

/// A whole checked run: one schema, event tables, segments and tiers.
#[derive(Clone, Debug)]
pub struct Program {
    /// The customer table.
    pub schema: Schema,
    /// Declared event tables.
    pub events: Vec<EventTable>,
    /// Segments, indexed by [`SegmentId`], in source order (files in path order).
    pub segments: Vec<Segment>,
    /// Tiers blocks, indexed by [`TierId`], in source order.
    pub tiers: Vec<TierBlock>,
    /// Every segment and tiers block in dependency order: each appears after
    /// everything it refers to. Evaluate in this order.
    pub order: Vec<Derived>,
}

/// A derived column: a segment's membership or a tiers block's label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Derived {
    /// A segment.
    Segment(SegmentId),
    /// A tiers block.
    Tiers(TierId),
}

/// The customer table.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The table's name (`schema customers`).
    pub name: String,
    /// The `key` field.
    pub key: FieldId,
    /// Fields in declaration order, indexed by [`FieldId`].
    pub fields: Vec<Field>,
    /// Where the schema block was written.
    pub span: Span,
}

impl Schema {
    /// The field with this id.
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.0 as usize]
    }

    /// The field with this name, if any.
    pub fn lookup(&self, name: &str) -> Option<FieldId> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .map(|i| FieldId(i as u32))
    }
}

/// A declared column.
#[derive(Clone, Debug)]
pub struct Field {
    /// Column name (as in the data file).
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether values may be missing (`?`).
    pub nullable: bool,
    /// The doc comment.
    pub doc: Option<String>,
    /// The field's name as written.
    pub span: Span,
}

/// The types of the language.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// `int` (64-bit)
    Int,
    /// `float` (64-bit)
    Float,
    /// `string`
    String,
    /// `date`
    Date,
    /// `timestamp` (UTC instant, microsecond precision)
    Timestamp,
    /// `enum(...)`; also the type of a tiers field (its tier names)
    Enum(EnumValues),
    /// `list<string>`
    ListString,
    /// `list<int>`
    ListInt,
}

/// The values of an enum type, in declaration order. Two enums are the same type
/// when they list the same values in the same order.
pub type EnumValues = Arc<[String]>;

impl Type {
    /// Whether `+ - * /` and ordering comparisons apply.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }

    /// Whether this is a date or a timestamp.
    pub fn is_temporal(&self) -> bool {
        matches!(self, Type::Date | Type::Timestamp)
    }

    /// The name users see in messages: `int`, `enum("a", "b")`, `list<string>`.
    pub fn describe(&self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Float => "float".into(),
            Type::String => "string".into(),
            Type::Date => "date".into(),
            Type::Timestamp => "timestamp".into(),
            Type::Enum(values) => {
                let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                format!("enum({})", quoted.join(", "))
            }
            Type::ListString => "list<string>".into(),
            Type::ListInt => "list<int>".into(),
        }
    }
}

/// A segment after checking.
#[derive(Clone, Debug)]
pub struct Segment {
    /// Its name.
    pub name: String,
    /// The name as written in `segment NAME`.
    pub span: Span,
    /// The doc comment.
    pub doc: Option<String>,
    /// The `where` condition (type `Bool`).
    pub condition: Expr,
    /// `expect` lines.
    pub expects: Vec<Expect>,
    /// `owner "…"`
    pub owner: Option<String>,
    /// `paused`: checked, may be referred to, left out of outputs.
    pub paused: bool,
    /// Codes silenced with `allow`.
    pub allows: Vec<crate::diagnostic::Code>,
}

/// A tiers block after checking: a derived enum field.
#[derive(Clone, Debug)]
pub struct TierBlock {
    /// The derived field's name.
    pub name: String,
    /// The name as written.
    pub span: Span,
    /// The doc comment.
    pub doc: Option<String>,
    /// The tiers in order; the first whose condition holds wins.
    pub tiers: Vec<Tier>,
    /// `Type::Enum` of the tier names, in order.
    pub ty: Type,
}

/// One tier.
#[derive(Clone, Debug)]
pub struct Tier {
    /// The label (an enum value of the block's type).
    pub name: String,
    /// The label as written.
    pub span: Span,
    /// The condition; `None` for `otherwise` (always holds).
    pub condition: Option<Expr>,
}

/// An `expect` line after checking.
#[derive(Clone, Debug)]
pub struct Expect {
    /// What is expected.
    pub kind: ExpectKind,
    /// The line as written.
    pub span: Span,
}

/// The forms of `expect`.
#[derive(Clone, Debug)]
pub enum ExpectKind {
    /// `expect size between 1% and 10%`: shares are of all input rows.
    Size(Bound),
    /// `expect disjoint from lapsed`
    Disjoint(SegmentId),
    /// `expect overlap with newsletter <= 30%`: shares are of this segment's members.
    Overlap(SegmentId, Bound),
    /// `expect lift(x) >= 2`: `x` is numeric and may use `within next`.
    Lift(Expr, Bound),
}

/// A checked bound on a measured value.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// `op value`
    Compare(CmpOp, Quantity),
    /// inclusive range
    Between(Quantity, Quantity),
}

/// A number in an `expect` line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantity {
    /// An absolute count or plain number (`500`, `2.5`).
    Number(f64),
    /// A share, as a fraction (`20%` is `0.2`).
    Share(f64),
}

/// An event table.
#[derive(Clone, Debug)]
pub struct EventTable {
    /// Its name (`events orders`).
    pub name: String,
    /// The column holding the customer key.
    pub key: String,
    /// The time column (one of `fields`), of type `Date` or `Timestamp`.
    pub time: EventFieldId,
    /// Every column: the time column and the declared fields (not the key).
    pub fields: Vec<Field>,
    /// Where the block was written.
    pub span: Span,
}

impl EventTable {
    /// Whether the time column holds instants (`timestamp`) rather than dates.
    pub fn time_is_timestamp(&self) -> bool {
        self.fields
            .get(self.time.0 as usize)
            .is_some_and(|f| f.ty == Type::Timestamp)
    }
}

/// A typed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its result type (`Bool` for criteria).
    pub ty: Type,
    /// Where it was written.
    pub span: Span,
}

/// Every checked expression form. Criteria (type `Bool`) are never missing: they
/// follow the two-valued logic of the spec (a criterion about a missing value is false).
/// Values (numbers, strings, dates, …) may be missing.
#[derive(Clone, Debug)]
pub enum ExprKind {
    // ----- criteria ------------------------------------------------------------
    /// `a or b …`
    Or(Vec<Expr>),
    /// `a and b …`
    And(Vec<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `a op b`; both sides have the same type (after conversions).
    Compare {
        /// Left operand.
        left: Box<Expr>,
        /// Operator.
        op: CmpOp,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `a [not] in [literals]`; literals have the value's type.
    InList {
        /// Tested value.
        value: Box<Expr>,
        /// The list, all literals.
        items: Vec<Literal>,
        /// `not in` (false when the value is missing, like every criterion).
        negated: bool,
    },
    /// `a [not] between low and high` (inclusive; low/high same type as a).
    Between {
        /// Tested value.
        value: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// `not between` (false when any side is missing).
        negated: bool,
    },
    /// `a is missing` / `a is present` (negated).
    IsMissing {
        /// Tested value.
        value: Box<Expr>,
        /// `is present`
        negated: bool,
    },
    /// `contains`, `starts with`, `ends with`, `matches` with a literal pattern.
    /// For `matches` the pattern is a valid regex (checked).
    StringTest {
        /// Tested string (type `String` or enum).
        value: Box<Expr>,
        /// Which test.
        op: StringOp,
        /// The pattern.
        pattern: String,
    },
    /// `has`, `has any`, `has all` on a list (one item for plain `has`).
    Has {
        /// Tested list.
        list: Box<Expr>,
        /// `true` for `has all`, `false` for `has` / `has any`.
        all: bool,
        /// Items of the list's element type.
        items: Vec<Literal>,
    },
    /// `tags is empty` (a present, empty list) / `is not empty` (present, non-empty).
    IsEmpty {
        /// Tested list.
        value: Box<Expr>,
        /// `is not empty`
        negated: bool,
    },
    /// `d within last|next N unit`; `value` has type `Date` (timestamps wrapped in `DateOf`).
    /// `last`: `as_of − N ≤ d ≤ as_of`; `next`: `as_of < d ≤ as_of + N`.
    Within {
        /// Tested date.
        value: Box<Expr>,
        /// Past or future.
        direction: Direction,
        /// Window length.
        duration: Duration,
    },
    /// `d before|after X`; compared as dates unless both sides are timestamps.
    DateCompare {
        /// Tested value (`Date`, or `Timestamp` when the target is a timestamp literal
        /// and the value is a timestamp).
        value: Box<Expr>,
        /// `true` for `before` (`<`), `false` for `after` (`>`).
        before: bool,
        /// The other side.
        target: DateTarget,
    },
    /// `x in top|bottom P%` over the whole input table.
    Percentile {
        /// Ranked value (the checker accepts numbers, dates and timestamps).
        value: Box<Expr>,
        /// `top` or `bottom`.
        side: Side,
        /// The share as a fraction in (0, 1].
        fraction: f64,
    },
    /// A reference to a segment: true for its members.
    SegmentRef(SegmentId),

    // ----- values ----------------------------------------------------------------
    /// A customer column (a bool field used as a criterion is false when missing).
    Field(FieldId),
    /// A tiers block's label for the customer (missing when no tier matched).
    TierRef(TierId),
    /// A literal.
    Literal(Literal),
    /// `a op b`; int op int gives int (overflow gives missing) except `/` which gives float.
    /// Both operands always have the node's type: the checker wraps int operands in
    /// `ToFloat` for `/` and when the other side is a float.
    Arith {
        /// Left operand.
        left: Box<Expr>,
        /// Operator.
        op: ArithOp,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `-a`
    Neg(Box<Expr>),
    /// A scalar function.
    Call {
        /// Which function.
        function: Function,
        /// Its argument.
        arg: Box<Expr>,
    },
    /// `quintile(x)`, `decile(x)`, `percentile(x)` over the whole input table.
    Rank {
        /// Which score.
        score: RankScore,
        /// Ranked value.
        value: Box<Expr>,
    },
    /// The UTC calendar date of a timestamp (inserted by the checker).
    DateOf(Box<Expr>),
    /// An int as a float (inserted by the checker).
    ToFloat(Box<Expr>),
    /// An aggregate over the customer's events.
    Aggregate(Box<Aggregate>),
    /// A column of the event table inside an aggregate's filter or argument.
    EventField(EventFieldId),
}

/// Scalar functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    /// `lower(s)`
    Lower,
    /// `upper(s)`
    Upper,
    /// `length(s)`: characters of a string
    LengthString,
    /// `length(list)`: items of a list
    LengthList,
    /// `days_since(d)`: `as_of − d` in days (an int)
    DaysSince,
    /// `year(d)`
    Year,
    /// `month(d)` (1–12)
    Month,
}

/// Population scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RankScore {
    /// `quintile(x)`: 1…5, 5 highest
    Quintile,
    /// `decile(x)`: 1…10
    Decile,
    /// `percentile(x)`: 0 ≤ p < 100 (a float)
    Percentile,
}

/// What `before`/`after` compares with.
#[derive(Clone, Debug, PartialEq)]
pub enum DateTarget {
    /// A fixed date.
    Date(NaiveDate),
    /// A fixed instant, microseconds since the epoch (only with a timestamp value).
    Timestamp(i64),
    /// `N unit ago`, relative to the as-of date.
    Ago(Duration),
}

/// A checked duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: DurationUnit,
}

/// A checked literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `true` / `false`
    Bool(bool),
    /// an int
    Int(i64),
    /// a float
    Float(f64),
    /// a string, or an enum value (then the expression's type is the enum)
    String(String),
    /// a date
    Date(NaiveDate),
    /// an instant, microseconds since the epoch, UTC
    Timestamp(i64),
}

/// A checked aggregate.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// The function.
    pub function: crate::syntax::ast::AggregateFn,
    /// The event table.
    pub table: EventsId,
    /// The aggregated field (`sum`, `avg`, `min`, `max`).
    pub field: Option<EventFieldId>,
    /// The filter; uses `ExprKind::EventField` only.
    pub filter: Option<Expr>,
    /// The window on the event time.
    pub window: Option<(Direction, Duration)>,
}

impl Program {
    /// The segment with this id.
    pub fn segment(&self, id: SegmentId) -> &Segment {
        &self.segments[id.0 as usize]
    }

    /// The tiers block with this id.
    pub fn tier_block(&self, id: TierId) -> &TierBlock {
        &self.tiers[id.0 as usize]
    }

    /// The segment with this name, if any.
    pub fn segment_named(&self, name: &str) -> Option<SegmentId> {
        self.segments
            .iter()
            .position(|s| s.name == name)
            .map(|i| SegmentId(i as u32))
    }
}

impl Function {
    /// The function's name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Function::Lower => "lower",
            Function::Upper => "upper",
            Function::LengthString | Function::LengthList => "length",
            Function::DaysSince => "days_since",
            Function::Year => "year",
            Function::Month => "month",
        }
    }
}

impl RankScore {
    /// The function's name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            RankScore::Quintile => "quintile",
            RankScore::Decile => "decile",
            RankScore::Percentile => "percentile",
        }
    }
}

impl Expr {
    /// The direct sub-expressions, in the order written (an aggregate's only child is
    /// its filter, read in the event table's scope). The one generic walk over the IR:
    /// lints, `explain` and scoping use it instead of matching every variant again.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Or(items) | ExprKind::And(items) => items.iter().collect(),
            ExprKind::Compare { left, right, .. } | ExprKind::Arith { left, right, .. } => {
                vec![left, right]
            }
            ExprKind::Between {
                value, low, high, ..
            } => vec![value, low, high],
            ExprKind::Not(value)
            | ExprKind::InList { value, .. }
            | ExprKind::IsMissing { value, .. }
            | ExprKind::StringTest { value, .. }
            | ExprKind::Has { list: value, .. }
            | ExprKind::IsEmpty { value, .. }
            | ExprKind::Within { value, .. }
            | ExprKind::DateCompare { value, .. }
            | ExprKind::Percentile { value, .. }
            | ExprKind::Neg(value)
            | ExprKind::Call { arg: value, .. }
            | ExprKind::Rank { value, .. }
            | ExprKind::DateOf(value)
            | ExprKind::ToFloat(value) => vec![value],
            ExprKind::Aggregate(aggregate) => aggregate.filter.iter().collect(),
            ExprKind::SegmentRef(_)
            | ExprKind::Field(_)
            | ExprKind::TierRef(_)
            | ExprKind::Literal(_)
            | ExprKind::EventField(_) => Vec::new(),
        }
    }

    /// [`Expr::children`], mutably.
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        match &mut self.kind {
            ExprKind::Or(items) | ExprKind::And(items) => items.iter_mut().collect(),
            ExprKind::Compare { left, right, .. } | ExprKind::Arith { left, right, .. } => {
                vec![left, right]
            }
            ExprKind::Between {
                value, low, high, ..
            } => vec![value, low, high],
            ExprKind::Not(value)
            | ExprKind::InList { value, .. }
            | ExprKind::IsMissing { value, .. }
            | ExprKind::StringTest { value, .. }
            | ExprKind::Has { list: value, .. }
            | ExprKind::IsEmpty { value, .. }
            | ExprKind::Within { value, .. }
            | ExprKind::DateCompare { value, .. }
            | ExprKind::Percentile { value, .. }
            | ExprKind::Neg(value)
            | ExprKind::Call { arg: value, .. }
            | ExprKind::Rank { value, .. }
            | ExprKind::DateOf(value)
            | ExprKind::ToFloat(value) => vec![value],
            ExprKind::Aggregate(aggregate) => aggregate.filter.iter_mut().collect(),
            ExprKind::SegmentRef(_)
            | ExprKind::Field(_)
            | ExprKind::TierRef(_)
            | ExprKind::Literal(_)
            | ExprKind::EventField(_) => Vec::new(),
        }
    }
}

impl std::fmt::Display for Duration {
    /// As users write it: `30 days`, `1 month`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.unit {
            DurationUnit::Day => "day",
            DurationUnit::Week => "week",
            DurationUnit::Month => "month",
            DurationUnit::Year => "year",
        };
        let plural = if self.amount == 1 { "" } else { "s" };
        write!(f, "{} {unit}{plural}", self.amount)
    }
}

/// An instant as users write it (`2024-01-31T10:00:00Z`, with a fraction when there is one).
pub fn format_timestamp(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros).map_or_else(
        || format!("{micros}µs"),
        |t| t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string(),
    )
}

impl std::fmt::Display for Literal {
    /// As users write it: `30`, `12.5`, `"gold"`, `2024-01-31`, `2024-01-31T10:00:00Z`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::String(s) => write!(f, "\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::Timestamp(micros) => f.write_str(&format_timestamp(*micros)),
        }
    }
}

impl Expr {
    /// The segments and tiers blocks this expression refers to, in the order written
    /// (repeats kept).
    pub fn references(&self) -> Vec<Derived> {
        let mut found = Vec::new();
        let mut stack = vec![self];
        while let Some(expr) = stack.pop() {
            match &expr.kind {
                ExprKind::SegmentRef(id) => found.push(Derived::Segment(*id)),
                ExprKind::TierRef(id) => found.push(Derived::Tiers(*id)),
                _ => {}
            }
            stack.extend(expr.children().into_iter().rev());
        }
        found
    }
}

impl Program {
    /// The conditions that define a segment (its `where`) or a tiers block (each tier's
    /// condition; `otherwise` has none).
    pub fn conditions(&self, item: Derived) -> Vec<&Expr> {
        match item {
            Derived::Segment(id) => self
                .segments
                .get(id.0 as usize)
                .map(|s| vec![&s.condition])
                .unwrap_or_default(),
            Derived::Tiers(id) => self
                .tiers
                .get(id.0 as usize)
                .map(|b| {
                    b.tiers
                        .iter()
                        .filter_map(|t| t.condition.as_ref())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

impl Program {
    /// The schema an event table's file is read with: the key column (of the
    /// customer key's type) as field 0, then the table's fields, so event field
    /// `EventFieldId(i)` is `FieldId(i + 1)`. Every column may hold missing values
    /// (an event without a key or time is left out, not an error).
    pub fn event_schema(&self, table: &EventTable) -> Schema {
        let key_ty = self.schema.field(self.schema.key).ty.clone();
        let mut fields = vec![Field {
            name: table.key.clone(),
            ty: key_ty,
            nullable: true,
            doc: None,
            span: table.span,
        }];
        fields.extend(table.fields.iter().map(|f| Field {
            nullable: true,
            ..f.clone()
        }));
        Schema {
            name: table.name.clone(),
            key: FieldId(0),
            fields,
            span: table.span,
        }
    }

    /// What an aggregate reads, as written: `orders` or `orders.amount`.
    pub fn aggregate_source(&self, aggregate: &Aggregate) -> String {
        let table = self.events.get(aggregate.table.0 as usize);
        let table_name = table.map_or("events", |t| t.name.as_str());
        match aggregate
            .field
            .and_then(|id| table.and_then(|t| t.fields.get(id.0 as usize)))
        {
            Some(field) => format!("{table_name}.{}", field.name),
            None => table_name.to_owned(),
        }
    }
}
