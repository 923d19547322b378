//! Recognisers for the usual slips at a syntax error, judged from the raw text.
//!
//! pest only knows which rules it tried; what a marketer typed is often plainer than
//! that (`2024-1-5` for a date, `1e6` for a number, `AND` for `and`, an accented
//! letter in a name, a pasted invisible character). Each recogniser looks at the
//! text around the error position and, when it fits, gives the whole offending token
//! and a message that names the slip instead of the rule that failed.

/// A slip found at the error position: the byte range to underline, the message and
/// the help.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Slip {
    /// Start of the offending text (byte offset into the file).
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// What is wrong, in plain words.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// The first slip that fits the text at `pos`, if any.
pub(super) fn find(text: &str, pos: usize) -> Option<Slip> {
    invisible_character(text, pos)
        .or_else(|| non_ascii_name(text, pos))
        .or_else(|| exponent(text, pos))
        .or_else(|| malformed_date(text, pos))
}

/// A character that shows as nothing or as a blank: a control character (NUL, …) or
/// an invisible Unicode one (zero-width space, no-break space, a BOM inside the text).
pub(super) fn invisible_kind(c: char) -> Option<&'static str> {
    let plain_space = matches!(c, ' ' | '\t' | '\n' | '\r');
    if c.is_control() && !plain_space {
        Some("a control character")
    } else if (c.is_whitespace() && !plain_space)
        || matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}')
        || matches!(c, '\u{2060}'..='\u{2064}' | '\u{FEFF}')
    {
        Some("an invisible character")
    } else {
        None
    }
}

/// `found a control character `\u{0}``: the character is shown escaped, never raw.
fn invisible_character(text: &str, pos: usize) -> Option<Slip> {
    let c = text.get(pos..)?.chars().next()?;
    let kind = invisible_kind(c)?;
    Some(Slip {
        start: pos,
        end: pos + c.len_utf8(),
        message: format!("found {kind} `{}`", c.escape_unicode()),
        help: Some(
            "delete it (it often comes with text copied from a document or a web page)".to_owned(),
        ),
    })
}

/// `agé`: a name with a letter outside a-z.
fn non_ascii_name(text: &str, pos: usize) -> Option<Slip> {
    let c = text.get(pos..)?.chars().next()?;
    if c.is_ascii() || !c.is_alphanumeric() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let (start, end) = word_around(text, pos, is_word);
    let word = text.get(start..end)?;
    Some(Slip {
        start,
        end,
        message: format!("`{word}` is not a valid name"),
        help: Some("names use lower-case ASCII letters (a-z), digits and `_`".to_owned()),
    })
}

/// `1e6`, `2.5E-3`: exponent notation right after the digits of a number.
fn exponent(text: &str, pos: usize) -> Option<Slip> {
    let rest = text.get(pos..)?;
    let after_e = rest.strip_prefix(['e', 'E'])?;
    let digits = after_e.strip_prefix(['+', '-']).unwrap_or(after_e);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let before = text.get(..pos)?;
    if !before.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let is_number = |c: char| c.is_ascii_digit() || c == '.' || c == '_';
    let start = before.trim_end_matches(is_number).len();
    if text
        .get(..start)?
        .ends_with(|c: char| c.is_alphanumeric() || c == '_')
    {
        return None; // part of a name such as `x1e5`
    }
    let sign = after_e.len() - digits.len();
    let exp_digits = digits.chars().take_while(char::is_ascii_digit).count();
    let end = pos + 1 + sign + exp_digits;
    let number = text.get(start..end)?;
    Some(Slip {
        start,
        end,
        message: format!("exponent notation is not supported: `{number}`"),
        help: Some("write the number out, e.g. `1000000` or `1_000_000`".to_owned()),
    })
}

/// `2024-1-5`: a date without its leading zeros (the parser reads `2024` and stops).
fn malformed_date(text: &str, pos: usize) -> Option<Slip> {
    if !text.get(pos..)?.starts_with('-') {
        return None;
    }
    let is_date_char = |c: char| c.is_ascii_digit() || c == '-';
    let (start, end) = word_around(text, pos, is_date_char);
    let token = text.get(start..end)?;
    let parts: Vec<&str> = token.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let numeric = |p: &str, max: usize| !p.is_empty() && p.len() <= max;
    if year.len() != 4 || !numeric(month, 2) || !numeric(day, 2) {
        return None;
    }
    let example = format!("{year}-{month:0>2}-{day:0>2}");
    Some(Slip {
        start,
        end,
        message: format!("`{token}` is not a date: dates are written YYYY-MM-DD"),
        help: Some(format!("write `{example}`")),
    })
}

/// The run of characters satisfying `is_part` around `pos`, as a byte range.
fn word_around(text: &str, pos: usize, is_part: impl Fn(char) -> bool) -> (usize, usize) {
    let before = text.get(..pos).unwrap_or("");
    let start = before.trim_end_matches(&is_part).len();
    let after = text.get(pos..).unwrap_or("");
    let end = pos + (after.len() - after.trim_start_matches(&is_part).len());
    (start, end)
}

/// The block a chunk belongs to, for "expected `}` to close segment `a`": its kind in
/// words and its name, read from the first words of the chunk (comments skipped).
pub(super) fn enclosing_block(chunk: &str) -> Option<(&'static str, String)> {
    let mut words = chunk
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .flat_map(str::split_whitespace);
    let kind = match words.next()? {
        "schema" => "schema",
        "segment" => "segment",
        "tiers" => "tiers block",
        "events" => "events block",
        _ => return None,
    };
    let name: String = words
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect();
    (!name.is_empty()).then_some((kind, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, pos: usize) -> Option<(String, String)> {
        find(text, pos).map(|s| (text[s.start..s.end].to_owned(), s.message))
    }

    #[test]
    fn each_slip_takes_the_whole_token() {
        let cases = [
            ("a before 2024-1-5 }", 13, "2024-1-5", "dates are written"),
            ("x * 1e308 > 1", 5, "1e308", "exponent notation"),
            ("x * 2.5E-3 > 1", 7, "2.5E-3", "exponent notation"),
            ("where agé > 3", 8, "agé", "not a valid name"),
            ("where age \0> 3", 10, "\0", "control character `\\u{0}`"),
            (
                "where age\u{200B} > 3",
                9,
                "\u{200B}",
                "invisible character",
            ),
        ];
        for (text, pos, token, words) in cases {
            let (found, msg) = message(text, pos).unwrap_or_default();
            assert_eq!(found, token, "{text}");
            assert!(msg.contains(words), "{text}: {msg}");
        }
    }

    #[test]
    fn ordinary_text_is_no_slip() {
        for (text, pos) in [
            ("a - 1", 2),
            ("x1e5 > 1", 2),
            ("2024-01-05x", 10),
            ("ab", 1),
        ] {
            assert_eq!(find(text, pos), None, "{text}");
        }
    }

    #[test]
    fn the_enclosing_block_is_read_from_the_chunk_start() {
        assert_eq!(
            enclosing_block("// note\nsegment champions {\n where x"),
            Some(("segment", "champions".to_owned()))
        );
        assert_eq!(
            enclosing_block("tiers band{ a: x"),
            Some(("tiers block", "band".to_owned()))
        );
        assert_eq!(enclosing_block("where x"), None);
    }
}
