//! Project discovery.
