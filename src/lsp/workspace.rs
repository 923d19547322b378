//! The editor's view of the files: open documents (their unsaved text wins over
//! the disk) and the project each file belongs to: the folder of the nearest
//! `segmint.toml` above it, else the file's own folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::project::FILE_NAME;

/// One open document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The editor's text.
    pub text: String,
    /// The editor's version number.
    pub version: i32,
}

/// The open documents, by path.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<PathBuf, Document>,
}

impl Documents {
    /// Opens (or replaces) a document.
    pub fn open(&mut self, path: PathBuf, text: String, version: i32) {
        self.open.insert(path, Document { text, version });
    }

    /// The document at `path`, if open.
    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(path)
    }

    /// The document at `path` for editing, if open.
    pub fn get_mut(&mut self, path: &Path) -> Option<&mut Document> {
        self.open.get_mut(path)
    }

    /// Closes a document: from now on the disk's text counts.
    pub fn close(&mut self, path: &Path) {
        self.open.remove(path);
    }

    /// The open documents' paths.
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.open.keys()
    }
}

/// The project folder of a file: where the nearest `segmint.toml` above it is,
/// else the file's folder.
pub fn project_root(file: &Path) -> PathBuf {
    let folder = file.parent().unwrap_or(Path::new("/"));
    folder
        .ancestors()
        .find(|f| f.join(FILE_NAME).is_file())
        .unwrap_or(folder)
        .to_path_buf()
}

/// A path as the same file on disk, however it was written (a file deleted while
/// open keeps the path it had).
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
