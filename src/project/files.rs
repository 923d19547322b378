//! Finding `.seg` files: given files are taken as they are, folders are walked
//! recursively for files ending in `.seg`; the result is sorted and without repeats.
//!
//! A repeat is the same file on disk, however it was reached (`segments` and
//! `./segments/s.seg`, an absolute path, a symlinked folder): paths are compared
//! canonicalised, and the first path that reached a file is the one kept, so
//! diagnostics show the path the user wrote.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::ProjectError;

/// Every segment file under `paths`, sorted by path.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ProjectError> {
    let mut found = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| ProjectError::Path {
            path: path.clone(),
            message: not_found_or(&e),
        })?;
        if metadata.is_dir() {
            walk(path, &mut found)?;
        } else {
            found.push(path.clone());
        }
    }
    let mut found = without_repeats(found);
    found.sort();
    Ok(found)
}

/// Keeps the first path to each file on disk. A path that cannot be canonicalised
/// (it vanished meanwhile) is compared as written; reading it reports the problem.
fn without_repeats(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    paths
        .into_iter()
        .filter(|path| seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())))
        .collect()
}

/// Adds the `.seg` files under `folder`. Symbolic links to folders are not followed,
/// so a link cycle cannot make the walk endless.
fn walk(folder: &Path, found: &mut Vec<PathBuf>) -> Result<(), ProjectError> {
    let unreadable = |e: std::io::Error| ProjectError::Path {
        path: folder.to_path_buf(),
        message: format!("cannot read folder: {e}"),
    };
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        let is_dir = entry.file_type().map_err(unreadable)?.is_dir();
        if is_dir {
            walk(&path, found)?;
        } else if is_segment_file(&path) {
            found.push(path);
        }
    }
    Ok(())
}

fn is_segment_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "seg") && path.is_file()
}

fn not_found_or(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_folders_for_seg_files_only_and_sorts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/deep")).unwrap();
        for name in ["z.seg", "a.txt", "b/deep/c.seg", "b/a.seg", "notes.seg.bak"] {
            std::fs::write(root.join(name), "").unwrap();
        }
        let found = collect(&[root.to_path_buf(), root.join("z.seg")]).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect();
        let expected: Vec<PathBuf> = ["b/a.seg", "b/deep/c.seg", "z.seg"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn one_file_reached_by_several_paths_is_kept_once_as_first_written() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("segments")).unwrap();
        std::fs::write(root.join("segments/s.seg"), "").unwrap();
        let given = [
            root.join("segments"),
            root.join("segments/./s.seg"),
            root.join("segments/../segments/s.seg"),
        ];
        let found = collect(&given).unwrap();
        assert_eq!(found, vec![root.join("segments/s.seg")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_folder_does_not_load_its_files_twice() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("segments")).unwrap();
        std::fs::write(root.join("segments/s.seg"), "").unwrap();
        std::os::unix::fs::symlink(root.join("segments"), root.join("link")).unwrap();
        let found = collect(&[root.join("link"), root.join("segments")]).unwrap();
        assert_eq!(found, vec![root.join("link/s.seg")]);
    }

    #[test]
    fn a_missing_path_is_named() {
        let error = collect(&[PathBuf::from("no/such/dir")]).unwrap_err();
        assert_eq!(error.to_string(), "no/such/dir: no such file or folder");
    }
}
