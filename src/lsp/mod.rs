//! The language server: takes an editor's messages on standard input, gives
//! diagnostics as you type, hover, go to definition, references, rename,
//! completion and live segment sizes as code lenses (docs/editors.md).
//!
//! Everything is answered from the same pipeline `segmint check` and
//! `segmint stats` run: [`analysis`] compiles the project a file belongs to with
//! the editor's unsaved text, [`symbols`] indexes names from the syntax trees (so
//! navigation works while the project has errors), [`sizes`] counts members in
//! the background. [`transport`] reads and writes the wire, [`server`] is the loop.

// `lsp_types::Uri` hashes and compares by its text (lsp-types implements both with
// `as_str`), so the parse state fluent-uri keeps in a `Cell` cannot move a key; the
// protocol's own `WorkspaceEdit` is a map keyed by it.
#![allow(clippy::mutable_key_type)]

mod analysis;
mod completion;
mod diagnostics;
mod hover;
mod lens;
mod navigate;
mod position;
mod project;
mod server;
mod sizes;
mod symbols;
mod transport;
mod uri;
mod walk;
mod workspace;

use std::io::{self, BufRead, Write};
use std::thread;

use transport::Outgoing;

/// Serves on `input` and `output` until the editor says `exit` or closes the
/// connection (with or without `shutdown`). Writing happens on the calling thread.
pub fn serve(input: impl BufRead + Send + 'static, output: &mut dyn Write) -> io::Result<()> {
    let (channels, written) = transport::start(input)?;
    let server = thread::Builder::new()
        .name("lsp-server".into())
        .spawn(move || {
            // Sent however the loop ends (a panic included), so writing stops.
            let _stop = StopOnDrop(channels.outgoing.clone());
            server::Server::new(channels.outgoing.clone()).run(&channels);
        })?;
    transport::write_until_stop(output, &written);
    let _ = server.join();
    output.flush()
}

struct StopOnDrop(crossbeam_channel::Sender<Outgoing>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(Outgoing::Stop);
    }
}
