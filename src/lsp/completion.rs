//! Completion from what is written before the cursor:
//! - inside a string compared with an enum (`status = "`, `status in ["a", "`):
//!   the enum's declared values (a tiers block's labels for a tiers block);
//! - after `orders.`: the event table's fields; inside `count(orders where …`:
//!   the event table's fields first; right after `count(`: event table names;
//! - after `not`, `and`, `or`: segment names first;
//! - elsewhere: fields, segments, tiers blocks, functions and keywords.

use lsp_types::{CompletionItem, CompletionItemKind};

use super::symbols::{Index, Symbol};

const KEYWORDS: &[&str] = &[
    "where",
    "and",
    "or",
    "not",
    "in",
    "is",
    "missing",
    "present",
    "empty",
    "between",
    "contains",
    "starts with",
    "ends with",
    "matches",
    "has",
    "any",
    "all",
    "within",
    "last",
    "next",
    "days",
    "weeks",
    "months",
    "years",
    "before",
    "after",
    "ago",
    "top",
    "bottom",
    "true",
    "false",
    "otherwise",
    "segment",
    "tiers",
    "schema",
    "events",
    "expect",
    "owner",
    "paused",
    "allow",
];
const FUNCTIONS: &[&str] = &[
    "lower",
    "upper",
    "length",
    "days_since",
    "quintile",
    "decile",
];
const AGGREGATES: &[&str] = &[
    "count", "sum", "avg", "min", "max", "first", "last", "exists",
];

/// Completion items for the cursor after `before` (the file's text up to the cursor).
pub fn complete(index: &Index, before: &str) -> Vec<CompletionItem> {
    let line = before.rsplit('\n').next().unwrap_or(before);
    let scope = aggregate_scope(before);
    if let Some(opening) = open_string(line) {
        return enum_values(index, &line[..opening], scope.as_deref());
    }
    let typed = line.trim_end_matches(is_name_char);
    if let Some(table) = typed.strip_suffix('.').map(last_word) {
        return fields_of(index, table, "0");
    }
    if typed.trim_end().ends_with('(') && is_aggregate_call(typed.trim_end()) {
        return names(
            index,
            |s| matches!(s, Symbol::Events(_)),
            CompletionItemKind::CLASS,
            "0",
        );
    }
    let mut items = Vec::new();
    if let Some(table) = &scope {
        items.extend(fields_of(index, table, "0"));
    }
    let segments_first = matches!(last_word(typed.trim_end()), "not" | "and" | "or");
    let segment_rank = if segments_first { "1" } else { "2" };
    items.extend(names(
        index,
        |s| matches!(s, Symbol::Segment(_)),
        CompletionItemKind::MODULE,
        segment_rank,
    ));
    items.extend(names(
        index,
        |s| matches!(s, Symbol::Field(_)),
        CompletionItemKind::FIELD,
        "2",
    ));
    items.extend(names(
        index,
        |s| matches!(s, Symbol::Tiers(_)),
        CompletionItemKind::ENUM,
        "2",
    ));
    items.extend(words(
        FUNCTIONS.iter().chain(AGGREGATES),
        CompletionItemKind::FUNCTION,
    ));
    items.extend(words(KEYWORDS.iter(), CompletionItemKind::KEYWORD));
    items
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The last name in `text` (which ends at the name).
fn last_word(text: &str) -> &str {
    let start = text.trim_end_matches(is_name_char).len();
    &text[start..]
}

/// The byte offset of the quote opening the string the line ends inside, if any.
fn open_string(line: &str) -> Option<usize> {
    let mut open = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match (c, escaped) {
            ('\\', false) => escaped = true,
            ('"', false) => open = if open.is_some() { None } else { Some(i) },
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    open
}

/// The enum values for a string after `NAME =`, `NAME !=` or inside `NAME in [`.
fn enum_values(index: &Index, before_quote: &str, scope: Option<&str>) -> Vec<CompletionItem> {
    let text = before_quote.trim_end();
    let text = match text.rfind('[') {
        // Inside a list: everything after `[` is earlier items.
        Some(bracket) if !text[bracket..].contains(']') => {
            let head = text[..bracket].trim_end();
            let head = head.strip_suffix("in").unwrap_or(head).trim_end();
            head.strip_suffix("not").unwrap_or(head).trim_end()
        }
        _ => text.trim_end_matches(['=', '!']).trim_end(),
    };
    let name = last_word(text);
    if name.is_empty() {
        return Vec::new();
    }
    let Some(definition) = index.definition(&index.resolve(name, scope)) else {
        return Vec::new();
    };
    definition
        .detail
        .values
        .iter()
        .map(|value| CompletionItem {
            label: value.clone(),
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            detail: Some(format!("value of `{name}`")),
            ..CompletionItem::default()
        })
        .collect()
}

/// The event table whose aggregate the cursor is inside, after its `where`.
fn aggregate_scope(before: &str) -> Option<String> {
    let mut depth = 0usize;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                if !is_aggregate_call(&before[..=i]) {
                    return None;
                }
                let inside = &before[i + 1..];
                let table = inside
                    .trim_start()
                    .split(|c: char| !is_name_char(c))
                    .next()?;
                let after = &inside.trim_start()[table.len()..];
                let filtered = after.split_whitespace().any(|w| w == "where");
                return (filtered && !table.is_empty()).then(|| table.to_owned());
            }
            '}' | '{' => return None,
            _ => {}
        }
    }
    None
}

/// Whether `text` ends with an aggregate function's `(`.
fn is_aggregate_call(text: &str) -> bool {
    let head = text.strip_suffix('(').unwrap_or(text).trim_end();
    AGGREGATES.contains(&last_word(head))
}

fn fields_of(index: &Index, table: &str, rank: &str) -> Vec<CompletionItem> {
    index
        .all(|s| matches!(s, Symbol::EventField(..)))
        .filter(|d| matches!(&d.symbol, Symbol::EventField(t, _) if t == table))
        .map(|d| {
            item(
                d.symbol.name(),
                CompletionItemKind::FIELD,
                d.detail.ty.clone(),
                rank,
            )
        })
        .collect()
}

fn names(
    index: &Index,
    kind: fn(&Symbol) -> bool,
    item_kind: CompletionItemKind,
    rank: &str,
) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    index
        .all(kind)
        .filter(|d| seen.insert(d.symbol.name().to_owned()))
        .map(|d| item(d.symbol.name(), item_kind, d.detail.ty.clone(), rank))
        .collect()
}

fn words<'a>(
    words: impl Iterator<Item = &'a &'a str>,
    kind: CompletionItemKind,
) -> Vec<CompletionItem> {
    words.map(|w| item(w, kind, None, "3")).collect()
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    rank: &str,
) -> CompletionItem {
    CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        detail,
        sort_text: Some(format!("{rank}{label}")),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    fn labels(before: &str) -> Vec<String> {
        let mut sources = Sources::new();
        sources.add(
            "a.seg",
            "schema c { key id: string  status: enum(\"new\", \"regular\")  age: int }\n\
             events orders { key id  time at: timestamp  channel: enum(\"app\", \"web\") }\n\
             segment vip { where age > 3 }\n",
        );
        let index = Index::build(&sources);
        complete(&index, before)
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn enum_values_after_equals_and_inside_lists() {
        assert_eq!(labels("segment x { where status = \""), ["new", "regular"]);
        assert_eq!(
            labels("where status not in [\"new\", \""),
            ["new", "regular"]
        );
        assert_eq!(
            labels("where count(orders where channel = \""),
            ["app", "web"]
        );
    }

    #[test]
    fn event_fields_segments_and_tables() {
        assert_eq!(labels("where sum(orders."), ["at", "channel"]);
        assert_eq!(labels("where count("), ["orders"]);
        let inside = labels("where count(orders where ch");
        assert_eq!(&inside[..2], ["at", "channel"]);
        let after_not = complete_sorted("segment x { where not ");
        assert_eq!(after_not.first().map(String::as_str), Some("vip"));
    }

    fn complete_sorted(before: &str) -> Vec<String> {
        let mut sources = Sources::new();
        sources.add(
            "a.seg",
            "schema c { key id: string  age: int }\nsegment vip { where age > 3 }\n",
        );
        let index = Index::build(&sources);
        let mut items = complete(&index, before);
        items.sort_by(|a, b| a.sort_text.cmp(&b.sort_text));
        items.into_iter().map(|i| i.label).collect()
    }
}
