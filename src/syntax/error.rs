//! pest errors → diagnostics in plain words.
