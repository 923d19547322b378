#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;

/// Formats and checks idempotence.
fn fmt(text: &str) -> String {
    let once = match format(text) {
        Ok(t) => t,
        Err(e) => panic!("{e:?}\n---\n{text}"),
    };
    let twice = format(&once).unwrap();
    assert_eq!(once, twice, "not idempotent:\n{once}");
    once
}

#[test]
fn spacing_and_indentation_are_normalised() {
    let text = "segment  a{where x>=1   and y\nexpect size<=20%   owner \"me\"}";
    assert_eq!(
        fmt(text),
        "segment a {\n  where x >= 1 and y\n  expect size <= 20%\n  owner \"me\"\n}\n"
    );
}
