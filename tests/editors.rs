//! The editor packages, tested with the editors' own tools:
//! - a real editor as the client: Neovim (headless) starts `segmint lsp` for a
//!   `.seg` file with an unknown field and must receive the diagnostic
//!   (`vim.diagnostic.get`);
//! - the VS Code extension (`editors/vscode`): its TextMate grammar passes the
//!   grammar tests of `vscode-tmgrammar-test`, and `vsce` packages it.
//!
//! A missing tool skips its test with a message; with `CI=true` it fails it
//! (`.ci/run` installs Debian's `neovim` and runs `npm ci` in `editors/vscode`).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Skips (returns true) when a tool is missing, except under `CI=true`.
fn skip(what: &str, missing: Option<String>) -> bool {
    let Some(reason) = missing else {
        return false;
    };
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!ci, "{what} is required when CI=true: {reason}");
    eprintln!("SKIPPED: {what} ({reason})");
    true
}

fn nvim_missing() -> Option<String> {
    match Command::new("nvim").arg("--version").output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!("`nvim --version` failed: {}", out.status)),
        Err(e) => Some(format!("`nvim` not found ({e})")),
    }
}

#[test]
fn neovim_receives_the_diagnostic() {
    if skip(
        "the Neovim client test (apt-get install neovim)",
        nvim_missing(),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("segmint.toml"), "segments = [\"segments\"]\n").unwrap();
    fs::create_dir_all(root.join("segments")).unwrap();
    fs::write(
        root.join("segments/schema.seg"),
        "schema customers {\n  key id: string\n  age: int\n}\n",
    )
    .unwrap();
    let file = root.join("segments/young.seg");
    fs::write(&file, "segment young {\n  where agee < 30\n}\n").unwrap();
    let out = root.join("diagnostics.txt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editors/neovim.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("SEGMINT_BIN", env!("CARGO_BIN_EXE_segmint"))
        .env("SEGMINT_ROOT", root)
        .env("SEGMINT_FILE", &file)
        .env("SEGMINT_OUT", &out)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Neovim did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let received = fs::read_to_string(&out).unwrap_or_default();
    assert_eq!(
        received.trim_end(),
        "1:8 unknown_field unknown field or segment `agee` | help: did you mean `age`?",
    );
}

fn vscode_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode")
}

/// `editors/vscode/node_modules/.bin/TOOL`, if `npm ci` was run there.
fn npm_tool(tool: &str) -> Result<std::path::PathBuf, String> {
    let path = vscode_dir().join("node_modules/.bin").join(tool);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing", path.display()))
    }
}

#[test]
fn vscode_grammar_tests_pass() {
    let tool = npm_tool("vscode-tmgrammar-test");
    let why = "the VS Code grammar tests (npm ci in editors/vscode)";
    if skip(why, tool.as_ref().err().cloned()) {
        return;
    }
    let out = Command::new(tool.unwrap())
        .arg("test/*.seg")
        .current_dir(vscode_dir())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("segments.seg run successfuly"), "{text}");
}

#[test]
fn vscode_extension_packages() {
    let tool = npm_tool("vsce");
    if skip(
        "packaging the VS Code extension (npm ci in editors/vscode)",
        tool.as_ref().err().cloned(),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let vsix = dir.path().join("segmint.vsix");
    let out = Command::new(tool.unwrap())
        .args([
            "package",
            "--allow-missing-repository",
            "--skip-license",
            "--out",
        ])
        .arg(&vsix)
        .current_dir(vscode_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A .vsix is a zip archive.
    assert!(fs::read(&vsix).unwrap().starts_with(b"PK"));
}
