//! How `segmint stats --overlap` prints the overlap matrix: takes
//! [`Overlap`] counts, gives tables that stay readable with many segments.
//!
//! A 63×63 matrix of names is unreadable in a terminal, so the table format lists,
//! for each segment, the segments sharing the most of its members (as a share of
//! its members: "92% of champions are also loyal") and says how many more there
//! are. Markdown keeps the whole matrix, with numbered columns (`#1…#n`) and rows
//! labelled `#i name`; JSON keeps it as numbers.

use super::output::{Align, Table, percent};
use crate::stats::Overlap;

/// How many partners the table names per segment.
pub const LARGEST: usize = 3;

/// Per segment: its size and its [`LARGEST`] overlaps, then `+N more`.
pub fn largest_table(overlap: &Overlap) -> Table {
    let mut table = Table::new([
        "overlap",
        "members",
        "largest overlaps (share of its members)",
    ])
    .aligned(&[Align::Left, Align::Right, Align::Left]);
    for (i, name) in overlap.segments.iter().enumerate() {
        let size = overlap.size(i);
        table.row([name.clone(), size.to_string(), partners_cell(overlap, i)]);
    }
    table
}

/// Whether [`largest_table`] left out some pair (then the output says where to find it).
pub fn leaves_some_out(overlap: &Overlap) -> bool {
    (0..overlap.segments.len()).any(|i| overlap.partners(i).len() > LARGEST)
}

/// `loyal 92.2%, vip 50.0%, +51 more`, or why there is nothing to show. Counts are
/// left to JSON and markdown, so a line stays short enough for a terminal.
fn partners_cell(overlap: &Overlap, i: usize) -> String {
    let size = overlap.size(i);
    if size == 0 {
        return "(no members)".into();
    }
    let partners = overlap.partners(i);
    if partners.is_empty() {
        return "(no other segment)".into();
    }
    let mut cells: Vec<String> = partners
        .iter()
        .take(LARGEST)
        .map(|&(j, count)| {
            let name = overlap.segments.get(j).map_or("?", String::as_str);
            format!("{name} {}", percent(count, size))
        })
        .collect();
    if partners.len() > LARGEST {
        cells.push(format!("+{} more", partners.len() - LARGEST));
    }
    cells.join(", ")
}

/// The whole matrix: rows `#i name`, columns `#1…#n`, cells the shared members.
pub fn matrix_table(overlap: &Overlap) -> Table {
    let numbers = (1..=overlap.segments.len()).map(|n| format!("#{n}"));
    let mut table = Table::new(std::iter::once("overlap".to_owned()).chain(numbers));
    for (i, (name, row)) in overlap.segments.iter().zip(&overlap.counts).enumerate() {
        let label = format!("#{} {name}", i + 1);
        table.row(std::iter::once(label).chain(row.iter().map(u64::to_string)));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(table: &Table) -> String {
        let mut out = Vec::new();
        table.write_text(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn overlap() -> Overlap {
        Overlap {
            segments: ["a", "b", "c", "d", "e", "none"].map(String::from).to_vec(),
            counts: vec![
                vec![10, 5, 4, 3, 2, 0],
                vec![5, 5, 0, 0, 0, 0],
                vec![4, 0, 4, 0, 0, 0],
                vec![3, 0, 0, 3, 0, 0],
                vec![2, 0, 0, 0, 2, 0],
                vec![0, 0, 0, 0, 0, 0],
            ],
        }
    }

    #[test]
    fn names_the_largest_overlaps_and_counts_the_rest() {
        let overlap = overlap();
        assert_eq!(
            text(&largest_table(&overlap)),
            "overlap  members  largest overlaps (share of its members)\n\
             a             10  b 50.0%, c 40.0%, d 30.0%, +1 more\n\
             b              5  a 100.0%\n\
             c              4  a 100.0%\n\
             d              3  a 100.0%\n\
             e              2  a 100.0%\n\
             none           0  (no members)\n"
        );
        assert!(leaves_some_out(&overlap));
    }

    #[test]
    fn the_matrix_numbers_its_columns() {
        let mut overlap = overlap();
        overlap.segments.truncate(2);
        overlap.counts = vec![vec![10, 5], vec![5, 5]];
        assert_eq!(
            text(&matrix_table(&overlap)),
            "overlap  #1  #2\n#1 a     10   5\n#2 b      5   5\n"
        );
        assert!(!leaves_some_out(&overlap));
    }
}
