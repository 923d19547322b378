//! Right words in the wrong place: slips where every token is part of the language
//! but the order is not, judged from the raw text at a syntax error.
//!
//! - `last_order_at > 90 days ago`: a relative date goes with `before` / `after`;
//! - `days_since(last_order_at) > 90 days`: `days_since` is already a number of days;
//! - `count(orders) within last 90 days >= 2`: an aggregate's window goes inside
//!   its brackets;
//! - `expect size >= 100` inside a `tiers` block: expectations belong to segments.

use super::slips::{Slip, enclosing_block};

/// The first misplaced-word slip that fits the error at `pos` (with `found` the
/// token there and `chunk` the block's text up to `pos`), if any.
pub(super) fn find(text: &str, pos: usize, found: &str, chunk: &str) -> Option<Slip> {
    compared_duration(text, pos, found)
        .or_else(|| window_after_aggregate(text, pos, found))
        .or_else(|| line_outside_segment(text, pos, chunk))
}

const UNITS: [&str; 8] = [
    "day", "days", "week", "weeks", "month", "months", "year", "years",
];

const AGGREGATES: [&str; 8] = [
    "count", "sum", "avg", "min", "max", "first", "last", "exists",
];

/// `x > 90 days ago`, `days_since(x) > 90 days`: a comparison operator, a number,
/// then a unit where the comparison should have ended.
fn compared_duration(text: &str, pos: usize, found: &str) -> Option<Slip> {
    if !UNITS.contains(&found) {
        return None;
    }
    let before = text.get(..pos)?.trim_end();
    let amount = trailing(before, |c| c.is_ascii_digit() || c == '_');
    let before_amount = before.get(..before.len() - amount.len())?.trim_end();
    let op = trailing(before_amount, |c| "<>=!".contains(c));
    if amount.is_empty() || op.is_empty() {
        return None;
    }
    let op_start = before_amount.len() - op.len();
    let value = value_before(before_amount.get(..op_start)?)?;
    let after = text.get(pos + found.len()..)?;
    let ago = after
        .trim_start()
        .strip_prefix("ago")
        .filter(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
    let duration = format!("{amount} {found}");
    let (end, message, help) = match ago {
        Some(rest) => (
            text.len() - rest.len(),
            format!("`{op} {duration} ago` compares with a day: use `before` or `after`"),
            ago_help(value, op, &duration),
        ),
        None => (
            pos + found.len(),
            format!("`{duration}` is a length of time, which `{op}` cannot compare with"),
            duration_help(value, op, amount, found, &duration),
        ),
    };
    Some(Slip {
        start: op_start,
        end,
        message,
        help: Some(help),
    })
}

fn ago_help(value: &str, op: &str, duration: &str) -> String {
    let within = format!("`{value} within last {duration}` (the as-of day included)");
    match op {
        ">" | ">=" => {
            format!("write `{value} after {duration} ago` (more recent than that day), or {within}")
        }
        "<" | "<=" => format!("write `{value} before {duration} ago` (longer ago than that day)"),
        _ => format!(
            "write `{value} before {duration} ago` or `{value} after {duration} ago`, or {within}"
        ),
    }
}

fn duration_help(value: &str, op: &str, amount: &str, unit: &str, duration: &str) -> String {
    if value.starts_with("days_since(") {
        return if unit.starts_with("day") {
            format!("`{value}` is already a number of days: write `{value} {op} {amount}`")
        } else {
            format!("`{value}` is a number of days: write the {unit} in days, `{value} {op} …`")
        };
    }
    let days = if unit.starts_with("day") {
        amount.to_string()
    } else {
        "…".to_string()
    };
    format!(
        "to compare a date with the day {duration} before the as-of date, write `{value} before {duration} ago` or `{value} after {duration} ago` (or `{value} within last {duration}`); to compare a number of days, write `days_since({value}) {op} {days}` in days"
    )
}

/// `count(orders) within last 90 days >= 2`: a window after an aggregate's closing
/// bracket, then a comparison.
fn window_after_aggregate(text: &str, pos: usize, found: &str) -> Option<Slip> {
    if !found.starts_with(['<', '>', '=', '!']) {
        return None;
    }
    let before = text.get(..pos)?.trim_end();
    let window_start = window_start(before)?;
    let window = before.get(window_start..)?;
    let call = before.get(..window_start)?.trim_end();
    if !call.ends_with(')') {
        return None;
    }
    let open = matching_open(call)?;
    let name = trailing(call.get(..open)?, |c| c.is_ascii_alphanumeric() || c == '_');
    if !AGGREGATES.contains(&name) {
        return None;
    }
    let inner = call.get(open + 1..call.len() - 1)?.trim_end();
    let comparison = comparison_at(text, pos);
    let help = format!(
        "write `{name}({inner} {window}){}`",
        if comparison.is_empty() {
            String::new()
        } else {
            format!(" {comparison}")
        }
    );
    Some(Slip {
        start: window_start,
        end: before.len(),
        message: format!("the window of `{name}(…)` goes inside its brackets"),
        help: Some(help),
    })
}

/// Where `within last|next N unit` starts, when `text` ends with one.
fn window_start(text: &str) -> Option<usize> {
    let unit = trailing(text, |c| c.is_ascii_alphabetic());
    if !UNITS.contains(&unit) {
        return None;
    }
    let rest = text.get(..text.len() - unit.len())?.trim_end();
    let amount = trailing(rest, |c| c.is_ascii_digit() || c == '_');
    let rest = rest.get(..rest.len() - amount.len())?.trim_end();
    let direction = rest
        .strip_suffix("last")
        .or_else(|| rest.strip_suffix("next"))?
        .trim_end();
    let start = direction.strip_suffix("within")?.len();
    (!amount.is_empty()).then_some(start)
}

/// The operator and value at `pos` (`>= 2`), up to the end of the line, a comment or
/// the next `and` / `or`.
fn comparison_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let line = rest.lines().next().unwrap_or("");
    let line = line.split("//").next().unwrap_or("");
    let words: Vec<&str> = line
        .split_whitespace()
        .take_while(|w| !matches!(*w, "and" | "or" | "}"))
        .take(2)
        .collect();
    words.join(" ")
}

/// `expect`, `owner`, `paused` or `allow` at the start of a line of a tiers block.
fn line_outside_segment(text: &str, pos: usize, chunk: &str) -> Option<Slip> {
    let (kind, name) = enclosing_block(chunk)?;
    if kind != "tiers block" {
        return None;
    }
    let before = text.get(..pos)?.trim_end();
    let word = trailing(before, |c| c.is_ascii_alphabetic());
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let start = before.len() - word.len();
    let alone = before.get(line_start..start)?.trim().is_empty();
    if !alone || !["expect", "owner", "paused", "allow"].contains(&word) {
        return None;
    }
    let help = if word == "expect" {
        let label = first_label(chunk).unwrap_or("gold");
        format!(
            "a tiers block holds only `label: condition` lines; to check the size of a tier, write a segment that refers to it and put the `expect` line there, e.g. `segment {name}_{label} {{ where {name} = \"{label}\" expect size >= 1% }}`"
        )
    } else {
        format!("a tiers block holds only `label: condition` lines; `{word}` belongs to a segment")
    };
    Some(Slip {
        start,
        end: before.len(),
        message: format!("`{word}` lines go in a segment, not in tiers block `{name}`"),
        help: Some(help),
    })
}

/// The first tier label of a tiers block's text (`gold` in `tiers t { gold: … }`).
fn first_label(chunk: &str) -> Option<&str> {
    let body = chunk.split_once('{')?.1;
    body.lines().find_map(|line| {
        let (label, _) = line.split_once(':')?;
        let label = label.trim();
        let is_name = !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        is_name.then_some(label)
    })
}

/// The value a comparison was made with, as written: a name (`last_order_at`) or a
/// call (`days_since(last_order_at)`) at the end of `text`.
fn value_before(text: &str) -> Option<&str> {
    let text = text.trim_end();
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = if text.ends_with(')') {
        let open = matching_open(text)?;
        open - trailing(text.get(..open)?, is_name).len()
    } else {
        text.len() - trailing(text, is_name).len()
    };
    let value = text.get(start..)?;
    (!value.is_empty() && value.len() <= 60).then_some(value)
}

/// The position of the `(` matching the `)` that ends `text`.
fn matching_open(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The longest end of `text` whose characters all satisfy `is_part`.
fn trailing(text: &str, is_part: impl Fn(char) -> bool) -> &str {
    let start = text.trim_end_matches(is_part).len();
    text.get(start..).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, token: &str) -> Option<Slip> {
        let pos = text.rfind(&format!(" {token}")).map_or(0, |i| i + 1);
        let found: String = text[pos..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        find(text, pos, &found, text)
    }

    #[test]
    fn each_slip_is_found_and_underlined() {
        let cases = [
            ("where d > 90 days ago }", "days", "> 90 days ago"),
            ("where days_since(d) > 90 days }", "days", "> 90 days"),
            (
                "where count(orders) within last 90 days >= 2 }",
                ">=",
                "within last 90 days",
            ),
            (
                "tiers t {\n  a: x > 1\n  expect size >= 1\n",
                "size",
                "expect",
            ),
        ];
        for (text, token, underlined) in cases {
            let slip = at(text, token).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(&text[slip.start..slip.end], underlined, "{text}");
        }
    }

    #[test]
    fn ordinary_errors_are_no_slip() {
        for (text, token) in [
            ("where d within last 30 hours }", "hours"),
            ("where days > 3 x }", "x"),
            ("where f(x) within last 3 days >= 2 }", ">="),
            ("segment s {\n  expect size >= 1\n", "size"),
        ] {
            assert!(at(text, token).is_none(), "{text}");
        }
    }
}
