//! pest pairs → AST, one function per grammar rule (blocks here, expressions in
//! [`super::expr`]).
//!
//! The file is first split into top-level chunks by [`super::scan`], and each chunk is
//! parsed on its own, so a syntax error in one block still lets the others through
//! (and lets the checker see every name). A builder returns `None` only for a shape
//! the grammar rules out; that would be a bug here, never a user error, and it drops
//! just that node instead of panicking.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use pest::Parser;
use pest::iterators::Pair;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::ast;
use crate::syntax::error;
use crate::syntax::grammar::{Rule, SegmintParser};
use crate::syntax::scan::{self, DocBlock, MAX_NESTING};

/// The budget of pest calls per chunk: far above any real file (a few dozen per
/// byte), it only stops pathological backtracking.
const CALL_LIMIT: usize = 500_000_000;

/// Parses one file: chunk by chunk, reporting syntax errors and structural problems.
pub(super) fn parse_file(file: &SourceFile, diagnostics: &mut Diagnostics) -> ast::File {
    pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT));
    let text = file.text.as_str();
    let scan = scan::scan(text);
    let mut docs = scan.docs;
    let comment_ends: HashMap<usize, usize> = scan
        .comments
        .iter()
        .copied()
        .chain(docs.values().flat_map(|block| block.lines.iter().copied()))
        .map(|(start, end)| (end, start))
        .collect();
    let mut items = Vec::new();
    for chunk in &scan.chunks {
        let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
            continue;
        };
        if let Some(at) = chunk.too_deep {
            let first = error_before(file, chunk.start, at);
            diagnostics.push(first.unwrap_or_else(|| too_deep_brackets(file.id, at)));
            continue;
        }
        // On a syntax error, report it and keep the complete blocks before it.
        let parsed = SegmintParser::parse(Rule::file, chunk_text).or_else(|err| {
            diagnostics.push(error::to_diagnostic(file, chunk.start, &err));
            SegmintParser::parse(Rule::items, chunk_text)
        });
        if let Ok(mut pairs) = parsed {
            let mut ctx = Ctx {
                file: file.id,
                text,
                comment_ends: &comment_ends,
                offset: chunk.start,
                diagnostics: &mut *diagnostics,
                docs: &mut docs,
                depth: 0,
                too_deep_reported: false,
            };
            if let Some(pair) = pairs.next() {
                items.extend(ctx.file(pair));
            }
        }
    }
    ast::File {
        file: file.id,
        items,
        comments: comments(file, scan.comments, docs),
    }
}

/// Plain comments plus the doc blocks that documented nothing, in source order.
fn comments(
    file: &SourceFile,
    plain: Vec<(usize, usize)>,
    unattached: HashMap<usize, DocBlock>,
) -> Vec<ast::Comment> {
    let mut ranges = plain;
    ranges.extend(unattached.into_values().flat_map(|block| block.lines));
    ranges.sort_unstable();
    ranges
        .into_iter()
        .map(|(start, end)| {
            let span = Span::new(file.id, start, end);
            ast::Comment {
                text: file.slice(span).trim_end().to_owned(),
                span,
            }
        })
        .collect()
}

/// The first syntax error of a chunk whose brackets nest too deeply, when it comes
/// before the bracket at `at` that crosses the limit. The text up to that bracket
/// nests within the limit, so pest reads it safely; if it stops only where the text
/// was cut, the nesting is the chunk's first problem and `None` is given.
fn error_before(file: &SourceFile, start: usize, at: usize) -> Option<Diagnostic> {
    let prefix = file.text.get(start..at)?;
    let err = SegmintParser::parse(Rule::file, prefix).err()?;
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((p, _)) => p,
    };
    (pos < prefix.trim_end().len()).then(|| error::to_diagnostic(file, start, &err))
}

/// The diagnostic for brackets nested deeper than the scan allows.
fn too_deep_brackets(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::new(
        Code::TooDeeplyNested,
        Span::new(file, at, at + 1),
        format!("brackets are nested too deeply (more than {MAX_NESTING} levels)"),
    )
    .with_help("split the condition into smaller segments and refer to them by name")
}

/// Whether a rule is punctuation, which carries no information once parsed.
fn is_punct(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::langle
            | Rule::rangle
            | Rule::comma
            | Rule::colon
            | Rule::dot
            | Rule::EOI
    )
}

/// The children of a pair, punctuation left out, in grammar order.
pub(super) fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_punct(p.as_rule()))
}

/// Takes the next child if it has the given rule.
pub(super) fn take<'i>(
    it: &mut std::iter::Peekable<impl Iterator<Item = Pair<'i, Rule>>>,
    rule: Rule,
) -> Option<Pair<'i, Rule>> {
    it.next_if(|p| p.as_rule() == rule)
}

/// The state shared by the builders of one chunk.
pub(super) struct Ctx<'a> {
    /// The file being parsed.
    pub file: FileId,
    /// The file's whole text.
    pub text: &'a str,
    /// Comment ranges of the file, end → start, for trimming spans.
    pub comment_ends: &'a HashMap<usize, usize>,
    /// Byte offset of the chunk in the file (pest positions are chunk-relative).
    pub offset: usize,
    /// Where problems go.
    pub diagnostics: &'a mut Diagnostics,
    /// Doc blocks not yet attached, keyed by the offset of the token they document.
    pub docs: &'a mut HashMap<usize, DocBlock>,
    /// How deep the expression being built sits (see [`super::expr`]).
    pub depth: usize,
    /// Whether this chunk already reported an expression nested too deeply.
    pub too_deep_reported: bool,
}

impl Ctx<'_> {
    /// The one place a pest span becomes a [`Span`]. pest lets a rule end after the
    /// whitespace and comments skipped before an optional part that did not match
    /// (`sum ~ pred_tail?`), so trailing whitespace and comments are trimmed off.
    pub fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let start = self.offset + s.start();
        let mut end = self.offset + s.end();
        loop {
            let before = self.text.get(start..end).unwrap_or("");
            let trimmed = before.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            end = start + trimmed.len();
            match self.comment_ends.get(&end) {
                Some(&comment_start) if comment_start >= start && comment_start < end => {
                    end = comment_start
                }
                _ => break,
            }
        }
        Span::new(self.file, start, end)
    }

    /// Reports a syntax error found while building (the grammar let it through so the
    /// message could be precise).
    pub fn error(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::new(Code::SyntaxError, span, message).with_help(help));
    }

    /// The doc block written right before `span`, if any (each block is used once).
    fn doc_before(&mut self, span: Span) -> Option<ast::Doc> {
        let block = self.docs.remove(&(span.start as usize))?;
        let start = block.lines.first().map_or(0, |l| l.0);
        let end = block.lines.last().map_or(0, |l| l.1);
        Some(ast::Doc {
            text: block.text,
            span: Span::new(self.file, start, end),
        })
    }

    /// `file = { SOI ~ item* ~ EOI }` or `items = { SOI ~ item* }`
    fn file(&mut self, pair: Pair<'_, Rule>) -> Vec<ast::Item> {
        children(pair)
            .filter(|p| p.as_rule() == Rule::item)
            .filter_map(|p| self.item(p))
            .collect()
    }

    /// `item = { schema | segment | tiers | events }`
    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Item> {
        let inner = children(pair).next()?;
        Some(match inner.as_rule() {
            Rule::schema => ast::Item::Schema(self.schema(inner)?),
            Rule::segment => ast::Item::Segment(self.segment(inner)?),
            Rule::tiers => ast::Item::Tiers(self.tiers(inner)?),
            Rule::events => ast::Item::Events(self.events(inner)?),
            _ => return None,
        })
    }

    /// `ident`, reporting upper-case letters (accepted by the grammar for this message).
    pub fn ident(&mut self, pair: Pair<'_, Rule>) -> ast::Ident {
        let span = self.span(&pair);
        let name = pair.as_str().to_owned();
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            let lower = name.to_ascii_lowercase();
            let help = if error::is_keyword(&lower) {
                format!("keywords are lower case: write `{lower}`")
            } else {
                format!("names are lower case: write `{lower}`")
            };
            self.error(span, format!("`{name}` is not a valid name"), help);
        }
        ast::Ident { name, span }
    }

    /// `string`, unescaped.
    pub fn string(&self, pair: &Pair<'_, Rule>) -> ast::StringLit {
        ast::StringLit {
            value: unescape(pair.as_str()),
            span: self.span(pair),
        }
    }

    // ───────────────────────────── schema ─────────────────────────────

    /// `schema = { kw_schema ~ ident ~ lbrace ~ schema_field* ~ rbrace }`
    fn schema(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Schema> {
        let span = self.span(&pair);
        let doc = self.doc_before(span);
        let mut it = children(pair).peekable();
        take(&mut it, Rule::kw_schema)?;
        let name = self.ident(take(&mut it, Rule::ident)?);
        let fields = it
            .filter(|p| p.as_rule() == Rule::schema_field)
            .filter_map(|p| children(p).next())
            .filter_map(|p| self.field(p))
            .collect();
        Some(ast::Schema {
            doc,
            name,
            fields,
            span,
        })
    }

    /// `key_field = { kw_key ~ ident ~ colon ~ typed }`,
    /// `field_decl = { ident ~ colon ~ typed }`,
    /// `event_time = { kw_time ~ ident ~ colon ~ time_type }`
    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<ast::FieldDecl> {
        let span = self.span(&pair);
        let doc = self.doc_before(span);
        let is_key = pair.as_rule() == Rule::key_field;
        let mut it = children(pair).peekable();
        let key = if is_key {
            Some(self.span(&take(&mut it, Rule::kw_key)?))
        } else {
            take(&mut it, Rule::kw_time);
            None
        };
        let name = self.ident(take(&mut it, Rule::ident)?);
        let ty = self.typed(it.next()?)?;
        Some(ast::FieldDecl {
            doc,
            key,
            name,
            ty,
            span,
        })
    }

    /// `typed = { any_type ~ question? }`, `time_type = { time_type_name ~ question? }`
    fn typed(&mut self, pair: Pair<'_, Rule>) -> Option<ast::TypeExpr> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let ty = it.next()?;
        let nullable = it.next().is_some_and(|p| p.as_rule() == Rule::question);
        let kind = match ty.as_rule() {
            Rule::type_name | Rule::time_type_name => type_name(ty.as_str())?,
            Rule::enum_type => ast::TypeKind::Enum(
                children(ty)
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(&p))
                    .collect(),
            ),
            Rule::list_type => {
                let elem = children(ty).find(|p| p.as_rule() == Rule::list_elem)?;
                ast::TypeKind::List(Box::new(ast::TypeExpr {
                    kind: type_name(elem.as_str())?,
                    nullable: false,
                    span: self.span(&elem),
                }))
            }
            _ => return None,
        };
        Some(ast::TypeExpr {
            kind,
            nullable,
            span,
        })
    }

    // ───────────────────────────── events ─────────────────────────────

    /// `events = { kw_events ~ ident ~ lbrace ~ event_line* ~ rbrace }`
    fn events(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Events> {
        let span = self.span(&pair);
        let doc = self.doc_before(span);
        let mut it = children(pair).peekable();
        take(&mut it, Rule::kw_events)?;
        let name = self.ident(take(&mut it, Rule::ident)?);
        let mut key: Option<ast::EventKey> = None;
        let mut time: Option<ast::FieldDecl> = None;
        let mut fields = Vec::new();
        for line in it.filter_map(|p| children(p).next()) {
            match line.as_rule() {
                Rule::event_key => {
                    let Some(new) = self.event_key(line) else {
                        continue;
                    };
                    match &key {
                        Some(first) => self.duplicate("key", new.span, first.span),
                        None => key = Some(new),
                    }
                }
                Rule::event_time => {
                    let Some(new) = self.field(line) else {
                        continue;
                    };
                    match &time {
                        Some(first) => self.duplicate("time", new.span, first.span),
                        None => time = Some(new),
                    }
                }
                _ => fields.extend(self.field(line)),
            }
        }
        if key.is_none() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidKey,
                    name.span,
                    format!("events `{}` has no `key` line", name.name),
                )
                .with_help("add `key customer_id`, naming the column that holds the customer key"),
            );
        }
        if time.is_none() {
            self.error(
                name.span,
                format!("events `{}` has no `time` line", name.name),
                "add `time placed_at: timestamp`, naming the column that places each event in time",
            );
        }
        Some(ast::Events {
            doc,
            name,
            key,
            time,
            fields,
            span,
        })
    }

    /// `event_key = { kw_key ~ ident ~ (colon ~ typed)? }`
    fn event_key(&mut self, pair: Pair<'_, Rule>) -> Option<ast::EventKey> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        take(&mut it, Rule::kw_key)?;
        let name = self.ident(take(&mut it, Rule::ident)?);
        let ty = match it.next() {
            Some(p) => Some(self.typed(p)?),
            None => None,
        };
        Some(ast::EventKey { name, ty, span })
    }

    // ───────────────────────────── segment ─────────────────────────────

    /// `segment = { kw_segment ~ ident ~ lbrace ~ clause* ~ rbrace }`
    fn segment(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Segment> {
        let span = self.span(&pair);
        let doc = self.doc_before(span);
        let mut it = children(pair).peekable();
        take(&mut it, Rule::kw_segment)?;
        let name = self.ident(take(&mut it, Rule::ident)?);
        let mut segment = ast::Segment {
            doc,
            name,
            condition: None,
            expects: Vec::new(),
            owner: None,
            paused: None,
            allows: Vec::new(),
            span,
        };
        let mut where_span: Option<Span> = None;
        for clause in it.filter_map(|p| children(p).next()) {
            self.clause(clause, &mut segment, &mut where_span);
        }
        if where_span.is_none() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::MissingWhere,
                    segment.name.span,
                    format!("segment `{}` has no `where` line", segment.name.name),
                )
                .with_help("add `where` followed by what members have in common, e.g. `where orders_count >= 4`"),
            );
        }
        Some(segment)
    }

    /// `clause = { where_clause | expect_clause | owner_clause | paused_clause | allow_clause }`
    fn clause(
        &mut self,
        pair: Pair<'_, Rule>,
        segment: &mut ast::Segment,
        where_span: &mut Option<Span>,
    ) {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut it = children(pair).peekable();
        let Some(keyword) = it.next() else {
            return;
        };
        let keyword_span = self.span(&keyword);
        match rule {
            Rule::where_clause => {
                if let Some(first) = *where_span {
                    self.duplicate("where", keyword_span, first);
                    return;
                }
                *where_span = Some(keyword_span);
                segment.condition = it.next().and_then(|p| self.expr(p));
            }
            Rule::expect_clause => {
                if let Some(expect) = it.next().and_then(|p| self.expectation(p)) {
                    segment.expects.push(expect);
                }
            }
            Rule::owner_clause => match &segment.owner {
                Some(first) => self.duplicate("owner", span, first.span),
                None => segment.owner = it.next().map(|p| self.string(&p)),
            },
            Rule::paused_clause => match segment.paused {
                Some(first) => self.duplicate("paused", span, first),
                None => segment.paused = Some(keyword_span),
            },
            Rule::allow_clause => {
                if let Some(p) = it.next() {
                    let ident = self.ident(p);
                    segment.allows.push(ident);
                }
            }
            _ => {}
        }
    }

    /// Reports a clause that may appear only once.
    fn duplicate(&mut self, what: &str, span: Span, first: Span) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::DuplicateClause,
                span,
                format!("`{what}` appears twice"),
            )
            .with_label(format!("second `{what}`"))
            .with_secondary(first, format!("first `{what}`"))
            .with_help(format!("keep one `{what}` line")),
        );
    }

    /// `expectation = { size_expect | disjoint_expect | overlap_expect | lift_expect }`
    fn expectation(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expect> {
        let span = self.span(&pair);
        let form = children(pair).next()?;
        let rule = form.as_rule();
        let mut it = children(form).peekable();
        it.next()?; // the leading keyword: `size`, `disjoint`, `overlap` or `lift`
        let kind = match rule {
            Rule::size_expect => ast::ExpectKind::Size(self.bound(it.next()?)?),
            Rule::disjoint_expect => {
                take(&mut it, Rule::kw_from)?;
                ast::ExpectKind::Disjoint {
                    other: self.ident(take(&mut it, Rule::ident)?),
                }
            }
            Rule::overlap_expect => {
                take(&mut it, Rule::kw_with)?;
                let other = self.ident(take(&mut it, Rule::ident)?);
                ast::ExpectKind::Overlap {
                    other,
                    bound: self.bound(it.next()?)?,
                }
            }
            Rule::lift_expect => {
                let value = self.expr(take(&mut it, Rule::expr)?)?;
                ast::ExpectKind::Lift {
                    value,
                    bound: self.bound(it.next()?)?,
                }
            }
            _ => return None,
        };
        Some(ast::Expect { kind, span })
    }

    /// `bound = { between_bound | compare_bound }`
    fn bound(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Bound> {
        let form = children(pair).next()?;
        let rule = form.as_rule();
        let quantities: Vec<_> = children(form).collect();
        match (rule, quantities.as_slice()) {
            (Rule::between_bound, [_, low, _, high]) => Some(ast::Bound::Between {
                low: self.quantity(low),
                high: self.quantity(high),
            }),
            (Rule::compare_bound, [op, value]) => Some(ast::Bound::Compare {
                op: self.cmp_op(op),
                value: self.quantity(value),
            }),
            _ => None,
        }
    }

    /// `quantity = @{ (float | int) ~ "%"? }`
    fn quantity(&self, pair: &Pair<'_, Rule>) -> ast::Quantity {
        let text = pair.as_str();
        let kind = match text.strip_suffix('%') {
            Some(number) => ast::QuantityKind::Percent(number.to_owned()),
            None if text.contains('.') => ast::QuantityKind::Float(text.to_owned()),
            None => ast::QuantityKind::Int(text.to_owned()),
        };
        ast::Quantity {
            kind,
            span: self.span(pair),
        }
    }

    /// `cmp_op`, reporting `==` (accepted by the grammar for this message) as `=`.
    pub fn cmp_op(&mut self, pair: &Pair<'_, Rule>) -> ast::CmpOp {
        match pair.as_str() {
            "!=" => ast::CmpOp::NotEq,
            "<" => ast::CmpOp::Lt,
            "<=" => ast::CmpOp::LtEq,
            ">" => ast::CmpOp::Gt,
            ">=" => ast::CmpOp::GtEq,
            "==" => {
                let span = self.span(pair);
                self.error(
                    span,
                    "`==` is not an operator in segmint",
                    "use `=` to compare: `status = \"regular\"`",
                );
                ast::CmpOp::Eq
            }
            _ => ast::CmpOp::Eq,
        }
    }

    // ───────────────────────────── tiers ─────────────────────────────

    /// `tiers = { kw_tiers ~ ident ~ lbrace ~ tier* ~ rbrace }` (an empty block is reported)
    fn tiers(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Tiers> {
        let span = self.span(&pair);
        let doc = self.doc_before(span);
        let mut it = children(pair).peekable();
        take(&mut it, Rule::kw_tiers)?;
        let name = self.ident(take(&mut it, Rule::ident)?);
        let tiers: Vec<ast::Tier> = it.filter_map(|p| self.tier(p)).collect();
        if tiers.is_empty() {
            self.error(
                name.span,
                format!("tiers `{}` lists no tiers", name.name),
                "add one line per tier, e.g. `gold: lifetime_value >= 2000`",
            );
        }
        Some(ast::Tiers {
            doc,
            name,
            tiers,
            span,
        })
    }

    /// `tier = { ident ~ colon ~ (kw_otherwise | expr) }`
    fn tier(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Tier> {
        let span = self.span(&pair);
        let doc = self.doc_before(span);
        let mut it = children(pair).peekable();
        let name = self.ident(take(&mut it, Rule::ident)?);
        let body = it.next()?;
        let condition = match body.as_rule() {
            Rule::kw_otherwise => ast::TierCondition::Otherwise(self.span(&body)),
            _ => ast::TierCondition::Expr(self.expr(body)?),
        };
        Some(ast::Tier {
            doc,
            name,
            condition,
            span,
        })
    }
}

/// The type named by a `type_name`, `time_type_name` or `list_elem`.
fn type_name(text: &str) -> Option<ast::TypeKind> {
    Some(match text {
        "bool" => ast::TypeKind::Bool,
        "int" => ast::TypeKind::Int,
        "float" => ast::TypeKind::Float,
        "string" => ast::TypeKind::String,
        "date" => ast::TypeKind::Date,
        "timestamp" => ast::TypeKind::Timestamp,
        _ => return None,
    })
}

/// The value of a string literal (quotes included): `\"`, `\\`, `\n` and `\t` are
/// escapes; any other backslash is kept as written, so `"\d+"` is the regex `\d+`.
pub(super) fn unescape(literal: &str) -> String {
    let body = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(literal);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_handles_the_documented_escapes() {
        let cases = [
            (r#""plain""#, "plain"),
            (r#""say \"hi\"""#, "say \"hi\""),
            (r#""a\\b""#, "a\\b"),
            (r#""line\nbreak\ttab""#, "line\nbreak\ttab"),
            (r#""\d+""#, "\\d+"),
        ];
        for (literal, value) in cases {
            assert_eq!(unescape(literal), value, "{literal}");
        }
    }
}
