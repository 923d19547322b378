//! Code lenses with live sizes: one above each segment (`1,234 members · 12.3%`)
//! and each tier label. While a newer count is running the last numbers stay,
//! marked as updating; while the project has errors they are marked as stale.

use crate::number::thousands;
use std::sync::Arc;

use lsp_types::{CodeLens, Command};

use super::analysis::Analysis;
use super::position::LineIndex;
use super::sizes::{Size, Sizes};
use super::symbols::Symbol;
use crate::source::FileId;

/// Where a project's sizes stand.
#[derive(Clone, Debug, Default)]
pub enum Lenses {
    /// No data configured, or the data cannot be read: no lenses.
    #[default]
    Off,
    /// Counting for the latest edit; the previous numbers, if any.
    Counting(Option<Arc<Sizes>>),
    /// The project has errors: the last numbers, if any, are stale.
    Stale(Option<Arc<Sizes>>),
    /// Up to date.
    Ready(Arc<Sizes>),
}

impl Lenses {
    /// The numbers shown, whatever their state.
    pub fn last(&self) -> Option<Arc<Sizes>> {
        match self {
            Lenses::Off => None,
            Lenses::Counting(last) | Lenses::Stale(last) => last.clone(),
            Lenses::Ready(sizes) => Some(Arc::clone(sizes)),
        }
    }
}

/// The lenses of one file.
pub fn lenses(analysis: &Analysis, file: FileId, state: &Lenses) -> Vec<CodeLens> {
    let (sizes, note) = match state {
        Lenses::Off => return Vec::new(),
        Lenses::Counting(last) => (last.as_deref(), " (updating…)"),
        Lenses::Stale(last) => (last.as_deref(), " (stale: fix the errors to update)"),
        Lenses::Ready(sizes) => (Some(&**sizes), ""),
    };
    let Some(source) = analysis.compiled.sources.get(file) else {
        return Vec::new();
    };
    let lines = LineIndex::new(&source.text);
    let mut out = Vec::new();
    for definition in &analysis.index().definitions {
        if definition.name.file != file {
            continue;
        }
        match &definition.symbol {
            Symbol::Segment(name) => {
                let size = sizes.and_then(|s| s.segments.get(name));
                let title = format!("{}{note}", members(size, sizes));
                out.push(lens(lines.range(definition.name), title));
            }
            Symbol::Tiers(block) => {
                let labels = definition
                    .detail
                    .values
                    .iter()
                    .zip(&definition.detail.labels);
                for (label, span) in labels {
                    let key = (block.clone(), label.clone());
                    let size = sizes.and_then(|s| s.tiers.get(&key));
                    let title = format!("{label}: {}{note}", members(size, sizes));
                    out.push(lens(lines.range(*span), title));
                }
            }
            _ => {}
        }
    }
    out
}

fn lens(range: lsp_types::Range, title: String) -> CodeLens {
    CodeLens {
        range,
        command: Some(Command::new(title, String::new(), None)),
        data: None,
    }
}

/// `1,234 members · 12.3% of 10,000`, or `size not counted yet`.
fn members(size: Option<&Size>, sizes: Option<&Sizes>) -> String {
    let (Some(size), Some(sizes)) = (size, sizes) else {
        return "size: counting…".into();
    };
    let noun = if size.count == 1 { "member" } else { "members" };
    let share = size
        .share
        .map_or(String::new(), |s| format!(" · {:.1}%", s * 100.0));
    format!(
        "{} {noun}{share} of {}",
        thousands(size.count),
        thousands(sizes.rows)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_separators_and_shares() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        let sizes = Sizes {
            rows: 2000,
            ..Sizes::default()
        };
        let size = Size {
            count: 1,
            share: Some(0.25),
        };
        assert_eq!(
            members(Some(&size), Some(&sizes)),
            "1 member · 25.0% of 2,000"
        );
    }
}
