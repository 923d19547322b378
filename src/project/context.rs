//! The rest of a project around the files a command was given: which other files
//! to read when one file of the project is checked, and where the project's schema
//! is when the given files leave it out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{Compiled, Config, files};
use crate::diagnostic::{Code, Severity};

/// The project's segment files (under `segments` of `segmint.toml`) other than
/// `named`, when at least one named file is among them; else none. Without a
/// `segmint.toml` there is no project to read.
pub(super) fn other_project_files(named: &[PathBuf], config: &Config) -> Vec<PathBuf> {
    if config.file.is_none() {
        return Vec::new();
    }
    let project = files::collect(&config.segments).unwrap_or_default();
    let project_ids: HashSet<PathBuf> = project.iter().map(|p| canonical(p)).collect();
    let named_ids: HashSet<PathBuf> = named.iter().map(|p| canonical(p)).collect();
    if named_ids.is_disjoint(&project_ids) {
        return Vec::new();
    }
    project
        .into_iter()
        .filter(|p| !named_ids.contains(&canonical(p)))
        .collect()
}

/// Records which files were read for context and leaves out their warnings.
pub(super) fn mark_context(compiled: &mut Compiled, others: &[PathBuf]) {
    let others: HashSet<PathBuf> = others.iter().map(|p| canonical(p)).collect();
    compiled.context = compiled
        .sources
        .iter()
        .filter(|file| others.contains(&canonical(&file.path)))
        .map(|file| file.id)
        .collect();
    let context = compiled.context.clone();
    compiled
        .diagnostics
        .retain(|d| d.severity() == Severity::Error || !context.contains(&d.primary.span.file));
}

/// When the files read have no schema but another file of the project does, the
/// help of `missing_schema` says where it is (the general help would have the user
/// write a second one).
pub(super) fn explain_missing_schema(compiled: &mut Compiled, read: &[PathBuf], config: &Config) {
    let Some(diagnostic) = compiled
        .diagnostics
        .iter_mut()
        .find(|d| d.code == Code::MissingSchema)
    else {
        return;
    };
    if config.file.is_none() {
        return;
    }
    let read: HashSet<PathBuf> = read.iter().map(|p| canonical(p)).collect();
    let project = files::collect(&config.segments).unwrap_or_default();
    let Some(schema) = project
        .iter()
        .filter(|p| !read.contains(&canonical(p)))
        .find(|p| declares_schema(p))
    else {
        return;
    };
    let folders: Vec<String> = config
        .segments
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect();
    diagnostic.help = Some(format!(
        "this project's schema is in `{}`, which these paths leave out: add it to the paths, or give the folder {}",
        schema.display(),
        folders.join(" or ")
    ));
}

/// Whether a file has a line starting a `schema` block (a quick look at the text:
/// this only chooses a help message).
fn declares_schema(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.lines().any(|line| {
            line.strip_prefix("schema ")
                .is_some_and(|rest| rest.contains('{'))
        })
    })
}

/// A path as the same file on disk, however it was written.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
