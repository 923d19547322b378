//! The base version of a project for `segmint diff --base REV|FOLDER`: a folder
//! of `.seg` files, or the `.seg` files and `segmint.toml` at a git revision,
//! read with `git ls-tree` and `git show` (the work tree is never checked out
//! or touched).
//!
//! At a revision, the segment paths are the ones given on the command line, else
//! the `segments` of the revision's `segmint.toml` (same place as the current
//! one), else the current project's.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use super::{Compiled, Config, FILE_NAME, ProjectError, compile, compile_loaded, paths_or_default};

/// Reads and compiles the base version named by `base`.
pub fn compile_base(
    base: &str,
    given: &[PathBuf],
    config: &Config,
    cwd: &Path,
) -> Result<Compiled, ProjectError> {
    let folder = cwd.join(base);
    if folder.is_dir() {
        return compile(&[PathBuf::from(base)], config);
    }
    let git = Git::open(cwd, base)?;
    let base_config = git.config(config)?;
    let paths = if given.is_empty() {
        base_config.map_or_else(|| paths_or_default(given, config), |c| c.segments)
    } else {
        given.to_vec()
    };
    let mut files = Vec::new();
    for path in git.seg_files(&paths)? {
        let bytes = git.show(&path)?;
        files.push((PathBuf::from(format!("{base}:{path}")), bytes));
    }
    if files.is_empty() {
        return Err(ProjectError::Path {
            path: PathBuf::from(base),
            message: format!("no `.seg` files at this revision in {}", list(&paths)),
        });
    }
    Ok(compile_loaded(files, config))
}

fn list(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

/// A revision of the repository holding the current folder.
struct Git {
    cwd: PathBuf,
    rev: String,
    /// The current folder inside the repository (`""` or `"sub/dir/"`).
    prefix: String,
}

impl Git {
    fn open(cwd: &Path, rev: &str) -> Result<Git, ProjectError> {
        let fail = |message: String| ProjectError::Path {
            path: PathBuf::from(rev),
            message,
        };
        let prefix = run(cwd, &["rev-parse", "--show-prefix"]).map_err(|_| {
            fail(format!(
                "not a folder, and {} is not inside a git repository to read a revision from",
                cwd.display()
            ))
        })?;
        let commit = format!("{rev}^{{commit}}");
        if rev.starts_with('-') || run(cwd, &["rev-parse", "--verify", "--quiet", &commit]).is_err()
        {
            return Err(fail(
                "not a folder, nor a revision of this git repository (try a branch, tag or commit such as `main` or `HEAD~1`)".into(),
            ));
        }
        Ok(Git {
            cwd: cwd.to_path_buf(),
            rev: rev.to_string(),
            prefix: String::from_utf8_lossy(&prefix).trim().to_string(),
        })
    }

    /// The revision's `segmint.toml` next to the current one, if it has one.
    fn config(&self, current: &Config) -> Result<Option<Config>, ProjectError> {
        let shown = current
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from(FILE_NAME));
        let Some(path) = self.in_repo(&shown) else {
            return Ok(None);
        };
        let Ok(bytes) = self.show(&path) else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes);
        let shown_at = PathBuf::from(format!("{}:{path}", self.rev));
        let folder = shown.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&text, &shown_at, &folder).map(Some)
    }

    /// The `.seg` files under `paths` at the revision, as repository paths, sorted.
    fn seg_files(&self, paths: &[PathBuf]) -> Result<Vec<String>, ProjectError> {
        let mut found = Vec::new();
        for path in paths {
            let Some(in_repo) = self.in_repo(path) else {
                continue;
            };
            let listed = run(
                &self.cwd,
                &[
                    "ls-tree",
                    "-r",
                    "--name-only",
                    "--full-tree",
                    &self.rev,
                    "--",
                    &in_repo,
                ],
            )
            .map_err(|e| ProjectError::Path {
                path: path.clone(),
                message: format!("cannot list files at {}: {e}", self.rev),
            })?;
            found.extend(
                String::from_utf8_lossy(&listed)
                    .lines()
                    .filter(|l| l.ends_with(".seg"))
                    .map(str::to_string),
            );
        }
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// A file's bytes at the revision.
    fn show(&self, path: &str) -> Result<Vec<u8>, ProjectError> {
        let object = format!("{}:{path}", self.rev);
        run(&self.cwd, &["show", &object]).map_err(|e| ProjectError::Path {
            path: PathBuf::from(&object),
            message: format!("cannot read: {e}"),
        })
    }

    /// A path as seen from the current folder → its path from the repository
    /// root (`None` when it leaves the repository).
    fn in_repo(&self, path: &Path) -> Option<String> {
        let mut parts: Vec<String> = self
            .prefix
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        for component in path.components() {
            match component {
                Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    parts.pop()?;
                }
                Component::CurDir => {}
                Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        Some(parts.join("/"))
    }
}

/// Runs git in `cwd`; its stdout, or its stderr's first line as the error.
fn run(cwd: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr
            .lines()
            .next()
            .unwrap_or("git failed")
            .trim()
            .to_string())
    }
}
