//! The untyped syntax tree: exactly what the user wrote, with a span on every node.
//!
//! Names are not resolved here: a bare identifier is [`ExprKind::Name`] and the
//! checker decides whether it is a bool field, a segment or a tier field.
//! Literals keep their source text where the value still has to be validated
//! (dates, timestamps, numbers), so that each validation has one code and one span.

use crate::source::{FileId, Span};

/// A name as written, e.g. `orders_count`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A `///` doc comment block (the lines joined with `\n`, markers stripped).
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    /// The text.
    pub text: String,
    /// Where the block was written.
    pub span: Span,
}

/// A `//` comment, kept for `segmint fmt`.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The comment text including the `//`.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// One parsed `.seg` file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// The file this came from.
    pub file: FileId,
    /// Top-level blocks in source order.
    pub items: Vec<Item>,
    /// Plain `//` comments in source order.
    pub comments: Vec<Comment>,
}

/// A top-level block.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `schema customers { … }`
    Schema(Schema),
    /// `segment champions { … }`
    Segment(Segment),
    /// `tiers value_tier { … }`
    Tiers(Tiers),
    /// `events orders { … }`
    Events(Events),
}

/// `schema customers { key customer_id: string  email: string? … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// The doc comment before the block.
    pub doc: Option<Doc>,
    /// The table name.
    pub name: Ident,
    /// Declared fields in order.
    pub fields: Vec<FieldDecl>,
    /// The whole block.
    pub span: Span,
}

/// `email: string?` or `key customer_id: string`
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    /// The doc comment before the field.
    pub doc: Option<Doc>,
    /// Span of the `key` keyword when the field is the key.
    pub key: Option<Span>,
    /// The field name.
    pub name: Ident,
    /// The declared type.
    pub ty: TypeExpr,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written: `int`, `enum("a", "b")?`, `list<string>`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    /// Which type.
    pub kind: TypeKind,
    /// Whether it was followed by `?`.
    pub nullable: bool,
    /// The whole type including `?`.
    pub span: Span,
}

/// The type names of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `float`
    Float,
    /// `string`
    String,
    /// `date`
    Date,
    /// `timestamp`
    Timestamp,
    /// `enum("a", "b", …)`
    Enum(Vec<StringLit>),
    /// `list<string>`, `list<int>`
    List(Box<TypeExpr>),
}

/// A string literal, unescaped.
#[derive(Clone, Debug, PartialEq)]
pub struct StringLit {
    /// The value after processing `\"` and `\\`.
    pub value: String,
    /// The literal including quotes.
    pub span: Span,
}

/// `segment name { where … expect … owner "…" paused allow too_many_criteria }`
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// The doc comment before the block.
    pub doc: Option<Doc>,
    /// The segment name.
    pub name: Ident,
    /// The `where` expression. `None` only when it was missing, which the parser reports.
    pub condition: Option<Expr>,
    /// `expect …` lines in order.
    pub expects: Vec<Expect>,
    /// `owner "…"`
    pub owner: Option<StringLit>,
    /// Span of the `paused` keyword.
    pub paused: Option<Span>,
    /// `allow NAME` lines: the lint names to silence.
    pub allows: Vec<Ident>,
    /// The whole block.
    pub span: Span,
}

/// An `expect …` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// What is expected.
    pub kind: ExpectKind,
    /// The whole line after `expect`.
    pub span: Span,
}

/// The forms of `expect`.
#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKind {
    /// `expect size between 1% and 10%`, `expect size >= 500`
    Size(Bound),
    /// `expect disjoint from lapsed`
    Disjoint {
        /// The other segment.
        other: Ident,
    },
    /// `expect overlap with newsletter <= 30%`
    Overlap {
        /// The other segment.
        other: Ident,
        /// The allowed share of this segment's members (or count).
        bound: Bound,
    },
    /// `expect lift(sum(orders.amount within next 180 days)) >= 2`
    Lift {
        /// The outcome measured per customer (the argument of `lift`).
        value: Expr,
        /// The allowed lift.
        bound: Bound,
    },
}

/// `between A and B`, or a comparison operator and a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// `>= 500`, `<= 20%`
    Compare {
        /// The operator.
        op: CmpOp,
        /// The value.
        value: Quantity,
    },
    /// `between 1% and 10%`
    Between {
        /// Inclusive lower bound.
        low: Quantity,
        /// Inclusive upper bound.
        high: Quantity,
    },
}

/// A number in an `expect` line: `500`, `2.5` or `20%`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    /// Which kind of number.
    pub kind: QuantityKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of [`Quantity`].
#[derive(Clone, Debug, PartialEq)]
pub enum QuantityKind {
    /// `500` (source text, digits and `_`)
    Int(String),
    /// `2.5` (source text)
    Float(String),
    /// `20%` (the number before `%`, source text)
    Percent(String),
}

/// `tiers value_tier { platinum: … gold: … silver: otherwise }`
#[derive(Clone, Debug, PartialEq)]
pub struct Tiers {
    /// The doc comment before the block.
    pub doc: Option<Doc>,
    /// The derived field's name.
    pub name: Ident,
    /// The tiers in order; the first that holds wins.
    pub tiers: Vec<Tier>,
    /// The whole block.
    pub span: Span,
}

/// `gold: lifetime_value >= 2000` or `silver: otherwise`
#[derive(Clone, Debug, PartialEq)]
pub struct Tier {
    /// The doc comment before the tier.
    pub doc: Option<Doc>,
    /// The tier's label (becomes an enum value).
    pub name: Ident,
    /// The condition, or `otherwise`.
    pub condition: TierCondition,
    /// The whole line.
    pub span: Span,
}

/// What follows a tier's `:`.
#[derive(Clone, Debug, PartialEq)]
pub enum TierCondition {
    /// A boolean expression.
    Expr(Expr),
    /// `otherwise` (its span).
    Otherwise(Span),
}

/// `events orders { key customer_id  time placed_at: timestamp  amount: float }`
#[derive(Clone, Debug, PartialEq)]
pub struct Events {
    /// The doc comment before the block.
    pub doc: Option<Doc>,
    /// The table name used in aggregates (`count(orders)`).
    pub name: Ident,
    /// `key customer_id` or `key customer_id: string`. `None` only when missing (reported).
    pub key: Option<EventKey>,
    /// `time placed_at: timestamp`. `None` only when missing (reported).
    pub time: Option<FieldDecl>,
    /// The other fields.
    pub fields: Vec<FieldDecl>,
    /// The whole block.
    pub span: Span,
}

/// `key customer_id` or `key customer_id: string` in an `events` block.
#[derive(Clone, Debug, PartialEq)]
pub struct EventKey {
    /// The key column's name in the event file.
    pub name: Ident,
    /// The type, if written.
    pub ty: Option<TypeExpr>,
    /// The whole line.
    pub span: Span,
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// The whole expression as written (including parentheses, if any).
    pub span: Span,
}

/// Every expression form of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `a or b or c` (n-ary, two or more)
    Or(Vec<Expr>),
    /// `a and b and c` (n-ary, two or more)
    And(Vec<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `( a )`: kept so that spans and `fmt` see the parentheses
    Paren(Box<Expr>),
    /// `a = b`, `a != b`, `a < b`, `a <= b`, `a > b`, `a >= b`
    Compare {
        /// Left operand.
        left: Box<Expr>,
        /// The operator.
        op: CmpOp,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `a in ["x", "y"]`, `a not in [1, 2]`
    InList {
        /// The tested value.
        value: Box<Expr>,
        /// The list items.
        items: Vec<Expr>,
        /// The list including brackets.
        list_span: Span,
        /// `not in`
        negated: bool,
    },
    /// `a between x and y`, `a not between x and y`
    Between {
        /// The tested value.
        value: Box<Expr>,
        /// Inclusive lower bound.
        low: Box<Expr>,
        /// Inclusive upper bound.
        high: Box<Expr>,
        /// `not between`
        negated: bool,
    },
    /// `a is missing`, `a is present` (negated)
    IsMissing {
        /// The tested value.
        value: Box<Expr>,
        /// `is present`
        negated: bool,
    },
    /// `a contains "s"`, `a starts with "s"`, `a ends with "s"`, `a matches "re"`
    StringTest {
        /// The tested string.
        value: Box<Expr>,
        /// Which test.
        op: StringOp,
        /// The literal pattern.
        pattern: StringLit,
    },
    /// `tags has "vip"`, `tags has any ["a", "b"]`, `tags has all ["a", "b"]`
    Has {
        /// The tested list.
        list: Box<Expr>,
        /// `has`, `has any` or `has all`.
        quantifier: HasQuantifier,
        /// The wanted items (one for plain `has`).
        items: Vec<Expr>,
    },
    /// `tags is empty`, `tags is not empty` (negated)
    IsEmpty {
        /// The tested list.
        value: Box<Expr>,
        /// `is not empty`
        negated: bool,
    },
    /// `d within last 30 days`, `d within next 180 days`
    Within {
        /// The tested date or timestamp.
        value: Box<Expr>,
        /// `last` or `next`.
        direction: Direction,
        /// The window length.
        window: Duration,
    },
    /// `d before 2024-01-01`, `d after 90 days ago`
    DateCompare {
        /// The tested date or timestamp.
        value: Box<Expr>,
        /// `before` or `after`.
        op: DateOp,
        /// The date compared against.
        target: DateTarget,
    },
    /// `x in top 20%`, `x in bottom 10%`
    Percentile {
        /// The ranked value.
        value: Box<Expr>,
        /// `top` or `bottom`.
        side: Side,
        /// The share.
        percent: Percent,
    },
    /// `a + b`, `a - b`, `a * b`, `a / b`
    Arith {
        /// Left operand.
        left: Box<Expr>,
        /// The operator.
        op: ArithOp,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `-a`
    Neg(Box<Expr>),
    /// `lower(email)`, `quintile(x)`, `days_since(d)`, `lift(x)`, …
    Call {
        /// The function name.
        function: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `count(orders where channel = "app" within last 90 days)`, `sum(orders.amount)`, …
    Aggregate(Box<Aggregate>),
    /// A bare name: a field, a segment or a tier field (resolved by the checker).
    Name(Ident),
    /// A literal value.
    Literal(Literal),
}

/// An aggregate over a customer's events.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// `count`, `sum`, `avg`, `min`, `max`, `first`, `last`, `exists`.
    pub function: AggregateFn,
    /// Span of the function name.
    pub function_span: Span,
    /// The event table.
    pub table: Ident,
    /// `orders.amount`: the aggregated field.
    pub field: Option<Ident>,
    /// `where …` over the event's own fields.
    pub filter: Option<Expr>,
    /// `within last|next N unit` on the event's time.
    pub window: Option<Window>,
}

/// `within last 90 days` inside an aggregate.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// `last` or `next`.
    pub direction: Direction,
    /// The window length.
    pub duration: Duration,
    /// The whole `within …` phrase.
    pub span: Span,
}

/// The aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateFn {
    /// `count(…)`
    Count,
    /// `sum(…)`
    Sum,
    /// `avg(…)`
    Avg,
    /// `min(…)`
    Min,
    /// `max(…)`
    Max,
    /// `first(…)`
    First,
    /// `last(…)`
    Last,
    /// `exists(…)`
    Exists,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtEq => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtEq => ">=",
        }
    }
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (real division)
    Div,
}

impl ArithOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// String tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StringOp {
    /// `contains`
    Contains,
    /// `starts with`
    StartsWith,
    /// `ends with`
    EndsWith,
    /// `matches` (regular expression, searches anywhere)
    Matches,
}

/// `has`, `has any`, `has all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HasQuantifier {
    /// `has "x"`
    One,
    /// `has any [..]`
    Any,
    /// `has all [..]`
    All,
}

/// `last` (the past, allowed everywhere) or `next` (the future, expectations only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `within last N unit`
    Last,
    /// `within next N unit`
    Next,
}

/// `before` or `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateOp {
    /// `before X`: strictly earlier
    Before,
    /// `after X`: strictly later
    After,
}

/// What `before`/`after` compares with.
#[derive(Clone, Debug, PartialEq)]
pub enum DateTarget {
    /// A date or timestamp literal (as an expression, `ExprKind::Literal`).
    Literal(Box<Expr>),
    /// `90 days ago`
    Ago(Duration),
}

/// `top` or `bottom`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// `in top P%`
    Top,
    /// `in bottom P%`
    Bottom,
}

/// `30 days`, `1 month`, `2 years`.
#[derive(Clone, Debug, PartialEq)]
pub struct Duration {
    /// The count as written (digits and `_`).
    pub amount: String,
    /// The unit.
    pub unit: DurationUnit,
    /// The whole duration.
    pub span: Span,
}

/// Units of a [`Duration`] (singular or plural in the source).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// `day`, `days`
    Day,
    /// `week`, `weeks`
    Week,
    /// `month`, `months`
    Month,
    /// `year`, `years`
    Year,
}

/// `20%` (the number as written, before the `%`).
#[derive(Clone, Debug, PartialEq)]
pub struct Percent {
    /// The number text, e.g. `20` or `12.5`.
    pub value: String,
    /// The whole literal including `%`.
    pub span: Span,
}

/// Literal values; numbers, dates and timestamps keep their text for the checker to validate.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `1_000`
    Int(String),
    /// `12.5`
    Float(String),
    /// `"text"` (unescaped)
    String(String),
    /// `true`, `false`
    Bool(bool),
    /// `2024-01-31`
    Date(String),
    /// `2024-01-31T10:00:00Z`
    Timestamp(String),
}

impl AggregateFn {
    /// The function's name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateFn::Count => "count",
            AggregateFn::Sum => "sum",
            AggregateFn::Avg => "avg",
            AggregateFn::Min => "min",
            AggregateFn::Max => "max",
            AggregateFn::First => "first",
            AggregateFn::Last => "last",
            AggregateFn::Exists => "exists",
        }
    }
}

impl StringOp {
    /// The test as written.
    pub fn as_str(self) -> &'static str {
        match self {
            StringOp::Contains => "contains",
            StringOp::StartsWith => "starts with",
            StringOp::EndsWith => "ends with",
            StringOp::Matches => "matches",
        }
    }
}

impl Side {
    /// The word as written after `in`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Top => "top",
            Side::Bottom => "bottom",
        }
    }
}

impl Direction {
    /// The word as written after `within`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Last => "last",
            Direction::Next => "next",
        }
    }
}
