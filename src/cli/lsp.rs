//! `segmint lsp`: the language server, on standard input and output. Editors start
//! it (docs/editors.md); everything it does lives in [`crate::lsp`].

use super::{Context, ExitStatus, RunError};

/// Arguments of `segmint lsp` (none: the editor speaks the protocol on stdio).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accepted and ignored: VS Code's client adds it to every server it starts.
    #[arg(long, hide = true)]
    stdio: bool,
}

/// Runs the server until the editor says `exit` or closes standard input.
pub fn run(_args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let input = std::io::BufReader::new(std::io::stdin());
    crate::lsp::serve(input, context.stdout)?;
    Ok(ExitStatus::Success)
}
