//! `segmint.toml`: the project file, found by walking up from the current folder.
//!
//! ```toml
//! segments = ["segments"]
//! data = "segments/sample/customers.parquet"   # default for --data
//! as_of = "2026-06-30"                         # optional default for --as-of
//! [events]                                     # defaults for --events
//! orders = "segments/sample/orders.parquet"
//! [lint]
//! max_criteria = 3
//! ```
//!
//! Paths in the file are relative to the file's folder. They are returned relative to
//! the current folder (`../segments` when the file is one level up), so messages show
//! short paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use super::ProjectError;
use crate::lint::LintConfig;

/// The file name looked for.
pub const FILE_NAME: &str = "segmint.toml";

/// The file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    segments: Option<Paths>,
    data: Option<PathBuf>,
    as_of: Option<DateText>,
    #[serde(default)]
    events: BTreeMap<String, PathBuf>,
    fixtures: Option<PathBuf>,
    #[serde(default)]
    lint: LintConfig,
}

/// `segments` as a list of paths (`["segments", "drafts"]`) or a single one
/// (`"segments"`).
#[derive(Clone, Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a folder like \"segments\" or a list like [\"segments\", \"drafts\"]"
)]
enum Paths {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl Paths {
    fn into_vec(self) -> Vec<PathBuf> {
        match self {
            Paths::One(path) => vec![path],
            Paths::Many(paths) => paths,
        }
    }
}

/// `as_of` as a string (`"2026-06-30"`) or a TOML date (`2026-06-30`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged, expecting = "expected a date like \"2026-06-30\"")]
enum DateText {
    Text(String),
    Toml(toml::value::Datetime),
}

impl DateText {
    fn text(&self) -> String {
        match self {
            DateText::Text(text) => text.clone(),
            DateText::Toml(date) => date.to_string(),
        }
    }
}

/// The project settings, paths resolved against the project folder.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The `segmint.toml` that was read, if any.
    pub file: Option<PathBuf>,
    /// Where segment files are looked for when no paths are given.
    pub segments: Vec<PathBuf>,
    /// Default for `--data`.
    pub data: Option<PathBuf>,
    /// Default for `--as-of`.
    pub as_of: Option<NaiveDate>,
    /// Defaults for `--events NAME=FILE`, by name.
    pub events: BTreeMap<String, PathBuf>,
    /// Default for `segmint test --fixtures DIR`.
    pub fixtures: Option<PathBuf>,
    /// `[lint]` settings.
    pub lint: LintConfig,
}

impl Config {
    /// Finds `segmint.toml` in `cwd` or the nearest parent and reads it; without one,
    /// the defaults (segments in `./segments`).
    pub fn discover(cwd: &Path) -> Result<Config, ProjectError> {
        let mut prefix = PathBuf::new();
        for folder in cwd.ancestors() {
            let candidate = folder.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate, &prefix.join(FILE_NAME), &prefix);
            }
            prefix.push("..");
        }
        Ok(Config {
            segments: vec![PathBuf::from("segments")],
            ..Config::default()
        })
    }

    /// Reads the file at `path`, shown to users as `shown`, whose paths are relative to
    /// `base` (as seen from the current folder).
    fn load(path: &Path, shown: &Path, base: &Path) -> Result<Config, ProjectError> {
        let bad = |message: String| ProjectError::BadConfig {
            path: shown.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        Config::parse(&text, shown, base)
    }

    /// Reads the text of a `segmint.toml` shown to users as `shown`, whose paths
    /// are relative to `base`.
    pub fn parse(text: &str, shown: &Path, base: &Path) -> Result<Config, ProjectError> {
        let bad = |message: String| ProjectError::BadConfig {
            path: shown.to_path_buf(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| bad(toml_message(text, &e)))?;
        let as_of = match raw.as_of.map(|d| d.text()) {
            Some(text) => Some(parse_date(&text).ok_or_else(|| {
                bad(format!(
                    "`as_of` must be a date like \"2026-06-30\", not {text:?}"
                ))
            })?),
            None => None,
        };
        let resolve = |p: PathBuf| base.join(p);
        Ok(Config {
            file: Some(shown.to_path_buf()),
            segments: raw
                .segments
                .map_or_else(|| vec![PathBuf::from("segments")], Paths::into_vec)
                .into_iter()
                .map(resolve)
                .collect(),
            data: raw.data.map(resolve),
            as_of,
            events: raw
                .events
                .into_iter()
                .map(|(k, v)| (k, resolve(v)))
                .collect(),
            fixtures: raw.fixtures.map(resolve),
            lint: raw.lint,
        })
    }
}

/// A calendar date written exactly `YYYY-MM-DD` (as in `.seg` files and CSV data:
/// chrono alone would also take `2025-2-3` or `+2025-02-03`).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The toml error on one line: `line 1, column 1: unknown field `sgments`, expected …`.
fn toml_message(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) {
        std::fs::write(dir.join(FILE_NAME), text).unwrap();
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(
            parse_date("2025-02-03"),
            NaiveDate::from_ymd_opt(2025, 2, 3)
        );
        for bad in [
            "2025-2-3",
            "+2025-02-03",
            " 2025-02-03",
            "2024-02-30",
            "2025/02/03",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_are_relative_to_the_file_seen_from_the_current_folder() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "segments = [\"segs\"]\ndata = \"d.csv\"\nas_of = \"2026-06-30\"\n[events]\norders = \"o.csv\"\n[lint]\nmax_criteria = 5\n",
        );
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let config = Config::discover(&sub).unwrap();
        assert_eq!(config.file, Some(PathBuf::from("../../segmint.toml")));
        assert_eq!(config.segments, vec![PathBuf::from("../../segs")]);
        assert_eq!(config.data, Some(PathBuf::from("../../d.csv")));
        assert_eq!(config.as_of, NaiveDate::from_ymd_opt(2026, 6, 30));
        assert_eq!(
            config.events.get("orders"),
            Some(&PathBuf::from("../../o.csv"))
        );
        assert_eq!(config.lint.max_criteria, 5);
    }

    #[test]
    fn unknown_keys_and_bad_dates_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "sgments = []\n");
        let error = Config::discover(dir.path()).unwrap_err().to_string();
        assert!(
            error.starts_with("segmint.toml: line 1, column 1: unknown field `sgments`"),
            "{error}"
        );
        write(dir.path(), "as_of = \"2026-02-30\"\n");
        let error = Config::discover(dir.path()).unwrap_err().to_string();
        assert!(error.contains("`as_of` must be a date"), "{error}");
    }
}
