//! One project's state after an edit: its settings, every file compiled (open
//! documents from the editor's text, the rest from disk) and what is wrong with
//! `segmint.toml` itself. Computed whole on every change: checking 1,000 segments
//! takes ~15 ms (docs/performance.md), less than keeping a partial result right.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use super::symbols::Index;
use super::workspace::{Documents, canonical, project_root};
use crate::project::{self, Compiled, Config, FILE_NAME, ProjectError};

/// A problem with the project file, shown on `segmint.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigProblem {
    /// 0-based line the problem is on (0 when unknown).
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

/// A compiled project.
#[derive(Debug)]
pub struct Analysis {
    /// The project folder.
    pub root: PathBuf,
    /// `segmint.toml`'s settings with absolute paths (the defaults when it is broken).
    pub config: Config,
    /// What is wrong with `segmint.toml`, if anything.
    pub config_problems: Vec<ConfigProblem>,
    /// The files, diagnostics and (when there is no error) the program.
    pub compiled: Compiled,
    index: OnceCell<Index>,
}

impl Analysis {
    /// Compiles the project at `root`, with open documents' text.
    pub fn new(root: &Path, documents: &Documents) -> Analysis {
        let (config, mut config_problems) = load_config(root);
        let mut files = match project::segment_files(&config.segments) {
            Ok(files) => files,
            Err(error) => {
                config_problems.push(problem_of(&error));
                Vec::new()
            }
        };
        files.iter_mut().for_each(|f| *f = canonical(f));
        files.extend(
            documents
                .paths()
                .filter(|p| project_root(p) == root && !files.contains(p))
                .cloned()
                .collect::<Vec<_>>(),
        );
        files.sort();
        files.dedup();
        let texts = files
            .into_iter()
            .filter_map(|path| {
                let bytes = match documents.get(&path) {
                    Some(document) => document.text.clone().into_bytes(),
                    // Gone since the folder was listed: nothing to show for it.
                    None => std::fs::read(&path).ok()?,
                };
                Some((path, bytes))
            })
            .collect();
        Analysis {
            root: root.to_path_buf(),
            compiled: project::compile_loaded(texts, &config),
            config,
            config_problems,
            index: OnceCell::new(),
        }
    }

    /// The path of `segmint.toml` (whether or not there is one).
    pub fn config_path(&self) -> PathBuf {
        self.root.join(FILE_NAME)
    }

    /// Definitions and references, built when first asked for.
    pub fn index(&self) -> &Index {
        self.index
            .get_or_init(|| Index::build(&self.compiled.sources))
    }

    /// The id of the file at `path`, if it is part of this project.
    pub fn file_id(&self, path: &Path) -> Option<crate::source::FileId> {
        self.compiled
            .sources
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.id)
    }
}

/// Reads `segmint.toml` in `root` (paths made absolute); without one, the folder
/// itself holds the segments.
fn load_config(root: &Path) -> (Config, Vec<ConfigProblem>) {
    if !root.join(FILE_NAME).is_file() {
        let config = Config {
            segments: vec![root.to_path_buf()],
            ..Config::default()
        };
        return (config, Vec::new());
    }
    match Config::discover(root) {
        Ok(config) => (absolute(config, root), Vec::new()),
        Err(error) => {
            let config = Config {
                file: Some(root.join(FILE_NAME)),
                segments: vec![root.join("segments")],
                ..Config::default()
            };
            (config, vec![problem_of(&error)])
        }
    }
}

/// `Config::discover(root)` gives paths relative to `root`.
fn absolute(config: Config, root: &Path) -> Config {
    Config {
        file: config.file.map(|p| root.join(p)),
        segments: config.segments.iter().map(|p| root.join(p)).collect(),
        data: config.data.map(|p| root.join(p)),
        events: config
            .events
            .into_iter()
            .map(|(k, v)| (k, root.join(v)))
            .collect(),
        ..config
    }
}

/// A project error as a problem on `segmint.toml`. The config module writes toml
/// errors as `line N, column M: …`; the line is taken from there.
fn problem_of(error: &ProjectError) -> ConfigProblem {
    let message = match error {
        ProjectError::BadConfig { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let line = message
        .strip_prefix("line ")
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse::<u32>().ok())
        .map_or(0, |n| n.saturating_sub(1));
    ConfigProblem { line, message }
}
