//! The one table of diagnostic codes.
//!
//! A code is a stable snake_case name (the same word users write in
//! `allow too_many_criteria`). It is chosen where a problem is found, never
//! derived from message text. `docs/diagnostics.md` has one section per code.

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The run fails.
    Error,
    /// Reported; fails the run only under `--deny-warnings`.
    Warning,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident; )*) => {
        /// Every diagnostic segmint can report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable name, as shown to users and accepted by `allow`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// Whether this code is an error or a warning.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }
        }
    };
}

codes! {
    /// A `.seg` file is not valid UTF-8.
    InvalidUtf8 = "invalid_utf8", Error;
    /// The text does not follow the grammar.
    SyntaxError = "syntax_error", Error;
    /// Expressions nested too deeply to check safely (e.g. 10,000 parentheses).
    TooDeeplyNested = "too_deeply_nested", Error;
    /// A segment without a `where` line.
    MissingWhere = "missing_where", Error;
    /// A clause that may appear once appears twice (`where`, `owner`, `paused`, `key`, `time`).
    DuplicateClause = "duplicate_clause", Error;
    /// No `schema` block in the whole run.
    MissingSchema = "missing_schema", Error;
    /// More than one `schema` block.
    DuplicateSchema = "duplicate_schema", Error;
    /// A schema without a `key` field, or with more than one.
    InvalidKey = "invalid_key", Error;
    /// A name defined twice (fields, segments, tiers, event tables, tier labels, enum values).
    DuplicateName = "duplicate_name", Error;
    /// A name that is no field, segment or tier.
    UnknownField = "unknown_field", Error;
    /// A name where only a segment may stand (`expect disjoint from x`).
    UnknownSegment = "unknown_segment", Error;
    /// An event table that no `events` block declares.
    UnknownEvents = "unknown_events", Error;
    /// A function that does not exist.
    UnknownFunction = "unknown_function", Error;
    /// A function called with the wrong number of arguments.
    WrongArgumentCount = "wrong_argument_count", Error;
    /// An `allow` naming something that cannot be allowed.
    UnknownAllow = "unknown_allow", Error;
    /// Operand types that do not fit the operator or function.
    TypeMismatch = "type_mismatch", Error;
    /// A string literal that is not a value of the enum it is compared with.
    UnknownEnumValue = "unknown_enum_value", Error;
    /// A date literal that is no calendar date (`2024-02-30`).
    InvalidDate = "invalid_date", Error;
    /// A timestamp literal that is no valid instant.
    InvalidTimestamp = "invalid_timestamp", Error;
    /// A number literal that does not fit 64 bits.
    InvalidNumber = "invalid_number", Error;
    /// A regular expression that does not compile.
    InvalidRegex = "invalid_regex", Error;
    /// A percentage outside (0, 100].
    InvalidPercentage = "invalid_percentage", Error;
    /// A malformed `expect` line (e.g. lower bound above upper bound).
    InvalidExpectation = "invalid_expectation", Error;
    /// `within next` (a peek at the future) inside `where` or a tier.
    FutureWindow = "future_window", Error;
    /// An aggregate's filter that uses customer fields instead of event fields.
    AggregateUsesCustomerField = "aggregate_uses_customer_field", Error;
    /// An aggregate or `lift` where it may not stand.
    MisplacedAggregate = "misplaced_aggregate", Error;
    /// An event table's key that does not match the customer key.
    EventKeyMismatch = "event_key_mismatch", Error;
    /// Segments or tiers that refer to each other in a circle.
    ReferenceCycle = "reference_cycle", Error;
    /// `otherwise` anywhere but the last tier.
    OtherwiseNotLast = "otherwise_not_last", Error;
    /// A segment described by more criteria than `max_criteria`.
    TooManyCriteria = "too_many_criteria", Warning;
    /// `not` over a criterion on a nullable field: missing values become members.
    NotOverNullable = "not_over_nullable", Warning;
    /// A tier that earlier tiers always take first.
    UnreachableTier = "unreachable_tier", Warning;
    /// Comparisons that can never hold together (`age > 50 and age < 30`).
    ImpossibleComparison = "impossible_comparison", Warning;
    /// `in []`: an empty list never matches.
    EmptyInList = "empty_in_list", Warning;
    /// `and` and `or` at one level without brackets (`a and b or c`).
    MixedAndOr = "mixed_and_or", Warning;
    /// A comparison of a population score with a value it never takes (`quintile(x) = 6`).
    ImpossibleScore = "impossible_score", Warning;
}

impl Code {
    /// The code with this name, if any (for `allow NAME`).
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
