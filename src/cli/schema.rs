//! `segmint schema infer FILE [--events]`: prints a `schema` block (or, with
//! `--events`, an `events` block) for a data file, to start a project from.
//!
//! Types come from the data ([`crate::data::infer`]); `?` marks a column with
//! missing values; a text column with few, repeating values becomes an `enum`
//! listing them; the key is guessed from a column whose values are all present and
//! unique (and said so in a comment). For an event table the key is a column that
//! repeats (customers have many events) and the time is a date or timestamp column.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Context, ExitStatus, RunError};
use crate::check::ir::Type;
use crate::data::infer::{self, ColumnProfile, Profile};

/// Arguments of `segmint schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SchemaCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SchemaCommand {
    /// Print a `schema` block (or an `events` block) for a data file.
    Infer(InferArgs),
}

/// Arguments of `segmint schema infer`.
#[derive(Debug, clap::Args)]
struct InferArgs {
    /// The data file (.parquet, .csv, .arrow, .jsonl).
    file: PathBuf,
    /// The file is an event table (orders, email events…): print an `events` block.
    #[arg(long)]
    events: bool,
}

/// Runs `segmint schema …`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let SchemaCommand::Infer(args) = args.command;
    let profile = infer::profile(&args.file)?;
    let text = if args.events {
        events_block(&profile, &args.file, &table_name(&args.file, "events"))
    } else {
        schema_block(&profile, &args.file)
    };
    write!(context.stdout, "{text}")?;
    Ok(ExitStatus::Success)
}

/// A name for the block from the file's name: `data/Customers 2024.csv` → `customers_2024`.
pub(super) fn table_name(path: &Path, fallback: &str) -> String {
    // `customers.csv.gz`: the compression's extension goes too
    let path = match crate::data::Compressed::of(path) {
        Some(_) => Path::new(path.file_stem().unwrap_or_default()),
        None => path,
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut name = String::new();
    for c in stem.chars() {
        match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => name.push(c),
            _ if !name.ends_with('_') => name.push('_'),
            _ => {}
        }
    }
    let name = name.trim_matches('_').to_string();
    if name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name
    } else {
        fallback.to_string()
    }
}

/// The `schema` block for a customer table.
pub(super) fn schema_block(profile: &Profile, path: &Path) -> String {
    let key = guess_key(profile);
    let mut out = header(profile, path);
    let _ = writeln!(out, "schema {} {{", table_name(path, "customers"));
    match key {
        Some(key) => {
            let _ = writeln!(
                out,
                "  // the key, guessed: every row has a value and no value repeats"
            );
            let _ = writeln!(out, "  key {}: {}", key.name, typed(key));
        }
        None => {
            let _ = writeln!(
                out,
                "  // no column has a value in every row without repeats: mark the customer id with `key NAME: TYPE`"
            );
        }
    }
    for column in &profile.columns {
        if key.is_some_and(|k| k.name == column.name) {
            continue;
        }
        field_line(&mut out, column);
    }
    out.push_str("}\n");
    out
}

/// The `events` block for an event table.
pub(super) fn events_block(profile: &Profile, path: &Path, name: &str) -> String {
    let key = guess_event_key(profile);
    let time = guess_time(profile);
    let mut out = header(profile, path);
    let _ = writeln!(out, "events {name} {{");
    match key {
        Some(key) => {
            let _ = writeln!(
                out,
                "  // the customer key, guessed: match its type to the schema's key"
            );
            let _ = writeln!(out, "  key {}", key.name);
        }
        None => {
            let _ = writeln!(
                out,
                "  // no text or int column to join on: name the customer key with `key NAME`"
            );
        }
    }
    match time {
        Some(time) => {
            let _ = writeln!(out, "  // when each event happened, guessed");
            let _ = writeln!(out, "  time {}: {}", time.name, typed(time));
        }
        None => {
            let _ = writeln!(
                out,
                "  // no date or timestamp column: name the event time with `time NAME: timestamp`"
            );
        }
    }
    for column in &profile.columns {
        let taken = [key, time].iter().flatten().any(|c| c.name == column.name);
        if !taken {
            field_line(&mut out, column);
        }
    }
    out.push_str("}\n");
    out
}

fn header(profile: &Profile, path: &Path) -> String {
    let rows = super::output::counted(profile.rows, "row");
    format!(
        "// Inferred by `segmint schema infer` from {} ({rows}).\n// Check the types, the key and the enums, and describe each field with `///`.\n",
        path.display()
    )
}

fn field_line(out: &mut String, column: &ColumnProfile) {
    if !is_name(&column.name) {
        let _ = writeln!(
            out,
            "  // column {:?} is left out: a name uses a-z, 0-9 and `_` and starts with a letter; rename it in the export",
            column.name
        );
        return;
    }
    if let Err(arrow) = &column.ty {
        let _ = writeln!(
            out,
            "  // column `{}` is left out: segmint does not read {arrow} values",
            column.name
        );
        return;
    }
    let _ = writeln!(out, "  {}: {}", column.name, typed(column));
}

/// `string?`, `enum("a", "b")`, `int`.
fn typed(column: &ColumnProfile) -> String {
    let base = match &column.ty {
        Ok(ty) => ty.describe(),
        Err(arrow) => arrow.clone(),
    };
    let optional = if column.missing > 0 { "?" } else { "" };
    format!("{base}{optional}")
}

/// A text or int column (not an enum): what a key or a join column can be.
fn is_id_type(column: &ColumnProfile) -> bool {
    matches!(column.ty, Ok(Type::String | Type::Int))
}

fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !crate::syntax::is_reserved(name)
}

/// A column usable as a key: text or int, every row has a value, none repeats;
/// an `…id` name first.
fn guess_key(profile: &Profile) -> Option<&ColumnProfile> {
    if profile.rows == 0 {
        return None;
    }
    let candidates = profile
        .columns
        .iter()
        .filter(|c| is_id_type(c) && c.missing == 0 && c.unique && is_name(&c.name));
    let (named, others): (Vec<_>, Vec<_>) = candidates.partition(|c| looks_like_id(&c.name));
    named.into_iter().chain(others).next()
}

/// The customer key of an event table: a text or int column named like an id;
/// `customer_id` first, repeating ones (a customer has many events) before unique ones.
fn guess_event_key(profile: &Profile) -> Option<&ColumnProfile> {
    let ids: Vec<&ColumnProfile> = profile
        .columns
        .iter()
        // few customers may repeat a lot: an id inferred as an enum still joins
        .filter(|c| (is_id_type(c) || matches!(c.ty, Ok(Type::Enum(_)))) && is_name(&c.name))
        .collect();
    ids.iter()
        .find(|c| c.name == "customer_id")
        .or_else(|| ids.iter().find(|c| looks_like_id(&c.name) && !c.unique))
        .or_else(|| ids.iter().find(|c| looks_like_id(&c.name)))
        .or_else(|| ids.first())
        .copied()
}

/// The time column: a date or timestamp, always present ones first.
fn guess_time(profile: &Profile) -> Option<&ColumnProfile> {
    let times = profile
        .columns
        .iter()
        .filter(|c| matches!(c.ty, Ok(Type::Date | Type::Timestamp)) && is_name(&c.name));
    let (complete, partial): (Vec<_>, Vec<_>) = times.partition(|c| c.missing == 0);
    complete.into_iter().chain(partial).next()
}

fn looks_like_id(name: &str) -> bool {
    name == "id" || name.ends_with("_id") || name.ends_with("key")
}
