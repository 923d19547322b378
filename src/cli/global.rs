//! Flags every command takes: `--color`, `-q/--quiet`, `-v/--verbose`, `--threads`.
//!
//! Colour follows the conventions the terminal tools around segmint follow, as
//! decided by `anstream` (the crate clap itself uses): `NO_COLOR` switches it off,
//! `CLICOLOR_FORCE` on, `TERM=dumb` and a stream that is no terminal off; `--color
//! always|never` overrides them all. `FORCE_COLOR` (set, and not `0` or `false`:
//! the convention of Node tools and of CI systems such as GitHub Actions' examples)
//! turns it on like `CLICOLOR_FORCE`.

use std::io::{self, Write};
use std::time::Instant;

use super::Terminal;

/// The global flags.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Global {
    /// When to colour output: auto (a terminal, unless NO_COLOR or TERM=dumb;
    /// CLICOLOR_FORCE or FORCE_COLOR force it), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Print only results and errors: no warnings, no progress.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print how long the command took and how many threads it used.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// At most N threads busy at once, all work together (default: SEGMINT_THREADS, else one per core for each pool).
    #[arg(long, global = true, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
}

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour a stream that is a terminal, following NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR, TERM.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Terminal {
    /// Looks at the real streams and the environment, through `anstream`.
    pub fn detect() -> Terminal {
        use std::io::IsTerminal;
        let forced = force_color(std::env::var_os("FORCE_COLOR").as_deref());
        let colour = |choice| forced || choice != anstream::ColorChoice::Never;
        Terminal {
            stdout_colour: colour(anstream::AutoStream::choice(&io::stdout())),
            stderr_colour: colour(anstream::AutoStream::choice(&io::stderr())),
            stderr_interactive: io::stderr().is_terminal(),
        }
    }
}

/// Whether `FORCE_COLOR` asks for colour: set, and neither empty, `0` nor `false`.
fn force_color(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !matches!(v.to_str(), Some("" | "0" | "false")))
}

impl Global {
    /// The terminal as the flags change it.
    pub fn terminal(&self, detected: Terminal) -> Terminal {
        let mut terminal = match self.color {
            ColorWhen::Auto => detected,
            ColorWhen::Always => Terminal {
                stdout_colour: true,
                stderr_colour: true,
                ..detected
            },
            ColorWhen::Never => Terminal {
                stdout_colour: false,
                stderr_colour: false,
                ..detected
            },
        };
        if self.quiet {
            terminal.stderr_interactive = false;
        }
        terminal
    }

    /// Applies `--threads`, else `SEGMINT_THREADS`; a bad variable is an error.
    pub fn apply_threads(&self) -> Result<(), String> {
        let n = match self.threads {
            Some(n) => n,
            None => match std::env::var(crate::threads::ENV) {
                Ok(text) => parse_threads(&text)
                    .map_err(|e| format!("{}={text}: {e}", crate::threads::ENV))?,
                Err(_) => return Ok(()),
            },
        };
        crate::threads::set(n);
        Ok(())
    }

    /// The `-v` line at the end of a run.
    pub fn report(&self, started: Instant, stderr: &mut dyn Write) {
        if self.verbose {
            let _ = writeln!(
                stderr,
                "done in {:.2} s with {} threads",
                started.elapsed().as_secs_f64(),
                crate::threads::available()
            );
        }
    }
}

fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("the number of threads must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number of threads")),
    }
}

/// Standard error under `--quiet`: whole lines are passed on, except warnings.
pub struct Quiet<'a> {
    inner: &'a mut dyn Write,
    line: Vec<u8>,
}

impl<'a> Quiet<'a> {
    /// Filters `inner`.
    pub fn new(inner: &'a mut dyn Write) -> Quiet<'a> {
        Quiet {
            inner,
            line: Vec::new(),
        }
    }

    fn pass_line(&mut self) -> io::Result<()> {
        if !self.line.starts_with(b"warning") {
            self.inner.write_all(&self.line)?;
        }
        self.line.clear();
        Ok(())
    }
}

impl Write for Quiet<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            self.line.push(b);
            if b == b'\n' {
                self.pass_line()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.pass_line()?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_drops_warning_lines_only() {
        let mut out = Vec::new();
        {
            let mut quiet = Quiet::new(&mut out);
            let _ = write!(quiet, "warning: a\nerror: b\nwar");
            let _ = write!(quiet, "ning: c\nwrote 3 rows");
            let _ = quiet.flush();
        }
        assert_eq!(String::from_utf8_lossy(&out), "error: b\nwrote 3 rows");
    }

    #[test]
    fn force_color_is_on_unless_empty_zero_or_false() {
        use std::ffi::OsStr;
        assert!(!force_color(None));
        for off in ["", "0", "false"] {
            assert!(!force_color(Some(OsStr::new(off))), "{off}");
        }
        for on in ["1", "2", "3", "true"] {
            assert!(force_color(Some(OsStr::new(on))), "{on}");
        }
    }

    #[test]
    fn zero_threads_is_refused() {
        assert!(parse_threads("0").is_err());
        assert_eq!(parse_threads("3"), Ok(3));
    }
}
