//! The canonical layout: AST → [`Doc`].
//!
//! Rules (docs/style.md says the same for users):
//! - top-level blocks are separated by one blank line; a comment keeps at most one
//!   blank line before it, as written;
//! - inside `{ … }` one line per field, clause or tier, indented two spaces, in the
//!   order written; blank lines between them are kept (at most one);
//! - a `where` (or tier condition) whose top-level `and`/`or` chain has three or more
//!   criteria, or does not fit in [`super::doc::WIDTH`] columns, puts one criterion per
//!   line with the `and`/`or` leading, two spaces deeper; nested chains break the same
//!   way, two spaces deeper again;
//! - one space around operators and after commas, none inside brackets;
//! - literal lists and enum values that do not fit are wrapped, as many per line as fit;
//! - literals are kept exactly as written (`1_000`, escapes in strings).
//!
//! Comments are placed by position. Each construct asks [`Layout::inline`] for the
//! comments that lie before its next piece *before* printing the keyword or operator
//! that starts that piece, so a comment is printed where it was read and a second run
//! reads it at the same place (idempotence). A comment inside an expression ends the
//! line it is on; one on a line of its own before a criterion of a broken chain stays
//! on a line of its own.

use super::doc::Doc;
use crate::source::Span;
use crate::syntax::ast::{
    self, Bound, DateTarget, Expect, ExpectKind, Expr, ExprKind, HasQuantifier, Item, QuantityKind,
    TierCondition, TypeExpr, TypeKind,
};

/// A comment waiting to be placed.
struct Note {
    start: u32,
    end: u32,
    text: String,
    /// Written on the same line as the token before it.
    trailing: bool,
    /// A blank line lies between it and what comes before it.
    blank_before: bool,
}

/// One line (or block) of a body: a comment, a field, a clause, an item.
struct Entry {
    doc: Doc,
    blank_before: bool,
    is_item: bool,
    /// A comment already ends this line.
    commented: bool,
}

/// The lines of a body being collected.
#[derive(Default)]
struct Entries {
    /// The trailing comment of the line that opens the body (`segment x { // …`).
    header: Vec<Doc>,
    list: Vec<Entry>,
}

impl Entries {
    fn push(&mut self, doc: Doc, blank_before: bool, is_item: bool) {
        self.list.push(Entry {
            doc,
            blank_before,
            is_item,
            commented: false,
        });
    }

    /// Appends a comment to the last line (or the opening line); a line holds one
    /// comment, so a second one gets a line of its own.
    fn append(&mut self, text: String) {
        let doc = Doc::text(format!(" {text}"));
        match self.list.last_mut() {
            Some(last) if !last.commented => {
                let previous = std::mem::replace(&mut last.doc, Doc::Concat(Vec::new()));
                last.doc = Doc::concat([previous, doc]);
                last.commented = true;
            }
            None if self.header.is_empty() => self.header.push(doc),
            _ => self.push(Doc::text(text.trim_start()), false, false),
        }
    }

    /// The entries one per line; `top` separates blocks by a blank line.
    fn join(self, top: bool) -> Doc {
        let mut parts = Vec::new();
        let mut previous_item = false;
        for (i, entry) in self.list.into_iter().enumerate() {
            if i > 0 {
                let blank = entry.blank_before || (top && previous_item);
                parts.push(if blank { Doc::BlankLine } else { Doc::HardLine });
            }
            previous_item = entry.is_item;
            parts.push(entry.doc);
            parts.push(Doc::Flush);
        }
        Doc::Concat(parts)
    }
}

/// Builds the [`Doc`] of one file.
pub(super) struct Layout<'a> {
    text: &'a str,
    notes: Vec<Note>,
    next: usize,
    /// Break every chain of the line being laid out: a comment lies in it.
    break_chains: bool,
    /// The end of the line being laid out: comments after it belong to the body.
    line_end: u32,
    /// Comments on lines of their own at the end of the line being laid out: they
    /// become lines of the body after it, as a second run reads them.
    deferred: Vec<(String, bool)>,
    /// The line being laid out ends with a comment.
    line_commented: bool,
}

impl<'a> Layout<'a> {
    /// A layout of `file`, whose text is `text`.
    pub fn new(text: &'a str, file: &ast::File) -> Layout<'a> {
        let notes = file
            .comments
            .iter()
            .map(|c| Note {
                start: c.span.start,
                end: c.span.end,
                text: c.text.trim_end().to_owned(),
                trailing: trailing(text, c.span.start as usize),
                blank_before: blank_before(text, c.span.start as usize),
            })
            .collect();
        Layout {
            text,
            notes,
            next: 0,
            break_chains: false,
            line_end: 0,
            deferred: Vec::new(),
            line_commented: false,
        }
    }

    /// The whole file.
    pub fn file(mut self, file: &ast::File) -> Doc {
        let mut items: Vec<&Item> = file.items.iter().collect();
        items.sort_by_key(|item| item_span(item).start);
        let mut entries = Entries::default();
        for item in items {
            let start = item_start(item);
            self.entries_before(start, &mut entries);
            let doc = self.item(item);
            let blank = blank_before(self.text, start as usize);
            entries.push(doc, blank, true);
        }
        self.entries_before(u32::MAX, &mut entries);
        let header = std::mem::take(&mut entries.header);
        Doc::concat(header.into_iter().chain([entries.join(true)]))
    }

    // ───────────────────────────── comments ─────────────────────────────

    /// Comments before `pos` as lines of a body.
    fn entries_before(&mut self, pos: u32, entries: &mut Entries) {
        while let Some(note) = self.notes.get(self.next).filter(|n| n.start < pos) {
            let (text, trailing, blank) = (note.text.clone(), note.trailing, note.blank_before);
            self.next += 1;
            if trailing {
                entries.append(text);
            } else {
                entries.push(Doc::text(text), blank, false);
            }
        }
    }

    /// Comments before `pos` inside a line: a comment written at the end of a line
    /// stays at the end of the line it is printed on, one written on a line of its
    /// own gets one, right before the next token and indented like it; either ends
    /// the line. Leading comments at the very end of a line become lines of the
    /// body after it.
    fn inline(&mut self, pos: u32) -> Doc {
        let mut parts = Vec::new();
        let at_line_end = self.line_end > 0 && pos >= self.line_end;
        while let Some(note) = self.notes.get(self.next).filter(|n| n.start < pos) {
            if !note.trailing && at_line_end {
                self.deferred.push((note.text.clone(), note.blank_before));
                self.next += 1;
                continue;
            }
            self.line_commented |= at_line_end;
            parts.push(if note.trailing {
                Doc::Trailing(note.text.clone())
            } else {
                Doc::Leading(note.text.clone())
            });
            self.next += 1;
        }
        Doc::Concat(parts)
    }

    /// `piece` (an operator or keyword with its spaces) after the comments before `pos`.
    fn sep(&mut self, pos: u32, piece: &str) -> Doc {
        Doc::concat([self.inline(pos), Doc::text(piece)])
    }

    /// Whether a comment lies inside `span` or between its end and the next token.
    ///
    /// A comment inside a clause may be printed a few tokens earlier than it was
    /// written (before the operator or keyword that precedes the next operand), so
    /// which chain it falls in can differ between two runs; which clause it falls in
    /// cannot. Every chain of a clause with a comment is therefore broken, and a
    /// second run lays the clause out the same way.
    fn commented(&self, span: Span) -> bool {
        let mut end = span.end as usize;
        loop {
            let after = self.text.get(end..).unwrap_or("");
            end += after.len() - after.trim_start().len();
            match self.note_starting_at(end) {
                Some(note) => end = note.end as usize,
                None => break,
            }
        }
        let first = self.notes.partition_point(|n| n.start < span.start);
        self.notes
            .get(first)
            .is_some_and(|n| (n.start as usize) < end)
    }

    /// The comment starting at byte `at` (comments are sorted by position).
    fn note_starting_at(&self, at: usize) -> Option<&Note> {
        let i = self.notes.partition_point(|n| (n.start as usize) < at);
        self.notes.get(i).filter(|n| n.start as usize == at)
    }

    /// The comment ending at byte `at`.
    fn note_ending_at(&self, at: usize) -> Option<&Note> {
        let i = self.notes.partition_point(|n| (n.end as usize) < at);
        self.notes.get(i).filter(|n| n.end as usize == at)
    }

    /// Where the clause keyword before `pos` starts (the AST keeps the span of what
    /// follows `where`, `expect`, `owner`, `allow`): back over whitespace and
    /// comments, then over the keyword.
    fn keyword_before(&self, pos: u32, keyword: &str) -> u32 {
        let mut at = pos as usize;
        loop {
            let before = self.text.get(..at).unwrap_or("");
            at = before.trim_end().len();
            match self.note_ending_at(at) {
                Some(note) => at = note.start as usize,
                None => break,
            }
        }
        let start = at.saturating_sub(keyword.len());
        match self.text.get(start..at) {
            Some(word) if word == keyword => u32::try_from(start).unwrap_or(pos),
            _ => pos,
        }
    }

    /// The offset of the last `mark` in a span (its end if there is none).
    fn last(&self, span: Span, mark: char) -> u32 {
        let found = self.slice(span).rfind(mark).unwrap_or(span.range().len());
        span.start + u32::try_from(found).unwrap_or(0)
    }

    /// The source text of a span (literals are printed as written).
    fn slice(&self, span: Span) -> &'a str {
        self.text.get(span.range()).unwrap_or("")
    }

    // ───────────────────────────── blocks ─────────────────────────────

    fn item(&mut self, item: &Item) -> Doc {
        match item {
            Item::Schema(schema) => self.schema(schema),
            Item::Segment(segment) => self.segment(segment),
            Item::Tiers(tiers) => self.tiers(tiers),
            Item::Events(events) => self.events(events),
        }
    }

    /// `KEYWORD name { lines }`, the lines from `lines` (start, builder) in order.
    fn block(
        &mut self,
        doc: Option<&ast::Doc>,
        keyword: &str,
        name: &ast::Ident,
        span: Span,
        lines: Vec<(u32, Line<'_>)>,
    ) -> Doc {
        let mut head = doc_lines(doc);
        head.push(Doc::text(keyword));
        head.push(self.sep(name.span.start, " "));
        head.push(Doc::text(format!("{} {{", name.name)));
        let mut entries = Entries::default();
        let mut lines = lines;
        lines.sort_by_key(|(start, _)| *start);
        for (start, line) in lines {
            self.entries_before(start, &mut entries);
            let blank = !entries.list.is_empty() && blank_before(self.text, start as usize);
            let end = line.end().max(start);
            self.break_chains = self.commented(Span {
                start,
                end,
                ..Span::default()
            });
            self.line_end = end;
            let doc = self.line(line);
            self.break_chains = false;
            self.line_end = 0;
            entries.push(doc, blank, false);
            if let Some(last) = entries.list.last_mut() {
                last.commented = std::mem::take(&mut self.line_commented);
            }
            for (text, blank) in std::mem::take(&mut self.deferred) {
                entries.push(Doc::text(text), blank, false);
            }
        }
        let close = span.end.saturating_sub(1);
        self.entries_before(close, &mut entries);
        head.append(&mut entries.header);
        if entries.list.is_empty() {
            head.push(Doc::text("}"));
            return Doc::Concat(head);
        }
        if let Some(first) = entries.list.first_mut() {
            first.blank_before = false;
        }
        head.push(Doc::nest(Doc::concat([Doc::HardLine, entries.join(false)])));
        head.push(Doc::HardLine);
        head.push(Doc::text("}"));
        Doc::Concat(head)
    }

    fn line(&mut self, line: Line<'_>) -> Doc {
        match line {
            Line::Field(field) => self.field(field, ""),
            Line::Time(field) => self.field(field, "time "),
            Line::EventKey(key) => {
                let mut parts = vec![Doc::text("key "), self.inline(key.name.span.start)];
                parts.push(Doc::text(key.name.name.clone()));
                if let Some(ty) = &key.ty {
                    parts.push(self.sep(ty.span.start, ": "));
                    parts.push(self.ty(ty));
                }
                Doc::Concat(parts)
            }
            Line::Where(condition) => Doc::concat([
                Doc::text("where"),
                self.sep(condition.span.start, " "),
                self.top(condition),
            ]),
            Line::Expect(expect) => Doc::concat([
                Doc::text("expect"),
                self.sep(expect.span.start, " "),
                self.expect(expect),
            ]),
            Line::Owner(owner) => Doc::concat([
                Doc::text("owner"),
                self.sep(owner.span.start, " "),
                Doc::text(self.slice(owner.span)),
            ]),
            Line::Paused => Doc::text("paused"),
            Line::Allow(name) => Doc::concat([
                Doc::text("allow"),
                self.sep(name.span.start, " "),
                Doc::text(name.name.clone()),
            ]),
            Line::Tier(tier) => {
                let mut parts = doc_lines(tier.doc.as_ref());
                parts.push(Doc::text(tier.name.name.clone()));
                match &tier.condition {
                    TierCondition::Otherwise(span) => {
                        parts.push(self.sep(span.start, ": otherwise"))
                    }
                    TierCondition::Expr(expr) => {
                        parts.push(self.sep(expr.span.start, ": "));
                        parts.push(self.top(expr));
                    }
                }
                Doc::Concat(parts)
            }
        }
    }

    fn schema(&mut self, schema: &ast::Schema) -> Doc {
        let lines = schema
            .fields
            .iter()
            .map(|f| (field_start(f), Line::Field(f)))
            .collect();
        self.block(
            schema.doc.as_ref(),
            "schema",
            &schema.name,
            schema.span,
            lines,
        )
    }

    fn events(&mut self, events: &ast::Events) -> Doc {
        let mut lines: Vec<(u32, Line<'_>)> = Vec::new();
        if let Some(key) = &events.key {
            lines.push((key.span.start, Line::EventKey(key)));
        }
        if let Some(time) = &events.time {
            lines.push((field_start(time), Line::Time(time)));
        }
        lines.extend(
            events
                .fields
                .iter()
                .map(|f| (field_start(f), Line::Field(f))),
        );
        self.block(
            events.doc.as_ref(),
            "events",
            &events.name,
            events.span,
            lines,
        )
    }

    fn segment(&mut self, segment: &ast::Segment) -> Doc {
        let mut lines: Vec<(u32, Line<'_>)> = Vec::new();
        if let Some(condition) = &segment.condition {
            let start = self.keyword_before(condition.span.start, "where");
            lines.push((start, Line::Where(condition)));
        }
        for expect in &segment.expects {
            let start = self.keyword_before(expect.span.start, "expect");
            lines.push((start, Line::Expect(expect)));
        }
        if let Some(owner) = &segment.owner {
            let start = self.keyword_before(owner.span.start, "owner");
            lines.push((start, Line::Owner(owner)));
        }
        if let Some(paused) = segment.paused {
            lines.push((paused.start, Line::Paused));
        }
        for allow in &segment.allows {
            let start = self.keyword_before(allow.span.start, "allow");
            lines.push((start, Line::Allow(allow)));
        }
        self.block(
            segment.doc.as_ref(),
            "segment",
            &segment.name,
            segment.span,
            lines,
        )
    }

    fn tiers(&mut self, tiers: &ast::Tiers) -> Doc {
        let lines = tiers
            .tiers
            .iter()
            .map(|t| {
                (
                    t.doc.as_ref().map_or(t.span.start, |d| d.span.start),
                    Line::Tier(t),
                )
            })
            .collect();
        self.block(tiers.doc.as_ref(), "tiers", &tiers.name, tiers.span, lines)
    }

    /// `email: string?`, `key customer_id: string`, `time at: timestamp`.
    fn field(&mut self, field: &ast::FieldDecl, keyword: &str) -> Doc {
        let mut parts = doc_lines(field.doc.as_ref());
        let keyword = if field.key.is_some() { "key " } else { keyword };
        parts.push(Doc::text(keyword));
        parts.push(self.inline(field.name.span.start));
        parts.push(Doc::text(field.name.name.clone()));
        parts.push(self.sep(field.ty.span.start, ": "));
        parts.push(self.ty(&field.ty));
        Doc::Concat(parts)
    }

    fn ty(&mut self, ty: &TypeExpr) -> Doc {
        let body = match &ty.kind {
            TypeKind::Bool => Doc::text("bool"),
            TypeKind::Int => Doc::text("int"),
            TypeKind::Float => Doc::text("float"),
            TypeKind::String => Doc::text("string"),
            TypeKind::Date => Doc::text("date"),
            TypeKind::Timestamp => Doc::text("timestamp"),
            TypeKind::Enum(values) => {
                let spans: Vec<Span> = values.iter().map(|v| v.span).collect();
                let close = self.last(ty.span, ')');
                Doc::concat([Doc::text("enum"), self.list("(", &spans, close, ")")])
            }
            TypeKind::List(element) => {
                let inner = self.ty(element);
                Doc::concat([
                    Doc::text("list<"),
                    inner,
                    self.inline(self.last(ty.span, '>')),
                    Doc::text(">"),
                ])
            }
        };
        if ty.nullable {
            Doc::concat([
                body,
                self.inline(ty.span.end.saturating_sub(1)),
                Doc::text("?"),
            ])
        } else {
            body
        }
    }

    /// A bracketed list of literals: flat when it fits, else wrapped as many per line
    /// as fit; one per line when comments sit between the items.
    fn list(&mut self, open: &str, items: &[Span], close: u32, close_text: &str) -> Doc {
        let has_comments = self.notes.get(self.next).is_some_and(|n| n.start < close);
        let mut docs = Vec::new();
        for (i, span) in items.iter().enumerate() {
            let mut item = vec![Doc::text(self.slice(*span))];
            let until = items.get(i + 1).map_or(close, |s| s.start);
            if i + 1 < items.len() {
                item.push(Doc::text(","));
            }
            item.push(self.inline(until));
            docs.push(Doc::Concat(item));
        }
        let body = if has_comments {
            let mut parts = Vec::new();
            for (i, doc) in docs.into_iter().enumerate() {
                if i > 0 {
                    parts.push(Doc::HardLine);
                }
                parts.push(doc);
            }
            Doc::Concat(parts)
        } else {
            Doc::Fill(docs)
        };
        let before_first = items.first().map_or(close, |s| s.start);
        let lead = self.inline(before_first);
        Doc::group(Doc::concat([
            Doc::text(open),
            Doc::nest(Doc::concat([lead, Doc::SoftLine, body])),
            Doc::SoftLine,
            Doc::text(close_text),
        ]))
    }

    // ───────────────────────────── expect ─────────────────────────────

    fn expect(&mut self, expect: &Expect) -> Doc {
        match &expect.kind {
            ExpectKind::Size(bound) => Doc::concat([Doc::text("size"), self.bound(bound)]),
            ExpectKind::Disjoint { other } => Doc::concat([
                Doc::text("disjoint"),
                self.sep(other.span.start, " from "),
                Doc::text(other.name.clone()),
            ]),
            ExpectKind::Overlap { other, bound } => Doc::concat([
                Doc::text("overlap"),
                self.sep(other.span.start, " with "),
                Doc::text(other.name.clone()),
                self.bound(bound),
            ]),
            ExpectKind::Lift { value, bound } => Doc::concat([
                Doc::text("lift"),
                self.sep(value.span.start, "("),
                self.expr(value),
                self.sep(bound_start(bound), ")"),
                self.bound(bound),
            ]),
        }
    }

    fn bound(&mut self, bound: &Bound) -> Doc {
        match bound {
            Bound::Compare { op, value } => Doc::concat([
                self.sep(value.span.start, &format!(" {} ", op.as_str())),
                Doc::text(quantity(value)),
            ]),
            Bound::Between { low, high } => Doc::concat([
                self.sep(low.span.start, " between "),
                Doc::text(quantity(low)),
                self.sep(high.span.start, " and "),
                Doc::text(quantity(high)),
            ]),
        }
    }

    // ───────────────────────────── expressions ─────────────────────────────

    /// A `where` or tier condition: a top-level chain of three or more criteria is
    /// always one per line.
    fn top(&mut self, expr: &Expr) -> Doc {
        match &expr.kind {
            ExprKind::And(ops) | ExprKind::Or(ops) if ops.len() >= 3 => {
                let keyword = if matches!(expr.kind, ExprKind::And(_)) {
                    "and"
                } else {
                    "or"
                };
                let doc = self.chain(ops, keyword, true);
                let rest = self.inline(expr.span.end);
                Doc::concat([doc, rest])
            }
            _ => self.expr(expr),
        }
    }

    /// An expression, then the comments inside it not printed yet and those right
    /// after it (up to the next token, within the line). The innermost expression
    /// that ends before a comment takes it, so a second run, which reads the
    /// comment right there, places it the same way.
    fn expr(&mut self, expr: &Expr) -> Doc {
        let doc = self.kind(expr);
        let until = self
            .next_token(expr.span.end)
            .min(self.line_end)
            .max(expr.span.end);
        let rest = self.inline(until);
        Doc::concat([doc, rest])
    }

    /// The offset of the first token at or after `pos` (whitespace and comments skipped).
    fn next_token(&self, pos: u32) -> u32 {
        let mut at = pos as usize;
        loop {
            let after = self.text.get(at..).unwrap_or("");
            at += after.len() - after.trim_start().len();
            match self.note_starting_at(at) {
                Some(note) => at = note.end as usize,
                None => return u32::try_from(at).unwrap_or(u32::MAX),
            }
        }
    }

    fn kind(&mut self, expr: &Expr) -> Doc {
        match &expr.kind {
            ExprKind::Or(ops) => self.chain(ops, "or", false),
            ExprKind::And(ops) => self.chain(ops, "and", false),
            ExprKind::Not(inner) => self.prefix("not ", inner),
            ExprKind::Neg(inner) => self.prefix("-", inner),
            ExprKind::Paren(inner) => Doc::concat([
                Doc::text("("),
                self.inline(inner.span.start),
                self.expr(inner),
                self.inline(expr.span.end.saturating_sub(1)),
                Doc::text(")"),
            ]),
            ExprKind::Compare { left, op, right } => {
                self.binary(left, &format!(" {} ", op.as_str()), right)
            }
            ExprKind::Arith { left, op, right } => {
                self.binary(left, &format!(" {} ", op.as_str()), right)
            }
            ExprKind::InList {
                value,
                items,
                list_span,
                negated,
            } => {
                let word = if *negated { " not in " } else { " in " };
                let spans: Vec<Span> = items.iter().map(|i| i.span).collect();
                Doc::concat([
                    self.expr(value),
                    self.sep(list_span.start, word),
                    self.list("[", &spans, list_span.end.saturating_sub(1), "]"),
                ])
            }
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => {
                let word = if *negated {
                    " not between "
                } else {
                    " between "
                };
                Doc::concat([
                    self.expr(value),
                    self.sep(low.span.start, word),
                    self.expr(low),
                    self.sep(high.span.start, " and "),
                    self.expr(high),
                ])
            }
            ExprKind::IsMissing { value, negated } => {
                let word = if *negated {
                    " is present"
                } else {
                    " is missing"
                };
                self.postfix(value, word, expr.span.end)
            }
            ExprKind::IsEmpty { value, negated } => {
                let word = if *negated {
                    " is not empty"
                } else {
                    " is empty"
                };
                self.postfix(value, word, expr.span.end)
            }
            ExprKind::StringTest { value, op, pattern } => Doc::concat([
                self.expr(value),
                self.sep(pattern.span.start, &format!(" {} ", op.as_str())),
                Doc::text(self.slice(pattern.span)),
            ]),
            ExprKind::Has {
                list,
                quantifier,
                items,
            } => {
                let first = items.first().map_or(expr.span.end, |i| i.span.start);
                let spans: Vec<Span> = items.iter().map(|i| i.span).collect();
                let value = self.expr(list);
                match quantifier {
                    HasQuantifier::One => Doc::concat([
                        value,
                        self.sep(first, " has "),
                        Doc::text(spans.first().map_or("", |s| self.slice(*s))),
                    ]),
                    HasQuantifier::Any | HasQuantifier::All => {
                        let word = if *quantifier == HasQuantifier::Any {
                            " has any "
                        } else {
                            " has all "
                        };
                        let head = self.sep(first, word);
                        let close = expr.span.end.saturating_sub(1);
                        Doc::concat([value, head, self.list("[", &spans, close, "]")])
                    }
                }
            }
            ExprKind::Within {
                value,
                direction,
                window,
            } => Doc::concat([
                self.expr(value),
                self.sep(
                    window.span.start,
                    &format!(" within {} ", direction.as_str()),
                ),
                Doc::text(self.duration(window)),
            ]),
            ExprKind::DateCompare { value, op, target } => {
                let word = match op {
                    ast::DateOp::Before => " before ",
                    ast::DateOp::After => " after ",
                };
                let value = self.expr(value);
                let target = match target {
                    DateTarget::Literal(literal) => {
                        Doc::concat([self.sep(literal.span.start, word), self.expr(literal)])
                    }
                    DateTarget::Ago(duration) => Doc::concat([
                        self.sep(duration.span.start, word),
                        Doc::text(format!("{} ago", self.duration(duration))),
                    ]),
                };
                Doc::concat([value, target])
            }
            ExprKind::Percentile {
                value,
                side,
                percent,
            } => Doc::concat([
                self.expr(value),
                self.sep(percent.span.start, &format!(" in {} ", side.as_str())),
                Doc::text(format!("{}%", percent.value)),
            ]),
            ExprKind::Call { function, args } => {
                let mut parts = vec![Doc::text(format!("{}(", function.name))];
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        parts.push(self.sep(arg.span.start, ", "));
                    } else {
                        parts.push(self.inline(arg.span.start));
                    }
                    parts.push(self.expr(arg));
                }
                parts.push(self.inline(expr.span.end.saturating_sub(1)));
                parts.push(Doc::text(")"));
                Doc::Concat(parts)
            }
            ExprKind::Aggregate(aggregate) => self.aggregate(aggregate, expr.span),
            ExprKind::Name(ident) => Doc::text(ident.name.clone()),
            ExprKind::Literal(_) => Doc::text(self.slice(expr.span)),
        }
    }

    /// `a and b and c`: flat when it fits, else one operand per line, the keyword
    /// leading, one level deeper. Whatever breaks inside an operand (a nested chain,
    /// a wrapped list) is one level deeper again, so `a and b or c` broken reads
    /// as its grouping. `force` breaks it even when it fits; so does a comment
    /// anywhere on the clause (see [`Layout::commented`]).
    fn chain(&mut self, ops: &[Expr], keyword: &str, force: bool) -> Doc {
        let Some((first, rest)) = ops.split_first() else {
            return Doc::Concat(Vec::new());
        };
        let mut parts = vec![self.expr(first)];
        if force || self.break_chains {
            parts.push(Doc::BreakParent);
        }
        for op in rest {
            parts.push(self.inline(op.span.start));
            parts.push(Doc::Line);
            parts.push(Doc::text(format!("{keyword} ")));
            parts.push(self.expr(op));
        }
        Doc::group(Doc::nest(Doc::Concat(parts)))
    }

    fn prefix(&mut self, word: &str, inner: &Expr) -> Doc {
        let space = if word.ends_with(' ') { " " } else { "" };
        Doc::concat([
            Doc::text(word.trim_end()),
            self.sep(inner.span.start, space),
            self.expr(inner),
        ])
    }

    fn postfix(&mut self, value: &Expr, word: &str, end: u32) -> Doc {
        Doc::concat([self.expr(value), self.sep(end, word)])
    }

    fn binary(&mut self, left: &Expr, op: &str, right: &Expr) -> Doc {
        Doc::concat([
            self.expr(left),
            self.sep(right.span.start, op),
            self.expr(right),
        ])
    }

    /// `count(orders.amount where … within last 90 days)`.
    fn aggregate(&mut self, aggregate: &ast::Aggregate, span: Span) -> Doc {
        let mut parts = vec![
            Doc::text(format!("{}(", aggregate.function.as_str())),
            self.inline(aggregate.table.span.start),
            Doc::text(aggregate.table.name.clone()),
        ];
        if let Some(field) = &aggregate.field {
            parts.push(self.sep(field.span.start, "."));
            parts.push(Doc::text(field.name.clone()));
        }
        if let Some(filter) = &aggregate.filter {
            parts.push(self.sep(filter.span.start, " where "));
            parts.push(self.expr(filter));
        }
        if let Some(window) = &aggregate.window {
            let word = format!(" within {} ", window.direction.as_str());
            parts.push(self.sep(window.duration.span.start, &word));
            parts.push(Doc::text(self.duration(&window.duration)));
        }
        parts.push(self.inline(span.end.saturating_sub(1)));
        parts.push(Doc::text(")"));
        Doc::Concat(parts)
    }

    /// `30 days`: the count as written, the unit singular or plural as written.
    fn duration(&self, duration: &ast::Duration) -> String {
        let word = match duration.unit {
            ast::DurationUnit::Day => "day",
            ast::DurationUnit::Week => "week",
            ast::DurationUnit::Month => "month",
            ast::DurationUnit::Year => "year",
        };
        let plural = if self.slice(duration.span).ends_with('s') {
            "s"
        } else {
            ""
        };
        format!("{} {word}{plural}", duration.amount)
    }
}

impl Line<'_> {
    /// Where the line's last token ends.
    fn end(&self) -> u32 {
        match self {
            Line::Field(f) | Line::Time(f) => f.span.end,
            Line::EventKey(k) => k.span.end,
            Line::Where(e) => e.span.end,
            Line::Expect(e) => e.span.end,
            Line::Owner(o) => o.span.end,
            Line::Paused => 0,
            Line::Allow(a) => a.span.end,
            Line::Tier(t) => t.span.end,
        }
    }
}

/// A line of a block body.
enum Line<'a> {
    Field(&'a ast::FieldDecl),
    Time(&'a ast::FieldDecl),
    EventKey(&'a ast::EventKey),
    Where(&'a Expr),
    Expect(&'a Expect),
    Owner(&'a ast::StringLit),
    Paused,
    Allow(&'a ast::Ident),
    Tier(&'a ast::Tier),
}

/// The `///` lines of a doc comment, each followed by a line break.
fn doc_lines(doc: Option<&ast::Doc>) -> Vec<Doc> {
    let Some(doc) = doc else {
        return Vec::new();
    };
    doc.text
        .split('\n')
        .flat_map(|line| {
            let text = if line.is_empty() {
                "///".to_owned()
            } else {
                format!("/// {line}")
            };
            [Doc::Text(text), Doc::HardLine]
        })
        .collect()
}

/// `20%`, `500`, `2.5` as written.
fn quantity(quantity: &ast::Quantity) -> String {
    match &quantity.kind {
        QuantityKind::Int(text) | QuantityKind::Float(text) => text.clone(),
        QuantityKind::Percent(text) => format!("{text}%"),
    }
}

fn bound_start(bound: &Bound) -> u32 {
    match bound {
        Bound::Compare { value, .. } => value.span.start.saturating_sub(1),
        Bound::Between { low, .. } => low.span.start.saturating_sub(1),
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Schema(s) => s.span,
        Item::Segment(s) => s.span,
        Item::Tiers(t) => t.span,
        Item::Events(e) => e.span,
    }
}

/// Where an item starts, its doc comment included.
fn item_start(item: &Item) -> u32 {
    let doc = match item {
        Item::Schema(s) => s.doc.as_ref(),
        Item::Segment(s) => s.doc.as_ref(),
        Item::Tiers(t) => t.doc.as_ref(),
        Item::Events(e) => e.doc.as_ref(),
    };
    doc.map_or(item_span(item).start, |d| d.span.start)
}

fn field_start(field: &ast::FieldDecl) -> u32 {
    field
        .doc
        .as_ref()
        .map_or(field.span.start, |d| d.span.start)
}

/// The whitespace right before `at`.
fn gap(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?;
    let trimmed = before.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.is_empty() {
        return None;
    }
    before.get(trimmed.len()..)
}

/// Whether something else is written before `at` on its line.
fn trailing(text: &str, at: usize) -> bool {
    gap(text, at).is_some_and(|g| !g.contains('\n'))
}

/// Whether an empty line lies right before `at`.
fn blank_before(text: &str, at: usize) -> bool {
    gap(text, at).is_some_and(|g| g.matches('\n').count() >= 2)
}
