//! The project: takes the paths a command was given (or `segmint.toml`'s), gives
//! the compiled program with every diagnostic found on the way.
//!
//! [`Config::discover`] reads `segmint.toml`; [`compile`] collects `.seg` files,
//! loads them, parses, checks and (only when checking succeeded) lints. Every
//! command starts here, so they all see the same files in the same order.
//! Problems that stop the run before any segment is read (a missing path, a bad
//! `segmint.toml`) are [`ProjectError`]s; everything in the segment files is a
//! diagnostic.

pub mod base;
mod config;
mod context;
mod files;

use std::path::PathBuf;

pub use config::{Config, FILE_NAME, parse_date};
pub use files::collect as segment_files;

use crate::check::{self, ir::Program};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Sources, Span};
use crate::{lint, syntax};

/// Why a project could not be read (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// `segmint.toml` is unreadable or malformed.
    #[error("{}: {message}", path.display())]
    BadConfig {
        /// The file, as seen from the current folder.
        path: PathBuf,
        /// What is wrong, with line and column when known.
        message: String,
    },
    /// A path given on the command line or in `segmint.toml` cannot be read.
    #[error("{}: {message}", path.display())]
    Path {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The paths hold no `.seg` file.
    #[error("no `.seg` files found in {}", list(.0))]
    NoSegmentFiles(Vec<PathBuf>),
}

fn list(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

/// The outcome of compiling a project.
#[derive(Debug)]
pub struct Compiled {
    /// Every file read, in path order.
    pub sources: Sources,
    /// Everything found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The checked program, present exactly when there is no error.
    pub program: Option<Program>,
    /// The paths the command was given (empty: the project's `segments`), for
    /// hints that name them (`run segmint check PATHS to see them`).
    pub given: Vec<PathBuf>,
    /// Files read only for what they define: the rest of the project when
    /// [`compile_in_project`] was given files inside it. Their warnings are left
    /// out; their errors are kept, as they stop the check.
    pub context: Vec<FileId>,
}

impl Compiled {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity() == crate::diagnostic::Severity::Error)
    }
}

/// The paths to read: those given, else the project's `segments` paths.
pub fn paths_or_default(given: &[PathBuf], config: &Config) -> Vec<PathBuf> {
    if given.is_empty() {
        config.segments.clone()
    } else {
        given.to_vec()
    }
}

/// Reads, parses, checks and lints every `.seg` file under `given` (empty: the
/// project's `segments` paths).
pub fn compile(given: &[PathBuf], config: &Config) -> Result<Compiled, ProjectError> {
    let paths = paths_or_default(given, config);
    let files = files::collect(&paths)?;
    if files.is_empty() {
        return Err(ProjectError::NoSegmentFiles(paths));
    }
    let mut compiled = compile_files(&files, config)?;
    compiled.given = given.to_vec();
    context::explain_missing_schema(&mut compiled, &files, config);
    Ok(compiled)
}

/// Like [`compile`], but when `given` names files inside the project's `segments`
/// folders, the rest of the project is read too, so that the named files see the
/// project's schema, event tables and segments (as ruff checks one file under its
/// project's settings). Only the named files are reported on: warnings in the
/// other files are left out.
pub fn compile_in_project(given: &[PathBuf], config: &Config) -> Result<Compiled, ProjectError> {
    let named = files::collect(given)?;
    let others = context::other_project_files(&named, config);
    if given.is_empty() || others.is_empty() {
        return compile(given, config);
    }
    let mut all = named;
    all.extend(others.iter().cloned());
    all.sort();
    let mut compiled = compile_files(&all, config)?;
    compiled.given = given.to_vec();
    context::mark_context(&mut compiled, &others);
    Ok(compiled)
}

/// Loads, parses, checks and lints exactly these files.
fn compile_files(files: &[PathBuf], config: &Config) -> Result<Compiled, ProjectError> {
    let mut loaded = Vec::with_capacity(files.len());
    for path in files {
        let bytes = std::fs::read(path).map_err(|e| ProjectError::Path {
            path: path.clone(),
            message: format!("cannot read file: {e}"),
        })?;
        loaded.push((path.clone(), bytes));
    }
    Ok(compile_loaded(loaded, config))
}

/// Parses, checks and lints files already read (`(shown path, bytes)`, e.g.
/// from a git revision).
pub fn compile_loaded(files: Vec<(PathBuf, Vec<u8>)>, config: &Config) -> Compiled {
    let (sources, mut diagnostics) = load(files);
    let asts = parse_all(&sources, &mut diagnostics);
    // Checking after a syntax error (or an unreadable file) would mostly repeat it:
    // a broken schema block makes every field unknown. Fix the syntax first.
    let program = if diagnostics.has_errors() {
        None
    } else {
        check_and_lint(&asts, &sources, config, &mut diagnostics)
    };
    diagnostics.sort();
    let program = if diagnostics.has_errors() {
        None
    } else {
        program
    };
    Compiled {
        sources,
        diagnostics: diagnostics.into_vec(),
        program,
        given: Vec::new(),
        context: Vec::new(),
    }
}

/// Loads every file; invalid UTF-8 becomes a diagnostic at the first bad byte.
fn load(files: Vec<(PathBuf, Vec<u8>)>) -> (Sources, Diagnostics) {
    let mut sources = Sources::new();
    let mut diagnostics = Diagnostics::new();
    for (path, bytes) in files {
        let (id, bad) = sources.add_bytes(path, bytes);
        if let Some(bad) = bad {
            // The bad byte shows as one replacement character (3 bytes) in the text.
            let span = Span::new(id, bad.offset, bad.offset + '\u{FFFD}'.len_utf8());
            let message = format!(
                "file is not valid UTF-8 (first bad byte at offset {})",
                bad.offset
            );
            diagnostics.push(
                Diagnostic::new(Code::InvalidUtf8, span, message)
                    .with_help("save the file as UTF-8"),
            );
        }
    }
    (sources, diagnostics)
}

/// Parses every valid file (a non-UTF-8 file is skipped: its text is not what was written).
fn parse_all(sources: &Sources, diagnostics: &mut Diagnostics) -> Vec<syntax::ast::File> {
    let invalid: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == Code::InvalidUtf8)
        .map(|d| d.primary.span.file)
        .collect();
    sources
        .iter()
        .filter(|file| !invalid.contains(&file.id))
        .map(|file| syntax::parse(file, diagnostics))
        .collect()
}

fn check_and_lint(
    asts: &[syntax::ast::File],
    sources: &Sources,
    config: &Config,
    diagnostics: &mut Diagnostics,
) -> Option<Program> {
    let program = check::check(asts, diagnostics)?;
    if diagnostics.has_errors() {
        return None;
    }
    lint::run(&program, sources, &config.lint, diagnostics);
    Some(program)
}
