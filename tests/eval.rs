//! Data-driven evaluation: each folder `tests/eval/<case>/` holds `segments.seg`
//! (schema and segments; the expected members are written in its comments, and a
//! `// as_of: DATE` line and optional `// segments: a, b` line set the options) and
//! `data.csv`, plus `<table>.csv` for each event table with data. The membership
//! table is snapshotted as CSV; the engine must give the same table at every batch
//! size, and the reference interpreter must agree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "eval/common.rs"]
mod common;

use std::path::Path;

use segmint::plan::PlanOptions;

fn options(seg: &str) -> PlanOptions {
    let as_of = seg
        .lines()
        .find_map(|l| l.strip_prefix("// as_of: "))
        .expect("segments.seg starts with `// as_of: DATE`")
        .trim()
        .parse()
        .unwrap();
    let segments = seg
        .lines()
        .find_map(|l| l.strip_prefix("// segments: "))
        .map(|names| names.split(',').map(|n| n.trim().to_string()).collect());
    PlanOptions {
        segments,
        ..PlanOptions::new(as_of)
    }
}

fn run_case(path: &Path) -> String {
    let folder = path.parent().unwrap();
    let seg = std::fs::read_to_string(path).unwrap();
    let csv = std::fs::read_to_string(folder.join("data.csv")).unwrap();
    let program = common::compile(&[("segments.seg", &seg)]);
    let options = options(&seg);
    // an event table's rows are in `<table>.csv` next to data.csv
    let event_csvs: Vec<Option<String>> = program
        .events
        .iter()
        .map(|t| std::fs::read_to_string(folder.join(format!("{}.csv", t.name))).ok())
        .collect();
    let mut tables = Vec::new();
    for batch_size in [1, 3, 1000] {
        let source = common::from_csv(&program, &csv, batch_size);
        let events = common::events_from_csv(&program, &event_csvs, batch_size);
        let refs = common::source_refs(&events);
        tables.push(common::to_csv(&common::engine_with_events(
            &program, &options, &source, &refs,
        )));
    }
    assert!(
        tables.iter().all(|t| *t == tables[0]),
        "batch size changes the result: {tables:#?}"
    );
    let source = common::from_csv(&program, &csv, 1000);
    let events = common::events_from_csv(&program, &event_csvs, 1000);
    let refs = common::source_refs(&events);
    let oracle = common::to_csv(
        &segmint::eval::reference::evaluate_with_events(&program, &options, &source, &refs)
            .unwrap(),
    );
    assert_eq!(tables[0], oracle, "engine and reference disagree");
    tables.swap_remove(0)
}

#[test]
fn eval_cases() {
    insta::glob!("eval/*/segments.seg", |path| {
        insta::assert_snapshot!(run_case(path));
    });
}

const SHOP: &str = r#"
schema customers {
  key id: string
  age: int?
  country: string
  lifetime_value: float
  last_order_at: timestamp?
  tags: list<string>
}

events orders {
  key id
  time placed_at: timestamp
  amount: float
}

segment big_spenders {
  where lifetime_value in top 10% and orders_count_ok
}

segment orders_count_ok {
  where age >= 18 and country in ["DE", "AT"]
}

segment recent {
  where last_order_at within last 1 month and age >= 18 and not (tags has "test")
  paused
}

segment recent_germans {
  where recent and country = "DE" and lower(country) matches "^de$"
}

tiers value {
  high: lifetime_value >= 1000
  low: otherwise
}
"#;

fn shop() -> segmint::check::ir::Program {
    common::compile(&[("shop.seg", SHOP)])
}

#[test]
fn explain_shows_columns_shared_nodes_and_resolved_dates() {
    let program = shop();
    let plan =
        segmint::plan::compile(&program, &PlanOptions::new("2024-03-31".parse().unwrap())).unwrap();
    insta::assert_snapshot!(plan.to_string());
}

#[test]
fn plan_reads_only_the_columns_it_needs_key_first() {
    let program = shop();
    let options = PlanOptions {
        segments: Some(vec!["orders_count_ok".into()]),
        ..PlanOptions::new("2024-03-31".parse().unwrap())
    };
    let plan = segmint::plan::compile(&program, &options).unwrap();
    let names: Vec<&str> = plan
        .columns()
        .iter()
        .map(|f| program.schema.field(*f).name.as_str())
        .collect();
    // a tiers block not named is not output, so lifetime_value is not read
    assert_eq!(names, ["id", "age", "country"]);
    let schema = plan.membership_schema();
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(columns, ["id", "orders_count_ok"]);
    // named, it is
    let options = PlanOptions {
        segments: Some(vec!["orders_count_ok".into(), "value".into()]),
        ..PlanOptions::new("2024-03-31".parse().unwrap())
    };
    let plan = segmint::plan::compile(&program, &options).unwrap();
    let schema = plan.membership_schema();
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(columns, ["id", "orders_count_ok", "value"]);
}

#[test]
fn unknown_segment_suggests_a_name() {
    let program = shop();
    let options = PlanOptions {
        segments: Some(vec!["recent_german".into()]),
        ..PlanOptions::new("2024-03-31".parse().unwrap())
    };
    let error = segmint::plan::compile(&program, &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown segment `recent_german`; did you mean `recent_germans`?"
    );
}

#[test]
fn event_aggregates_need_their_table_data() {
    let text = format!("{SHOP}\nsegment buyers {{\n  where count(orders) >= 2\n}}\n");
    let program = common::compile(&[("shop.seg", &text)]);
    let plan =
        segmint::plan::compile(&program, &PlanOptions::new("2024-03-31".parse().unwrap())).unwrap();
    assert_eq!(plan.aggregates().len(), 1);
    let source = common::from_csv(&program, "id\nc1\n", 10);
    let error = segmint::eval::run(&plan, &source, &mut |_| Ok(())).unwrap_err();
    assert_eq!(error.to_string(), "no data for events table `orders`");
}

#[test]
fn zero_rows_give_no_batches_but_a_schema() {
    let program = shop();
    let plan =
        segmint::plan::compile(&program, &PlanOptions::new("2024-03-31".parse().unwrap())).unwrap();
    let source = common::from_csv(&program, "id\n", 10);
    let mut batches = 0;
    let summary = segmint::eval::run(&plan, &source, &mut |_| {
        batches += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!((batches, summary.rows), (0, 0));
    assert_eq!(plan.membership_schema().fields().len(), 5);
}

/// The sample project (`segments/`, every `.seg` file) over its sample data and
/// history (orders, e-mail events): the engine and the reference interpreter
/// agree on every customer, for every segment, tiers block and `lift` measure.
#[test]
fn sample_project_agrees_with_the_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, String)> = std::fs::read_dir(root.join("segments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let program = common::compile(&refs);
    let data = segmint::data::DataFile::open(
        &root.join("segments/sample/customers.parquet"),
        &program.schema,
    )
    .unwrap();
    let events: Vec<segmint::data::DataFile> = program
        .events
        .iter()
        .map(|table| {
            let path = root.join(format!("segments/sample/{}.parquet", table.name));
            segmint::data::DataFile::open_events(&path, &program.event_schema(table)).unwrap()
        })
        .collect();
    let event_refs: Vec<Option<&dyn segmint::data::BatchSource>> = events
        .iter()
        .map(|f| Some(f as &dyn segmint::data::BatchSource))
        .collect();
    assert_eq!(event_refs.len(), 2, "orders and e-mail events");
    let options = PlanOptions {
        segments: Some(program.segments.iter().map(|s| s.name.clone()).collect()),
        measures: segmint::expect::lift_measures(&program, &|_| true),
        ..PlanOptions::new("2026-06-30".parse().unwrap())
    };
    assert!(options.measures.len() >= 7, "the RFM segments' outcomes");
    // (the reference reads every event for every customer: a few hundred keep it quick)
    let head = common::Head(&data, 150);
    let engine = common::engine_with_events(&program, &options, &head, &event_refs);
    let oracle =
        segmint::eval::reference::evaluate_with_events(&program, &options, &head, &event_refs)
            .unwrap();
    assert_eq!(engine.num_rows(), 150);
    for (i, field) in engine.schema().fields().iter().enumerate() {
        assert_eq!(
            engine.column(i).as_ref(),
            oracle.column(i).as_ref(),
            "column `{}`",
            field.name()
        );
    }
}

/// The population pass (here for `in top 10%`) reports its progress like an
/// event scan: started with the customer count, rows as read, finished.
#[test]
fn the_population_pass_reports_its_progress() {
    let program = shop();
    let plan =
        segmint::plan::compile(&program, &PlanOptions::new("2024-03-31".parse().unwrap())).unwrap();
    let header = program
        .schema
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let row = |i: usize| {
        program
            .schema
            .fields
            .iter()
            .map(|f| match f.ty {
                segmint::check::ir::Type::Float | segmint::check::ir::Type::Int => i.to_string(),
                segmint::check::ir::Type::String => format!("c{i}"),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let csv: String = std::iter::once(header)
        .chain((0..7).map(row))
        .collect::<Vec<_>>()
        .join("\n");
    let source = common::from_csv(&program, &csv, 3);
    let mut steps = Vec::new();
    let no_events: Vec<Option<&dyn segmint::data::BatchSource>> = vec![None; program.events.len()];
    segmint::eval::Population::compute_observed(&plan, &source, &no_events, &mut |step| {
        steps.push(match step {
            segmint::eval::Step::Started { what, unit, .. } => format!("{what} ({unit})"),
            segmint::eval::Step::Rows(n) => n.to_string(),
            segmint::eval::Step::Finished => "done".into(),
        })
    })
    .unwrap();
    assert_eq!(
        steps,
        [
            "customers for population statistics (customers)",
            "3",
            "3",
            "1",
            "done"
        ]
    );
}
