//! Included by `eval.rs` (one bench target). Criterion bench for the front end: `segmint check` of a library of 1,000
//! segments spread over 100 files (read, parse, check, lint), generated from
//! realistic templates over the sample schema (like `segments/*.seg`).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::Criterion;

use segmint::project::{self, Config};

const FILES: usize = 100;
const PER_FILE: usize = 10;

/// The `k`-th segment of file `f`: ten shapes, numbers varied by position, and a
/// reference to the file's previous segment every tenth one.
fn segment(f: usize, k: usize) -> String {
    let n = 7 + (f * PER_FILE + k) % 90;
    let name = format!("s{f}_{k}");
    let condition = match k % PER_FILE {
        0 => format!(
            "last_order_at within last {n} days\n    and orders_count >= {}",
            1 + n % 5
        ),
        1 => format!(
            "country in [\"DE\", \"AT\", \"CH\", \"FR\"]\n    and age between 18 and {}",
            20 + n % 40
        ),
        2 => "email ends with \"@gmail.com\"\n    and not newsletter_opt_in".to_string(),
        3 => format!("lifetime_value in top {}%", 1 + n % 30),
        4 => format!("quintile(orders_count) >= 4\n    and last_order_at before {n} days ago"),
        5 => "status = \"regular\" and device = \"mobile\"".to_string(),
        6 => "tags has any [\"vip\", \"press\"] or interests has \"running\"".to_string(),
        7 => format!("s{f}_{} and lifetime_value >= {}.5", k - 1, n * 10),
        8 => format!("city is missing or sessions_to_purchase <= {}", 1 + n % 6),
        _ => format!(
            "avg_order_value >= {n} and lead_source in [\"paid_search\", \"social\"]\n    and signup_date after 2024-01-01"
        ),
    };
    format!(
        "/// Generated segment {name}.\nsegment {name} {{\n  where {condition}\n  owner \"crm-team@example.com\"\n}}\n\n"
    )
}

fn library(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("segments/schema.seg"), dir.join("schema.seg")).unwrap();
    for f in 0..FILES {
        let text: String = (0..PER_FILE).map(|k| segment(f, k)).collect();
        std::fs::write(dir.join(format!("lib{f:03}.seg")), text).unwrap();
    }
}

pub fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    library(dir.path());
    let config = Config::discover(dir.path()).unwrap();
    let paths: Vec<PathBuf> = vec![dir.path().to_path_buf()];
    let compiled = project::compile(&paths, &config).unwrap();
    assert!(
        !compiled.has_errors() && compiled.program.is_some(),
        "the generated library must check cleanly: {:?}",
        compiled.diagnostics.first()
    );
    assert_eq!(
        compiled.program.as_ref().unwrap().segments.len(),
        FILES * PER_FILE
    );
    c.bench_function(
        "check 1,000 segments in 100 files (read, parse, check, lint)",
        |b| b.iter(|| black_box(project::compile(black_box(&paths), &config).unwrap())),
    );
}
