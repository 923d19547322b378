//! Diagnostic renderers.
