//! Finding `.seg` files: given files are taken as they are, folders are walked
//! recursively for files ending in `.seg`; the result is sorted and without repeats.

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
    found.sort();
    found.dedup();
    Ok(found)
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
    fn a_missing_path_is_named() {
        let error = collect(&[PathBuf::from("no/such/dir")]).unwrap_err();
        assert_eq!(error.to_string(), "no/such/dir: no such file or folder");
    }
}
