//! Arbitrary bytes as a `.seg` file: loading, parsing, checking and linting must
//! return diagnostics, never panic or hang; `segmint fmt` must format whatever
//! parses, and formatting its result must change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segmint::diagnostic::Diagnostics;
use segmint::lint::{self, LintConfig};
use segmint::source::Sources;
use segmint::{check, syntax};

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::new();
    let (id, _invalid_utf8) = sources.add_bytes("fuzz.seg", data.to_vec());
    let Some(file) = sources.get(id) else { return };
    let mut diagnostics = Diagnostics::new();
    let parsed = syntax::parse(file, &mut diagnostics);
    if let Some(program) = check::check(&[parsed], &mut diagnostics) {
        lint::run(&program, &sources, &LintConfig::default(), &mut diagnostics);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        match segmint::fmt::format(text) {
            Ok(once) => assert_eq!(segmint::fmt::format(&once).ok(), Some(once)),
            Err(segmint::fmt::FormatError::Syntax(_)) => {}
            Err(segmint::fmt::FormatError::Unstable(reason)) => panic!("{reason}"),
        }
    }
});
