//! `segmint completions SHELL` and `segmint man`: shell completions and a man page,
//! generated from the same clap definition the parser uses (clap_complete,
//! clap_mangen), so they never fall behind the flags.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Context, ExitStatus, RunError};

/// Arguments of `segmint completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script for a shell.
pub fn completions(
    args: CompletionArgs,
    context: &mut Context<'_>,
) -> Result<ExitStatus, RunError> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "segmint", context.stdout);
    Ok(ExitStatus::Success)
}

/// Prints the man page (roff) of `segmint`, every command included.
pub fn man(context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(context.stdout)?;
    for sub in command.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let name = format!("segmint-{}", sub.get_name());
        let sub = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("segmint {}", sub.get_name()));
        writeln!(context.stdout)?;
        clap_mangen::Man::new(sub).render(context.stdout)?;
    }
    Ok(ExitStatus::Success)
}
