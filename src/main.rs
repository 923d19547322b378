//! The `segmint` binary: parse the command line, run, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

use segmint::cli::{self, Context, Terminal};

fn main() -> ExitCode {
    let terminal = Terminal::detect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    // Commands write a lot of small pieces: buffer stdout; stderr stays line-by-line.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    let mut context = Context {
        cwd,
        stdout: &mut stdout,
        stderr: &mut stderr,
        terminal,
    };
    let status = cli::run(std::env::args_os(), &mut context);
    // `cli::run` flushed already and treats a closed pipe (`segmint eval | head`) as
    // success; a failure here can only be that same closed pipe.
    let _ = stdout.flush();
    status.into()
}
