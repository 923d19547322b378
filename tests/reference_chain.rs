//! A long chain of segment references (`s2` uses `s1`, `s3` uses `s2`, …) must
//! not overflow the stack anywhere: the checker limits expression depth, not
//! reference chains, so plan compilation and `explain` walk chains iteratively.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::Path;
use std::process::Command;

const LINKS: usize = 5_000;

/// `s1` on a field, then alternately `sN = s(N-1)` and `sN = s(N-1) and …`.
fn chain() -> String {
    let mut text = String::from("segment s1 {\n  where orders_count >= 1\n}\n");
    for i in 2..=LINKS {
        let condition = if i % 2 == 0 {
            format!("s{}", i - 1)
        } else {
            format!("s{} and orders_count >= 1", i - 1)
        };
        text.push_str(&format!("segment s{i} {{\n  where {condition}\n}}\n"));
    }
    text
}

fn segmint(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_segmint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_chain_of_five_thousand_references_explains_and_evaluates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let segments = dir.path().join("segments");
    std::fs::create_dir(&segments).unwrap();
    std::fs::copy(
        root.join("segments/schema.seg"),
        segments.join("schema.seg"),
    )
    .unwrap();
    std::fs::write(segments.join("chain.seg"), chain()).unwrap();
    let data = root.join("segments/sample/customers.parquet");
    let data = data.to_str().unwrap();
    let last = format!("s{LINKS}");

    let (ok, stdout, stderr) = segmint(dir.path(), &["explain", &last, "segments", "--plan"]);
    assert!(ok, "explain failed: {stderr}");
    assert!(stdout.contains("segment s1"), "{stdout}");

    let counts = |name: &str| {
        let args = [
            "eval",
            "segments",
            "--data",
            data,
            "--as-of",
            "2026-06-30",
            "--segment",
            name,
        ];
        let (ok, stdout, stderr) = segmint(dir.path(), &args);
        assert!(ok, "eval --segment {name} failed: {stderr}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no count line for {name}: {stdout}"));
        line.split_whitespace().nth(1).unwrap().to_string()
    };
    // every link is `orders_count >= 1` again, so the last one has s1's members
    assert_eq!(counts(&last), counts("s1"));
}
