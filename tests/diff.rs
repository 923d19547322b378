//! `segmint diff` end to end, against a temporary git repository holding two
//! commits of a small segment library: counts, entered/exited events and the
//! words for each change checked by hand; bad input snapshotted with exit codes.
//!
//! The six customers and who is where (as of 2026-06-30):
//!
//! | id | age | last order | country | recent 30d→45d DE | adults (+country present) | age_band young <30 → <40 |
//! |----|-----|------------|---------|--------------------|---------------------------|--------------------------|
//! | c1 | 20  | 06-20      | DE      | in → in            | in → in                   | young → young            |
//! | c2 | 35  | 05-25      | DE      | out → in (entered) | in → in                   | older → young            |
//! | c3 | 72  | 06-01      | FR      | out → out          | in → in                   | older → older            |
//! | c4 | 17  |            |         | out → out          | out → out                 | young → young            |
//! | c5 | 50  | 04-01      |         | out → out          | in → out (exited)         | older → older            |
//! | c6 | 24  | 06-29      | DE      | in → in            | in → in                   | young → young            |

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

const CONFIG: &str =
    "segments = [\"segments\"]\ndata = \"customers.csv\"\nas_of = \"2026-06-30\"\n";

const SCHEMA: &str = "schema customers {
  key id: string
  age: int?
  last_order_at: date?
  country: string?
  score: int?
}
";

const HEAD_SCHEMA: &str = "schema customers {
  key id: string
  age: int?
  last_order_at: date?
  country: string?
}
";

const CUSTOMERS: &str = "id,age,last_order_at,country,score
c1,20,2026-06-20,DE,1
c2,35,2026-05-25,DE,9
c3,72,2026-06-01,FR,3
c4,17,,,
c5,50,2026-04-01,,7
c6,24,2026-06-29,DE,2
";

const BASE_RULES: &str = "segment recent {
  where last_order_at within last 30 days and country = \"DE\"
  expect size <= 40%
}

segment adults {
  where age >= 18
}

segment old_only {
  where age >= 70
}

segment young_band {
  where age_band = \"young\"
}

tiers age_band {
  young: age < 30
  older: otherwise
}
";

const HEAD_RULES: &str = "segment recent {
  where last_order_at within last 45 days and country = \"DE\"
  expect size <= 40%
}

segment adults {
  where age >= 18 and country is present
}

segment new_seg {
  where age < 25
}

segment young_band {
  where age_band = \"young\"
}

tiers age_band {
  young: age < 40
  older: otherwise
}
";

/// A git repository in a temporary folder.
struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    /// Base commit (`main`), then the head rules in the work tree (committed
    /// when `commit_head`).
    fn two_versions(commit_head: bool) -> Repo {
        let repo = Repo::empty();
        repo.write("segmint.toml", CONFIG);
        repo.write("customers.csv", CUSTOMERS);
        repo.write("segments/schema.seg", SCHEMA);
        repo.write("segments/rules.seg", BASE_RULES);
        repo.write(
            "segments/scored.seg",
            "segment scored {\n  where score > 5\n}\n",
        );
        repo.git(&["init", "-q", "-b", "main"]);
        repo.commit("base rules");
        repo.write("segments/schema.seg", HEAD_SCHEMA);
        repo.write("segments/rules.seg", HEAD_RULES);
        std::fs::remove_file(repo.root.join("segments/scored.seg")).unwrap();
        if commit_head {
            repo.commit("head rules");
        }
        repo
    }

    fn empty() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        Repo { _dir: dir, root }
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(&self.root)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn segmint(&self, args: &[&str]) -> Command {
        segmint_in(&self.root, args)
    }

    fn settings(&self) -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(&regex_escape(&self.root.display().to_string()), "[TMP]");
        settings.set_omit_expression(true);
        settings
    }
}

fn segmint_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segmint"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    command
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

macro_rules! snapshot {
    ($repo:expr, $command:expr) => {
        $repo.settings().bind(|| assert_cmd_snapshot!($command))
    };
}

fn json(repo: &Repo, args: &[&str]) -> serde_json::Value {
    let output = repo.segmint(args).output().unwrap();
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn segment<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no segment {name} in {report}"))
}

fn moves(s: &serde_json::Value) -> [u64; 4] {
    ["before", "after", "entered", "exited"].map(|k| s[k].as_u64().unwrap())
}

#[test]
fn counts_and_words_against_a_revision_match_the_table_above() {
    let repo = Repo::two_versions(false);
    let report = json(&repo, &["diff", "--base", "main", "--format", "json"]);
    let recent = segment(&report, "recent");
    assert_eq!(recent["status"], "changed");
    assert_eq!(moves(recent), [2, 3, 1, 0]);
    assert_eq!(
        recent["criteria"],
        serde_json::json!([{"kind": "changed",
            "before": "last_order_at within last 30 days",
            "after": "last_order_at within last 45 days"}])
    );
    let adults = segment(&report, "adults");
    assert_eq!(moves(adults), [5, 4, 0, 1]);
    assert_eq!(
        adults["criteria"],
        serde_json::json!([{"kind": "added", "criterion": "country is present"}])
    );
    let old = segment(&report, "old_only");
    assert_eq!(
        (old["status"].as_str(), moves(old)),
        (Some("removed"), [1, 0, 0, 1])
    );
    let new = segment(&report, "new_seg");
    assert_eq!(
        (new["status"].as_str(), moves(new)),
        (Some("added"), [0, 3, 3, 0])
    );
    // the base segment reading a field the head dropped is reported, not compared
    assert_eq!(segment(&report, "scored")["status"], "not_compared");
    assert_eq!(
        report["schema_changes"],
        serde_json::json!([{"field": "customers.score", "base": "int", "head": null}])
    );
    // same rules, members moved through the changed tiers block
    let young = segment(&report, "young_band");
    assert_eq!(
        (young["status"].as_str(), moves(young)),
        (Some("unchanged"), [3, 4, 1, 0])
    );
    assert_eq!(young["through"], serde_json::json!(["age_band"]));
    let band = &report["tiers"][0];
    assert_eq!(band["labels"][0]["label"], "young");
    assert_eq!(moves(&band["labels"][0]), [3, 4, 1, 0]);
    assert_eq!(
        band["labels"][0]["criteria"],
        serde_json::json!([{"kind": "changed", "before": "age < 30", "after": "age < 40"}])
    );
    assert_eq!(moves(&band["labels"][1]), [3, 2, 0, 1]);
    // 2 of 6 passed `size <= 40%` before; 3 of 6 fails it now
    assert_eq!(report["newly_failing"][0]["segment"], "recent");
    assert_eq!(report["newly_failing"][0]["expect"], "size <= 40%");
}

#[test]
fn a_committed_head_compares_with_head_minus_one_and_a_folder_base_works_too() {
    let repo = Repo::two_versions(true);
    let by_rev = json(&repo, &["diff", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(moves(segment(&by_rev, "recent")), [2, 3, 1, 0]);
    repo.write("old/schema.seg", SCHEMA);
    repo.write("old/rules.seg", BASE_RULES);
    let by_folder = json(&repo, &["diff", "--base", "old", "--format", "json"]);
    assert_eq!(
        by_folder["segments"],
        by_rev["segments"]
            .clone()
            .as_array()
            .map(|s| {
                // the folder holds no `scored`, so it is absent there
                serde_json::Value::Array(
                    s.iter()
                        .filter(|x| x["name"] != "scored")
                        .cloned()
                        .collect(),
                )
            })
            .unwrap()
    );
}

#[test]
fn members_file_lists_each_change_once() {
    let repo = Repo::two_versions(false);
    let status = repo
        .segmint(&["diff", "--base", "main", "--members", "changed.csv"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0));
    let text = std::fs::read_to_string(repo.root.join("changed.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "c1,new_seg,false,true",
            "c2,age_band,older,young",
            "c2,recent,false,true",
            "c2,young_band,false,true",
            "c3,old_only,true,false",
            "c4,new_seg,false,true",
            "c5,adults,true,false",
            "c6,new_seg,false,true",
            "id,segment,before,after",
        ]
    );
}

#[test]
fn human_report() {
    let repo = Repo::two_versions(false);
    snapshot!(repo, repo.segmint(&["diff", "--base", "main"]));
}

#[test]
fn markdown_report_over_max_change_exits_1() {
    let repo = Repo::two_versions(false);
    snapshot!(
        repo,
        repo.segmint(&[
            "diff",
            "--base",
            "main",
            "--format",
            "markdown",
            "--max-change",
            "30%"
        ])
    );
}

#[test]
fn missing_revision_exits_2() {
    let repo = Repo::two_versions(false);
    snapshot!(repo, repo.segmint(&["diff", "--base", "no-such-branch"]));
}

#[test]
fn not_a_git_repository_exits_2() {
    let repo = Repo::empty();
    repo.write("segmint.toml", CONFIG);
    repo.write("customers.csv", CUSTOMERS);
    repo.write("segments/schema.seg", SCHEMA);
    repo.write("segments/rules.seg", BASE_RULES);
    snapshot!(repo, repo.segmint(&["diff", "--base", "main"]));
}

#[test]
fn base_without_schema_exits_2() {
    let repo = Repo::empty();
    repo.write("segmint.toml", CONFIG);
    repo.write("customers.csv", CUSTOMERS);
    repo.write("segments/rules.seg", BASE_RULES);
    repo.git(&["init", "-q", "-b", "main"]);
    repo.commit("rules without a schema");
    repo.write("segments/schema.seg", SCHEMA);
    snapshot!(repo, repo.segmint(&["diff", "--base", "main"]));
}

#[test]
fn diff_without_a_base_exits_2() {
    let repo = Repo::two_versions(false);
    snapshot!(repo, repo.segmint(&["diff"]));
}

// ----- data snapshots -------------------------------------------------------

const NEWER: &str = "id,age,last_order_at,country,score
c1,20,2026-06-20,DE,1
c2,35,2026-05-25,DE,9
c4,17,2026-06-28,DE,
c5,50,2026-04-01,,7
c6,24,2026-06-29,DE,2
c7,30,2026-06-28,DE,4
";

fn data_repo() -> Repo {
    let repo = Repo::two_versions(false);
    repo.write("newer.csv", NEWER);
    repo
}

/// `segmint diff --before-data customers.csv --data NEW --output OUTPUT`: the
/// exit code and the output file's lines, sorted.
fn events(repo: &Repo, new: &str, output: &str) -> (Option<i32>, Vec<String>) {
    let run = repo
        .segmint(&[
            "diff",
            "--before-data",
            "customers.csv",
            "--data",
            new,
            "--output",
            output,
        ])
        .output()
        .unwrap();
    let text = std::fs::read_to_string(repo.root.join(output)).unwrap_or_default();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    (run.status.code(), lines)
}

#[test]
fn data_snapshots_give_entered_and_exited_events() {
    let repo = data_repo();
    let (code, lines) = events(&repo, "newer.csv", "events.csv");
    assert_eq!(code, Some(0));
    // c4 ordered (recent), c3 left (exits everything), c7 arrived
    assert_eq!(
        lines,
        [
            "c3,adults,exited",
            "c3,age_band=older,exited",
            "c4,recent,entered",
            "c7,adults,entered",
            "c7,age_band=young,entered",
            "c7,recent,entered",
            "c7,young_band,entered",
            "id,segment,change",
        ]
    );
}

#[test]
fn data_snapshots_as_json_lines() {
    let repo = data_repo();
    let (code, lines) = events(&repo, "newer.csv", "events.jsonl");
    assert_eq!(code, Some(0));
    assert!(lines.contains(&r#"{"id":"c4","segment":"recent","change":"entered"}"#.to_string()));
    assert_eq!(lines.len(), 7);
}

#[test]
fn two_as_of_dates_over_one_file() {
    let repo = data_repo();
    let report = json(
        &repo,
        &[
            "diff",
            "--before-as-of",
            "2026-06-10",
            "--as-of",
            "2026-06-30",
            "--format",
            "json",
        ],
    );
    // at 06-10 c1 (06-20), c6 (06-29) ordered in the future: last 45 days hold c2 (05-25) only
    assert_eq!(moves(segment(&report, "recent")), [1, 3, 2, 0]);
}

#[test]
fn data_snapshot_report() {
    let repo = data_repo();
    snapshot!(
        repo,
        repo.segmint(&[
            "diff",
            "--before-data",
            "customers.csv",
            "--data",
            "newer.csv"
        ])
    );
}

#[test]
fn duplicate_keys_exit_2_and_write_nothing() {
    let repo = data_repo();
    repo.write(
        "twice.csv",
        &format!("{NEWER}c1,21,2026-06-21,DE,1\nc6,1,,,\n"),
    );
    snapshot!(
        repo,
        repo.segmint(&[
            "diff",
            "--before-data",
            "customers.csv",
            "--data",
            "twice.csv",
            "--output",
            "events.csv",
        ])
    );
    assert!(!repo.root.join("events.csv").exists());
}

#[test]
fn snapshots_with_different_columns_exit_2() {
    let repo = data_repo();
    repo.write("narrow.csv", "id,age\nc1,20\n");
    snapshot!(
        repo,
        repo.segmint(&["diff", "--before-data", "narrow.csv", "--data", "newer.csv"])
    );
}

// ----- CI report ------------------------------------------------------------

/// The ```sh block of docs/ci.md's "Plain shell" section.
fn ci_script() -> String {
    let doc = include_str!("../docs/ci.md");
    let section = doc.split("## Plain shell").nth(1).unwrap();
    let block = section.split("```sh\n").nth(1).unwrap();
    block.split("```").next().unwrap().to_string()
}

#[test]
fn the_shell_ci_script_of_the_docs_reports_a_real_rule_change() {
    let repo = Repo::two_versions(false);
    repo.git(&["switch", "-q", "-c", "change"]);
    repo.commit("widen recent to 45 days");
    repo.write(
        "segments/warn.seg",
        "segment lapsed_or_missing {\n  where not (last_order_at within last 90 days)\n}\n",
    );
    repo.commit("a segment with a warning");
    repo.write("report.sh", &ci_script());
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_segmint"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg("report.sh")
        .current_dir(&repo.root)
        .env("PATH", path)
        .env("BASE", "main")
        .env("MAX_CHANGE", "30")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = std::fs::read_to_string(repo.root.join("segmint-report.md")).unwrap();
    // `recent` now fails `size <= 40%` and moves 50%: the script fails
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.starts_with("### segmint check\n"), "{report}");
    assert!(report.contains("| FAIL   | recent"), "{report}");
    assert!(
        report.contains("### segmint diff against `main`"),
        "{report}"
    );
    assert!(
        report.contains(
            "changed `last_order_at within last 30 days` → `last_order_at within last 45 days`"
        ),
        "{report}"
    );
    assert!(
        report.contains("**Expectations newly failing**\n- recent: `size <= 40%`"),
        "{report}"
    );
    assert!(
        report.contains("**New warnings**\n- `segments/warn.seg:2:9` not_over_nullable"),
        "{report}"
    );
    let junit = std::fs::read_to_string(repo.root.join("segmint-junit.xml")).unwrap();
    assert!(
        junit.contains(r#"<failure message="measured 3 of 6 (50.0%)"/>"#),
        "{junit}"
    );
}

#[test]
fn check_as_markdown() {
    let repo = Repo::two_versions(false);
    repo.write(
        "segments/warn.seg",
        "segment lapsed_or_missing {\n  where not (last_order_at within last 90 days)\n}\n",
    );
    snapshot!(repo, repo.segmint(&["check", "--format", "markdown"]));
}

#[test]
fn test_as_junit() {
    let repo = Repo::two_versions(false);
    snapshot!(repo, repo.segmint(&["test", "--format", "junit"]));
}
