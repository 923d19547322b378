//! pest errors → diagnostics in plain words.
//!
//! pest reports the rules it tried at the furthest position it reached. The grammar
//! names every keyword and punctuation mark, and groups alternatives into named rules
//! (`clause`, `pred_tail`, `typed`, …), so each rule maps to a phrase a marketer
//! understands ([`phrase`]). The message is "expected …, found `…`", with help for the
//! usual slips: `==`, `&&`, upper-case keywords, unclosed strings.

use pest::error::{Error, ErrorVariant, InputLocation};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::{SourceFile, Span};
use crate::syntax::grammar::Rule;
use crate::syntax::misplaced;
use crate::syntax::slips::{self, Slip};

/// Every word with a meaning somewhere in the language.
const KEYWORDS: &[&str] = &[
    "schema",
    "segment",
    "tiers",
    "events",
    "key",
    "time",
    "where",
    "expect",
    "owner",
    "paused",
    "allow",
    "otherwise",
    "size",
    "disjoint",
    "from",
    "overlap",
    "with",
    "lift",
    "and",
    "or",
    "not",
    "in",
    "is",
    "between",
    "missing",
    "present",
    "empty",
    "contains",
    "starts",
    "ends",
    "matches",
    "has",
    "any",
    "all",
    "within",
    "last",
    "next",
    "before",
    "after",
    "ago",
    "top",
    "bottom",
    "true",
    "false",
    "bool",
    "int",
    "float",
    "string",
    "date",
    "timestamp",
    "enum",
    "list",
];

/// The words that can never be names (the grammar's `reserved` rule).
pub(super) const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is",
    "between",
    "contains",
    "starts",
    "ends",
    "matches",
    "has",
    "within",
    "before",
    "after",
    "true",
    "false",
    "otherwise",
];

/// The words that start a line of a segment.
const CLAUSE_WORDS: [&str; 5] = ["where", "expect", "owner", "paused", "allow"];

/// Whether a lower-case word is a keyword of the language.
pub(super) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Converts a pest error in a chunk starting at `offset` of `file`.
pub(super) fn to_diagnostic(file: &SourceFile, offset: usize, err: &Error<Rule>) -> Diagnostic {
    let pos = offset
        + match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((p, _)) => p,
        };
    let text = file.text.as_str();
    let found = found_token(text, pos);
    // An operator that is no operator (`>==`) is shown whole, from its first character.
    let span = match bad_operator(text, pos) {
        Some((start, op)) => Span::new(file.id, start, start + op.len()),
        None => Span::new(file.id, pos, pos + found.len()),
    };
    match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let chunk = text.get(offset..pos).unwrap_or("");
            if let Some(slip) = slip(text, pos, chunk, &found, positives) {
                let span = Span::new(file.id, slip.start, slip.end);
                return Diagnostic::new(Code::SyntaxError, span, slip.message)
                    .with_help_opt(slip.help);
            }
            let (message, help) = describe(text, pos, &found, positives);
            let span = match unfinished_line_end(text, pos, positives) {
                Some(end) => Span::new(file.id, end, end),
                None => span,
            };
            Diagnostic::new(Code::SyntaxError, span, message).with_help_opt(help)
        }
        // pest's only custom error is the call budget set in `parser` (nesting is
        // bounded before pest runs, by `scan`, and reported there).
        ErrorVariant::CustomError { .. } => Diagnostic::new(
            Code::SyntaxError,
            span,
            "this block is too large or complicated to read",
        )
        .with_help("split it into smaller segments and refer to them by name"),
    }
}

/// A slip that explains the error better than the rules pest tried: a character or
/// token that is not part of the language at all, an upper-case keyword, or a block
/// left open at the end of the file. `chunk` is the text of the block up to `pos`.
fn slip(text: &str, pos: usize, chunk: &str, found: &str, positives: &[Rule]) -> Option<Slip> {
    if bad_operator(text, pos).is_some() {
        return None;
    }
    slips::find(text, pos)
        .or_else(|| upper_case_keyword(text, pos, found))
        .or_else(|| misplaced::find(text, pos, found, chunk))
        .or_else(|| unfinished_condition(text, pos, positives))
        .or_else(|| unclosed_block(pos, chunk, found, positives))
}

/// `AND`, `Where`: a keyword in upper case, found at `pos` or just before it (then pest
/// read it as a name and stumbled on what follows).
fn upper_case_keyword(text: &str, pos: usize, found: &str) -> Option<Slip> {
    let upper = |word: &str| {
        let lower = word.to_ascii_lowercase();
        (word != lower && is_keyword(&lower)).then_some(lower)
    };
    let (start, word, lower) = match upper(found) {
        Some(lower) => (pos, found.to_owned(), lower),
        None => {
            let before = text.get(..pos).unwrap_or("").trim_end();
            let word = previous_token(text, pos);
            let lower = upper(&word)?;
            (before.len().checked_sub(word.len())?, word, lower)
        }
    };
    Some(Slip {
        start,
        end: start + word.len(),
        message: format!("keywords are lower case: write `{lower}` instead of `{word}`"),
        help: None,
    })
}

/// `where a > 1 and` then `expect …` on the next line: pest read `expect` as a name
/// after `and`; the condition is what is unfinished.
fn unfinished_condition(text: &str, pos: usize, positives: &[Rule]) -> Option<Slip> {
    let word = previous_token(text, pos);
    if !positives.contains(&Rule::pred_tail) || !CLAUSE_WORDS.contains(&word.as_str()) {
        return None;
    }
    let end = text.get(..pos)?.trim_end().len();
    Some(Slip {
        start: end.checked_sub(word.len())?,
        end,
        message: format!(
            "`{word}` starts a new segment line, but the condition before it is unfinished"
        ),
        help: Some(
            "remove the `and` / `or` at the end of the condition, or add a criterion after it"
                .to_owned(),
        ),
    })
}

/// The end of the file inside a block: "expected `}` to close segment `a`".
fn unclosed_block(pos: usize, chunk: &str, found: &str, positives: &[Rule]) -> Option<Slip> {
    if !found.is_empty() || !positives.contains(&Rule::rbrace) {
        return None;
    }
    let (kind, name) = slips::enclosing_block(chunk)?;
    Some(Slip {
        start: pos,
        end: pos,
        message: format!("expected `}}` to close {kind} `{name}`, found the end of the file"),
        help: Some("every block ends with `}`; a condition may go on with `and` / `or`".to_owned()),
    })
}

/// When the error is at the start of a line and the line before could not end where
/// it does (`age >= 18 and`, `within last 30`), the end of that line (just after its
/// last token): the place to fix, rather than the `}` or the word on the next line.
fn unfinished_line_end(text: &str, pos: usize, positives: &[Rule]) -> Option<usize> {
    // A line, block or file that could end here is not unfinished: what is wrong is
    // the token found.
    let could_end = [
        Rule::rbrace,
        Rule::pred_tail,
        Rule::item,
        Rule::file,
        Rule::items,
        Rule::EOI,
        Rule::clause,
        Rule::schema_field,
        Rule::event_line,
        Rule::tier,
    ];
    if positives.iter().any(|rule| could_end.contains(rule)) {
        return None;
    }
    let end = end_of_code(text.get(..pos)?);
    text.get(end..pos)?.contains('\n').then_some(end)
}

/// The end of the last token in `before`, skipping blank lines and `//` comments.
fn end_of_code(before: &str) -> usize {
    let mut rest = before.trim_end();
    loop {
        let line_start = rest.rfind('\n').map_or(0, |i| i + 1);
        let line = rest.get(line_start..).unwrap_or("");
        let code = line.get(..comment_start(line)).unwrap_or(line).trim_end();
        if !code.is_empty() || line_start == 0 {
            return line_start + code.len();
        }
        rest = rest.get(..line_start).unwrap_or("").trim_end();
    }
}

/// Where a `//` comment starts in a line (outside strings), or the line's length.
fn comment_start(line: &str) -> usize {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_string && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_string = !in_string,
            '/' if !in_string && line.get(i..).is_some_and(|r| r.starts_with("//")) => {
                return i;
            }
            _ => {}
        }
        escaped = false;
    }
    line.len()
}

/// The message and help for a parsing error at `pos`.
fn describe(text: &str, pos: usize, found: &str, positives: &[Rule]) -> (String, Option<String>) {
    let shown = show_found(found);
    if let Some((_, op)) = bad_operator(text, pos) {
        let help = match op.as_str() {
            "<>" => "did you mean `!=`?".to_owned(),
            "=>" => "did you mean `>=`?".to_owned(),
            "=<" => "did you mean `<=`?".to_owned(),
            _ => "the comparisons are `=`, `!=`, `<`, `<=`, `>` and `>=`".to_owned(),
        };
        return (format!("`{op}` is not an operator"), Some(help));
    }
    if found.starts_with('"') && !found.ends_with('"') || found == "\"" {
        return (
            "this string has no closing `\"`".to_owned(),
            Some("a string ends on the line it starts: add `\"` after the text".to_owned()),
        );
    }
    let closing = matches!(found, "" | "}" | "]");
    if positives.contains(&Rule::rparen) && closing {
        return (
            format!("expected `)`, found {shown}"),
            Some("every `(` needs a matching `)`".to_owned()),
        );
    }
    let previous = previous_token(text, pos);
    let message = if positives.contains(&Rule::pred_tail) {
        format!(
            "expected a test such as `>=`, `=` or `in`, or `and` / `or`, after `{}`, found {shown}",
            previous
        )
    } else {
        match expected_list(positives) {
            expected if expected.is_empty() => format!("unexpected {shown}"),
            expected => format!("expected {}, found {shown}", join_or(&expected)),
        }
    };
    (message, help_for(text, pos, found, positives))
}

/// Help for the usual slips, judged from the text found.
fn help_for(text: &str, pos: usize, found: &str, positives: &[Rule]) -> Option<String> {
    if let Some(help) = bare_word_in_list(found, positives)
        .or_else(|| missing_test(text, pos, found))
        .or_else(|| list_without_brackets(text, pos, found, positives))
    {
        return Some(help);
    }
    let previous = previous_token(text, pos);
    if found.starts_with('T') && is_date_shape(&previous) {
        return Some(
            "a timestamp needs seconds and a time zone: `2024-01-31T10:00:00Z`".to_owned(),
        );
    }
    let lower = found.to_ascii_lowercase();
    if found != lower && is_keyword(&lower) {
        return Some(format!("keywords are lower case: write `{lower}`"));
    }
    if found.chars().any(|c| c.is_ascii_uppercase())
        && found.starts_with(|c: char| c.is_ascii_alphabetic())
    {
        return Some(format!("names are lower case: write `{lower}`"));
    }
    if positives.contains(&Rule::ident) && RESERVED.contains(&found) {
        return Some(format!("`{found}` is a reserved word: choose another name"));
    }
    let previous_lower = previous.to_ascii_lowercase();
    if previous != previous_lower && is_keyword(&previous_lower) {
        return Some(format!("keywords are lower case: write `{previous_lower}`"));
    }
    let help = match found {
        "&&" | "&" => "write `and` to require both",
        "||" | "|" => "write `or` to accept either",
        "'" => "strings use double quotes: `\"vip\"`",
        "%" => "a percentage follows `in top`, `in bottom` or `expect`; elsewhere write a number",
        "." => "`table.field` is only allowed inside an aggregate such as `sum(orders.amount)`",
        _ => "",
    };
    if !help.is_empty() {
        return Some(help.to_owned());
    }
    if let Some(help) = help_by_expected(found, positives) {
        return Some(help);
    }
    if let Some(help) = misspelt_keyword(found, positives) {
        return Some(help);
    }
    let is_name = previous.starts_with(|c: char| c.is_ascii_lowercase())
        && previous
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if positives.contains(&Rule::pred_tail) && is_name {
        Some(format!(
            "a name alone is a yes/no field or a segment; to test a value write e.g. `{previous} = …`, and add another criterion with `and` / `or`"
        ))
    } else if positives.contains(&Rule::pred_tail) {
        Some("follow the value with a test such as `>=`, `=` or `in`".to_owned())
    } else {
        None
    }
}

/// `in [regular, poor]`, `has vip`: a word where a list item must be a value; it was
/// meant as text (an enum's values are written as strings).
fn bare_word_in_list(found: &str, positives: &[Rule]) -> Option<String> {
    let is_word = found.starts_with(|c: char| c.is_ascii_alphabetic())
        && found.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let keyword = is_keyword(&found.to_ascii_lowercase());
    (positives.contains(&Rule::list_item) && is_word && !keyword)
        .then(|| format!("values are written as literals: write it in quotes: `{found:?}`"))
}

/// `is null`, `is not null`, `is not missing`: the language says `is missing` and
/// `is present`.
fn missing_test(text: &str, pos: usize, found: &str) -> Option<String> {
    let before = text.get(..pos)?;
    let mut words = before.split_whitespace().rev();
    let negated = match (words.next()?, words.next()) {
        ("is", _) => false,
        ("not", Some("is")) => true,
        _ => return None,
    };
    let fix = match (negated, found) {
        (false, "null" | "nil" | "none") | (true, "present") => "is missing",
        (true, "null" | "nil" | "none" | "missing") => "is present",
        _ => return None,
    };
    Some(format!("write `{fix}`"))
}

/// `in ("DE", "AT")`, `in "a", "b"`, `has any "vip"`: a list without its square
/// brackets; the help shows it with them.
fn list_without_brackets(
    text: &str,
    pos: usize,
    found: &str,
    positives: &[Rule],
) -> Option<String> {
    if !positives.contains(&Rule::lbracket) && !positives.contains(&Rule::list) {
        return None;
    }
    let rest = text.get(pos..)?;
    let items = match rest.strip_prefix('(') {
        Some(inside) => {
            let line = inside.lines().next().unwrap_or("");
            let inner = line.split(')').next().unwrap_or(line);
            inner
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        }
        None => literal_run(rest),
    };
    if items.is_empty() || (found != "(" && items.len() > 8) {
        return None;
    }
    let list = format!("[{}]", items.join(", "));
    if previous_token(text, pos) == "any" {
        let one = match items.as_slice() {
            [one] => format!(", or `has {one}` for one value"),
            _ => String::new(),
        };
        return Some(format!(
            "a list goes in square brackets: `has any {list}`{one}"
        ));
    }
    Some(format!("a list goes in square brackets: `{list}`"))
}

/// The literals (strings, numbers) at the start of `rest`, separated by commas.
fn literal_run(rest: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut rest = rest;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        let len = literal_len(trimmed);
        let Some(item) = trimmed.get(..len).filter(|s| !s.is_empty()) else {
            break;
        };
        items.push(item);
        let after = trimmed
            .get(len..)
            .unwrap_or("")
            .trim_start_matches([' ', '\t']);
        match after.strip_prefix(',') {
            Some(next) => rest = next,
            None => break,
        }
    }
    items
}

/// The length of the string or number literal at the start of `text` (0 if none).
fn literal_len(text: &str) -> usize {
    if text.starts_with('"') {
        let found = found_token(text, 0);
        return if found.len() > 1 && found.ends_with('"') {
            found.len()
        } else {
            0
        };
    }
    let sign = usize::from(text.starts_with('-'));
    let digits = text
        .get(sign..)
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '_'))
        .count();
    if digits == 0 { 0 } else { sign + digits }
}

/// Help that follows from what was expected.
fn help_by_expected(found: &str, positives: &[Rule]) -> Option<String> {
    let has = |rule| positives.contains(&rule);
    let block_keyword = ["schema", "segment", "tiers", "events"].contains(&found);
    let help = if has(Rule::rbrace) && block_keyword {
        "is a `}` missing at the end of the block above?"
    } else if has(Rule::file) && found == "}" {
        "this `}` closes no block"
    } else if has(Rule::unit) {
        "durations count `days`, `weeks`, `months` or `years`"
    } else if has(Rule::kw_ago) {
        "a relative date reads `90 days ago`"
    } else if has(Rule::percent) {
        "write the share with `%`, e.g. `in top 20%`"
    } else if has(Rule::date_target) && found.starts_with(|c: char| c.is_ascii_alphabetic()) {
        "`before` and `after` take a fixed date; to compare two fields write `a < b`"
    } else if has(Rule::dot) && has(Rule::rparen) {
        "an aggregate reads `count(orders)`, `sum(orders.amount)` or `count(orders where …)`"
    } else {
        return None;
    };
    Some(help.to_owned())
}

/// "did you mean `segment`?" when the word found is close to an expected keyword.
fn misspelt_keyword(found: &str, positives: &[Rule]) -> Option<String> {
    if !found.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let expected = expected_list(positives);
    let candidates = expected.iter().flat_map(|phrase| {
        phrase
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()) && !w.is_empty())
    });
    did_you_mean(found, candidates)
}

/// Whether a token looks like a date literal (`2024-01-31`).
fn is_date_shape(token: &str) -> bool {
    let bytes = token.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// The phrases for the expected rules, deduplicated, in order, noise left out.
fn expected_list(positives: &[Rule]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for &rule in positives {
        for p in phrase(rule).into_iter().flat_map(|p| p.split('|')) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    // The end of the file is always possible at the top level; name it only when
    // nothing else could follow.
    if out.len() > 1 {
        out.retain(|p| *p != END);
    }
    out
}

const END: &str = "the end of the file";

/// The words for one expected rule (alternatives separated by `|`, so that a list of
/// them reads "`a`, `b` or `c`"); `None` for rules too small to be worth naming.
fn phrase(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => END,
        Rule::file | Rule::items | Rule::item => "`schema`|`segment`|`tiers`|`events`",
        Rule::ident | Rule::name => "a name",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::langle => "`<`",
        Rule::rangle => "`>`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::dot => "`.`",
        Rule::question => "`?`",
        Rule::clause => "a segment line (`where`, `expect`, `owner`, `paused` or `allow`)",
        Rule::schema_field | Rule::field_decl | Rule::key_field => {
            "a field such as `email: string?`"
        }
        Rule::event_line => "a field such as `amount: float`",
        Rule::typed | Rule::type_name => {
            "a type (`bool`, `int`, `float`, `string`, `date`, `timestamp`, `enum(…)` or `list<…>`)"
        }
        Rule::time_type | Rule::time_type_name => "`date`|`timestamp`",
        Rule::list_elem => "`string`|`int`",
        Rule::expectation => {
            "an expectation (`size …`, `disjoint from …`, `overlap with …` or `lift(…)`)"
        }
        Rule::bound | Rule::compare_bound | Rule::between_bound => {
            "a bound such as `>= 500` or `between 1% and 10%`"
        }
        Rule::quantity => "a number or a percentage such as `500` or `10%`",
        Rule::tier => "a tier such as `gold: lifetime_value >= 2000`",
        Rule::expr | Rule::and_expr | Rule::not_expr | Rule::predicate => {
            "a condition such as `orders_count >= 4`"
        }
        Rule::sum | Rule::product | Rule::unary | Rule::paren => {
            "a value (a name, a number, a string or a date)"
        }
        Rule::pred_tail | Rule::compare_tail => "a comparison such as `>=`",
        Rule::cmp_op => "a comparison (`=`, `!=`, `<`, `<=`, `>` or `>=`)",
        Rule::list => "a list such as `[\"a\", \"b\"]`",
        Rule::list_item | Rule::signed_number => "a value such as `\"gold\"` or `3`",
        Rule::string => "a string in double quotes such as `\"vip\"`",
        Rule::date_target | Rule::timestamp | Rule::date => {
            "a date such as `2024-01-31` or `90 days ago`"
        }
        Rule::duration | Rule::int | Rule::float => "a number",
        Rule::unit => "a time unit (`days`, `weeks`, `months` or `years`)",
        Rule::direction => "`last`|`next`",
        Rule::side => "`top`|`bottom`",
        Rule::percent => "a percentage such as `20%`",
        Rule::date_op => "`before`|`after`",
        Rule::string_op => "`contains`|`starts with`|`ends with`|`matches`",
        Rule::not_empty => "`not empty`",
        Rule::boolean => "`true`|`false`",
        Rule::window | Rule::within_tail => "`within last …`",
        Rule::agg_filter => "`where`",
        Rule::agg_fn | Rule::aggregate => "an aggregate such as `count(orders)`",
        Rule::call => "a function call",
        Rule::has_any => "`any`",
        Rule::has_all => "`all`",
        Rule::enum_type | Rule::kw_enum => "`enum`",
        Rule::list_type | Rule::kw_list => "`list`",
        Rule::kw_schema | Rule::schema => "`schema`",
        Rule::kw_segment | Rule::segment => "`segment`",
        Rule::kw_tiers | Rule::tiers => "`tiers`",
        Rule::kw_events | Rule::events => "`events`",
        Rule::kw_key | Rule::event_key => "`key`",
        Rule::kw_time | Rule::event_time => "`time`",
        Rule::kw_where | Rule::where_clause => "`where`",
        Rule::kw_expect | Rule::expect_clause => "`expect`",
        Rule::kw_owner | Rule::owner_clause => "`owner`",
        Rule::kw_paused | Rule::paused_clause => "`paused`",
        Rule::kw_allow | Rule::allow_clause => "`allow`",
        Rule::kw_otherwise => "`otherwise`",
        Rule::kw_size | Rule::size_expect => "`size`",
        Rule::kw_disjoint | Rule::disjoint_expect => "`disjoint`",
        Rule::kw_from => "`from`",
        Rule::kw_overlap | Rule::overlap_expect => "`overlap`",
        Rule::kw_with => "`with`",
        Rule::kw_lift | Rule::lift_expect => "`lift`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not | Rule::not_in_tail | Rule::not_between_tail => "`not`",
        Rule::kw_in | Rule::in_tail | Rule::percentile_tail => "`in`",
        Rule::kw_is | Rule::is_tail => "`is`",
        Rule::kw_between | Rule::between_tail => "`between`",
        Rule::kw_missing => "`missing`",
        Rule::kw_present => "`present`",
        Rule::kw_empty => "`empty`",
        Rule::kw_contains => "`contains`",
        Rule::kw_starts => "`starts with`",
        Rule::kw_ends => "`ends with`",
        Rule::kw_matches => "`matches`",
        Rule::kw_has | Rule::has_tail => "`has`",
        Rule::kw_any => "`any`",
        Rule::kw_all => "`all`",
        Rule::kw_within => "`within`",
        Rule::kw_ago | Rule::ago => "`ago`",
        Rule::string_tail | Rule::date_tail => "a comparison such as `>=`",
        _ => return None,
    })
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token at `pos`, for "found `…`": a word, a number, a string, an operator, or
/// one character; empty at the end of the file.
fn found_token(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return String::new();
    };
    let take_while = |pred: &dyn Fn(char) -> bool| -> String {
        rest.chars().take_while(|&c| pred(c)).take(40).collect()
    };
    if first.is_alphanumeric() || first == '_' {
        take_while(&|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '%' | ':' | '-'))
            .trim_end_matches(['.', ':', '-'])
            .to_owned()
    } else if first == '"' {
        let line = rest.lines().next().unwrap_or(rest);
        let mut escaped = false;
        let mut end = line.len();
        for (i, c) in line.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = i + 1;
                    break;
                }
                _ => escaped = false,
            }
        }
        line.get(..end).unwrap_or(line).to_owned()
    } else if "<>=!&|".contains(first) {
        take_while(&|c| "<>=!&|".contains(c))
    } else {
        first.to_string()
    }
}

/// How the found token is shown in a message.
fn show_found(found: &str) -> String {
    match found {
        "" => END.to_owned(),
        "\n" | "\r" => "the end of the line".to_owned(),
        _ => {
            let short: String = found.chars().take(30).collect();
            format!("`{short}`")
        }
    }
}

/// The run of comparison characters around `pos` (its start and text), when it is no
/// operator.
fn bad_operator(text: &str, pos: usize) -> Option<(usize, String)> {
    let is_op = |c: char| "<>=!".contains(c);
    let before = text.get(..pos)?;
    let start = before.len() - before.trim_end_matches(is_op).len();
    let start = pos - start;
    let after = text.get(pos..)?;
    let end = pos + (after.len() - after.trim_start_matches(is_op).len());
    let run = text.get(start..end)?;
    let valid = ["=", "!=", "<", "<=", ">", ">=", "==", ""];
    (!valid.contains(&run) && end > pos).then(|| (start, run.to_owned()))
}

/// The token just before `pos` (whitespace skipped), for "after `…`".
fn previous_token(text: &str, pos: usize) -> String {
    let before = text.get(..pos).unwrap_or("").trim_end();
    let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let token = before.get(start..).unwrap_or("");
    let chars: Vec<char> = token.chars().collect();
    let skip = chars.len().saturating_sub(30);
    chars.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_token_takes_whole_words_and_operators() {
        let cases = [
            ("abc def", 0, "abc"),
            ("2024-01-31T10 x", 0, "2024-01-31T10"),
            (">== 3", 0, ">=="),
            ("\"open", 0, "\"open"),
            ("\"closed\" x", 0, "\"closed\""),
            ("", 0, ""),
            ("{", 0, "{"),
        ];
        for (text, pos, expected) in cases {
            assert_eq!(found_token(text, pos), expected, "{text}");
        }
    }

    #[test]
    fn the_end_of_code_skips_blank_lines_and_comments() {
        let text = "where a and // more \"//\" here\n\n  // note\n}";
        let end = end_of_code(&text[..text.len() - 1]);
        assert_eq!(&text[..end], "where a and");
        assert_eq!(end_of_code("x = \"a//b\""), 10);
        assert_eq!(end_of_code(""), 0);
    }

    #[test]
    fn lists_without_brackets_are_shown_with_them() {
        let help = |text: &str, pos| list_without_brackets(text, pos, "", &[Rule::lbracket]);
        assert_eq!(
            help("c in (\"DE\",\"AT\") }", 5).as_deref(),
            Some("a list goes in square brackets: `[\"DE\", \"AT\"]`")
        );
        assert_eq!(
            help("c in 1, -2.5 and x", 5).as_deref(),
            Some("a list goes in square brackets: `[1, -2.5]`")
        );
        assert_eq!(help("c in x", 5), None);
        assert_eq!(
            list_without_brackets("c in (1)", 5, "(", &[Rule::comma]),
            None
        );
    }

    #[test]
    fn null_tests_are_rewritten_with_missing_and_present() {
        let cases = [
            ("a is null", "null", Some("write `is missing`")),
            ("a is not null", "null", Some("write `is present`")),
            ("a is not missing", "missing", Some("write `is present`")),
            ("a is not present", "present", Some("write `is missing`")),
            ("a is gone", "gone", None),
        ];
        for (text, found, expected) in cases {
            let pos = text.len() - found.len();
            assert_eq!(
                missing_test(text, pos, found).as_deref(),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn bad_operator_finds_runs_that_are_not_operators() {
        assert_eq!(bad_operator("a >== 1", 4), Some((2, ">==".to_owned())));
        assert_eq!(bad_operator("a <> 1", 3), Some((2, "<>".to_owned())));
        assert_eq!(bad_operator("a >= x", 5), None);
    }

    #[test]
    fn reserved_words_are_exactly_the_names_the_grammar_refuses() {
        use crate::syntax::grammar::SegmintParser;
        use pest::Parser;
        for word in KEYWORDS.iter().chain(RESERVED) {
            let whole_name = SegmintParser::parse(Rule::ident, word)
                .is_ok_and(|mut pairs| pairs.next().is_some_and(|p| p.as_str() == *word));
            assert_eq!(whole_name, !RESERVED.contains(word), "{word}");
        }
    }

    #[test]
    fn phrases_are_plain_words_never_rule_names() {
        for &rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            for phrase in phrase(rule).into_iter().flat_map(|p| p.split('|')) {
                assert!(
                    !phrase.contains(&name) || !name.contains('_'),
                    "{name}: {phrase}"
                );
                assert!(!phrase.contains("kw_"), "{name}: {phrase}");
                assert!(!phrase.is_empty(), "{name}");
            }
        }
    }

    #[test]
    fn every_rule_that_can_be_expected_has_a_phrase() {
        // Rules pest can report as expected (non-silent, tracked) that carry no words
        // on purpose: arithmetic operators are noise next to what else could follow.
        let silent_on_purpose = [Rule::add_op, Rule::mul_op, Rule::neg, Rule::reserved];
        for &rule in Rule::all_rules() {
            if !silent_on_purpose.contains(&rule) {
                assert!(
                    phrase(rule).is_some() || never_reported(rule),
                    "{rule:?} has no phrase"
                );
            }
        }
    }

    /// Silent rules, which pest never reports.
    fn never_reported(rule: Rule) -> bool {
        matches!(
            rule,
            Rule::WHITESPACE | Rule::COMMENT | Rule::ident_char | Rule::any_type | Rule::atom
        )
    }
}
