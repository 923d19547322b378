//! Hover: what a name stands for. A field's declared type (with an enum's values)
//! and doc comment; a segment's doc comment, owner, criteria and checked
//! expression (as `segmint explain` words it, when the project checks); a tiers
//! block's tiers; an event table's fields.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::analysis::Analysis;
use super::symbols::{Definition, Symbol};
use crate::source::FileId;

/// The hover text at a byte offset of a file, if a name is there.
pub fn hover(analysis: &Analysis, file: FileId, offset: u32) -> Option<Hover> {
    let index = analysis.index();
    let occurrence = index.at(file, offset)?;
    let definition = index.definition(&occurrence.symbol)?;
    let text = describe(analysis, definition);
    let source = analysis.compiled.sources.get(file)?;
    let range = super::position::LineIndex::new(&source.text).range(occurrence.span);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(range),
    })
}

fn describe(analysis: &Analysis, definition: &Definition) -> String {
    let detail = &definition.detail;
    let mut parts = vec![code(&signature(&definition.symbol, detail.ty.as_deref()))];
    parts.extend(detail.doc.clone());
    if !detail.values.is_empty() {
        let noun = match definition.symbol {
            Symbol::Tiers(_) => "tiers",
            _ => "values",
        };
        let values: Vec<String> = detail.values.iter().map(|v| format!("`{v}`")).collect();
        parts.push(format!("{noun}: {}", values.join(", ")));
    }
    if let Some(owner) = &detail.owner {
        parts.push(format!("owner: {owner}"));
    }
    match &definition.symbol {
        Symbol::Segment(name) => parts.push(segment_body(analysis, name, detail.body.as_deref())),
        Symbol::Tiers(_) | Symbol::Events(_) => parts.extend(detail.body.as_deref().map(code)),
        Symbol::Field(_) | Symbol::EventField(..) => {}
    }
    parts.join("\n\n")
}

fn signature(symbol: &Symbol, ty: Option<&str>) -> String {
    match symbol {
        Symbol::Field(name) => format!("{name}: {}", ty.unwrap_or("?")),
        Symbol::EventField(table, name) => format!("{table}.{name}: {}", ty.unwrap_or("?")),
        Symbol::Segment(name) => format!("segment {name}"),
        Symbol::Tiers(name) => format!("tiers {name}"),
        Symbol::Events(name) => format!("events {name}"),
    }
}

/// `segmint explain`'s words when the project checks; else the condition as written.
fn segment_body(analysis: &Analysis, name: &str, written: Option<&str>) -> String {
    if let Some(program) = &analysis.compiled.program {
        let as_of = analysis
            .config
            .as_of
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        if let Ok(words) = crate::cli::explain::describe(program, name, as_of, false) {
            return code_plain(words.trim_end());
        }
    }
    format!(
        "where (not checked: the project has errors)\n\n{}",
        code(written.unwrap_or(""))
    )
}

fn code(text: &str) -> String {
    format!("```segmint\n{text}\n```")
}

fn code_plain(text: &str) -> String {
    format!("```text\n{text}\n```")
}
