//! `matches "regex"` for engines whose regex syntax is not Rust's: the pattern is
//! parsed with `regex-syntax` (the parser of the `regex` crate that `segmint eval`
//! uses) and printed back in a form each engine reads with the same meaning.
//!
//! Every character class is printed as explicit code point ranges, so `\d`, `\s`,
//! `.` and `(?i)` mean exactly what they mean in Rust whatever the engine's own
//! idea of them is. `$` is printed as `\z` for Java (Spark), whose `$` also matches
//! before a final line break. What cannot be printed exactly (word boundaries,
//! multi-line anchors, NUL) is an error naming the construct.

use std::fmt::Write as _;

use regex_syntax::hir::{Class, ClassUnicode, Hir, HirKind, Look};

use super::Dialect;

/// The pattern for `dialect`, or why it cannot be written for it.
pub fn translate(pattern: &str, dialect: Dialect) -> Result<String, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("invalid regex: {e}"))?;
    let mut out = String::new();
    Printer { dialect }.hir(&hir, &mut out)?;
    Ok(out)
}

struct Printer {
    dialect: Dialect,
}

type R = Result<(), String>;

impl Printer {
    fn hir(&self, hir: &Hir, out: &mut String) -> R {
        match hir.kind() {
            HirKind::Empty => Ok(()),
            HirKind::Literal(literal) => {
                let text = std::str::from_utf8(&literal.0)
                    .map_err(|_| "a byte that is not UTF-8 (`(?-u)`)".to_string())?;
                text.chars().try_for_each(|c| self.literal(c, out))
            }
            HirKind::Class(Class::Unicode(class)) => self.class(class, out),
            HirKind::Class(Class::Bytes(bytes)) => match bytes.to_unicode_class() {
                Some(class) => self.class(&class, out),
                None => Err("a byte class beyond ASCII (`(?-u)`)".into()),
            },
            HirKind::Look(look) => self.look(*look, out),
            HirKind::Repetition(repetition) => {
                self.group_if_needed(&repetition.sub, out)?;
                self.bounds(repetition.min, repetition.max, out)
            }
            HirKind::Capture(capture) => self.group(&capture.sub, out),
            HirKind::Concat(items) => items.iter().try_for_each(|item| match item.kind() {
                HirKind::Alternation(_) => self.group(item, out),
                _ => self.hir(item, out),
            }),
            HirKind::Alternation(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    self.hir(item, out)?;
                }
                Ok(())
            }
        }
    }

    fn group(&self, hir: &Hir, out: &mut String) -> R {
        out.push('(');
        self.hir(hir, out)?;
        out.push(')');
        Ok(())
    }

    /// A repeated item needs parentheses unless it is one character, a class or a group.
    fn group_if_needed(&self, hir: &Hir, out: &mut String) -> R {
        let single = match hir.kind() {
            HirKind::Class(_) | HirKind::Capture(_) => true,
            HirKind::Literal(l) => std::str::from_utf8(&l.0).is_ok_and(|s| s.chars().count() == 1),
            _ => false,
        };
        if single {
            self.hir(hir, out)
        } else {
            self.group(hir, out)
        }
    }

    fn bounds(&self, min: u32, max: Option<u32>, out: &mut String) -> R {
        let limit = match self.dialect {
            Dialect::Postgres => 255,
            Dialect::Duckdb | Dialect::Bigquery => 1000,
            _ => u32::MAX,
        };
        if min > limit || max.is_some_and(|m| m > limit) {
            return Err(format!(
                "a repetition count above {limit}, the most {} allows",
                self.dialect.as_str()
            ));
        }
        match (min, max) {
            (0, None) => out.push('*'),
            (1, None) => out.push('+'),
            (0, Some(1)) => out.push('?'),
            (n, None) => write_str(out, format_args!("{{{n},}}")),
            (n, Some(m)) if n == m => write_str(out, format_args!("{{{n}}}")),
            (n, Some(m)) => write_str(out, format_args!("{{{n},{m}}}")),
        }
        Ok(())
    }

    fn look(&self, look: Look, out: &mut String) -> R {
        match (look, self.dialect) {
            (Look::Start, _) => out.push('^'),
            (Look::End, Dialect::Spark) => out.push_str("\\z"),
            (Look::End, _) => out.push('$'),
            (Look::StartLF | Look::EndLF | Look::StartCRLF | Look::EndCRLF, _) => {
                return Err("a multi-line anchor (`(?m)`)".into());
            }
            _ => return Err("a word boundary (`\\b`, `\\B`, `\\<`, `\\>`)".into()),
        }
        Ok(())
    }

    fn literal(&self, c: char, out: &mut String) -> R {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
            out.push(c);
            Ok(())
        } else if needs_escape(c) {
            self.escaped(c, out)
        } else {
            out.push(c);
            Ok(())
        }
    }

    /// A class as explicit ranges, negated when that is shorter.
    fn class(&self, class: &ClassUnicode, out: &mut String) -> R {
        let mut negated = class.clone();
        negated.negate();
        if negated.ranges().is_empty() {
            // Any character at all, line breaks included.
            match self.dialect {
                Dialect::Postgres => out.push('.'),
                Dialect::Snowflake => return Err("`(?s)` (a dot that matches line breaks)".into()),
                _ => out.push_str("(?s:.)"),
            }
            return Ok(());
        }
        let (ranges, caret) = if negated.ranges().len() < class.ranges().len() {
            (negated.ranges(), "^")
        } else {
            (class.ranges(), "")
        };
        if ranges.is_empty() {
            return Err("a class that matches nothing".into());
        }
        out.push('[');
        out.push_str(caret);
        for range in ranges {
            self.class_char(range.start(), out)?;
            if range.end() != range.start() {
                out.push('-');
                self.class_char(range.end(), out)?;
            }
        }
        out.push(']');
        Ok(())
    }

    fn class_char(&self, c: char, out: &mut String) -> R {
        if c.is_ascii_punctuation() && "\\[]^-&~:=.".contains(c) {
            if self.dialect == Dialect::Snowflake {
                return Err(format!("`{c}` inside a character class"));
            }
            out.push('\\');
            out.push(c);
            Ok(())
        } else if !c.is_ascii() || needs_escape(c) {
            self.escaped(c, out)
        } else {
            out.push(c);
            Ok(())
        }
    }

    /// A character by its code point.
    fn escaped(&self, c: char, out: &mut String) -> R {
        let n = u32::from(c);
        if n == 0 {
            return Err("the NUL character".into());
        }
        match self.dialect {
            Dialect::Postgres if n <= 0xFFFF => write_str(out, format_args!("\\u{n:04X}")),
            Dialect::Postgres => write_str(out, format_args!("\\U{n:08X}")),
            Dialect::Snowflake => out.push(c),
            _ => write_str(out, format_args!("\\x{{{n:X}}}")),
        }
        Ok(())
    }
}

/// Characters that are invisible or ambiguous when printed raw.
fn needs_escape(c: char) -> bool {
    c.is_control() || (c.is_whitespace() && c != ' ')
}

fn write_str(out: &mut String, args: std::fmt::Arguments<'_>) {
    // Writing to a String cannot fail.
    let _ = out.write_fmt(args);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_become_explicit_ranges() {
        assert_eq!(
            translate("^[0-9]+$", Dialect::Duckdb).as_deref(),
            Ok("^[0-9]+$")
        );
        assert_eq!(
            translate("a.c", Dialect::Postgres).as_deref(),
            Ok("a[^\\u000A]c")
        );
        assert_eq!(translate("x$", Dialect::Spark).as_deref(), Ok("x\\z"));
        assert_eq!(
            translate("(ab)+|c{2,3}", Dialect::Duckdb).as_deref(),
            Ok("(ab)+|c{2,3}")
        );
    }

    #[test]
    fn what_an_engine_cannot_express_is_an_error() {
        assert!(translate("\\bword\\b", Dialect::Duckdb).is_err());
        assert!(translate("(?m)^x", Dialect::Postgres).is_err());
        assert!(translate("a{300}", Dialect::Postgres).is_err());
        assert!(translate("a{300}", Dialect::Spark).is_ok());
    }
}
