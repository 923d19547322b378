//! Shared test helpers: compile `.seg` text, render diagnostics as plain text,
//! one-line type-rule checks over a fixed schema, and the deterministic random
//! generator of the differential tests.
//!
//! Each integration test crate includes this with `mod support;` and uses only part of
//! it, hence the `dead_code` allowance.
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use segmint::check::{self, ir};
use segmint::diagnostic::{Diagnostic, Diagnostics, Label, Severity};
use segmint::source::{SourceFile, Sources};
use segmint::syntax;

/// Everything a compile produced.
pub struct Compiled {
    /// The loaded files (for positions).
    pub sources: Sources,
    /// Syntax and check diagnostics, in the order found.
    pub diagnostics: Diagnostics,
    /// The program, when there were no errors.
    pub program: Option<ir::Program>,
}

/// Parses and checks files given as `(path, text)`; all share one namespace.
pub fn compile_files(files: &[(&str, &str)]) -> Compiled {
    let mut sources = Sources::new();
    for (path, text) in files {
        sources.add(*path, *text);
    }
    let mut diagnostics = Diagnostics::new();
    let asts: Vec<_> = sources
        .iter()
        .map(|f| syntax::parse(f, &mut diagnostics))
        .collect();
    let program = check::check(&asts, &mut diagnostics);
    Compiled {
        sources,
        diagnostics,
        program,
    }
}

/// Parses and checks one file.
pub fn compile_str(text: &str) -> Compiled {
    compile_files(&[("test.seg", text)])
}

/// Diagnostics as plain text, one block per diagnostic:
///
/// ```text
/// error[unknown_field] 3:9-3:13: unknown field or segment `agee`
///   primary: …             (when the primary label has text)
///   secondary 2:3-2:7: first defined here
///   help: did you mean `age`?
/// ```
pub fn render_diagnostics(sources: &Sources, diagnostics: &Diagnostics) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics.iter() {
        text.push_str(&render_one(sources, diagnostic));
    }
    text
}

fn render_one(sources: &Sources, d: &Diagnostic) -> String {
    let severity = match d.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut text = format!(
        "{severity}[{}] {}: {}\n",
        d.code,
        position(sources, &d.primary),
        d.message
    );
    if let Some(label) = &d.primary.text {
        text.push_str(&format!("  label: {label}\n"));
    }
    for label in &d.secondary {
        text.push_str(&format!(
            "  secondary {}: {}\n",
            position(sources, label),
            label.text.as_deref().unwrap_or("")
        ));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!("  help: {help}\n"));
    }
    text
}

/// `line:col-end_line:end_col` (1-based, columns in characters), prefixed with the file
/// name when the run has more than one file.
fn position(sources: &Sources, label: &Label) -> String {
    let Some(file) = sources.get(label.span.file) else {
        return "?:?".into();
    };
    let (line, col) = file.line_col(label.span.start);
    let (end_line, end_col) = file.line_col(label.span.end);
    let prefix = if sources.iter().count() > 1 {
        format!("{}:", file.path.display())
    } else {
        String::new()
    };
    format!("{prefix}{line}:{col}-{end_line}:{end_col}")
}

/// The `----- SOURCE` / `----- DIAGNOSTICS` snapshot text of one file.
pub fn source_and_diagnostics(
    file: &SourceFile,
    sources: &Sources,
    diagnostics: &Diagnostics,
) -> String {
    format!(
        "----- SOURCE\n{}\n----- DIAGNOSTICS\n{}",
        file.text.trim_end(),
        render_diagnostics(sources, diagnostics)
    )
}

// ----- type-rule helpers over a fixed schema ---------------------------------------

/// The schema (and event tables) every one-line type-rule test runs against.
pub const SCHEMA: &str = r#"
schema customers {
  key customer_id: string
  email: string?
  country: string
  age: int?
  gender: enum("female", "male", "nonbinary", "unknown")
  signup_date: date
  status: enum("in_works", "rejected", "poor", "one_time", "occasional", "regular")
  orders_count: int
  last_order_at: timestamp?
  lifetime_value: float
  tags: list<string>
  scores: list<int>
  newsletter_opt_in: bool
}

events orders {
  key customer_id
  time placed_at: timestamp
  amount: float
  quantity: int
  channel: enum("web", "app", "store")
}

tiers value_tier {
  platinum: lifetime_value >= 10000
  gold: lifetime_value >= 2000
  silver: otherwise
}

segment vip {
  where tags has "vip"
}
"#;

/// Compiles `segment s { where CONDITION }` against [`SCHEMA`].
pub fn compile_condition(condition: &str) -> Compiled {
    compile_str(&format!(
        "{SCHEMA}\nsegment s {{\n  where {condition}\n}}\n"
    ))
}

/// The diagnostics of a compile as plain text.
pub fn rendered(compiled: &Compiled) -> String {
    render_diagnostics(&compiled.sources, &compiled.diagnostics)
}

/// Asserts that the condition checks clean and returns its IR in s-expression form.
#[track_caller]
pub fn check_ok(condition: &str) -> String {
    let compiled = compile_condition(condition);
    let program = compiled
        .program
        .as_ref()
        .unwrap_or_else(|| panic!("`{condition}` should check clean:\n{}", rendered(&compiled)));
    let id = program.segment_named("s").expect("segment s");
    sexpr(program, &program.segment(id).condition)
}

/// Asserts that the condition is rejected with exactly one diagnostic, of `code`.
#[track_caller]
pub fn diagnoses(condition: &str, code: &str) {
    let compiled = compile_condition(condition);
    let codes: Vec<&str> = compiled
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [code],
        "`{condition}` should give exactly `{code}`:\n{}",
        rendered(&compiled)
    );
}

/// A compact rendering of a checked expression: `(> (float age) 30.5)`.
pub fn sexpr(program: &ir::Program, expr: &ir::Expr) -> String {
    use ir::ExprKind as K;
    let list = |items: &[ir::Expr]| {
        items
            .iter()
            .map(|e| sexpr(program, e))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let lits = |items: &[ir::Literal]| items.iter().map(literal).collect::<Vec<_>>().join(" ");
    let text = match &expr.kind {
        K::Or(items) => format!("(or {})", list(items)),
        K::And(items) => format!("(and {})", list(items)),
        K::Not(e) => format!("(not {})", sexpr(program, e)),
        K::Compare { left, op, right } => {
            format!(
                "({} {} {})",
                op.as_str(),
                sexpr(program, left),
                sexpr(program, right)
            )
        }
        K::InList {
            value,
            items,
            negated,
        } => {
            let word = if *negated { "not-in" } else { "in" };
            format!("({word} {} [{}])", sexpr(program, value), lits(items))
        }
        K::Between {
            value,
            low,
            high,
            negated,
        } => {
            let word = if *negated { "not-between" } else { "between" };
            format!(
                "({word} {} {} {})",
                sexpr(program, value),
                sexpr(program, low),
                sexpr(program, high)
            )
        }
        K::IsMissing { value, negated } => {
            let word = if *negated { "present" } else { "missing" };
            format!("({word} {})", sexpr(program, value))
        }
        K::StringTest { value, op, pattern } => {
            format!("({op:?} {} {pattern:?})", sexpr(program, value))
        }
        K::Has { list, all, items } => {
            let word = if *all { "has-all" } else { "has-any" };
            format!("({word} {} [{}])", sexpr(program, list), lits(items))
        }
        K::IsEmpty { value, negated } => {
            let word = if *negated { "not-empty" } else { "empty" };
            format!("({word} {})", sexpr(program, value))
        }
        K::Within {
            value,
            direction,
            duration,
        } => {
            format!(
                "(within {direction:?} {} {})",
                duration_text(duration),
                sexpr(program, value)
            )
        }
        K::DateCompare {
            value,
            before,
            target,
        } => {
            let word = if *before { "before" } else { "after" };
            let target = match target {
                ir::DateTarget::Date(d) => d.to_string(),
                ir::DateTarget::Timestamp(us) => format!("ts{us}"),
                ir::DateTarget::Ago(d) => format!("{} ago", duration_text(d)),
            };
            format!("({word} {} {target})", sexpr(program, value))
        }
        K::Percentile {
            value,
            side,
            fraction,
        } => format!("({side:?} {fraction} {})", sexpr(program, value)),
        K::SegmentRef(id) => format!("segment:{}", program.segment(*id).name),
        K::Field(id) => program.schema.field(*id).name.clone(),
        K::TierRef(id) => format!("tiers:{}", program.tier_block(*id).name),
        K::Literal(l) => literal(l),
        K::Arith { left, op, right } => {
            format!(
                "({} {} {})",
                op.as_str(),
                sexpr(program, left),
                sexpr(program, right)
            )
        }
        K::Neg(e) => format!("(neg {})", sexpr(program, e)),
        K::Call { function, arg } => format!("({function:?} {})", sexpr(program, arg)),
        K::Rank { score, value } => format!("({score:?} {})", sexpr(program, value)),
        K::DateOf(e) => format!("(date {})", sexpr(program, e)),
        K::ToFloat(e) => format!("(float {})", sexpr(program, e)),
        K::Aggregate(agg) => aggregate(program, agg),
        K::EventField(id) => format!("event:{}", id.0),
    };
    text + &type_suffix(expr)
}

/// Values carry their type (`:int`); criteria do not.
fn type_suffix(expr: &ir::Expr) -> String {
    match expr.ty {
        ir::Type::Bool => String::new(),
        ir::Type::Enum(_) => ":enum".into(),
        ref ty => format!(":{}", ty.describe()),
    }
}

fn aggregate(program: &ir::Program, agg: &ir::Aggregate) -> String {
    let table = &program.events[agg.table.0 as usize];
    let mut text = format!("({:?} {}", agg.function, table.name);
    if let Some(field) = agg.field {
        text.push_str(&format!(".{}", table.fields[field.0 as usize].name));
    }
    if let Some(filter) = &agg.filter {
        text.push_str(&format!(" where {}", sexpr(program, filter)));
    }
    if let Some((direction, duration)) = &agg.window {
        text.push_str(&format!(
            " within {direction:?} {}",
            duration_text(duration)
        ));
    }
    text + ")"
}

fn duration_text(d: &ir::Duration) -> String {
    format!("{}{:?}", d.amount, d.unit)
}

fn literal(l: &ir::Literal) -> String {
    match l {
        ir::Literal::Bool(b) => b.to_string(),
        ir::Literal::Int(n) => n.to_string(),
        ir::Literal::Float(f) => format!("{f:?}"),
        ir::Literal::String(s) => format!("{s:?}"),
        ir::Literal::Date(d) => d.to_string(),
        ir::Literal::Timestamp(us) => format!("ts{us}"),
    }
}

/// A small deterministic generator (xorshift), so one seed rebuilds a whole
/// random test case.
pub struct Rng(pub u64);

impl Rng {
    /// A generator from any seed: splitmix64 scrambles small seeds, and
    /// xorshift must not start at 0.
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True `percent` times in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A temporary folder holding `files` (path, contents).
pub fn temp_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `segmint ARGS` run in `dir`, without colour.
pub fn segmint_in(dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_segmint"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    command
}
