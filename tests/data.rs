//! The data layer: every accepted Arrow type normalises to its canonical type,
//! every bad input is one clear sentence, writers round-trip, the sample is
//! deterministic and plausible.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may fail loudly

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::*;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

use segmint::check::ir::{self, FieldId, Type};
use segmint::data::{BatchSource, DataError, DataFile, OutputWriter, sample};
use segmint::source::{FileId, Span};

// ----- helpers --------------------------------------------------------------------

fn enum_of(values: &[&str]) -> Type {
    Type::Enum(
        values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .into(),
    )
}

fn statuses() -> Type {
    enum_of(&[
        "in_works",
        "rejected",
        "poor",
        "one_time",
        "occasional",
        "regular",
    ])
}

/// A schema from `(name, type, nullable)`; the first field is the key.
fn schema(fields: &[(&str, Type, bool)]) -> ir::Schema {
    let span = Span::new(FileId(0), 0, 0);
    ir::Schema {
        name: "customers".into(),
        key: FieldId(0),
        fields: fields
            .iter()
            .map(|(name, ty, nullable)| ir::Field {
                name: name.to_string(),
                ty: ty.clone(),
                nullable: *nullable,
                doc: None,
                span,
            })
            .collect(),
        span,
    }
}

fn all_ids(schema: &ir::Schema) -> Vec<FieldId> {
    (0..schema.fields.len() as u32).map(FieldId).collect()
}

/// Every batch of `columns`, concatenated into one.
fn read_all(file: &DataFile, columns: &[FieldId]) -> RecordBatch {
    let batches: Vec<RecordBatch> = file
        .batches(columns)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let schema = batches[0].schema();
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Error text with the temporary folder and the fixture folder replaced.
fn message(err: DataError, dir: Option<&Path>) -> String {
    let mut text = err.to_string();
    if let Some(dir) = dir {
        text = text.replace(&dir.display().to_string(), "[TMP]");
    }
    text.replace(&fixture("").display().to_string(), "[FIXTURES]/")
}

fn open_err(path: &Path, schema: &ir::Schema) -> DataError {
    match DataFile::open(path, schema) {
        Ok(_) => panic!("{} opened but should not", path.display()),
        Err(e) => e,
    }
}

fn read_err(file: &DataFile, columns: &[FieldId]) -> DataError {
    let result: Result<Vec<RecordBatch>, DataError> = file.batches(columns).unwrap().collect();
    result.expect_err("reading should fail")
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let file = fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

fn write_ipc_file(path: &Path, batch: &RecordBatch) {
    let file = fs::File::create(path).unwrap();
    let mut writer = arrow::ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    writer.write(batch).unwrap();
    writer.finish().unwrap();
}

fn write_ipc_stream(path: &Path, batch: &RecordBatch) {
    let file = fs::File::create(path).unwrap();
    let mut writer = arrow::ipc::writer::StreamWriter::try_new(file, &batch.schema()).unwrap();
    writer.write(batch).unwrap();
    writer.finish().unwrap();
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

const MICROS_2024_01_31_10H: i64 = 1_706_695_200_000_000;

// ----- every accepted Arrow type --------------------------------------------------

/// One column per accepted variant, all holding the same two values (second one
/// missing), and the schema reading them.
fn variants() -> (RecordBatch, ir::Schema) {
    let secs = MICROS_2024_01_31_10H / 1_000_000;
    let utf8_dict: DictionaryArray<UInt8Type> = vec![Some("gold"), None].into_iter().collect();
    let large_dict: DictionaryArray<Int16Type> = vec![Some("gold"), None].into_iter().collect();
    let large_dict = large_dict.with_values(Arc::new(LargeStringArray::from(vec!["gold"])));
    let large_list = LargeListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1), Some(2)]),
        None,
    ]);
    let mut string_list = LargeListBuilder::new(LargeStringBuilder::new());
    string_list.values().append_value("vip");
    string_list.append(true);
    string_list.append(false);
    let batch = batch(vec![
        (
            "i8",
            Arc::new(Int8Array::from(vec![Some(-5), None])) as ArrayRef,
        ),
        ("i16", Arc::new(Int16Array::from(vec![Some(-5), None]))),
        ("i32", Arc::new(Int32Array::from(vec![Some(-5), None]))),
        ("u8", Arc::new(UInt8Array::from(vec![Some(5), None]))),
        ("u16", Arc::new(UInt16Array::from(vec![Some(5), None]))),
        ("u32", Arc::new(UInt32Array::from(vec![Some(5), None]))),
        ("u64", Arc::new(UInt64Array::from(vec![Some(5), None]))),
        ("f32", Arc::new(Float32Array::from(vec![Some(2.5), None]))),
        (
            "dec",
            Arc::new(
                Decimal128Array::from(vec![Some(250), None])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "large",
            Arc::new(LargeStringArray::from(vec![Some("gold"), None])),
        ),
        (
            "view",
            Arc::new(StringViewArray::from(vec![Some("gold"), None])),
        ),
        ("dict", Arc::new(utf8_dict)),
        ("large_dict", Arc::new(large_dict)),
        (
            "d64",
            Arc::new(Date64Array::from(vec![Some(19_753 * 86_400_000), None])),
        ),
        (
            "ts_s",
            Arc::new(TimestampSecondArray::from(vec![Some(secs), None])),
        ),
        (
            "ts_ms_tz",
            Arc::new(
                TimestampMillisecondArray::from(vec![Some(secs * 1_000), None])
                    .with_timezone("Europe/Berlin"),
            ),
        ),
        (
            "ts_us_tz",
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(secs * 1_000_000), None])
                    .with_timezone("+05:30"),
            ),
        ),
        (
            "ts_ns",
            Arc::new(TimestampNanosecondArray::from(vec![
                Some(secs * 1_000_000_000 + 999),
                None,
            ])),
        ),
        ("ints", Arc::new(large_list)),
        ("strings", Arc::new(string_list.finish())),
        ("id", Arc::new(Int64Array::from(vec![1, 2]))),
    ]);
    let status = enum_of(&["gold", "silver"]);
    let mut schema = schema(&[
        ("i8", Type::Int, true),
        ("i16", Type::Int, true),
        ("i32", Type::Int, true),
        ("u8", Type::Int, true),
        ("u16", Type::Int, true),
        ("u32", Type::Int, true),
        ("u64", Type::Int, true),
        ("f32", Type::Float, true),
        ("dec", Type::Float, true),
        ("large", Type::String, true),
        ("view", Type::String, true),
        ("dict", status.clone(), true),
        ("large_dict", status, true),
        ("d64", Type::Date, true),
        ("ts_s", Type::Timestamp, true),
        ("ts_ms_tz", Type::Timestamp, true),
        ("ts_us_tz", Type::Timestamp, true),
        ("ts_ns", Type::Timestamp, true),
        ("ints", Type::ListInt, true),
        ("strings", Type::ListString, true),
        ("id", Type::Int, false),
    ]);
    // Every other column has a missing value, which a key may not have.
    schema.key = FieldId(20);
    (batch, schema)
}

/// Checks that every variant column came back canonical with the right value.
fn assert_canonical(out: &RecordBatch, schema: &ir::Schema) {
    for (i, field) in schema.fields.iter().enumerate() {
        if FieldId(i as u32) == schema.key {
            continue;
        }
        let column = out.column(i);
        assert_eq!(column.len(), 2, "{}", field.name);
        assert!(
            column.is_null(1),
            "{}: second value should be missing",
            field.name
        );
        let value = arrow::util::display::array_value_to_string(column, 0).unwrap();
        let (expected_type, expected_value) = match &field.ty {
            Type::Int => (
                DataType::Int64,
                if field.name.starts_with('u') {
                    "5"
                } else {
                    "-5"
                },
            ),
            Type::Float => (DataType::Float64, "2.5"),
            Type::String => (DataType::Utf8, "gold"),
            Type::Enum(_) => (DataType::Utf8, "gold"),
            Type::Date => (DataType::Date32, "2024-01-31"),
            Type::Timestamp => (
                DataType::Timestamp(TimeUnit::Microsecond, None),
                "2024-01-31T10:00:00",
            ),
            Type::ListInt => (DataType::new_list(DataType::Int64, true), "[1, 2]"),
            Type::ListString => (DataType::new_list(DataType::Utf8, true), "[vip]"),
            Type::Bool => unreachable!(),
        };
        let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let strings = matches!(field.ty, Type::String | Type::Enum(_));
        if !(strings && column.data_type() == &dictionary) {
            assert_eq!(column.data_type(), &expected_type, "{}", field.name);
        }
        assert_eq!(value, expected_value, "{}", field.name);
    }
}

#[test]
fn every_accepted_arrow_type_normalises_from_arrow_ipc() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, schema) = variants();
    let path = dir.path().join("variants.arrow");
    write_ipc_file(&path, &batch);
    let file = DataFile::open(&path, &schema).unwrap();
    assert_canonical(&read_all(&file, &all_ids(&schema)), &schema);
}

#[test]
fn arrow_stream_format_is_accepted_too() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, schema) = variants();
    let path = dir.path().join("variants.ipc");
    write_ipc_stream(&path, &batch);
    let file = DataFile::open(&path, &schema).unwrap();
    assert_canonical(&read_all(&file, &all_ids(&schema)), &schema);
}

#[test]
fn every_accepted_arrow_type_normalises_from_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, schema) = variants();
    let path = dir.path().join("variants.parquet");
    write_parquet(&path, &batch);
    let file = DataFile::open(&path, &schema).unwrap();
    assert_eq!(file.row_count(), Some(2));
    assert_canonical(&read_all(&file, &all_ids(&schema)), &schema);
}

#[test]
fn parquet_string_columns_keep_their_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dict.parquet");
    let cities: Vec<&str> = (0..1000).map(|i| ["Berlin", "Paris"][i % 2]).collect();
    write_parquet(
        &path,
        &batch(vec![(
            "city",
            Arc::new(StringArray::from(cities)) as ArrayRef,
        )]),
    );
    let schema = schema(&[("city", Type::String, false)]);
    let file = DataFile::open(&path, &schema).unwrap();
    let out = read_all(&file, &[FieldId(0)]);
    assert_eq!(
        out.column(0).data_type(),
        &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    );
}

#[test]
fn batches_hold_the_requested_columns_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, schema) = variants();
    let path = dir.path().join("variants.parquet");
    write_parquet(&path, &batch);
    let file = DataFile::open(&path, &schema).unwrap();
    let out = read_all(&file, &[FieldId(13), FieldId(0), FieldId(13)]);
    let names: Vec<String> = out
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["d64", "i8", "d64"]);
    let none = file.batches(&[]).unwrap().next().unwrap().unwrap();
    assert_eq!((none.num_columns(), none.num_rows()), (0, 2));
}

#[test]
fn parquet_reads_many_row_groups_in_bounded_batches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.parquet");
    let n = 150_000;
    let ids = Int64Array::from_iter_values(0..n);
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(40_000))
        .build();
    let b = batch(vec![("id", Arc::new(ids) as ArrayRef)]);
    let mut writer =
        ArrowWriter::try_new(fs::File::create(&path).unwrap(), b.schema(), Some(props)).unwrap();
    writer.write(&b).unwrap();
    writer.close().unwrap();
    let file = DataFile::open(&path, &schema(&[("id", Type::Int, false)])).unwrap();
    let batches: Vec<RecordBatch> = file
        .batches(&[FieldId(0)])
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(batches.iter().all(|b| b.num_rows() <= 64 * 1024));
    assert_eq!(
        batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
        n as usize
    );
    assert_eq!(file.row_count(), Some(n as u64));
}

// ----- CSV ------------------------------------------------------------------------

fn csv_schema() -> ir::Schema {
    schema(&[
        ("customer_id", Type::String, false),
        ("email", Type::String, true),
        ("age", Type::Int, true),
        ("lifetime_value", Type::Float, false),
        ("signup_date", Type::Date, false),
        ("last_order_at", Type::Timestamp, true),
        ("status", statuses(), false),
        ("tags", Type::ListString, false),
        ("lucky_numbers", Type::ListInt, false),
        ("newsletter_opt_in", Type::Bool, false),
    ])
}

/// The batch as CSV-like text, one line per row (for readable snapshots).
fn render(batch: &RecordBatch) -> String {
    let mut out = String::new();
    let names: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    out.push_str(&names.join(" | "));
    out.push('\n');
    for row in 0..batch.num_rows() {
        let cells: Vec<String> = batch
            .columns()
            .iter()
            .map(|c| {
                if c.is_null(row) {
                    "∅".to_string()
                } else {
                    arrow::util::display::array_value_to_string(c, row).unwrap()
                }
            })
            .collect();
        out.push_str(&cells.join(" | "));
        out.push('\n');
    }
    out
}

#[test]
fn csv_is_parsed_by_the_schema_types() {
    let schema = csv_schema();
    let file = DataFile::open(&fixture("customers.csv"), &schema).unwrap();
    let out = read_all(&file, &all_ids(&schema));
    let types: Vec<String> = out
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().to_string())
        .collect();
    insta::assert_snapshot!(
        "csv_values",
        format!("{}\n{}", types.join(" | "), render(&out))
    );
    assert!(file.warnings().is_empty(), "{:?}", file.warnings());
}

#[test]
fn csv_malformed_date_names_the_line_and_column() {
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("signup_date", Type::Date, false),
    ]);
    let file = DataFile::open(&fixture("bad_date.csv"), &schema).unwrap();
    insta::assert_snapshot!(
        "csv_bad_date",
        message(read_err(&file, &all_ids(&schema)), None)
    );
}

#[test]
fn csv_line_numbers_count_quoted_newlines() {
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("age", Type::Int, true),
    ]);
    let file = DataFile::open(&fixture("quoted_newline.csv"), &schema).unwrap();
    insta::assert_snapshot!(
        "csv_bad_int_after_multiline_record",
        message(read_err(&file, &all_ids(&schema)), None)
    );
}

#[test]
fn csv_record_with_too_many_fields_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ragged.csv");
    fs::write(&path, "customer_id,age\nC1,3\nC2,4,5\n").unwrap();
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("age", Type::Int, true),
    ]);
    let file = DataFile::open(&path, &schema).unwrap();
    insta::assert_snapshot!(
        "csv_ragged",
        message(read_err(&file, &all_ids(&schema)), Some(dir.path()))
    );
}

#[test]
fn empty_csv_needs_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.csv");
    fs::write(&path, "").unwrap();
    let schema = schema(&[("customer_id", Type::String, false)]);
    insta::assert_snapshot!(
        "csv_empty",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn header_only_csv_has_zero_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("header.csv");
    fs::write(&path, "customer_id,age\n").unwrap();
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("age", Type::Int, true),
    ]);
    let file = DataFile::open(&path, &schema).unwrap();
    let rows: usize = file
        .batches(&all_ids(&schema))
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(rows, 0);
}

#[test]
fn enum_values_outside_the_enum_are_kept_and_counted_once() {
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("status", statuses(), false),
    ]);
    let file = DataFile::open(&fixture("enum_outside.csv"), &schema).unwrap();
    for _pass in 0..2 {
        let out = read_all(&file, &all_ids(&schema));
        let status = arrow::compute::cast(out.column(1), &DataType::Utf8).unwrap();
        let status = status.as_string::<i32>();
        assert_eq!(status.value(1), "vip");
    }
    let warnings = file.warnings().join("\n");
    insta::assert_snapshot!(
        "enum_outside_warnings",
        warnings.replace(&fixture("").display().to_string(), "[FIXTURES]/")
    );
}

// ----- JSON lines -----------------------------------------------------------------

#[test]
fn json_lines_are_read_with_the_schema_types() {
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("age", Type::Int, true),
        ("lifetime_value", Type::Float, false),
        ("signup_date", Type::Date, false),
        ("last_order_at", Type::Timestamp, true),
        ("status", statuses(), false),
        ("tags", Type::ListString, false),
        ("newsletter_opt_in", Type::Bool, false),
    ]);
    let file = DataFile::open(&fixture("customers.jsonl"), &schema).unwrap();
    let out = read_all(&file, &all_ids(&schema));
    insta::assert_snapshot!("jsonl_values", render(&out));
}

#[test]
fn json_malformed_timestamp_names_the_line() {
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("last_order_at", Type::Timestamp, true),
    ]);
    // Within the first 1,000 records, so found at open.
    insta::assert_snapshot!(
        "jsonl_bad_timestamp",
        message(open_err(&fixture("bad_timestamp.jsonl"), &schema), None)
    );
}

/// Key `id`, then `n: int`, `d: date?`, `s: string?`.
fn json_schema() -> ir::Schema {
    schema(&[
        ("id", Type::String, false),
        ("n", Type::Int, false),
        ("d", Type::Date, true),
        ("s", Type::String, true),
    ])
}

/// A JSON lines file in a temporary folder; the folder lives as long as the guard.
fn jsonl(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.jsonl");
    fs::write(&path, text).unwrap();
    (dir, path)
}

fn row_count(file: &DataFile, columns: &[FieldId]) -> usize {
    file.batches(columns)
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum()
}

#[test]
fn json_lines_without_records_are_zero_rows() {
    let schema = json_schema();
    for text in ["", "\n", "\n  \n\r\n"] {
        let (_dir, path) = jsonl(text);
        let file = DataFile::open(&path, &schema).unwrap();
        assert_eq!(row_count(&file, &all_ids(&schema)), 0, "{text:?}");
    }
}

#[test]
fn json_syntax_errors_name_the_real_line() {
    let good = "{\"id\":\"a\",\"n\":1}\n";
    let cases = [
        // truncated line 6, then more records
        format!("{}{{\"id\":\"z\",\"n\":1,\n{good}", good.repeat(5)),
        // not JSON on line 2
        format!("{good}not json\n{good}"),
        // blank lines count
        format!("\n{good}\n{{\"id\": }}\n"),
        // not an object
        format!("{good}[1, 2]\n"),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|text| {
            let (dir, path) = jsonl(text);
            message(open_err(&path, &json_schema()), Some(dir.path()))
        })
        .collect();
    insta::assert_snapshot!("json_syntax_errors", messages.join("\n"));
}

#[test]
fn json_syntax_error_after_the_sample_names_the_real_line() {
    let good = "{\"id\":\"a\",\"n\":1}\n\n";
    let text = format!("{}{{\"id\":\"z\",\"n\":1,\n{good}", good.repeat(1_200));
    let (dir, path) = jsonl(&text);
    let schema = json_schema();
    let file = DataFile::open(&path, &schema).unwrap();
    insta::assert_snapshot!(
        "json_late_syntax_error",
        message(read_err(&file, &all_ids(&schema)), Some(dir.path()))
    );
}

#[test]
fn json_type_errors_name_the_line() {
    let good = "{\"id\":\"a\",\"n\":1}\n";
    let cases = [
        format!("{good}{{\"id\":\"b\",\"n\":2.5}}\n"),
        format!("{good}\n{{\"id\":\"b\",\"n\":9223372036854775808}}\n"),
        format!("{good}{{\"id\":\"b\",\"n\":2,\"d\":\"2023-02-30\"}}\n"),
        format!("{good}{{\"id\":\"b\",\"n\":2,\"s\":5}}\n"),
        "{\"id\":7,\"n\":2}\n".to_string(),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|text| {
            let (dir, path) = jsonl(text);
            message(open_err(&path, &json_schema()), Some(dir.path()))
        })
        .collect();
    insta::assert_snapshot!("json_type_errors", messages.join("\n"));
}

#[test]
fn json_int_out_of_range_after_the_sample_names_the_line() {
    let mut text = "{\"id\":\"a\",\"n\":1}\n".repeat(1_500);
    text.push_str("\n{\"id\":\"b\",\"n\":9223372036854775808}\n");
    let (dir, path) = jsonl(&text);
    let schema = json_schema();
    let file = DataFile::open(&path, &schema).unwrap();
    insta::assert_snapshot!(
        "json_late_int_out_of_range",
        message(read_err(&file, &all_ids(&schema)), Some(dir.path()))
    );
}

/// One rule for every line: each bad value gives the same message (but its line)
/// on line 2 (checked at open) and past the first 1,000 records (checked while
/// reading), also in a column the pass does not read.
#[test]
fn json_values_are_checked_the_same_on_every_line() {
    let good = "{\"id\":\"a\",\"n\":1}\n";
    let bad_records = [
        "{\"id\":5,\"n\":2}",
        "{\"id\":\"b\",\"n\":2.5}",
        "{\"id\":\"b\",\"n\":\"5\"}",
        "{\"id\":\"b\",\"n\":2,\"s\":true}",
        "{\"id\":\"b\",\"n\":2,\"d\":20240101}",
    ];
    let schema = json_schema();
    for bad in bad_records {
        let (dir, path) = jsonl(&format!("{good}{bad}\n"));
        let early = message(open_err(&path, &schema), Some(dir.path()));
        let (dir, path) = jsonl(&format!("{}{bad}\n", good.repeat(1_200)));
        let file = DataFile::open(&path, &schema).unwrap();
        let late = message(read_err(&file, &[FieldId(0)]), Some(dir.path()));
        assert_eq!(early.replace("line 2", "line 1201"), late, "{bad}");
    }
}

#[test]
fn json_nullable_field_omitted_everywhere_is_all_missing() {
    let (_dir, path) = jsonl("{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2}\n");
    let schema = json_schema();
    let file = DataFile::open(&path, &schema).unwrap();
    let out = read_all(&file, &all_ids(&schema));
    assert_eq!(out.num_rows(), 2);
    assert_eq!(out.column(2).null_count(), 2);
    assert_eq!(out.column(3).null_count(), 2);
    assert!(file.warnings().is_empty(), "{:?}", file.warnings());
}

#[test]
fn json_required_field_omitted_everywhere_is_a_missing_column() {
    let (dir, path) = jsonl("{\"id\":\"a\",\"s\":\"x\"}\n{\"id\":\"b\"}\n");
    insta::assert_snapshot!(
        "json_required_field_omitted",
        message(open_err(&path, &json_schema()), Some(dir.path()))
    );
}

#[test]
fn a_missing_key_is_an_error_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    fs::write(&csv, "id,n\na,1\n,2\n").unwrap();
    let json = dir.path().join("customers.jsonl");
    fs::write(&json, "{\"id\":\"a\",\"n\":1}\n{\"id\":null,\"n\":3}\n").unwrap();
    let omitted = dir.path().join("omitted.jsonl");
    fs::write(&omitted, "{\"id\":\"a\",\"n\":1}\n{\"n\":3}\n").unwrap();
    let schema = schema(&[("id", Type::String, false), ("n", Type::Int, false)]);
    let messages: Vec<String> = [csv, json, omitted]
        .iter()
        .map(|path| {
            let file = DataFile::open(path, &schema).unwrap();
            message(read_err(&file, &all_ids(&schema)), Some(dir.path()))
        })
        .collect();
    insta::assert_snapshot!("missing_key", messages.join("\n"));
}

#[test]
fn the_key_is_checked_in_later_batches_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.arrow");
    let mut ids: Vec<Option<i64>> = (0..100_000).map(Some).collect();
    ids[70_000] = None;
    write_ipc_file(
        &path,
        &batch(vec![("id", Arc::new(Int64Array::from(ids)) as ArrayRef)]),
    );
    let schema = schema(&[("id", Type::Int, false)]);
    let file = DataFile::open(&path, &schema).unwrap();
    let err = message(read_err(&file, &[FieldId(0)]), Some(dir.path()));
    assert!(err.contains("row 70001 has no value"), "{err}");
}

#[test]
fn duplicate_keys_are_read_as_they_are() {
    // Keys are assumed unique and not checked (docs/data.md: memory stays flat).
    let (_dir, path) = jsonl("{\"id\":\"a\",\"n\":1}\n{\"id\":\"a\",\"n\":3}\n");
    let schema = json_schema();
    let file = DataFile::open(&path, &schema).unwrap();
    assert_eq!(row_count(&file, &all_ids(&schema)), 2);
    assert!(file.warnings().is_empty());
}

// ----- bad inputs: one clear sentence each ----------------------------------------

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let schema = schema(&[("customer_id", Type::String, false)]);
    let err = open_err(&dir.path().join("customers.parquet"), &schema);
    insta::assert_snapshot!("missing_file", message(err, Some(dir.path())));
}

#[test]
fn unknown_extension_lists_the_accepted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.xlsx");
    fs::write(&path, "x").unwrap();
    let schema = schema(&[("customer_id", Type::String, false)]);
    insta::assert_snapshot!(
        "unknown_extension",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn corrupt_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.parquet");
    fs::write(&path, "customer_id,age\nC1,3\n").unwrap();
    let schema = schema(&[("customer_id", Type::String, false)]);
    insta::assert_snapshot!(
        "corrupt_parquet",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn truncated_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.parquet");
    let ids = StringArray::from_iter_values((0..1000).map(|i| format!("C{i}")));
    write_parquet(
        &path,
        &batch(vec![("customer_id", Arc::new(ids) as ArrayRef)]),
    );
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let schema = schema(&[("customer_id", Type::String, false)]);
    insta::assert_snapshot!(
        "truncated_parquet",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn corrupt_arrow_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.arrow");
    fs::write(&path, b"not arrow at all").unwrap();
    let schema = schema(&[("customer_id", Type::String, false)]);
    insta::assert_snapshot!(
        "corrupt_arrow",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn missing_column_lists_the_file_columns() {
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("agee", Type::Int, true),
    ]);
    let err = open_err(&fixture("customers.csv"), &schema);
    insta::assert_snapshot!("missing_column_csv", message(err, None));
}

#[test]
fn missing_column_in_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.parquet");
    write_parquet(
        &path,
        &batch(vec![
            (
                "customer_id",
                Arc::new(StringArray::from(vec!["C1"])) as ArrayRef,
            ),
            ("country", Arc::new(StringArray::from(vec!["DE"]))),
        ]),
    );
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("age", Type::Int, true),
    ]);
    insta::assert_snapshot!(
        "missing_column_parquet",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn float_column_for_an_int_field_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.parquet");
    write_parquet(
        &path,
        &batch(vec![(
            "age",
            Arc::new(Float64Array::from(vec![3.0])) as ArrayRef,
        )]),
    );
    let schema = schema(&[("age", Type::Int, true)]);
    insta::assert_snapshot!(
        "float_for_int",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn string_column_for_a_date_field_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.arrow");
    write_ipc_file(
        &path,
        &batch(vec![(
            "signup_date",
            Arc::new(StringArray::from(vec!["2024-01-01"])) as ArrayRef,
        )]),
    );
    let schema = schema(&[("signup_date", Type::Date, false)]);
    insta::assert_snapshot!(
        "string_for_date",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn zoned_timestamp_for_an_enum_field_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.arrow");
    let ts = TimestampMillisecondArray::from(vec![0]).with_timezone("UTC");
    write_ipc_file(
        &path,
        &batch(vec![("signup_date", Arc::new(ts) as ArrayRef)]),
    );
    let schema = schema(&[("signup_date", enum_of(&["a"]), false)]);
    insta::assert_snapshot!(
        "timestamp_for_enum",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn json_float_for_an_int_field_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.jsonl");
    fs::write(&path, "{\"age\": 3}\n{\"age\": 3.5}\n").unwrap();
    let schema = schema(&[("age", Type::Int, true)]);
    insta::assert_snapshot!(
        "json_float_for_int",
        message(open_err(&path, &schema), Some(dir.path()))
    );
}

#[test]
fn json_fraction_for_an_int_field_after_the_sampled_lines_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.jsonl");
    let mut text = "{\"age\": 3}\n".repeat(1_500);
    text.push_str("{\"age\": 3.5}\n");
    fs::write(&path, text).unwrap();
    let schema = schema(&[("age", Type::Int, true)]);
    let file = DataFile::open(&path, &schema).unwrap();
    insta::assert_snapshot!(
        "json_late_fraction_for_int",
        message(read_err(&file, &[FieldId(0)]), Some(dir.path()))
    );
}

#[test]
fn u64_beyond_i64_is_an_error_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.arrow");
    write_ipc_file(
        &path,
        &batch(vec![(
            "visits",
            Arc::new(UInt64Array::from(vec![u64::MAX])) as ArrayRef,
        )]),
    );
    let schema = schema(&[("visits", Type::Int, false)]);
    let file = DataFile::open(&path, &schema).unwrap();
    insta::assert_snapshot!(
        "u64_overflow",
        message(read_err(&file, &[FieldId(0)]), Some(dir.path()))
    );
}

#[test]
fn missing_values_in_a_required_field_are_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    fs::write(&path, "customer_id,country\nC1,DE\nC2,\nC3,\n").unwrap();
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("country", Type::String, false),
    ]);
    let file = DataFile::open(&path, &schema).unwrap();
    let out = read_all(&file, &all_ids(&schema));
    assert_eq!(out.column(1).null_count(), 2);
    insta::assert_snapshot!(
        "required_missing_warning",
        message_text(&file.warnings().join("\n"), dir.path())
    );
}

fn message_text(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "[TMP]")
}

// ----- writers ----------------------------------------------------------------------

/// A membership-like table of canonical types, with a missing value in each column.
fn output_batch() -> RecordBatch {
    let mut tags = ListBuilder::new(StringBuilder::new());
    tags.values().append_value("vip");
    tags.values().append_value("beta");
    tags.append(true);
    tags.append(true);
    tags.append(true);
    batch(vec![
        (
            "customer_id",
            Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef,
        ),
        (
            "champions",
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        ),
        (
            "value_tier",
            Arc::new(StringArray::from(vec![Some("gold"), None, Some("silver")])),
        ),
        (
            "score",
            Arc::new(Float64Array::from(vec![Some(1.5), Some(2.0), None])),
        ),
        (
            "signup_date",
            Arc::new(Date32Array::from(vec![Some(19_753), None, Some(0)])),
        ),
        (
            "last_order_at",
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(MICROS_2024_01_31_10H + 5),
                None,
                Some(MICROS_2024_01_31_10H),
            ])),
        ),
        ("tags", Arc::new(tags.finish())),
    ])
}

fn output_schema() -> ir::Schema {
    schema(&[
        ("customer_id", Type::Int, false),
        ("champions", Type::Bool, true),
        ("value_tier", enum_of(&["gold", "silver"]), true),
        ("score", Type::Float, true),
        ("signup_date", Type::Date, true),
        ("last_order_at", Type::Timestamp, true),
        ("tags", Type::ListString, false),
    ])
}

fn write_output(path: &Path, batches: &[RecordBatch]) {
    let mut writer = OutputWriter::create(path, output_batch().schema()).unwrap();
    for b in batches {
        writer.write(b).unwrap();
    }
    writer.finish().unwrap();
}

#[test]
fn writers_round_trip_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let expected = output_batch();
    for ext in ["csv", "parquet", "arrow", "jsonl"] {
        let path = dir.path().join(format!("members.{ext}"));
        write_output(&path, std::slice::from_ref(&expected));
        let schema = output_schema();
        let file = DataFile::open(&path, &schema).unwrap();
        let back = read_all(&file, &all_ids(&schema));
        let back = arrow::compute::cast(back.column(2), &DataType::Utf8)
            .map(|tier| {
                let mut columns = back.columns().to_vec();
                columns[2] = tier;
                RecordBatch::try_new(expected.schema(), columns).unwrap()
            })
            .unwrap();
        assert_eq!(render(&back), render(&expected), "{ext}");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
            "{names:?}"
        );
    }
}

#[test]
fn csv_output_writes_true_false_and_empty_cells() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("members.csv");
    write_output(&path, &[output_batch()]);
    insta::assert_snapshot!("csv_output", fs::read_to_string(&path).unwrap());
}

#[test]
fn jsonl_output_writes_explicit_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("members.jsonl");
    write_output(&path, &[output_batch()]);
    insta::assert_snapshot!("jsonl_output", fs::read_to_string(&path).unwrap());
}

#[test]
fn zero_rows_give_a_header_only_output() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet", "arrow", "jsonl"] {
        let path = dir.path().join(format!("members.{ext}"));
        write_output(&path, &[]);
        assert!(path.exists(), "{ext}");
        let schema = output_schema();
        if ext == "jsonl" {
            assert_eq!(fs::read_to_string(&path).unwrap(), "");
        }
        let file = DataFile::open(&path, &schema).unwrap();
        let rows: usize = file
            .batches(&all_ids(&schema))
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .sum();
        assert_eq!(rows, 0, "{ext}");
    }
    insta::assert_snapshot!(
        "csv_header_only",
        fs::read_to_string(dir.path().join("members.csv")).unwrap()
    );
}

#[test]
fn output_folder_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope/members.csv");
    let err = OutputWriter::create(&path, output_batch().schema())
        .err()
        .unwrap();
    insta::assert_snapshot!("output_folder_missing", message(err, Some(dir.path())));
}

#[test]
fn a_failed_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("members.parquet");
    let mut writer = OutputWriter::create(&path, output_batch().schema()).unwrap();
    writer.write(&output_batch()).unwrap();
    let wrong = batch(vec![("x", Arc::new(Int64Array::from(vec![1])) as ArrayRef)]);
    assert!(writer.write(&wrong).is_err());
    assert!(writer.finish().is_err());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_dropped_writer_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet", "arrow", "jsonl"] {
        let path = dir.path().join(format!("members.{ext}"));
        let mut writer = OutputWriter::create(&path, output_batch().schema()).unwrap();
        writer.write(&output_batch()).unwrap();
        drop(writer);
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn parquet_outputs_take_the_compression_asked_for() {
    use parquet::basic::Compression;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use segmint::data::ParquetCompression;
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (ParquetCompression::Zstd, "ZSTD"),
        (ParquetCompression::Snappy, "SNAPPY"),
        (ParquetCompression::Lz4, "LZ4_RAW"),
        (ParquetCompression::None, "UNCOMPRESSED"),
    ];
    for (compression, expected) in cases {
        let path = dir.path().join(format!("{expected}.parquet"));
        let options = segmint::data::ParquetOptions {
            compression,
            key_first: false,
        };
        let mut writer =
            OutputWriter::create_with(&path, output_batch().schema(), options).unwrap();
        writer.write(&output_batch()).unwrap();
        writer.finish().unwrap();
        let reader = SerializedFileReader::new(fs::File::open(&path).unwrap()).unwrap();
        let codec: Compression = reader.metadata().row_group(0).column(0).compression();
        assert!(format!("{codec:?}").starts_with(expected), "{codec:?}");
    }
}

#[test]
fn a_stream_output_hands_back_its_bytes() {
    let mut writer = OutputWriter::to_stream(
        Path::new("standard output"),
        segmint::data::Format::Csv,
        output_batch().schema(),
        Default::default(),
    )
    .unwrap();
    writer.write(&output_batch()).unwrap();
    let mut bytes = writer.take_bytes();
    bytes.extend(writer.finish().unwrap());
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.lines().count() > 1, "{text}");
}

// ----- the sample generator ---------------------------------------------------------

/// `segments/schema.seg`, by hand.
fn sample_ir_schema() -> ir::Schema {
    schema(&[
        ("customer_id", Type::String, false),
        ("email", Type::String, true),
        ("first_name", Type::String, true),
        ("country", Type::String, false),
        ("city", Type::String, true),
        ("age", Type::Int, true),
        (
            "gender",
            enum_of(&["female", "male", "nonbinary", "unknown"]),
            false,
        ),
        ("signup_date", Type::Date, false),
        ("status", statuses(), false),
        (
            "rejection_reason",
            enum_of(&["too_expensive", "competitor", "no_need", "timing", "other"]),
            true,
        ),
        (
            "lead_source",
            enum_of(&[
                "organic",
                "paid_search",
                "social",
                "referral",
                "email",
                "partner",
            ]),
            false,
        ),
        ("device", enum_of(&["desktop", "mobile", "tablet"]), false),
        (
            "os",
            enum_of(&["ios", "android", "windows", "macos", "linux", "other"]),
            true,
        ),
        ("app_installed", Type::Bool, false),
        ("orders_count", Type::Int, false),
        ("first_order_at", Type::Timestamp, true),
        ("last_order_at", Type::Timestamp, true),
        ("lifetime_value", Type::Float, false),
        ("avg_order_value", Type::Float, true),
        ("email_opens_90d", Type::Int, false),
        ("page_clicks_30d", Type::Int, false),
        ("sessions_to_purchase", Type::Int, true),
        ("tags", Type::ListString, false),
        ("interests", Type::ListString, false),
        ("newsletter_opt_in", Type::Bool, false),
        ("last_seen_at", Type::Timestamp, true),
    ])
}

#[test]
fn sample_is_deterministic_whatever_the_batch_size() {
    let a: Vec<RecordBatch> = sample::generate(2_500, 42, 1_000).collect();
    let b: Vec<RecordBatch> = sample::generate(2_500, 42, 700).collect();
    let c: Vec<RecordBatch> = sample::generate(2_500, 43, 1_000).collect();
    assert_eq!(
        a.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(),
        [1_000, 1_000, 500]
    );
    let schema = sample::sample_schema();
    let a = arrow::compute::concat_batches(&schema, &a).unwrap();
    let b = arrow::compute::concat_batches(&schema, &b).unwrap();
    let c = arrow::compute::concat_batches(&schema, &c).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.schema(), schema);
}

#[test]
fn sample_first_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.csv");
    let mut writer = OutputWriter::create(&path, sample::sample_schema()).unwrap();
    for b in sample::generate(8, 1, 3) {
        writer.write(&b).unwrap();
    }
    writer.finish().unwrap();
    insta::assert_snapshot!("sample_first_rows", fs::read_to_string(&path).unwrap());
}

#[test]
fn sample_is_plausible() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.parquet");
    let mut writer = OutputWriter::create(&path, sample::sample_schema()).unwrap();
    for b in sample::generate(20_000, 7, 4_096) {
        writer.write(&b).unwrap();
    }
    writer.finish().unwrap();
    let schema = sample_ir_schema();
    let file = DataFile::open(&path, &schema).unwrap();
    let out = read_all(&file, &all_ids(&schema));
    assert!(file.warnings().is_empty(), "{:?}", file.warnings());
    let col = |name: &str| out.column(schema.lookup(name).unwrap().0 as usize).clone();
    let share_missing = |name: &str| col(name).null_count() as f64 / out.num_rows() as f64;
    assert!((0.05..0.12).contains(&share_missing("email")));
    assert!((0.10..0.20).contains(&share_missing("age")));
    let text = |name: &str| arrow::compute::cast(&col(name), &DataType::Utf8).unwrap();
    assert_eq!(text("customer_id").as_string::<i32>().value(0), "C0000001");

    let status = text("status");
    let status = status.as_string::<i32>();
    let reason = col("rejection_reason");
    let orders = col("orders_count");
    let orders = orders.as_primitive::<Int64Type>();
    let ltv = col("lifetime_value");
    let ltv = ltv.as_primitive::<Float64Type>();
    let first = col("first_order_at");
    let first = first.as_primitive::<TimestampMicrosecondType>();
    let last = col("last_order_at");
    let last = last.as_primitive::<TimestampMicrosecondType>();
    let (mut reasons, mut reasons_on_rejected) = (0, 0);
    for row in 0..out.num_rows() {
        if reason.is_valid(row) {
            reasons += 1;
            reasons_on_rejected += usize::from(status.value(row) == "rejected");
        }
        let no_orders = orders.value(row) == 0;
        assert_eq!(first.is_null(row), no_orders);
        assert_eq!(ltv.value(row) == 0.0, no_orders);
        if !no_orders {
            assert!(first.value(row) <= last.value(row));
        }
    }
    assert!(reasons > 0 && reasons_on_rejected as f64 >= 0.97 * reasons as f64);
    let whales = (0..out.num_rows())
        .filter(|&r| ltv.value(r) > 2_000.0)
        .count();
    assert!(whales > 0, "a heavy tail should reach 2,000");
    let emails = text("email");
    let emails = emails.as_string::<i32>();
    assert!(emails.iter().flatten().any(|e| !e.contains('@')));
    let tags = col("tags");
    let empty_tags = tags
        .as_list::<i32>()
        .iter()
        .filter(|t| t.as_ref().is_some_and(|t| t.is_empty()))
        .count();
    assert!(empty_tags > out.num_rows() / 4);
}

#[test]
fn sample_round_trips_through_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let schema = sample_ir_schema();
    let mut renders = Vec::new();
    for ext in ["parquet", "csv", "arrow", "jsonl"] {
        let path = dir.path().join(format!("customers.{ext}"));
        let mut writer = OutputWriter::create(&path, sample::sample_schema()).unwrap();
        for b in sample::generate(3_000, 3, 1_000) {
            writer.write(&b).unwrap();
        }
        writer.finish().unwrap();
        let file = DataFile::open(&path, &schema).unwrap();
        let batches: Vec<RecordBatch> = file
            .batches(&all_ids(&schema))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // Dictionaries or not, the values must be the same in every format.
        let plain: Vec<RecordBatch> = batches.iter().map(plain).collect();
        let all = arrow::compute::concat_batches(&plain[0].schema(), &plain).unwrap();
        let text = render(&all);
        assert!(file.warnings().is_empty(), "{ext}: {:?}", file.warnings());
        renders.push((ext, text));
    }
    for (ext, text) in &renders[1..] {
        let first_difference = text.lines().zip(renders[0].1.lines()).find(|(a, b)| a != b);
        assert!(
            text == &renders[0].1,
            "{ext} differs from parquet: {first_difference:?}"
        );
    }
}

#[test]
fn arrow_output_accepts_batches_with_different_dictionaries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiers.arrow");
    let first: DictionaryArray<Int32Type> = vec!["gold", "silver"].into_iter().collect();
    let second: DictionaryArray<Int32Type> = vec!["bronze"].into_iter().collect();
    let a = batch(vec![("tier", Arc::new(first) as ArrayRef)]);
    let b = batch(vec![("tier", Arc::new(second) as ArrayRef)]);
    let mut writer = OutputWriter::create(&path, a.schema()).unwrap();
    writer.write(&a).unwrap();
    writer.write(&b).unwrap();
    writer.finish().unwrap();
    let schema = schema(&[("tier", enum_of(&["gold", "silver", "bronze"]), true)]);
    let file = DataFile::open(&path, &schema).unwrap();
    let out = plain(&read_all(&file, &[FieldId(0)]));
    assert_eq!(render(&out), "tier\ngold\nsilver\nbronze\n");
}

/// The batch with dictionaries unpacked (the header row of `render` then only
/// shows names, so batches of either layout compare equal).
fn plain(batch: &RecordBatch) -> RecordBatch {
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Dictionary(_, _) => arrow::compute::cast(c, &DataType::Utf8).unwrap(),
            _ => Arc::clone(c),
        })
        .collect();
    let fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .zip(&columns)
        .map(|(f, c)| Field::new(f.name(), c.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

#[test]
fn csv_with_a_byte_order_mark_and_crlf_reads_normally() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("excel.csv");
    fs::write(&path, "\u{feff}customer_id,age\r\nC1,3\r\nC2,\r\n").unwrap();
    let schema = schema(&[
        ("customer_id", Type::String, false),
        ("age", Type::Int, true),
    ]);
    let file = DataFile::open(&path, &schema).unwrap();
    let out = read_all(&file, &all_ids(&schema));
    assert_eq!(render(&out), "customer_id | age\nC1 | 3\nC2 | ∅\n");
}
