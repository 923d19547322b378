//! Protocol tests: `segmint lsp` driven over stdio with scripted messages, on a
//! small project (schema, segments, a tiers block, a four-row CSV).
#![allow(clippy::unwrap_used)]

#[path = "lsp/client.rs"]
mod client;

use std::fs;

use client::{Client, uri};
use serde_json::{Value, json};

const SCHEMA: &str = "schema customers {
  key id: string
  /// Where the customer is in their life with us.
  status: enum(\"new\", \"regular\", \"lapsed\")
  age: int
}
";

const SEGMENTS: &str = "/// Customers who came back.
segment regulars {
  where status = \"regular\"
  owner \"crm team\"
}

segment young_regulars {
  where regulars and age < 30
}

tiers age_band {
  young: age < 30
  older: otherwise
}
";

fn project(data: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let data_line = if data {
        "data = \"customers.csv\"\n"
    } else {
        ""
    };
    fs::write(
        root.join("segmint.toml"),
        format!("segments = [\"segments\"]\n{data_line}as_of = \"2026-06-30\"\n"),
    )
    .unwrap();
    fs::create_dir_all(root.join("segments")).unwrap();
    fs::write(root.join("segments/schema.seg"), SCHEMA).unwrap();
    fs::write(root.join("segments/a.seg"), SEGMENTS).unwrap();
    fs::write(
        root.join("customers.csv"),
        "id,status,age\nc1,new,25\nc2,regular,28\nc3,regular,45\nc4,lapsed,61\n",
    )
    .unwrap();
    dir
}

fn position(uri: &str, text: &str, needle: &str, into: usize) -> Value {
    let offset = text.find(needle).unwrap() + into;
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |n| n + 1);
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": column}})
}

/// The project (no data) with `a.seg` open and its first diagnostics read.
fn opened() -> (tempfile::TempDir, Client, String) {
    let dir = project(false);
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    client.open(&a, SEGMENTS);
    client.diagnostics(&a);
    (dir, client, a)
}

#[test]
fn unknown_field_then_fixed() {
    let dir = project(false);
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    let broken = SEGMENTS.replace("age < 30\n}", "agee < 30\n}");
    client.open(&a, &broken);
    let diagnostics = client.diagnostics(&a);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "unknown_field");
    assert_eq!(d["source"], "segmint");
    assert_eq!(d["severity"], 1);
    let message = d["message"].as_str().unwrap();
    assert!(
        message.starts_with("unknown field or segment `agee`"),
        "{message}"
    );
    assert!(message.contains("help: did you mean `age`?"), "{message}");
    let line = broken.lines().position(|l| l.contains("agee")).unwrap();
    assert_eq!(d["range"]["start"]["line"], line);

    client.change(&a, 2, SEGMENTS);
    assert_eq!(client.diagnostics(&a), Vec::<Value>::new());
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.close_and_wait().success());
}

#[test]
fn a_schema_change_rechecks_other_files() {
    let dir = project(false);
    let mut client = Client::start(dir.path());
    let schema = uri(&dir.path().join("segments/schema.seg"));
    let a = uri(&dir.path().join("segments/a.seg"));
    client.open(&schema, SCHEMA);
    assert_eq!(client.diagnostics(&schema), Vec::<Value>::new());
    client.change(&schema, 2, &SCHEMA.replace("age: int", "years: int"));
    let in_a = client.diagnostics(&a);
    assert!(!in_a.is_empty());
    assert!(
        in_a.iter().all(|d| d["code"] == "unknown_field"),
        "{in_a:#?}"
    );
}

#[test]
fn hover_definition_references_rename_completion() {
    let (dir, mut client, a) = opened();
    let schema = uri(&dir.path().join("segments/schema.seg"));

    let hover = client.request("textDocument/hover", position(&a, SEGMENTS, "status =", 2));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("status: enum(\"new\", \"regular\", \"lapsed\")"),
        "{text}"
    );
    assert!(
        text.contains("Where the customer is in their life with us."),
        "{text}"
    );

    let hover = client.request(
        "textDocument/hover",
        position(&a, SEGMENTS, "regulars and", 1),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("segment regulars"), "{text}");
    assert!(text.contains("Customers who came back."), "{text}");
    assert!(text.contains("owner: crm team"), "{text}");
    assert!(text.contains("1 criterion"), "{text}");

    let definition = client.request(
        "textDocument/definition",
        position(&a, SEGMENTS, "age < 30\n}", 0),
    );
    assert_eq!(definition["uri"], schema.as_str());
    assert_eq!(definition["range"]["start"]["line"], 4);

    let references = client.request("textDocument/references", {
        let mut p = position(&a, SEGMENTS, "age <", 0);
        p["context"] = json!({"includeDeclaration": true});
        p
    });
    // The declaration and the two uses (segment and tiers block).
    assert_eq!(references.as_array().unwrap().len(), 3, "{references:#}");

    let edit = client.request("textDocument/rename", {
        let mut p = position(&a, SEGMENTS, "segment regulars", 9);
        p["newName"] = json!("returning");
        p
    });
    let edits = edit["changes"][&a].as_array().unwrap();
    assert_eq!(edits.len(), 2, "{edit:#}");
    assert!(edits.iter().all(|e| e["newText"] == "returning"));
    let refused = client.request_raw("textDocument/rename", {
        let mut p = position(&a, SEGMENTS, "segment regulars", 9);
        p["newName"] = json!("age");
        p
    });
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already defined")
    );

    let typing = SEGMENTS.replace("status = \"regular\"", "status = \"");
    client.change(&a, 2, &typing);
    let completion = client.request(
        "textDocument/completion",
        position(&a, &typing, "status = \"", 10),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["new", "regular", "lapsed"]);
}

#[test]
fn completion_keeps_the_last_schema_while_it_is_broken() {
    let (dir, mut client, a) = opened();
    let schema = uri(&dir.path().join("segments/schema.seg"));
    client.open(&schema, "schema customers {\n  key id: str");
    assert!(!client.diagnostics(&schema).is_empty());
    let typing = SEGMENTS.replace("where regulars and", "where not ");
    client.change(&a, 2, &typing);
    let completion = client.request(
        "textDocument/completion",
        position(&a, &typing, "where not ", 10),
    );
    let mut items: Vec<(String, String)> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sortText"].as_str().unwrap().into(),
                i["label"].as_str().unwrap().into(),
            )
        })
        .collect();
    items.sort();
    let labels: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
    // Segments first after `not`, then the fields of the last schema that parsed.
    assert_eq!(labels[..2], ["regulars", "young_regulars"]);
    assert!(
        labels.contains(&"status") && labels.contains(&"age"),
        "{labels:?}"
    );
}

#[test]
fn code_lenses_show_sizes_on_the_data() {
    let dir = project(true);
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    client.open(&a, SEGMENTS);
    let lenses = settled_lenses(&mut client, &a);
    let titles: Vec<(u64, &str)> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let line = l["range"]["start"]["line"].as_u64().unwrap();
            (line, l["command"]["title"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        titles,
        [
            (1, "2 members · 50.0% of 4"),
            (6, "1 member · 25.0% of 4"),
            (11, "young: 2 members · 50.0% of 4"),
            (12, "older: 2 members · 50.0% of 4"),
        ]
    );
}

/// The lenses once counting is done: each refresh the server asks for is
/// followed until no lens says it is counting.
fn settled_lenses(client: &mut Client, uri: &str) -> Value {
    loop {
        client.wait_for(|m| m["method"] == "workspace/codeLens/refresh");
        let lenses = client.request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        );
        if !lenses.to_string().contains("updating") {
            return lenses;
        }
    }
}

#[test]
fn lenses_are_marked_stale_while_the_project_has_errors() {
    let dir = project(true);
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    client.open(&a, SEGMENTS);
    settled_lenses(&mut client, &a);
    let broken = SEGMENTS.replace("age < 30\n}", "agee < 30\n}");
    client.change(&a, 2, &broken);
    client.diagnostics(&a);
    let lenses = client.request("textDocument/codeLens", json!({"textDocument": {"uri": a}}));
    let first = lenses[0]["command"]["title"].as_str().unwrap();
    assert_eq!(
        first,
        "2 members · 50.0% of 4 (stale: fix the errors to update)"
    );
    // Fixed, with a segment narrowed: new numbers after the recount.
    client.change(&a, 3, &SEGMENTS.replace("age < 30\n}", "age < 20\n}"));
    let lenses = settled_lenses(&mut client, &a);
    assert_eq!(lenses[1]["command"]["title"], "0 members · 0.0% of 4");
}

#[test]
fn formatting_gives_the_fmt_layout() {
    let dir = project(false);
    let mut client = Client::spawn(dir.path());
    let init = client.request("initialize", json!({"capabilities": {}}));
    assert_eq!(init["capabilities"]["documentFormattingProvider"], true);
    client.notify("initialized", json!({}));
    let a = uri(&dir.path().join("segments/a.seg"));
    let untidy = SEGMENTS.replace("  where status = \"regular\"", "where   status=\"regular\"");
    client.open(&a, &untidy);
    client.diagnostics(&a);
    let format =
        json!({"textDocument": {"uri": a}, "options": {"tabSize": 2, "insertSpaces": true}});
    let edits = client.request("textDocument/formatting", format.clone());
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    let formatted = segmint::fmt::format(&untidy).unwrap();
    assert_eq!(edits[0]["newText"], formatted.as_str());
    assert!(formatted.contains("  where status = \"regular\""));
    // formatted text: nothing to change
    client.change(&a, 2, &formatted);
    client.diagnostics(&a);
    assert_eq!(
        client.request("textDocument/formatting", format.clone()),
        json!([])
    );
    // a file that does not parse is refused, the editor keeps its text
    client.change(&a, 3, "segment {");
    client.diagnostics(&a);
    let refused = client.request_raw("textDocument/formatting", format);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not parse")
    );
}

#[test]
fn no_lenses_without_data() {
    let dir = project(false);
    let mut client = Client::spawn(dir.path());
    client.request("initialize", json!({"capabilities": {}}));
    client.notify("initialized", json!({}));
    let a = uri(&dir.path().join("segments/a.seg"));
    client.open(&a, SEGMENTS);
    client.diagnostics(&a);
    let lenses = client.request("textDocument/codeLens", json!({"textDocument": {"uri": a}}));
    assert_eq!(lenses, json!([]));
}

#[test]
fn unreadable_data_is_reported_on_segmint_toml_and_lenses_go_off() {
    let dir = project(true);
    fs::write(dir.path().join("customers.csv"), "id,status\nc1,oops\n").unwrap();
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    let toml = uri(&dir.path().join("segmint.toml"));
    client.open(&a, SEGMENTS);
    let on_toml = client.diagnostics(&toml);
    assert_eq!(on_toml.len(), 1, "{on_toml:#?}");
    assert_eq!(on_toml[0]["code"], "unreadable_data");
    assert_eq!(on_toml[0]["range"]["start"]["line"], 1);
    let lenses = client.request("textDocument/codeLens", json!({"textDocument": {"uri": a}}));
    assert_eq!(lenses, json!([]));
    assert!(client.is_running());
}

#[test]
fn a_bad_segmint_toml_is_a_diagnostic_on_it() {
    let dir = project(false);
    fs::write(
        dir.path().join("segmint.toml"),
        "segments = [\"segments\"]\nsgments = 1\n",
    )
    .unwrap();
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    let toml = uri(&dir.path().join("segmint.toml"));
    client.open(&a, SEGMENTS);
    let on_toml = client.diagnostics(&toml);
    assert_eq!(on_toml[0]["code"], "invalid_config");
    assert_eq!(on_toml[0]["range"]["start"]["line"], 1);
    assert!(
        on_toml[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `sgments`")
    );
    // The segment files are still checked (with the default settings).
    assert_eq!(client.diagnostics(&a), Vec::<Value>::new());
}

#[test]
fn a_file_deleted_while_open_keeps_its_text() {
    let dir = project(false);
    let mut client = Client::start(dir.path());
    let path = dir.path().join("segments/a.seg");
    let a = uri(&path);
    client.open(&a, SEGMENTS);
    client.diagnostics(&a);
    fs::remove_file(&path).unwrap();
    client.change(&a, 2, &SEGMENTS.replace("age < 30\n}", "agee < 30\n}"));
    let diagnostics = client.diagnostics(&a);
    assert_eq!(diagnostics[0]["code"], "unknown_field");
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": a}}));
    // Closed and gone from disk: its diagnostics are cleared.
    assert_eq!(client.diagnostics(&a), Vec::<Value>::new());
}

#[test]
fn invalid_utf8_on_disk_is_a_diagnostic() {
    let dir = project(false);
    fs::write(dir.path().join("segments/bad.seg"), b"segment x {\xff }").unwrap();
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    let bad = uri(&dir.path().join("segments/bad.seg"));
    client.open(&a, SEGMENTS);
    let diagnostics = client.diagnostics(&bad);
    assert_eq!(diagnostics[0]["code"], "invalid_utf8");
}

#[test]
fn malformed_messages_are_answered_and_the_server_goes_on() {
    let dir = project(false);
    let mut client = Client::start(dir.path());
    client.write_raw(b"Content-Length: 9\r\n\r\n{not json");
    let error = client.wait_for(|m| m["error"]["code"] == -32700);
    assert!(error["id"].is_null());
    client.write_raw(b"Content-Length: 2\r\n\r\n\xff\xfe");
    client.wait_for(|m| m["error"]["code"] == -32700);
    client.write_raw(b"no header at all\r\n\r\n");
    client.wait_for(|m| m["error"]["code"] == -32700);
    let unknown = client.request_raw("segmint/nothing", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad_params = client.request_raw("textDocument/hover", json!({"nope": 1}));
    assert_eq!(bad_params["error"]["code"], -32602);
    let a = uri(&dir.path().join("segments/a.seg"));
    client.open(&a, SEGMENTS);
    assert_eq!(client.diagnostics(&a), Vec::<Value>::new());
}

#[test]
fn a_client_leaving_without_shutdown_ends_the_server() {
    let dir = project(true);
    let mut client = Client::start(dir.path());
    let a = uri(&dir.path().join("segments/a.seg"));
    client.open(&a, SEGMENTS);
    assert!(client.close_and_wait().success());
}

#[test]
fn requests_before_initialize_are_refused() {
    let dir = project(false);
    let mut client = Client::spawn(dir.path());
    let early = client.request_raw("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002);
}
