//! A small Wadler-style pretty-printing algebra and its printer.
//!
//! [`super::layout`] describes a file as a [`Doc`]: text, places where a line may
//! break, and groups that are printed flat when they fit in [`WIDTH`] columns and
//! broken otherwise. The printer is the usual one (as in prettier): a group is
//! flat when it and the text after it up to the next possible break fit on the
//! line. A group that holds a hard line break (a comment, a forced break) is always
//! broken, and so is every group around it.

/// The line width the layout aims for. Lines may be longer when nothing can break
/// (a long string, a long aggregate).
pub const WIDTH: usize = 100;

/// Spaces per indentation level.
pub const INDENT: usize = 2;

/// A document to print.
#[derive(Clone, Debug)]
pub enum Doc {
    /// Text without line breaks.
    Text(String),
    /// A space when flat, a line break when broken.
    Line,
    /// Nothing when flat, a line break when broken.
    SoftLine,
    /// Always a line break; breaks every enclosing group.
    HardLine,
    /// A line break without indentation on the empty line (a blank line); breaks
    /// every enclosing group.
    BlankLine,
    /// Prints nothing but breaks every enclosing group.
    BreakParent,
    /// A comment at the end of the current line (on a line of its own when the line
    /// already has one); what follows starts a new line. Breaks enclosing groups.
    Trailing(String),
    /// A comment on a line of its own, printed right before the next text and
    /// indented like it; what follows starts a new line. Breaks enclosing groups.
    Leading(String),
    /// Comments still waiting for a line of their own (a second trailing comment on
    /// a line) are printed here, indented at this level, rather than before the next
    /// text: the end of a body line, where a second run reads them as lines of the
    /// body.
    Flush,
    /// The inner document with its line breaks indented `n` more columns.
    Nest(usize, Box<Doc>),
    /// Flat if it fits, else broken.
    Group(Box<Doc>),
    /// Parts in a row.
    Concat(Vec<Doc>),
    /// Items separated by a space when the next item still fits on the line, else
    /// by a line break (a paragraph of list items).
    Fill(Vec<Doc>),
}

impl Doc {
    /// Text.
    pub fn text(text: impl Into<String>) -> Doc {
        Doc::Text(text.into())
    }

    /// Parts in a row.
    pub fn concat(parts: impl IntoIterator<Item = Doc>) -> Doc {
        Doc::Concat(parts.into_iter().collect())
    }

    /// A group.
    pub fn group(doc: Doc) -> Doc {
        Doc::Group(Box::new(doc))
    }

    /// Indents line breaks inside `doc` by one level.
    pub fn nest(doc: Doc) -> Doc {
        Doc::Nest(INDENT, Box::new(doc))
    }

    /// Whether printing this breaks every group around it.
    fn forces_break(&self) -> bool {
        match self {
            Doc::HardLine
            | Doc::BlankLine
            | Doc::BreakParent
            | Doc::Trailing(_)
            | Doc::Leading(_) => true,
            Doc::Text(_) | Doc::Line | Doc::SoftLine | Doc::Flush => false,
            Doc::Nest(_, inner) | Doc::Group(inner) => inner.forces_break(),
            Doc::Concat(parts) | Doc::Fill(parts) => parts.iter().any(Doc::forces_break),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// What the printer still has to print: a document, or the items of a broken
/// [`Doc::Fill`] from the second on (the separator before the first of them is
/// decided when it comes up).
#[derive(Clone, Copy)]
enum Item<'d> {
    Doc(&'d Doc),
    FillRest(&'d [Doc]),
}

type Stack<'d> = Vec<(usize, Mode, Item<'d>)>;

/// Prints `doc` and ends the text with one line break (none for an empty text).
pub fn print(doc: &Doc) -> String {
    let mut printer = Printer {
        out: String::new(),
        column: 0,
        at_line_start: true,
        must_break: false,
        line_has_comment: false,
        own_lines: Vec::new(),
    };
    let mut stack: Stack<'_> = vec![(0, Mode::Break, Item::Doc(doc))];
    while let Some((indent, mode, item)) = stack.pop() {
        match item {
            Item::Doc(doc) => printer.step(indent, mode, doc, &mut stack),
            Item::FillRest(items) => printer.fill_rest(indent, items, &mut stack),
        }
    }
    for comment in std::mem::take(&mut printer.own_lines) {
        printer.newline();
        printer.out.push_str(&comment);
    }
    let mut out = printer.out;
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

struct Printer {
    out: String,
    column: usize,
    /// Nothing is written on the current line yet; its indentation is written with
    /// its first text, as that text's own (so that empty lines carry no spaces and
    /// a line after a comment is indented like what it holds).
    at_line_start: bool,
    /// A comment ended the line: the next text starts a new one.
    must_break: bool,
    /// The current line ends with a comment.
    line_has_comment: bool,
    /// Comments waiting to be printed on lines of their own before the next text.
    own_lines: Vec<String>,
}

impl Printer {
    fn step<'d>(&mut self, indent: usize, mode: Mode, doc: &'d Doc, stack: &mut Stack<'d>) {
        match doc {
            Doc::Text(text) => self.text(text, indent),
            Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                if matches!(doc, Doc::Line) {
                    self.text(" ", indent);
                }
            }
            Doc::Line | Doc::SoftLine | Doc::HardLine => self.newline(),
            Doc::BlankLine => {
                self.newline();
                if !self.out.is_empty() && !self.out.ends_with("\n\n") {
                    self.out.push('\n');
                }
            }
            Doc::BreakParent => {}
            Doc::Trailing(comment) => {
                if self.at_line_start || self.must_break || self.line_has_comment {
                    self.own_lines.push(comment.clone());
                } else {
                    self.out.push(' ');
                    self.out.push_str(comment);
                    self.line_has_comment = true;
                }
                self.must_break = true;
            }
            Doc::Leading(comment) => {
                self.own_lines.push(comment.clone());
                self.must_break = true;
            }
            Doc::Flush => {
                for comment in std::mem::take(&mut self.own_lines) {
                    self.newline();
                    self.text(&comment, indent);
                    self.must_break = true;
                }
            }
            Doc::Nest(n, inner) => stack.push((indent + n, mode, Item::Doc(inner))),
            Doc::Concat(parts) => {
                stack.extend(parts.iter().rev().map(|p| (indent, mode, Item::Doc(p))))
            }
            Doc::Group(inner) => {
                let flat = mode == Mode::Flat
                    || (!inner.forces_break() && self.fits(indent, inner, stack));
                let mode = if flat { Mode::Flat } else { Mode::Break };
                stack.push((indent, mode, Item::Doc(inner)));
            }
            Doc::Fill(items) => {
                let Some((first, rest)) = items.split_first() else {
                    return;
                };
                if mode == Mode::Flat {
                    for item in rest.iter().rev() {
                        stack.push((indent, Mode::Flat, Item::Doc(item)));
                        stack.push((indent, Mode::Flat, Item::Doc(&Doc::Line)));
                    }
                } else if !rest.is_empty() {
                    stack.push((indent, Mode::Break, Item::FillRest(rest)));
                }
                stack.push((indent, Mode::Flat, Item::Doc(first)));
            }
        }
    }

    /// The next item of a broken fill: after a space when it fits on this line,
    /// else on a new line.
    fn fill_rest<'d>(&mut self, indent: usize, items: &'d [Doc], stack: &mut Stack<'d>) {
        let Some((next, rest)) = items.split_first() else {
            return;
        };
        let fits = self.at_line_start
            || self.must_break
            || flat_width(next).is_some_and(|w| self.column + 1 + w <= WIDTH);
        if !rest.is_empty() {
            stack.push((indent, Mode::Break, Item::FillRest(rest)));
        }
        stack.push((indent, Mode::Flat, Item::Doc(next)));
        if fits {
            self.text(" ", indent);
        } else {
            self.newline();
        }
    }

    /// Writes text; spaces that would start a line are dropped (a separator after a
    /// comment that ended the line).
    fn text(&mut self, text: &str, indent: usize) {
        if self.must_break {
            self.newline();
        }
        let text = if self.at_line_start {
            text.trim_start_matches(' ')
        } else {
            text
        };
        if text.is_empty() {
            return;
        }
        if self.at_line_start {
            for comment in std::mem::take(&mut self.own_lines) {
                self.out.extend(std::iter::repeat_n(' ', indent));
                self.out.push_str(&comment);
                self.out.push('\n');
            }
            self.out.extend(std::iter::repeat_n(' ', indent));
            self.column = indent;
            self.at_line_start = false;
        }
        self.out.push_str(text);
        self.column += text.chars().count();
    }

    /// Ends the line. At the start of a line (right after another break) this only
    /// sets the indentation: breaks never pile up into empty lines; [`Doc::BlankLine`]
    /// is the one way to get one.
    fn newline(&mut self) {
        self.must_break = false;
        if self.at_line_start {
            return;
        }
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.column = 0;
        self.at_line_start = true;
        self.line_has_comment = false;
    }

    /// Whether `doc` printed flat, followed by what is on the stack up to its next
    /// line break, fits in the rest of the line.
    fn fits(&self, indent: usize, doc: &Doc, rest: &Stack<'_>) -> bool {
        let start = if self.at_line_start {
            indent
        } else {
            self.column
        };
        let mut remaining = WIDTH as isize - start as isize;
        let mut todo: Vec<(Mode, &Doc)> = vec![(Mode::Flat, doc)];
        let mut rest = rest.iter().rev();
        loop {
            let Some((mode, doc)) = todo.pop() else {
                match rest.next() {
                    Some(&(_, mode, Item::Doc(doc))) => {
                        todo.push((mode, doc));
                        continue;
                    }
                    // A broken fill may break before its next item.
                    Some((_, _, Item::FillRest(_))) | None => return remaining >= 0,
                }
            };
            match doc {
                Doc::Text(text) => remaining -= text.chars().count() as isize,
                Doc::Line | Doc::SoftLine => {
                    if mode == Mode::Break {
                        return remaining >= 0;
                    }
                    if matches!(doc, Doc::Line) {
                        remaining -= 1;
                    }
                }
                Doc::HardLine | Doc::BlankLine | Doc::Trailing(_) | Doc::Leading(_) => {
                    return remaining >= 0;
                }
                Doc::BreakParent | Doc::Flush => {}
                Doc::Nest(_, inner) | Doc::Group(inner) => todo.push((mode, inner)),
                Doc::Concat(parts) => todo.extend(parts.iter().rev().map(|p| (mode, p))),
                Doc::Fill(items) => {
                    if let Some(first) = items.first() {
                        todo.push((Mode::Flat, first));
                    }
                    if mode == Mode::Flat {
                        for item in items.iter().skip(1).rev() {
                            todo.push((mode, item));
                            todo.push((mode, &Doc::Line));
                        }
                    } else if items.len() > 1 {
                        // A broken fill may break before its second item; count
                        // the first only.
                        let first = todo.pop();
                        todo.clear();
                        if let Some(first) = first {
                            todo.push(first);
                        }
                        rest = [].iter().rev();
                    }
                }
            }
            if remaining < 0 {
                return false;
            }
        }
    }
}

/// The width of `doc` printed flat, or `None` when it cannot be flat.
fn flat_width(doc: &Doc) -> Option<usize> {
    Some(match doc {
        Doc::Text(text) => text.chars().count(),
        Doc::Line => 1,
        Doc::SoftLine | Doc::BreakParent | Doc::Flush => 0,
        Doc::HardLine | Doc::BlankLine | Doc::Trailing(_) | Doc::Leading(_) => return None,
        Doc::Nest(_, inner) | Doc::Group(inner) => flat_width(inner)?,
        Doc::Concat(parts) => parts.iter().map(flat_width).sum::<Option<usize>>()?,
        Doc::Fill(items) => {
            items.iter().map(flat_width).sum::<Option<usize>>()? + items.len().saturating_sub(1)
        }
    })
}
