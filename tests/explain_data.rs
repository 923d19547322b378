//! `segmint explain NAME --data FILE [--customer KEY]`: the criteria funnel and one
//! customer's trace. The funnel and three traces of five segments of the example
//! library (a spread of forms) are computed from the engine's run and from the
//! reference interpreter's, over the whole sample, and must agree; the snapshots on the small
//! project below are checked by hand in the comments.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use support::{segmint_in, temp_project};

mod support;
use segmint::data::DataFile;
use segmint::eval::{self, RunOptions, reference};
use segmint::funnel::{FunnelCounter, Probe, TraceFinder};
use segmint::plan::{self, PlanOptions};
use segmint::project::{self, Config};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_funnel_agrees_with_the_reference_interpreter_on_the_sample() {
    let config = Config::discover(&root()).unwrap();
    let compiled = project::compile(&[root().join("segments")], &config).unwrap();
    let program = compiled.program.unwrap();
    let as_of = config.as_of.unwrap();
    let data = root().join("segments/sample/customers.parquet");
    let text = |span: segmint::source::Span| format!("{}..{}", span.start, span.end);
    // A spread of forms (the reference interpreter takes seconds per segment over
    // the whole sample): tiers, dates, ranks, regexes, lists, references, `not`.
    let chosen = [
        "active_platinum",
        "upgrade_candidates",
        "malformed_email",
        "seen_but_not_buying",
        "dach_mobile_power_users",
    ];
    let mut compared = 0;
    for segment in program
        .segments
        .iter()
        .filter(|s| chosen.contains(&s.name.as_str()))
    {
        let probe = Probe::new(&program, &segment.name).unwrap();
        let options = PlanOptions {
            segments: Some(probe.outputs()),
            carry: probe.carry(),
            measures: probe.measures(),
            ..PlanOptions::new(as_of)
        };
        let plan = plan::compile(&probe.program, &options).unwrap();
        if !plan.event_tables().is_empty() {
            panic!("{} reads events", segment.name);
        }
        let source = DataFile::open(&data, &probe.program.schema).unwrap();
        let batch = reference::evaluate(&probe.program, &options, &source).unwrap();
        let key =
            |row: usize| arrow::util::display::array_value_to_string(batch.column(0), row).unwrap();
        let rows = [0, 17, 4999];
        let mut engine = FunnelCounter::new(&probe);
        let mut engine_traces: Vec<TraceFinder> = rows
            .iter()
            .map(|&r| TraceFinder::new(&probe, &key(r), as_of))
            .collect();
        eval::run_with(&plan, &source, RunOptions::default(), &mut |b| {
            engine_traces.iter_mut().try_for_each(|t| t.add(&b))?;
            engine.add(&b)
        })
        .unwrap();
        let mut oracle = FunnelCounter::new(&probe);
        oracle.add(&batch).unwrap();
        let (engine, oracle) = (engine.finish(&text), oracle.finish(&text));
        assert_eq!(
            format!("{engine:?}"),
            format!("{oracle:?}"),
            "segment {}",
            segment.name
        );
        assert_eq!(engine.customers, 5000);
        let last = engine.steps.last().unwrap();
        assert_eq!(last.remain, engine.members, "segment {}", segment.name);
        // Traces of three customers: the engine's values agree with the oracle's.
        for (row, traced) in rows.iter().zip(engine_traces) {
            let mut expected = TraceFinder::new(&probe, &key(*row), as_of);
            expected.add(&batch).unwrap();
            let (a, b) = (
                traced.finish(&text).unwrap(),
                expected.finish(&text).unwrap(),
            );
            assert_eq!(
                format!("{a:?}"),
                format!("{b:?}"),
                "segment {}",
                segment.name
            );
        }
        compared += 1;
    }
    assert_eq!(compared, chosen.len());
}

// ----- the command on a small project ------------------------------------------

const SCHEMA: &str = "schema customers {\n  key customer_id: string\n  email: string?\n  country: string\n  age: int?\n  orders_count: int\n  lifetime_value: float\n  last_order_at: timestamp?\n  signup_date: date\n}\n";

const SEGMENTS: &str = "tiers value_tier {\n  gold: lifetime_value >= 1000\n  silver: otherwise\n}\n\nsegment german {\n  where country = \"DE\"\n}\n\nsegment regulars {\n  where german\n    and orders_count >= 4\n    and days_since(last_order_at) <= 60\n    and value_tier = \"gold\"\n}\n\nsegment spenders {\n  where lifetime_value in top 50% or age > 40\n}\n";

// Hand count, as of 2026-06-30:
// c1 DE, 7 orders, last order 2026-06-01 (29 days), 1500.5 gold  → all four hold
// c2 FR, 0 orders, no order                                     → none
// c3 DE, 1 order, 2026-01-01 (180 days), 120 silver              → german only
// c4 DE, 4 orders, 2026-05-31 (30 days), 300 silver              → not gold
// c5 FR, 5 orders, 2026-06-29 (1 day), 2000 gold                 → not german
// c6 DE, 9 orders, 2026-02-01 (149 days), 1200 gold              → not recent
// german 4 (c1 c3 c4 c6); orders >= 4: 4 (c1 c4 c5 c6), with german 3 (c1 c4 c6);
// days <= 60: 3 (c1 c4 c5), with the above 2 (c1 c4); gold 3 (c1 c5 c6), all: 1 (c1).
const DATA: &str = "\
customer_id,email,country,age,orders_count,lifetime_value,last_order_at,signup_date
c1,a@example.com,DE,34,7,1500.5,2026-06-01T10:00:00Z,2020-01-01
c2,,FR,,0,0,,2021-01-01
c3,c@example.com,DE,51,1,120,2026-01-01T00:00:00Z,2022-01-01
c4,d@example.com,DE,28,4,300,2026-05-31T23:59:59Z,2023-01-01
c5,e@example.com,FR,45,5,2000,2026-06-29T08:00:00Z,2024-01-01
c6,,DE,,9,1200,2026-02-01T12:00:00Z,2025-01-01
";

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = temp_project(&[
            (
                "segmint.toml",
                "segments = [\"segments\"]\ndata = \"customers.csv\"\nas_of = \"2026-06-30\"\n",
            ),
            ("segments/schema.seg", SCHEMA),
            ("segments/segments.seg", SEGMENTS),
            ("customers.csv", DATA),
        ]);
        Project { dir }
    }

    fn segmint(&self, args: &[&str]) -> Command {
        segmint_in(self.dir.path(), args)
    }
}

#[test]
fn funnel_of_a_segment() {
    // german 4; orders >= 4 alone 4, remain 3 (removes c3); days <= 60 alone 3,
    // remain 2 (removes c6); gold alone 3, remain 1 (removes c4).
    let project = Project::new();
    assert_cmd_snapshot!(project.segmint(&["explain", "regulars", "--data", "customers.csv"]));
}

#[test]
fn funnel_as_json() {
    let project = Project::new();
    assert_cmd_snapshot!(project.segmint(&[
        "explain",
        "regulars",
        "--data",
        "customers.csv",
        "--format",
        "json"
    ]));
}

#[test]
fn a_condition_that_is_not_an_and_is_one_criterion() {
    // top 50% of lifetime_value (0, 120, 300, 1200, 1500.5, 2000): c1 c5 c6, age > 40: c3 c5.
    let project = Project::new();
    assert_cmd_snapshot!(project.segmint(&["explain", "spenders", "--data", "customers.csv"]));
}

#[test]
fn trace_of_a_customer_who_is_not_a_member() {
    // c6: german, 9 orders, 149 days since the last order (fails), gold.
    let project = Project::new();
    assert_cmd_snapshot!(project.segmint(&["explain", "regulars", "--customer", "c6"]));
}

#[test]
fn trace_with_missing_values_as_json() {
    // c2 has no order time: days_since is missing and the criterion is false.
    let project = Project::new();
    assert_cmd_snapshot!(project.segmint(&[
        "explain",
        "regulars",
        "--customer",
        "c2",
        "--format",
        "json"
    ]));
}

#[test]
fn an_unknown_customer_exits_2() {
    let project = Project::new();
    assert_cmd_snapshot!(project.segmint(&["explain", "regulars", "--customer", "nobody"]));
}

#[test]
fn a_tiers_block_with_data_exits_2() {
    let project = Project::new();
    assert_cmd_snapshot!(project.segmint(&["explain", "value_tier", "--data", "customers.csv"]));
}

#[test]
fn funnel_with_event_aggregates_on_the_sample() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segmint"));
    command
        .args([
            "explain",
            "champions",
            "--data",
            "segments/sample/customers.parquet",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1");
    assert_cmd_snapshot!(command);
}

#[test]
fn trace_with_event_aggregates_on_the_sample() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segmint"));
    command
        .args(["explain", "champions", "--customer", "C0000006"])
        .current_dir(root())
        .env("NO_COLOR", "1");
    assert_cmd_snapshot!(command);
}
