//! The project: takes the paths a command was given (or `segmint.toml`'s), gives
//! the compiled program with every diagnostic found on the way.
//!
//! [`Config::discover`] reads `segmint.toml`; [`compile`] collects `.seg` files,
//! loads them, parses, checks and (only when checking succeeded) lints. Every
//! command starts here, so they all see the same files in the same order.
//! Problems that stop the run before any segment is read (a missing path, a bad
//! `segmint.toml`) are [`ProjectError`]s; everything in the segment files is a
//! diagnostic.

mod config;
mod files;

use std::path::PathBuf;

pub use config::{Config, FILE_NAME, parse_date};

use crate::check::{self, ir::Program};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{Sources, Span};
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

/// Reads, parses, checks and lints every `.seg` file under `paths`.
pub fn compile(paths: &[PathBuf], config: &Config) -> Result<Compiled, ProjectError> {
    let files = files::collect(paths)?;
    if files.is_empty() {
        return Err(ProjectError::NoSegmentFiles(paths.to_vec()));
    }
    let (sources, mut diagnostics) = load(&files)?;
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
    Ok(Compiled {
        sources,
        diagnostics: diagnostics.into_vec(),
        program,
    })
}

/// Loads every file; invalid UTF-8 becomes a diagnostic at the first bad byte.
fn load(files: &[PathBuf]) -> Result<(Sources, Diagnostics), ProjectError> {
    let mut sources = Sources::new();
    let mut diagnostics = Diagnostics::new();
    for path in files {
        let bytes = std::fs::read(path).map_err(|e| ProjectError::Path {
            path: path.clone(),
            message: format!("cannot read file: {e}"),
        })?;
        let (id, bad) = sources.add_bytes(path.clone(), bytes);
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
    Ok((sources, diagnostics))
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
