//! Tables shared by commands: aligned text for terminals and GitHub markdown.
//! JSON output is built by each command from `serde` structs, so keys are stable.

use std::io::{self, Write};

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Names and labels.
    Left,
    /// Numbers.
    Right,
}

/// A table: a header row and rows of cells, all already formatted.
#[derive(Clone, Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers; the first column is left-aligned, the rest
    /// right-aligned (names, then numbers).
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Table {
        let headers: Vec<String> = headers.into_iter().map(Into::into).collect();
        let align = (0..headers.len())
            .map(|i| if i == 0 { Align::Left } else { Align::Right })
            .collect();
        Table {
            headers,
            align,
            rows: Vec::new(),
        }
    }

    /// Sets each column's alignment (columns beyond `align` keep theirs).
    pub fn aligned(mut self, align: &[Align]) -> Table {
        for (slot, a) in self.align.iter_mut().zip(align) {
            *slot = *a;
        }
        self
    }

    /// Adds a row; missing cells are left empty, extra cells are dropped.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut cells: Vec<String> = cells.into_iter().map(Into::into).collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// Column widths in characters.
    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        widths
    }

    /// Aligned text with two spaces between columns and no trailing spaces.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let widths = self.widths();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let line = self.line(row, &widths, "  ");
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// A GitHub-flavoured markdown table (pipes escaped in cells).
    pub fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        let escaped =
            |row: &[String]| -> Vec<String> { row.iter().map(|c| c.replace('|', "\\|")).collect() };
        let header = escaped(&self.headers);
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| escaped(r)).collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count().max(3)).collect();
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        writeln!(out, "| {} |", self.line(&header, &widths, " | "))?;
        let rule: Vec<String> = widths
            .iter()
            .zip(&self.align)
            .map(|(w, a)| match a {
                Align::Left => "-".repeat(*w),
                Align::Right => format!("{}:", "-".repeat(w.saturating_sub(1))),
            })
            .collect();
        writeln!(out, "| {} |", rule.join(" | "))?;
        for row in &rows {
            writeln!(out, "| {} |", self.line(row, &widths, " | "))?;
        }
        Ok(())
    }

    fn line(&self, cells: &[String], widths: &[usize], separator: &str) -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .zip(&self.align)
            .map(|((cell, width), align)| match align {
                Align::Left => format!("{cell:<width$}"),
                Align::Right => format!("{cell:>width$}"),
            })
            .collect();
        padded.join(separator)
    }
}

/// `1 row`, `2 rows`: a count and its noun (which takes a plain `s` in the plural).
pub fn counted(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A share as a percentage with one decimal (`4.2%`), or `-` when there is no total.
pub fn percent(count: u64, total: u64) -> String {
    match share(count, total) {
        Some(share) => format!("{:.1}%", share * 100.0),
        None => "-".into(),
    }
}

/// `count / total`, or `None` when the total is zero.
pub fn share(count: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| count as f64 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(["segment", "members", "share"]);
        table.row(["champions", "42", "4.2%"]);
        table.row(["a|b", "1000", "100.0%"]);
        table
    }

    #[test]
    fn text_aligns_names_left_and_numbers_right() {
        let mut out = Vec::new();
        sample().write_text(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "segment    members   share\nchampions       42    4.2%\na|b           1000  100.0%\n"
        );
    }

    #[test]
    fn markdown_escapes_pipes_and_marks_numeric_columns() {
        let mut out = Vec::new();
        sample().write_markdown(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "| segment   | members |  share |\n| --------- | ------: | -----: |\n| champions |      42 |   4.2% |\n| a\\|b      |    1000 | 100.0% |\n"
        );
    }

    #[test]
    fn one_row_is_singular() {
        assert_eq!(counted(0, "row"), "0 rows");
        assert_eq!(counted(1, "row"), "1 row");
        assert_eq!(counted(2, "row"), "2 rows");
    }

    #[test]
    fn share_of_nothing_is_unknown() {
        assert_eq!(percent(0, 0), "-");
        assert_eq!(percent(1, 3), "33.3%");
    }
}
