//! Lints over the checked program: warnings that never fail a run on their own.

use crate::check::ir::Program;
use crate::diagnostic::Diagnostics;

/// Lint settings (`[lint]` in `segmint.toml`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// The most criteria a segment may have before `too_many_criteria` warns.
    #[serde(default = "default_max_criteria")]
    pub max_criteria: usize,
}

fn default_max_criteria() -> usize {
    3
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig { max_criteria: default_max_criteria() }
    }
}

/// Runs every lint on every segment and tiers block.
pub fn run(program: &Program, config: &LintConfig, diagnostics: &mut Diagnostics) {
    let _ = (program, config, diagnostics);
}
