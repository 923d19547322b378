//! [`ir::Program`](crate::check::ir::Program) + as-of date → [`Plan`].
