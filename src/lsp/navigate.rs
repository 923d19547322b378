//! Go to definition, find references and rename, over the project's index.
//! Rename is offered for segments and tiers blocks (the names other files refer
//! to); a field's name is the data's column name, which an editor cannot rename.

use std::collections::HashMap;

use lsp_types::{Location, TextEdit, Uri, WorkspaceEdit};

use super::analysis::Analysis;
use super::position::location;
use super::symbols::Symbol;
use crate::source::FileId;

/// Where the name at the offset is defined.
pub fn definition(analysis: &Analysis, file: FileId, offset: u32) -> Option<Location> {
    let index = analysis.index();
    let symbol = &index.at(file, offset)?.symbol;
    location(&analysis.compiled.sources, index.definition(symbol)?.name)
}

/// Every place the name at the offset is written.
pub fn references(
    analysis: &Analysis,
    file: FileId,
    offset: u32,
    with_definition: bool,
) -> Vec<Location> {
    let index = analysis.index();
    let Some(occurrence) = index.at(file, offset) else {
        return Vec::new();
    };
    let defined = index.definition(&occurrence.symbol).map(|d| d.name);
    index
        .occurrences_of(&occurrence.symbol)
        .filter(|o| with_definition || Some(o.span) != defined)
        .filter_map(|o| location(&analysis.compiled.sources, o.span))
        .collect()
}

/// The name at the offset, if it can be renamed, with its span.
pub fn renamable(
    analysis: &Analysis,
    file: FileId,
    offset: u32,
) -> Option<(Symbol, crate::source::Span)> {
    let occurrence = analysis.index().at(file, offset)?;
    matches!(occurrence.symbol, Symbol::Segment(_) | Symbol::Tiers(_))
        .then(|| (occurrence.symbol.clone(), occurrence.span))
}

/// Renames the segment or tiers block at the offset everywhere in the project.
pub fn rename(
    analysis: &Analysis,
    file: FileId,
    offset: u32,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    let Some((symbol, _)) = renamable(analysis, file, offset) else {
        return Err("only segments and tiers blocks can be renamed".into());
    };
    check_name(analysis, &symbol, new_name)?;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for occurrence in analysis.index().occurrences_of(&symbol) {
        if let Some(place) = location(&analysis.compiled.sources, occurrence.span) {
            changes
                .entry(place.uri)
                .or_default()
                .push(TextEdit::new(place.range, new_name.to_owned()));
        }
    }
    Ok(WorkspaceEdit::new(changes))
}

/// A new name must be a name, not a keyword, and not taken.
fn check_name(analysis: &Analysis, symbol: &Symbol, new_name: &str) -> Result<(), String> {
    let mut chars = new_name.chars();
    let shaped = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !shaped {
        return Err(format!(
            "`{new_name}` is not a name (letters, digits and `_`, not starting with a digit)"
        ));
    }
    if crate::syntax::is_reserved(new_name) {
        return Err(format!("`{new_name}` is a keyword"));
    }
    let taken = analysis.index().definitions.iter().any(|d| {
        d.symbol.name() == new_name
            && !matches!(d.symbol, Symbol::EventField(..))
            && &d.symbol != symbol
    });
    if taken {
        return Err(format!("`{new_name}` is already defined in this project"));
    }
    Ok(())
}
