//! One project as the server keeps it: the latest analysis, the last one that
//! checked (completion and lenses fall back to it while the text is broken), the
//! background counter and the diagnostics last sent for each of its files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::Uri;

use super::analysis::Analysis;
use super::diagnostics;
use super::lens::Lenses;
use super::sizes::{Done, Worker};
use super::symbols::Index;
use super::workspace::Documents;

/// A project and what the server remembers about it.
pub struct Project {
    /// The latest analysis.
    pub analysis: Analysis,
    /// The last analysis that checked, while the latest does not.
    fallback: Option<Analysis>,
    /// Bumped on every analysis; sizes are only taken for the latest.
    pub generation: u64,
    /// Live sizes.
    pub lenses: Lenses,
    /// Why the data could not be read (shown on `segmint.toml`).
    pub data_problem: Option<String>,
    /// Diagnostics last sent, by file.
    pub published: HashMap<Uri, Vec<lsp_types::Diagnostic>>,
    worker: Option<Worker>,
}

impl Project {
    /// Analyses the project at `root` for the first time.
    pub fn new(root: &Path, documents: &Documents) -> Project {
        Project {
            analysis: Analysis::new(root, documents),
            fallback: None,
            generation: 0,
            lenses: Lenses::Off,
            data_problem: None,
            published: HashMap::new(),
            worker: None,
        }
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        &self.analysis.root
    }

    /// Analyses again after an edit and starts counting when the data is set.
    pub fn reanalyse(&mut self, documents: &Documents, done: &crossbeam_channel::Sender<Done>) {
        let root = self.root().to_path_buf();
        let previous = std::mem::replace(&mut self.analysis, Analysis::new(&root, documents));
        // Indexes are built only when asked for (parsing again costs as much as
        // checking), so "had a schema" is judged by "checked".
        if self.analysis.compiled.program.is_some() {
            self.fallback = None;
        } else if previous.compiled.program.is_some() {
            self.fallback = Some(previous);
        }
        self.generation += 1;
        self.start_counting(done);
    }

    /// The index completion uses: the latest, else the last one with a schema.
    pub fn completion_index(&self) -> &Index {
        match &self.fallback {
            Some(fallback) if !self.analysis.index().has_schema() => fallback.index(),
            _ => self.analysis.index(),
        }
    }

    /// Starts (or re-starts) the background count for the latest analysis.
    pub fn start_counting(&mut self, done: &crossbeam_channel::Sender<Done>) {
        if self.analysis.config.data.is_none() {
            self.lenses = Lenses::Off;
            return;
        }
        let last = self.lenses.last();
        let Some(program) = &self.analysis.compiled.program else {
            if let Some(worker) = &self.worker {
                worker.edited(self.generation);
            }
            self.lenses = Lenses::Stale(last);
            return;
        };
        if self.worker.is_none() {
            self.worker = Worker::spawn(self.root().to_path_buf(), done.clone()).ok();
        }
        let Some(worker) = &self.worker else {
            return;
        };
        worker.count(
            self.generation,
            Arc::new(program.clone()),
            self.analysis.config.clone(),
        );
        self.lenses = Lenses::Counting(last);
    }

    /// Takes a finished count; `false` when it is for an older edit.
    pub fn finish_counting(&mut self, done: Done) -> bool {
        if done.generation != self.generation {
            return false;
        }
        match done.outcome {
            Ok(sizes) => {
                self.lenses = Lenses::Ready(Arc::new(sizes));
                self.data_problem = None;
            }
            Err(why) => {
                self.lenses = Lenses::Off;
                self.data_problem = Some(why);
            }
        }
        true
    }

    /// The diagnostics of every file of the project, `segmint.toml` included.
    pub fn diagnostics(&self) -> HashMap<Uri, Vec<lsp_types::Diagnostic>> {
        let compiled = &self.analysis.compiled;
        let mut out = diagnostics::by_file(&compiled.diagnostics, &compiled.sources);
        let config_path = self.analysis.config_path();
        let Some(uri) = super::uri::from_path(&config_path) else {
            return out;
        };
        let text = std::fs::read_to_string(&config_path).unwrap_or_default();
        let mut on_config: Vec<lsp_types::Diagnostic> = self
            .analysis
            .config_problems
            .iter()
            .map(|p| diagnostics::on_config(&text, p.line, &p.message, "invalid_config"))
            .collect();
        if let Some(why) = &self.data_problem {
            let line = setting_line(&text, "data");
            on_config.push(diagnostics::on_config(&text, line, why, "unreadable_data"));
        }
        if !on_config.is_empty() || self.published.contains_key(&uri) {
            out.insert(uri, on_config);
        }
        out
    }
}

/// The 0-based line where `key = …` is set in a toml text (0 when it is not).
fn setting_line(text: &str, key: &str) -> u32 {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

/// The projects by folder.
pub type Projects = HashMap<PathBuf, Project>;
