//! The command line, end to end: every command, every `--format`, and each exit
//! code (0 ok, 1 the segments or data fail, 2 the command could not run). Each
//! snapshot records the exit code, stdout and stderr; temp paths show as `[TMP]`.

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

/// A project in a temporary folder.
struct CliTest {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl CliTest {
    fn new() -> CliTest {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        CliTest { _dir: dir, root }
    }

    /// A project holding `files` (path, contents).
    fn with_files(files: &[(&str, &str)]) -> CliTest {
        let test = CliTest::new();
        for (path, contents) in files {
            test.write(path, contents.as_bytes());
        }
        test
    }

    /// The small sample project below, plus `extra` files.
    fn project(extra: &[(&str, &str)]) -> CliTest {
        let test = CliTest::with_files(PROJECT);
        for (path, contents) in extra {
            test.write(path, contents.as_bytes());
        }
        test
    }

    fn write(&self, path: &str, bytes: &[u8]) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }

    fn path(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    /// `segmint ARGS` run in the project's root.
    fn command(&self, args: &[&str]) -> Command {
        self.command_in(".", args)
    }

    /// `segmint ARGS` run in a folder of the project.
    fn command_in(&self, folder: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_segmint"));
        command
            .args(args)
            .current_dir(self.root.join(folder))
            .env("NO_COLOR", "1");
        command
    }

    /// Snapshot filters: the temp folder becomes `[TMP]`.
    fn settings(&self) -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(&regex_escape(&self.root.display().to_string()), "[TMP]");
        settings.set_omit_expression(true);
        settings
    }
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

/// Runs `$test.command(args)` under `$test`'s filters and snapshots it.
macro_rules! snapshot {
    ($test:expr, $command:expr) => {
        $test.settings().bind(|| assert_cmd_snapshot!($command))
    };
}

const SCHEMA: &str = r#"/// Customers exported nightly from the CRM.
schema customers {
  key customer_id: string
  email: string?
  country: string
  age: int?
  status: enum("new", "regular", "rejected")
  rejection_reason: enum("too_expensive", "competitor", "other")?
  orders_count: int
  lifetime_value: float
  newsletter_opt_in: bool
}
"#;

const SEGMENTS: &str = r#"/// Buy often.
segment regulars {
  where status = "regular" and orders_count >= 4
}

segment rejected {
  where status = "rejected"
}

segment german {
  where country = "DE"
}

segment winter_sale {
  where newsletter_opt_in
  paused
}

tiers value_tier {
  gold: lifetime_value >= 1000
  silver: lifetime_value >= 100
  bronze: otherwise
}
"#;

const DATA: &str = "\
customer_id,email,country,age,status,rejection_reason,orders_count,lifetime_value,newsletter_opt_in
c1,a@example.com,DE,34,regular,,7,1500.5,true
c2,,FR,,rejected,too_expensive,0,0,false
c3,c@example.com,DE,51,rejected,competitor,1,120,true
c4,d@example.com,DE,28,regular,,4,300,false
c5,e@example.com,FR,45,new,,1,80,true
c6,,DE,,rejected,,0,0,false
";

const TOML: &str = "\
segments = [\"segments\"]
data = \"data/customers.csv\"
as_of = \"2026-06-30\"
[lint]
max_criteria = 3
";

const PROJECT: &[(&str, &str)] = &[
    ("segmint.toml", TOML),
    ("segments/schema.seg", SCHEMA),
    ("segments/segments.seg", SEGMENTS),
    ("data/customers.csv", DATA),
];

// ----- check --------------------------------------------------------------------

#[test]
fn check_clean_project_exits_0() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["check"]));
}

#[test]
fn check_unknown_field_exits_1_with_did_you_mean() {
    let test = CliTest::project(&[(
        "segments/broken.seg",
        "segment old {\n  where agee > 60\n}\n",
    )]);
    snapshot!(test, test.command(&["check"]));
}

#[test]
fn check_json_format() {
    let test = CliTest::project(&[(
        "segments/broken.seg",
        "segment old {\n  where agee > 60\n}\n",
    )]);
    snapshot!(test, test.command(&["check", "--format", "json"]));
}

#[test]
fn check_github_format() {
    let test = CliTest::project(&[(
        "segments/broken.seg",
        "segment old {\n  where agee > 60\n}\n",
    )]);
    snapshot!(test, test.command(&["check", "--format", "github"]));
}

#[test]
fn check_sarif_format() {
    let test = CliTest::project(&[(
        "segments/broken.seg",
        "segment old {\n  where agee > 60\n}\n",
    )]);
    snapshot!(test, test.command(&["check", "--format", "sarif"]));
}

const TOO_MANY: &str = "segment busy {\n  where age > 18 and country = \"DE\" and orders_count > 1 and newsletter_opt_in\n}\n";

#[test]
fn check_warning_alone_exits_0() {
    let test = CliTest::project(&[("segments/busy.seg", TOO_MANY)]);
    snapshot!(test, test.command(&["check"]));
}

#[test]
fn check_deny_warnings_makes_a_warning_exit_1() {
    let test = CliTest::project(&[("segments/busy.seg", TOO_MANY)]);
    snapshot!(
        test,
        test.command(&["check", "--deny-warnings", "--format", "json"])
    );
}

#[test]
fn check_max_criteria_comes_from_segmint_toml() {
    let test = CliTest::project(&[
        ("segments/busy.seg", TOO_MANY),
        (
            "segmint.toml",
            "segments = [\"segments\"]\n[lint]\nmax_criteria = 4\n",
        ),
    ]);
    snapshot!(test, test.command(&["check", "--deny-warnings"]));
}

#[test]
fn check_invalid_utf8_names_the_byte_offset() {
    let test = CliTest::project(&[]);
    test.write(
        "segments/latin1.seg",
        b"// caf\xe9\nsegment x {\n  where age > 3\n}\n",
    );
    snapshot!(test, test.command(&["check"]));
}

#[test]
fn check_syntax_error_exits_1() {
    let test = CliTest::project(&[("segments/broken.seg", "segment x {\n  where age >\n}\n")]);
    snapshot!(test, test.command(&["check"]));
}

#[test]
fn check_given_paths_ignore_other_extensions() {
    let test = CliTest::project(&[
        ("segments/notes.txt", "not a segment file"),
        ("other/more.seg", "segment more {\n  where age > 3\n}\n"),
    ]);
    snapshot!(test, test.command(&["check", "segments", "other"]));
}

#[test]
fn check_missing_path_exits_2() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["check", "nowhere"]));
}

#[test]
fn check_folder_without_seg_files_exits_2() {
    let test = CliTest::with_files(&[("segments/readme.md", "# nothing here")]);
    snapshot!(test, test.command(&["check"]));
}

#[test]
fn check_finds_segmint_toml_in_a_parent_folder() {
    let test = CliTest::project(&[("data/sub/.keep", "")]);
    snapshot!(test, test.command_in("data/sub", &["check"]));
}

#[test]
fn check_same_file_by_two_paths_is_read_once() {
    let test = CliTest::project(&[("segments/busy.seg", TOO_MANY)]);
    snapshot!(
        test,
        test.command(&["check", "./segments/busy.seg", "segments"])
    );
}

#[test]
fn check_same_file_by_absolute_path_is_read_once() {
    let test = CliTest::project(&[("segments/busy.seg", TOO_MANY)]);
    let absolute = test.path("segments/busy.seg");
    let mut command = test.command(&["check", "segments"]);
    command.arg(absolute);
    snapshot!(test, command);
}

#[cfg(unix)]
#[test]
fn check_symlinked_folder_is_read_once() {
    let test = CliTest::project(&[("segments/busy.seg", TOO_MANY)]);
    std::os::unix::fs::symlink(test.path("segments"), test.path("link")).unwrap();
    snapshot!(test, test.command(&["check", "segments", "link"]));
}

#[test]
fn check_bad_segmint_toml_exits_2() {
    let test = CliTest::project(&[(
        "segmint.toml",
        "segments = [\"segments\"]\nmax_criteria = 3\n",
    )]);
    snapshot!(test, test.command(&["check"]));
}

#[test]
fn check_accepts_a_single_segments_folder_in_segmint_toml() {
    let test = CliTest::project(&[
        ("segments/busy.seg", TOO_MANY),
        ("segmint.toml", "segments = \"segments\"\n"),
    ]);
    snapshot!(test, test.command(&["check"]));
}

const USES_PROJECT: &str =
    "segment german_regulars {\n  where regulars and german and not (age > 60)\n}\n";

#[test]
fn check_one_file_of_a_project_sees_the_project_and_reports_only_that_file() {
    // `busy.seg` has a warning of its own, which checking `uses.seg` leaves out;
    // `uses.seg` refers to the schema and to segments of other files.
    let test = CliTest::project(&[
        ("segments/busy.seg", TOO_MANY),
        ("segments/uses.seg", USES_PROJECT),
    ]);
    snapshot!(test, test.command(&["check", "segments/uses.seg"]));
}

#[test]
fn explain_one_file_of_a_project_sees_the_project() {
    let test = CliTest::project(&[("segments/uses.seg", USES_PROJECT)]);
    snapshot!(
        test,
        test.command(&["explain", "german_regulars", "segments/uses.seg"])
    );
}

#[test]
fn check_a_file_outside_the_project_says_where_the_schema_is() {
    let test = CliTest::project(&[("drafts/uses.seg", USES_PROJECT)]);
    snapshot!(test, test.command(&["check", "drafts/uses.seg"]));
}

#[test]
fn warning_hint_names_the_paths_the_command_was_given() {
    let test = CliTest::project(&[("segments/busy.seg", TOO_MANY)]);
    snapshot!(
        test,
        test.command(&["eval", "segments/busy.seg", "segments/schema.seg"])
    );
}

const QUINTILES: &str = "segment low_buyers {\n  where quintile(orders_count) <= 2\n}\n";

#[test]
fn stats_warns_when_ties_leave_a_quintile_empty() {
    // orders_count 0, 0, 1, 1, 4, 7: the tied 1s take score 2, nobody has score 3
    let test = CliTest::project(&[("segments/quintiles.seg", QUINTILES)]);
    snapshot!(test, test.command(&["stats"]));
    // `eval` and `test` run the same pass and print the same warning
    snapshot!(test, test.command(&["eval", "--segment", "low_buyers"]));
    snapshot!(test, test.command(&["test"]));
}

const DATED_SCHEMA: &str = "schema customers {\n  key customer_id: string\n  signup_date: date\n  last_order_at: timestamp?\n}\n\nsegment recent {\n  where last_order_at within last 30 days\n}\n";

fn dated_project() -> CliTest {
    CliTest::with_files(&[
        (
            "segmint.toml",
            "segments = \"segments\"\ndata = \"data/customers_{as_of}.csv\"\n",
        ),
        ("segments/schema.seg", DATED_SCHEMA),
        (
            "data/customers_2026-06-30.csv",
            "customer_id,signup_date,last_order_at\nc1,2025-01-01,2026-06-20T10:00:00Z\nc2,2026-06-30,\nc3,2024-05-05,2026-03-01T00:00:00Z\n",
        ),
        (
            "data/customers_2026-03-31.csv",
            "customer_id,signup_date,last_order_at\nc1,2025-01-01,2026-03-20T10:00:00Z\nc3,2024-05-05,2026-03-01T00:00:00Z\n",
        ),
    ])
}

#[test]
fn data_pattern_picks_the_snapshot_of_the_as_of_date() {
    let test = dated_project();
    snapshot!(test, test.command(&["stats", "--as-of", "2026-03-31"]));
    snapshot!(test, test.command(&["stats", "--as-of", "2026-06-30"]));
}

#[test]
fn dates_after_the_as_of_date_are_a_warning() {
    // the June snapshot evaluated as of 2026-03-31: two dates are from after it
    let test = dated_project();
    snapshot!(
        test,
        test.command(&[
            "stats",
            "--data",
            "data/customers_2026-06-30.csv",
            "--as-of",
            "2026-03-31"
        ])
    );
}

#[test]
fn parquet_and_arrow_outputs_record_the_as_of_date() {
    let test = dated_project();
    for file in ["out.parquet", "out.arrow"] {
        let status = test
            .command(&["eval", "--as-of", "2026-06-30", "--output", file])
            .status()
            .unwrap();
        assert!(status.success(), "{file}");
    }
    let parquet = std::fs::File::open(test.path("out.parquet")).unwrap();
    let reader = parquet::file::reader::SerializedFileReader::new(parquet).unwrap();
    let pairs: Vec<(String, Option<String>)> = parquet::file::reader::FileReader::metadata(&reader)
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.clone()))
        .filter(|(k, _)| k.starts_with("segmint"))
        .collect();
    assert_eq!(
        pairs,
        [("segmint.as_of".to_string(), Some("2026-06-30".to_string()))]
    );
    let arrow = std::fs::File::open(test.path("out.arrow")).unwrap();
    let reader = arrow::ipc::reader::FileReader::try_new(arrow, None).unwrap();
    assert_eq!(
        reader
            .schema()
            .metadata()
            .get("segmint.as_of")
            .map(String::as_str),
        Some("2026-06-30")
    );
}

#[test]
fn eval_keys_only_lists_the_members_of_one_segment() {
    let test = CliTest::project(&[]);
    snapshot!(
        test,
        test.command(&["eval", "--segment", "german", "--keys-only"])
    );
    snapshot!(
        test,
        test.command(&[
            "eval",
            "--segment",
            "german",
            "--keys-only",
            "--output",
            "german.csv"
        ])
    );
    assert_eq!(test.read("german.csv"), "customer_id\nc1\nc3\nc4\nc6\n");
    // the same one-column table on standard output, for a pipe
    snapshot!(
        test,
        test.command(&[
            "eval",
            "--segment",
            "german",
            "--keys-only",
            "--output",
            "-",
            "--format",
            "jsonl"
        ])
    );
    // one segment, not several and not a tiers block
    snapshot!(test, test.command(&["eval", "--keys-only"]));
}

#[test]
fn stats_of_the_named_segments_and_tiers_blocks_only() {
    let test = CliTest::project(&[]);
    snapshot!(
        test,
        test.command(&["stats", "--segment", "german", "--segment", "value_tier"])
    );
}

// ----- schema infer / init -------------------------------------------------------

const EXPORT_CSV: &str = "\
customer_id,Email Address,country,age,signup_date,last_order_at,vip,status,total,tags
C1,a@example.com,DE,34,2024-01-05,2026-06-20T10:00:00Z,true,active,10.5,vip|newsletter
C2,,FR,,2024-02-11,,false,lapsed,0,
C3,c@example.com,DE,51,2023-12-30,2026-01-02T08:30:00Z,false,active,7,newsletter
C4,d@example.com,AT,28,2025-03-01,2026-05-05T12:00:00Z,true,active,3.25,vip
C5,e@example.com,DE,45,2025-07-19,,false,lapsed,0,
C6,f@example.com,FR,19,2026-01-02,2026-06-01T00:00:00Z,false,active,1,newsletter
";

const ORDERS_CSV: &str = "\
order_id,customer_id,placed_at,amount,channel
o1,C1,2026-06-01,25.5,web
o2,C1,2026-06-03,12,app
o3,C3,2026-05-01,40,web
o4,C4,,8,store
o5,C3,2026-06-20,,app
o6,C1,2026-06-21,3,web
";

#[test]
fn schema_infer_from_a_csv_export() {
    // `Email Address` is no valid name; `status` and `country` repeat few values
    let test = CliTest::with_files(&[("export/customers.csv", EXPORT_CSV)]);
    snapshot!(
        test,
        test.command(&["schema", "infer", "export/customers.csv"])
    );
}

#[test]
fn schema_infer_events_guesses_the_key_and_the_time() {
    let test = CliTest::with_files(&[("export/orders.csv", ORDERS_CSV)]);
    snapshot!(
        test,
        test.command(&["schema", "infer", "export/orders.csv", "--events"])
    );
}

#[test]
fn schema_infer_reads_json_lines_and_parquet() {
    let test = CliTest::with_files(&[(
        "export/people.jsonl",
        "{\"id\": 1, \"seen\": \"2026-06-01T10:00:00Z\", \"tags\": [\"a\"], \"score\": 1.5}\n{\"id\": 2, \"seen\": null, \"tags\": [], \"score\": 2}\n",
    )]);
    snapshot!(
        test,
        test.command(&["schema", "infer", "export/people.jsonl"])
    );
    let parquet = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("segments/sample/customers.parquet"),
    )
    .unwrap();
    test.write("export/customers.parquet", &parquet);
    snapshot!(
        test,
        test.command(&["schema", "infer", "export/customers.parquet"])
    );
}

#[test]
fn schema_infer_of_an_empty_column_and_of_no_rows() {
    let test = CliTest::with_files(&[
        ("export/blank.csv", "id,note\n1,\n2,\n"),
        ("export/header.csv", "id,note\n"),
    ]);
    snapshot!(test, test.command(&["schema", "infer", "export/blank.csv"]));
    snapshot!(
        test,
        test.command(&["schema", "infer", "export/header.csv"])
    );
}

#[test]
fn schema_infer_of_a_missing_file_exits_2() {
    let test = CliTest::new();
    snapshot!(test, test.command(&["schema", "infer", "nowhere.csv"]));
}

#[test]
fn init_starts_a_project_that_checks_and_runs() {
    let test = CliTest::with_files(&[
        ("export/customers.csv", EXPORT_CSV),
        ("export/orders.csv", ORDERS_CSV),
    ]);
    snapshot!(
        test,
        test.command(&[
            "init",
            "shop",
            "--data",
            "export/customers.csv",
            "--events",
            "orders=export/orders.csv"
        ])
    );
    insta::assert_snapshot!("init_segmint_toml", test.read("shop/segmint.toml"));
    insta::assert_snapshot!("init_schema_seg", test.read("shop/segments/schema.seg"));
    test.write(
        "shop/segments/first.seg",
        b"segment buyers {\n  where count(orders) >= 2\n}\n",
    );
    snapshot!(
        test,
        test.command_in("shop", &["stats", "--as-of", "2026-06-30"])
    );
    // a second init into the same folder refuses
    snapshot!(
        test,
        test.command(&["init", "shop", "--data", "export/customers.csv"])
    );
}

#[test]
fn stats_by_a_segment_splits_every_segment_by_its_members() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["stats", "--by", "german"]));
}

#[test]
fn bad_flag_exits_2() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["check", "--format", "xml"]));
}

#[test]
fn unknown_command_exits_2() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["fly"]));
}

// ----- explain ------------------------------------------------------------------

#[test]
fn explain_segment_shows_criteria_tree_and_plan() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["explain", "regulars", "--plan"]));
}

#[test]
fn explain_segment_in_plain_words() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["explain", "regulars"]));
}

#[test]
fn explain_tiers_block() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["explain", "value_tier"]));
}

const REFERRING: &str = "\
segment valued_regulars {
  where regulars and value_tier in [\"gold\", \"silver\"]
}

tiers age_band {
  senior: age >= 65
  adult: otherwise
}
";

#[test]
fn explain_shows_only_the_plan_of_the_item_and_what_it_refers_to() {
    let test = CliTest::project(&[("segments/referring.seg", REFERRING)]);
    snapshot!(
        test,
        test.command(&["explain", "valued_regulars", "--plan"])
    );
}

#[test]
fn explain_tiers_block_leaves_out_other_tiers_blocks() {
    let test = CliTest::project(&[("segments/referring.seg", REFERRING)]);
    snapshot!(test, test.command(&["explain", "age_band", "--plan"]));
}

#[test]
fn explain_unknown_name_exits_2_with_did_you_mean() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["explain", "regular"]));
}

#[test]
fn explain_far_off_name_suggests_the_name_containing_it() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["explain", "regul"]));
    // names on the command line of other commands too
    snapshot!(test, test.command(&["eval", "--segment", "regul"]));
    snapshot!(test, test.command(&["stats", "--by", "value"]));
}

#[test]
fn explain_with_compile_errors_exits_1() {
    let test = CliTest::project(&[(
        "segments/broken.seg",
        "segment old {\n  where agee > 60\n}\n",
    )]);
    snapshot!(test, test.command(&["explain", "regulars"]));
}

// ----- sample -------------------------------------------------------------------

#[test]
fn sample_writes_a_deterministic_file() {
    let test = CliTest::new();
    snapshot!(
        test,
        test.command(&[
            "sample",
            "--rows",
            "3",
            "--output",
            "customers.parquet",
            "--seed",
            "7"
        ])
    );
    let again = [
        "sample",
        "--rows",
        "3",
        "--output",
        "again.parquet",
        "--seed",
        "7",
    ];
    assert!(test.command(&again).status().unwrap().success());
    let other = [
        "sample",
        "--rows",
        "3",
        "--output",
        "other.parquet",
        "--seed",
        "8",
    ];
    assert!(test.command(&other).status().unwrap().success());
    let bytes = |name: &str| std::fs::read(test.path(name)).unwrap();
    assert_eq!(bytes("customers.parquet"), bytes("again.parquet"));
    assert_ne!(bytes("customers.parquet"), bytes("other.parquet"));
}

#[test]
fn sample_writes_the_history_when_asked() {
    let test = CliTest::new();
    let args = [
        "sample",
        "--rows",
        "20",
        "--output",
        "customers.csv",
        "--orders",
        "orders.csv",
        "--email-events",
        "email_events.csv",
    ];
    snapshot!(test, test.command(&args));
    let plain = ["sample", "--rows", "20", "--output", "alone.csv"];
    assert!(test.command(&plain).status().unwrap().success());
    let text = |name: &str| std::fs::read_to_string(test.path(name)).unwrap();
    assert_eq!(text("customers.csv"), text("alone.csv"));
    assert!(text("orders.csv").starts_with("customer_id,placed_at,amount,channel\n"));
    assert!(text("email_events.csv").starts_with("customer_id,at,kind\n"));
}

#[test]
fn sample_two_outputs_on_one_file_exit_2() {
    let test = CliTest::new();
    snapshot!(
        test,
        test.command(&[
            "sample",
            "--rows",
            "3",
            "--output",
            "customers.csv",
            "--orders",
            "customers.csv"
        ])
    );
    assert!(!test.path("customers.csv").exists());
}

#[test]
fn sample_unknown_extension_exits_2() {
    let test = CliTest::new();
    snapshot!(
        test,
        test.command(&["sample", "--rows", "3", "--output", "customers.xlsx"])
    );
    assert!(!test.path("customers.xlsx").exists());
}

// ----- eval ---------------------------------------------------------------------

#[test]
fn eval_without_output_prints_member_counts() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["eval"]));
}

#[test]
fn eval_writes_csv_membership_table() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["eval", "--output", "members.csv"]));
    insta::assert_snapshot!(test.read("members.csv"));
}

#[test]
fn eval_selected_segments_only() {
    let test = CliTest::project(&[]);
    let args = [
        "eval",
        "--segment",
        "german",
        "--segment",
        "winter_sale",
        "--output",
        "members.jsonl",
    ];
    snapshot!(test, test.command(&args));
    insta::assert_snapshot!(test.read("members.jsonl"));
}

#[test]
fn eval_one_row_says_row() {
    let one_row = DATA.lines().take(2).collect::<Vec<_>>().join("\n") + "\n";
    let test = CliTest::project(&[("data/customers.csv", one_row.as_str())]);
    snapshot!(test, test.command(&["eval", "--output", "members.csv"]));
}

#[test]
fn eval_warning_count_goes_to_stderr_only() {
    let test = CliTest::project(&[("segments/busy.seg", TOO_MANY)]);
    let output = test.command(&["eval"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success());
    assert!(!stdout.contains("warning"), "{stdout}");
    assert!(
        stderr.contains("warning: the segment files have 1 warning"),
        "{stderr}"
    );
}

#[test]
fn eval_unknown_segment_exits_2() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["eval", "--segment", "germn"]));
}

#[test]
fn eval_missing_data_file_exits_2() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["eval", "--data", "data/nope.csv"]));
}

#[test]
fn eval_without_any_data_file_exits_2() {
    let test = CliTest::project(&[("segmint.toml", "segments = [\"segments\"]\n")]);
    snapshot!(test, test.command(&["eval"]));
}

#[test]
fn eval_schema_data_mismatch_exits_2_and_writes_nothing() {
    let bad = DATA.replace("orders_count", "order_count");
    let test = CliTest::project(&[("data/customers.csv", &bad)]);
    snapshot!(test, test.command(&["eval", "--output", "members.csv"]));
    assert!(!test.path("members.csv").exists());
}

#[test]
fn eval_with_compile_errors_exits_1() {
    let test = CliTest::project(&[(
        "segments/broken.seg",
        "segment old {\n  where agee > 60\n}\n",
    )]);
    snapshot!(test, test.command(&["eval"]));
}

#[test]
fn eval_bad_as_of_exits_2() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["eval", "--as-of", "2026-02-30"]));
}

#[test]
fn eval_zero_rows_gives_a_header_only_file() {
    let header = DATA.lines().next().unwrap().to_owned() + "\n";
    let test = CliTest::project(&[("data/customers.csv", &header)]);
    snapshot!(test, test.command(&["eval", "--output", "members.csv"]));
    insta::assert_snapshot!(test.read("members.csv"));
}

// ----- stats --------------------------------------------------------------------

#[test]
fn stats_table() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["stats"]));
}

#[test]
fn stats_overlap_and_by_enum_field_table() {
    let test = CliTest::project(&[]);
    snapshot!(
        test,
        test.command(&["stats", "--overlap", "--by", "rejection_reason"])
    );
}

const MORE_SEGMENTS: &str = "\
segment opted_in {
  where newsletter_opt_in
}

segment big_spenders {
  where lifetime_value >= 100
}

segment adults {
  where age >= 18
}

segment nobody {
  where orders_count > 1000
}
";

#[test]
fn stats_overlap_table_names_each_segments_largest_overlaps() {
    let test = CliTest::project(&[("segments/more.seg", MORE_SEGMENTS)]);
    snapshot!(test, test.command(&["stats", "--overlap"]));
}

#[test]
fn stats_overlap_markdown_keeps_the_whole_numbered_matrix() {
    let test = CliTest::project(&[("segments/more.seg", MORE_SEGMENTS)]);
    snapshot!(
        test,
        test.command(&["stats", "--overlap", "--format", "markdown"])
    );
}

#[test]
fn stats_by_tiers_markdown() {
    let test = CliTest::project(&[]);
    snapshot!(
        test,
        test.command(&["stats", "--by", "value_tier", "--format", "markdown"])
    );
}

#[test]
fn stats_json() {
    let test = CliTest::project(&[]);
    snapshot!(
        test,
        test.command(&[
            "stats",
            "--overlap",
            "--by",
            "newsletter_opt_in",
            "--format",
            "json"
        ])
    );
}

#[test]
fn stats_by_a_numeric_field_exits_2() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["stats", "--by", "age"]));
}

#[test]
fn stats_by_unknown_field_exits_2_with_did_you_mean() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["stats", "--by", "contry"]));
}

// ----- check: the machine format over every checker fixture ----------------------

#[test]
fn check_json_over_checker_fixtures() {
    insta::glob!("check/*.seg", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let test = CliTest::new();
        test.write(&format!("segments/{name}"), &std::fs::read(path).unwrap());
        let output = test
            .command(&["check", "--format", "json"])
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let errors = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error");
        let expected_code = if errors.count() > 0 { 1 } else { 0 };
        assert_eq!(output.status.code(), Some(expected_code), "{name}");
        // The output as printed (keys in the documented order), one diagnostic a line.
        let readable = stdout.replace(r#"},{"severity""#, "},\n{\"severity\"");
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(readable);
        });
    });
}

/// The human format over every checker and lint fixture: what a person sees in a
/// terminal (no colour when not a terminal), with source snippets and underlines.
#[test]
fn check_human_over_checker_and_lint_fixtures() {
    insta::glob!("{check,lint}/*.seg", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let test = CliTest::new();
        test.write(&format!("segments/{name}"), &std::fs::read(path).unwrap());
        // Lint fixtures use the example library's schema (as tests/lint.rs does).
        if path.parent().is_some_and(|p| p.ends_with("lint")) {
            test.write(
                "segments/schema.seg",
                include_str!("../segments/schema.seg").as_bytes(),
            );
        }
        let output = test.command(&["check"]).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            !stdout.contains('\u{1b}'),
            "no colour when not a terminal: {name}"
        );
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(stdout);
        });
    });
}

// ----- test ---------------------------------------------------------------------

const EXPECTATIONS: &str = r#"segment german_regulars {
  where german and regulars
  expect size between 10% and 50%
  expect overlap with rejected <= 10%
}

segment german_rejected {
  where german and rejected
  expect disjoint from rejected
  expect size >= 3
}
"#;

const PASSING: &str = r#"segment german_regulars {
  where german and regulars
  expect size between 10% and 50%
  expect disjoint from rejected
  expect overlap with winter_sale <= 50%
}
"#;

#[test]
fn expectations_failing_exits_1() {
    let test = CliTest::project(&[("segments/expect.seg", EXPECTATIONS)]);
    snapshot!(test, test.command(&["test"]));
}

const PAUSED_AND_EMPTY: &str = r#"segment nobody {
  where country = "XX"
  expect overlap with rejected <= 10%
}

segment winter_check {
  where winter_sale
  expect size <= 50%
}
"#;

#[test]
fn expectations_of_paused_and_empty_segments_read_as_such() {
    // `paused_check` is paused (measured all the same); `nobody` has no members
    let test = CliTest::project(&[
        ("segments/expect.seg", PAUSED_AND_EMPTY),
        (
            "segments/paused.seg",
            "segment paused_check {\n  where german\n  expect size >= 1\n  paused\n}\n",
        ),
    ]);
    snapshot!(test, test.command(&["test"]));
}

#[test]
fn expectations_json() {
    let test = CliTest::project(&[("segments/expect.seg", EXPECTATIONS)]);
    snapshot!(test, test.command(&["test", "--format", "json"]));
}

#[test]
fn expectations_all_passing_markdown_exits_0() {
    let test = CliTest::project(&[("segments/expect.seg", PASSING)]);
    snapshot!(test, test.command(&["test", "--format", "markdown"]));
}

// ----- events --------------------------------------------------------------------

const EVENTS_SEG: &str = r#"events orders {
  key customer_id
  time placed_at: date
  amount: float
}

segment buyers {
  where count(orders) >= 2 and sum(orders.amount within last 30 days) > 10
}
"#;

// as of 2026-06-30: c1 has 2 orders (25 within the last 30 days) → buyer;
// c3 has 2, but one is after as-of → not; c99 matches no customer; one has no time
const ORDERS: &str = "\
customer_id,placed_at,amount
c1,2026-06-20,25
c1,2026-01-02,5
c3,2026-06-01,50
c3,2026-07-01,50
c99,2026-06-01,1
c4,,3
";

fn events_project(toml: &str) -> CliTest {
    CliTest::project(&[
        ("segmint.toml", toml),
        ("segments/events.seg", EVENTS_SEG),
        ("data/orders.csv", ORDERS),
    ])
}

fn run_for(test: &CliTest, args: &[&str]) -> (Option<i32>, String, String) {
    let output = test.command(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn eval_with_events_file_evaluates_aggregates_and_warns_about_left_out_events() {
    let test = events_project(TOML);
    let args = [
        "eval",
        "--events",
        "orders=data/orders.csv",
        "--segment",
        "buyers",
        "--output",
        "members.csv",
    ];
    let (code, _, stderr) = run_for(&test, &args);
    assert_eq!(code, Some(0), "{stderr}");
    let members = test.read("members.csv");
    assert!(members.contains("c1,true"), "{members}");
    assert!(members.contains("c3,false"), "{members}");
    assert!(
        stderr.contains(
            "orders.csv: 2 events left out (missing time, or a key matching no customer)"
        ),
        "{stderr}"
    );
}

#[test]
fn events_default_comes_from_segmint_toml() {
    let toml = format!("{TOML}[events]\norders = \"data/orders.csv\"\n");
    let test = events_project(&toml);
    let (code, stdout, stderr) = run_for(&test, &["stats", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("buyers"), "{stdout}");
}

#[test]
fn events_table_without_a_file_exits_2() {
    let test = events_project(TOML);
    let (code, _, stderr) = run_for(&test, &["eval", "--segment", "buyers"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("the segments use events table `orders` but no file was given"),
        "{stderr}"
    );
}

#[test]
fn unknown_events_name_exits_2_with_did_you_mean() {
    let test = events_project(TOML);
    let (code, _, stderr) = run_for(&test, &["test", "--events", "order=data/orders.csv"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no events table `order`"), "{stderr}");
    assert!(stderr.contains("did you mean `orders`?"), "{stderr}");
}

// ----- bad event input -------------------------------------------------------------

/// `eval --output` with `orders` read from `file`: the exit code, stderr, and
/// whether the output file was written.
fn eval_events_output(test: &CliTest, file: &str) -> (Option<i32>, String, bool) {
    let args = [
        "eval",
        "--events",
        &format!("orders={file}"),
        "--output",
        "members.csv",
    ];
    let (code, _, stderr) = run_for(test, &args);
    (code, stderr, test.path("members.csv").exists())
}

#[test]
fn event_rows_without_a_key_are_left_out_and_counted() {
    let test = events_project(TOML);
    test.write(
        "data/orders.csv",
        b"customer_id,placed_at,amount\nc1,2026-06-20,25\n,2026-06-21,30\nc1,2026-06-01,5\n",
    );
    let (code, stderr, written) = eval_events_output(&test, "data/orders.csv");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(written);
    assert!(test.read("members.csv").contains("c1,true"));
    assert!(
        stderr
            .contains("orders.csv: 1 event left out (missing time, or a key matching no customer)"),
        "{stderr}"
    );
}

#[test]
fn an_event_file_with_zero_rows_gives_aggregates_over_no_events() {
    let test = events_project(TOML);
    test.write("data/orders.csv", b"customer_id,placed_at,amount\n");
    let (code, stderr, written) = eval_events_output(&test, "data/orders.csv");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(written);
    let members = test.read("members.csv");
    assert!(members.contains("c1,false"), "{members}");
    assert!(!stderr.contains("left out"), "{stderr}");
}

#[test]
fn bad_event_files_exit_2_naming_file_and_column_and_write_nothing() {
    let test = events_project(TOML);
    test.write("data/no_time.csv", b"customer_id,amount\nc1,25\n");
    test.write(
        "data/bad_time.csv",
        b"customer_id,placed_at,amount\nc1,2026-06-20,25\nc1,yesterday,5\n",
    );
    test.write(
        "data/corrupt.parquet",
        b"PAR1 this is not a parquet file PAR1",
    );
    let sample = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("segments/sample/customers.parquet"),
    )
    .unwrap();
    test.write("data/truncated.parquet", &sample[..sample.len() / 2]);
    let cases = [
        ("data/no_time.csv", "placed_at"),
        ("data/bad_time.csv", "placed_at"),
        ("data/corrupt.parquet", "corrupt.parquet"),
        ("data/truncated.parquet", "truncated.parquet"),
        ("data/missing.csv", "missing.csv"),
    ];
    for (file, named) in cases {
        let (code, stderr, written) = eval_events_output(&test, file);
        assert_eq!(code, Some(2), "{file}: {stderr}");
        assert!(stderr.contains(named), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(!written, "{file}: an output file was left behind");
        let name = file.trim_start_matches("data/").replace('.', "_");
        let args = ["eval", "--events", &format!("orders={file}")];
        test.settings()
            .bind(|| assert_cmd_snapshot!(format!("bad_event_file_{name}"), test.command(&args)));
    }
}

#[test]
fn an_event_key_of_another_type_than_the_customer_key_exits_2() {
    // the customer key is a string; a Parquet event file keyed by float
    let test = events_project(TOML);
    let schema = std::sync::Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("customer_id", arrow::datatypes::DataType::Float64, false),
        arrow::datatypes::Field::new("placed_at", arrow::datatypes::DataType::Date32, true),
        arrow::datatypes::Field::new("amount", arrow::datatypes::DataType::Float64, true),
    ]));
    let batch = arrow::record_batch::RecordBatch::try_new(
        schema.clone(),
        vec![
            std::sync::Arc::new(arrow::array::Float64Array::from(vec![1.0])),
            std::sync::Arc::new(arrow::array::Date32Array::from(vec![Some(20_600)])),
            std::sync::Arc::new(arrow::array::Float64Array::from(vec![Some(2.5)])),
        ],
    )
    .unwrap();
    let mut bytes = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    test.write("data/float_key.parquet", &bytes);
    let (code, stderr, written) = eval_events_output(&test, "data/float_key.parquet");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("customer_id"), "{stderr}");
    assert!(!written);
    let args = ["eval", "--events", "orders=data/float_key.parquet"];
    test.settings()
        .bind(|| assert_cmd_snapshot!("bad_event_file_float_key", test.command(&args)));
}

#[test]
fn explain_shows_each_aggregate_with_its_filter_and_resolved_time_range() {
    let test = events_project(TOML);
    test.write(
        "segments/more.seg",
        br#"segment app_recent {
  where count(orders where amount > 10 within last 30 days) >= 1
    and count(orders) >= 2
}
"#,
    );
    snapshot!(test, test.command(&["explain", "app_recent", "--plan"]));
    // in plain words first: the aggregate's window resolved to dates
    snapshot!(test, test.command(&["explain", "app_recent"]));
}

// ----- history: lift and backtest -------------------------------------------------

const HISTORY_SEG: &str = r#"events orders {
  key customer_id
  time placed_at: date
  amount: float
}

/// Ordered in the last 60 days.
segment recent_buyers {
  where exists(orders within last 60 days)
  expect lift(sum(orders.amount within next 60 days)) >= 1.5
}

/// Two orders or more, ever.
segment repeat_buyers {
  where count(orders) >= 2
  expect size >= 1
}

/// Reads a customer field: not faithful history.
segment german_buyers {
  where country = "DE" and count(orders) >= 1
}
"#;

// c1 buys every month from January to June 2026 (10 each), c3 in February and May
// (50 each), c5 once in March (5), c4 only in July (after every as-of date)
const HISTORY_ORDERS: &str = "\
customer_id,placed_at,amount
c1,2026-01-15,10
c1,2026-02-15,10
c1,2026-03-15,10
c1,2026-04-15,10
c1,2026-05-15,10
c1,2026-06-15,10
c3,2026-02-10,50
c3,2026-05-10,50
c5,2026-03-20,5
c4,2026-07-10,80
c9,2026-03-01,1
";

fn history_project() -> CliTest {
    CliTest::project(&[
        ("segments/history.seg", HISTORY_SEG),
        ("data/orders.csv", HISTORY_ORDERS),
    ])
}

const BACKTEST: &[&str] = &[
    "backtest",
    "--events",
    "orders=data/orders.csv",
    "--from",
    "2026-01-31",
    "--to",
    "2026-04-30",
    "--every",
    "month",
    "--segment",
    "recent_buyers",
    "--segment",
    "repeat_buyers",
    "--segment",
    "german_buyers",
];

fn backtest_args(extra: &[&'static str]) -> Vec<&'static str> {
    BACKTEST.iter().chain(extra).copied().collect()
}

#[test]
fn test_measures_lift_with_future_windows() {
    let test = history_project();
    snapshot!(
        test,
        test.command(&[
            "test",
            "--events",
            "orders=data/orders.csv",
            "--as-of",
            "2026-03-31"
        ])
    );
}

#[test]
fn backtest_table_shows_sizes_changes_and_expectations_per_date() {
    let test = history_project();
    snapshot!(test, test.command(&backtest_args(&[])));
}

#[test]
fn backtest_csv() {
    let test = history_project();
    snapshot!(test, test.command(&backtest_args(&["--format", "csv"])));
}

#[test]
fn backtest_json() {
    let test = history_project();
    snapshot!(test, test.command(&backtest_args(&["--format", "json"])));
}

#[test]
fn backtest_markdown_has_a_mermaid_chart() {
    let test = history_project();
    snapshot!(
        test,
        test.command(&backtest_args(&["--format", "markdown"]))
    );
}

#[test]
fn backtest_agrees_with_eval_at_each_date() {
    let test = history_project();
    let (code, stdout, stderr) = run_for(&test, &backtest_args(&["--format", "csv"]));
    // (an expectation fails at the first date: exit 1)
    assert_eq!(code, Some(1), "{stderr}");
    for as_of in ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"] {
        let args = [
            "stats",
            "--events",
            "orders=data/orders.csv",
            "--as-of",
            as_of,
            "--format",
            "json",
        ];
        let (code, stats, stderr) = run_for(&test, &args);
        assert_eq!(code, Some(0), "{stderr}");
        let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
        for segment in stats["segments"].as_array().unwrap() {
            let name = segment["name"].as_str().unwrap();
            if !["recent_buyers", "repeat_buyers", "german_buyers"].contains(&name) {
                continue;
            }
            let count = segment["count"].as_u64().unwrap();
            let line = format!("{as_of},segment,{name},,{count},");
            assert!(stdout.contains(&line), "{line} not in\n{stdout}");
        }
    }
}

#[test]
fn backtest_writes_the_report_and_a_chart_that_renders() {
    let test = history_project();
    let (code, stdout, stderr) = run_for(
        &test,
        &backtest_args(&[
            "--output",
            "report.json",
            "--format",
            "json",
            "--chart",
            "sizes.svg",
        ]),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&test.read("report.json")).unwrap();
    assert_eq!(report["dates"].as_array().unwrap().len(), 4);
    let svg = test.read("sizes.svg");
    assert_eq!(svg.matches("<polyline").count(), 3, "{svg}");
    for name in [
        "recent_buyers",
        "repeat_buyers",
        "german_buyers",
        "2026-02-28",
    ] {
        assert!(svg.contains(name), "{name} not in the chart");
    }
    let Some(png) = render_png(&test.path("sizes.svg"), &test.path("sizes.png")) else {
        return;
    };
    let image = decode_png(&png);
    let (width, height, coloured) = image;
    assert!(width >= 600 && height >= 300, "{width}×{height}");
    // lines, legend and labels: a good share of the picture is neither white nor grey
    assert!(coloured > 2_000, "only {coloured} coloured pixels");
}

/// `rsvg-convert` (Debian's librsvg2-bin, installed by .ci/run): the PNG bytes, or
/// `None` (with a message) on a machine without it, except in CI.
fn render_png(svg: &std::path::Path, png: &std::path::Path) -> Option<Vec<u8>> {
    let status = Command::new("rsvg-convert")
        .arg("-o")
        .arg(png)
        .arg(svg)
        .status();
    match status {
        Ok(status) => {
            assert!(status.success(), "rsvg-convert failed on the chart");
            Some(std::fs::read(png).unwrap())
        }
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("rsvg-convert is missing; .ci/run installs librsvg2-bin")
        }
        Err(_) => {
            eprintln!("skipped: rsvg-convert is not installed (apt-get install librsvg2-bin)");
            None
        }
    }
}

/// Width, height and the number of strongly coloured pixels of a PNG.
fn decode_png(bytes: &[u8]) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buffer[..info.buffer_size()];
    let coloured = pixels
        .chunks(channels)
        .filter(|p| {
            let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
            let spread = r.max(g).max(b) - r.min(g).min(b);
            spread > 60 && (channels < 4 || p[3] > 128)
        })
        .count();
    (info.width, info.height, coloured)
}

#[test]
fn backtest_from_after_to_exits_2() {
    let test = history_project();
    snapshot!(
        test,
        test.command(&[
            "backtest",
            "--events",
            "orders=data/orders.csv",
            "--from",
            "2026-05-01",
            "--to",
            "2026-01-01",
            "--every",
            "day"
        ])
    );
}

#[test]
fn backtest_of_more_than_10000_dates_exits_2() {
    let test = history_project();
    snapshot!(
        test,
        test.command(&[
            "backtest",
            "--events",
            "orders=data/orders.csv",
            "--from",
            "1990-01-01",
            "--to",
            "2026-01-01",
            "--every",
            "day"
        ])
    );
}

#[test]
fn backtest_unknown_step_exits_2() {
    let test = history_project();
    snapshot!(
        test,
        test.command(&[
            "backtest",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-01",
            "--every",
            "fortnight"
        ])
    );
}

#[test]
fn backtest_chart_must_be_svg() {
    let test = history_project();
    snapshot!(
        test,
        test.command(&backtest_args(&["--chart", "sizes.png"]))
    );
}

#[test]
fn lift_over_a_measure_missing_for_everyone_fails_and_says_why() {
    let seg = r#"events orders {
  key customer_id
  time placed_at: date
  amount: float?
}

segment buyers {
  where count(orders) >= 1
  expect lift(avg(orders.amount within next 7 days)) >= 1
}
"#;
    let test = CliTest::project(&[
        ("segments/history.seg", seg),
        (
            "data/orders.csv",
            "customer_id,placed_at,amount\nc1,2026-01-01,\n",
        ),
    ]);
    snapshot!(
        test,
        test.command(&["test", "--events", "orders=data/orders.csv"])
    );
}

// ----- the example library on the bundled sample history -----------------------

/// `segmint ARGS` in the repository root (the example library, `segmint.toml`
/// and the bundled sample files).
fn in_repository(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_segmint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn example_library_lift_expectations_are_all_measured_and_hold() {
    let (code, stdout, stderr) = in_repository(&["test", "--format", "json"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["not_measured"], 0, "{stdout}");
    let lifts: Vec<&serde_json::Value> = report["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "lift")
        .collect();
    // every RFM segment states an outcome, and the e-mail readers one
    assert!(lifts.len() >= 7, "{lifts:?}");
    for lift in lifts {
        assert_eq!(lift["passed"], true, "{lift}");
        assert!(lift["lift"]["value"].as_f64().is_some(), "{lift}");
    }
}

#[test]
fn example_library_backtest_over_a_year_draws_a_chart_that_renders() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("sizes.svg");
    let chart_arg = chart.display().to_string();
    let (code, stdout, stderr) = in_repository(&[
        "backtest",
        "--from",
        "2025-07-31",
        "--to",
        "2026-06-30",
        "--every",
        "month",
        "--segment",
        "champions",
        "--segment",
        "loyal",
        "--segment",
        "hibernating",
        "--segment",
        "lapsed",
        "--chart",
        &chart_arg,
    ]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("12 dates from 2025-07-31 to 2026-06-30"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expectations: 120 passed, 0 failed over 12 dates"),
        "{stdout}"
    );
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 4);
    if let Some(png) = render_png(&chart, &dir.path().join("sizes.png")) {
        let (width, height, coloured) = decode_png(&png);
        assert!(width >= 600 && height >= 300);
        assert!(coloured > 2_000, "only {coloured} coloured pixels");
    }
}

// ----- duplicate keys -----------------------------------------------------------

/// `c1` twice (the second row a different customer) and `c5` three times.
const DUPLICATED: &str = "\
customer_id,email,country,age,status,rejection_reason,orders_count,lifetime_value,newsletter_opt_in
c1,a@example.com,DE,34,regular,,7,1500.5,true
c2,,FR,,rejected,too_expensive,0,0,false
c1,z@example.com,FR,20,new,,0,0,false
c5,e@example.com,FR,45,new,,1,80,true
c5,e@example.com,FR,45,new,,1,80,true
c5,e@example.com,FR,45,new,,1,80,true
";

#[test]
fn eval_output_stops_on_duplicate_keys_and_writes_nothing() {
    let test = CliTest::project(&[("data/customers.csv", DUPLICATED)]);
    snapshot!(test, test.command(&["eval", "--output", "members.csv"]));
    assert!(!test.path("members.csv").exists());
}

#[test]
fn eval_output_with_allow_duplicate_keys_keeps_the_first_row() {
    let test = CliTest::project(&[("data/customers.csv", DUPLICATED)]);
    let args = ["eval", "--output", "members.csv", "--allow-duplicate-keys"];
    snapshot!(test, test.command(&args));
    insta::assert_snapshot!(test.read("members.csv"));
}

#[test]
fn keys_only_stops_on_duplicate_keys() {
    let test = CliTest::project(&[("data/customers.csv", DUPLICATED)]);
    let args = ["eval", "--segment", "german", "--keys-only"];
    snapshot!(test, test.command(&args));
}

#[test]
fn test_stops_on_duplicate_keys_and_counts_once_when_allowed() {
    let test = CliTest::project(&[
        ("data/customers.csv", DUPLICATED),
        (
            "segments/expect.seg",
            "segment french {\n  where country = \"FR\"\n  expect size = 2\n}\n",
        ),
    ]);
    snapshot!(test, test.command(&["test"]));
    snapshot!(test, test.command(&["test", "--allow-duplicate-keys"]));
}

// ----- audit --------------------------------------------------------------------

/// Every kind of finding: a repeated key, a missing key, `Regular` (case) and
/// `vip` outside the enum, spaces around a country, `de`/`DE`, a negative order
/// count, a missing `country`.
const DIRTY: &str = "\
customer_id,email,country,age,status,rejection_reason,orders_count,lifetime_value,newsletter_opt_in
c1,a@example.com,DE,34,regular,,7,1500.5,true
c2,,FR,,rejected,too_expensive,0,0,false
c1,b@example.com,de,20,Regular,,2,10,false
c4,d@example.com, DE,28,vip,,-3,300,false
,e@example.com,FR,45,new,,1,80,true
c6,,,,rejected,,0,0,false
";

#[test]
fn audit_reports_every_kind_of_finding() {
    let test = CliTest::project(&[
        ("data/customers.csv", DIRTY),
        ("segments/events.seg", EVENTS_SEG),
        ("data/orders.csv", ORDERS),
    ]);
    let args = ["audit", "--events", "orders=data/orders.csv"];
    snapshot!(test, test.command(&args));
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    snapshot!(test, test.command(&json));
    let mut markdown = args.to_vec();
    markdown.extend(["--format", "markdown"]);
    snapshot!(test, test.command(&markdown));
}

#[test]
fn audit_of_clean_data_exits_0() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["audit"]));
}

// ----- pipes and compressed inputs ------------------------------------------------

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn eval_writes_csv_to_standard_output() {
    let test = CliTest::project(&[]);
    let args = [
        "eval",
        "--output",
        "-",
        "--format",
        "csv",
        "--segment",
        "german",
    ];
    snapshot!(test, test.command(&args));
}

#[test]
fn eval_output_dash_needs_a_format() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["eval", "--output", "-"]));
}

#[test]
fn eval_writes_every_format_to_standard_output() {
    let test = CliTest::project(&[]);
    for format in ["jsonl", "arrow", "parquet"] {
        let out = test
            .command(&["eval", "--output", "-", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}");
        assert!(!out.stdout.is_empty(), "{format}");
        let file = format!("members.{format}");
        test.write(&file, &out.stdout);
        let back = test
            .command(&["stats", "--data", &file, "--format", "json"])
            .output()
            .unwrap();
        // The membership table is not a customer table; it is enough that the
        // bytes are a readable file of the format: stats fails on the schema only.
        let stderr = String::from_utf8_lossy(&back.stderr);
        assert!(stderr.contains("is missing"), "{format}: {stderr}");
    }
}

#[test]
fn compressed_csv_and_json_lines_are_read() {
    let jsonl = "{\"customer_id\":\"c1\",\"country\":\"DE\",\"status\":\"regular\",\"orders_count\":7,\"lifetime_value\":1500.5,\"newsletter_opt_in\":true}\n";
    let test = CliTest::project(&[]);
    test.write("data/c.csv.gz", &gzip(DATA.as_bytes()));
    test.write(
        "data/c.csv.zst",
        &zstd::encode_all(DATA.as_bytes(), 3).unwrap(),
    );
    test.write("data/c.jsonl.gz", &gzip(jsonl.as_bytes()));
    test.write(
        "data/c.jsonl.zst",
        &zstd::encode_all(jsonl.as_bytes(), 3).unwrap(),
    );
    let plain = test.command(&["stats"]).output().unwrap();
    for file in ["data/c.csv.gz", "data/c.csv.zst"] {
        let out = test.command(&["stats", "--data", file]).output().unwrap();
        assert!(out.status.success(), "{file}");
        assert_eq!(out.stdout, plain.stdout, "{file}");
    }
    for file in ["data/c.jsonl.gz", "data/c.jsonl.zst"] {
        let out = test.command(&["stats", "--data", file]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("1 customer as of"), "{file}: {stdout}");
    }
}

#[test]
fn truncated_and_unreadable_compressed_inputs_are_one_line_errors() {
    let test = CliTest::project(&[]);
    let whole = gzip(DATA.as_bytes());
    test.write("data/cut.csv.gz", &whole[..whole.len() / 2]);
    test.write("data/junk.csv.zst", b"this is not zstd at all");
    test.write("data/c.parquet.gz", &whole);
    for file in ["data/cut.csv.gz", "data/junk.csv.zst", "data/c.parquet.gz"] {
        let out = test
            .command(&["eval", "--data", file, "--output", "members.csv"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{file}: {stderr}");
        assert!(errors[0].contains(file), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(!test.path("members.csv").exists(), "{file}");
    }
    snapshot!(
        test,
        test.command(&["eval", "--data", "data/cut.csv.gz", "--output", "m.csv"])
    );
}

// ----- global flags ---------------------------------------------------------------

const WARNS: &str = "segment not_old {\n  where not (age > 60)\n}\n";

#[test]
fn color_follows_the_flag_and_the_environment() {
    let test = CliTest::project(&[("segments/warn.seg", WARNS)]);
    let coloured = |command: &mut Command| {
        let out = command.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        text.contains('\u{1b}')
    };
    // NO_COLOR is set by `command`; a pipe is no terminal.
    assert!(!coloured(&mut test.command(&["check"])));
    assert!(coloured(&mut test.command(&["check", "--color", "always"])));
    assert!(!coloured(
        test.command(&["check", "--color", "never"])
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
    ));
    assert!(coloured(
        test.command(&["check"])
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
    ));
    assert!(!coloured(
        test.command(&["check"])
            .env_remove("NO_COLOR")
            .env("TERM", "dumb")
    ));
    assert!(coloured(
        test.command(&["check"])
            .env_remove("NO_COLOR")
            .env("FORCE_COLOR", "1")
    ));
    assert!(!coloured(
        test.command(&["check"])
            .env_remove("NO_COLOR")
            .env("FORCE_COLOR", "0")
    ));
}

#[test]
fn quiet_drops_warnings_and_keeps_results() {
    let test = CliTest::project(&[("segments/warn.seg", WARNS)]);
    snapshot!(test, test.command(&["eval", "-q", "--output", "m.csv"]));
}

#[test]
fn zero_threads_is_a_usage_error() {
    let test = CliTest::project(&[]);
    snapshot!(test, test.command(&["stats", "--threads", "0"]));
    let out = test
        .command(&["stats"])
        .env("SEGMINT_THREADS", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let one = test.command(&["stats", "--threads", "1"]).output().unwrap();
    let all = test.command(&["stats"]).output().unwrap();
    assert_eq!(one.stdout, all.stdout);
}

#[test]
fn every_command_help_has_an_example() {
    let test = CliTest::new();
    let commands = [
        "check",
        "explain",
        "eval",
        "stats",
        "audit",
        "test",
        "backtest",
        "sample",
        "sql",
        "schema",
        "init",
        "completions",
        "man",
    ];
    for name in commands {
        let out = test.command(&[name, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Example:\n  segmint "), "{name}: {help}");
    }
}

#[test]
fn completions_and_man_page_come_from_the_parser() {
    let test = CliTest::new();
    for (shell, marker) in [
        ("bash", "_segmint()"),
        ("zsh", "#compdef segmint"),
        ("fish", "complete -c segmint"),
    ] {
        let out = test.command(&["completions", shell]).output().unwrap();
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && script.contains(marker), "{shell}");
        assert!(script.contains("allow-duplicate-keys"), "{shell}");
    }
    let out = test.command(&["man"]).output().unwrap();
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH segmint 1"));
    assert!(page.contains(".TH segmint-audit 1"));
    let bad = test.command(&["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// Runs `command` with `input` on its standard input.
fn with_stdin(command: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn data_dash_reads_standard_input() {
    let test = CliTest::project(&[]);
    let plain = test.command(&["stats"]).output().unwrap();
    for input in [DATA.as_bytes().to_vec(), gzip(DATA.as_bytes())] {
        let out = with_stdin(&mut test.command(&["stats", "--data", "-"]), &input);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, plain.stdout);
    }
    // A membership table piped from eval as an Arrow IPC stream is read back.
    let arrow = test
        .command(&["eval", "--output", "-", "--format", "arrow"])
        .output()
        .unwrap();
    let out = with_stdin(&mut test.command(&["stats", "--data", "-"]), &arrow.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: standard input: column `email`"),
        "{stderr}"
    );
}

#[test]
fn binary_data_on_standard_input_is_a_one_line_error() {
    let test = CliTest::project(&[]);
    let junk: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let out = with_stdin(
        &mut test.command(&["eval", "--data", "-", "--output", "m.csv"]),
        &junk,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: standard input: not a valid CSV, JSON lines or Arrow IPC file (it holds binary data)\n"
    );
    assert!(!test.path("m.csv").exists());
}

// ----- folders and globs ------------------------------------------------------------

/// The six customers of `DATA` split over hive-style `country=…` folders (the
/// country is not a column of the files).
fn hive_project() -> CliTest {
    let header = "customer_id,email,age,status,rejection_reason,orders_count,lifetime_value,newsletter_opt_in";
    let mut files: Vec<(String, String)> = Vec::new();
    for country in ["DE", "FR"] {
        let rows: Vec<String> = DATA
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(2) == Some(country))
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells.remove(2);
                cells.join(",")
            })
            .collect();
        let path = format!("data/customers/country={country}/part-0.csv");
        files.push((path, format!("{header}\n{}\n", rows.join("\n"))));
    }
    files.push(("data/customers/_SUCCESS".into(), String::new()));
    let test = CliTest::project(&[]);
    for (path, text) in &files {
        test.write(path, text.as_bytes());
    }
    test
}

#[test]
fn a_folder_with_hive_style_key_value_folders_is_one_table() {
    let test = hive_project();
    let plain = test.command(&["stats"]).output().unwrap();
    for data in ["data/customers", "data/customers/country=*/*.csv"] {
        let out = test.command(&["stats", "--data", data]).output().unwrap();
        assert!(
            out.status.success(),
            "{data}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&plain.stdout),
            "{data}"
        );
    }
}

#[test]
fn a_glob_matching_nothing_and_files_that_differ_are_one_line_errors() {
    let test = hive_project();
    test.write(
        "data/customers/country=FR/part-1.csv",
        b"customer_id,agee\nc9,1\n",
    );
    snapshot!(test, test.command(&["stats", "--data", "data/*.parquet"]));
    snapshot!(
        test,
        test.command(&["eval", "--data", "data/customers", "--output", "m.csv"])
    );
    assert!(!test.path("m.csv").exists());
}
