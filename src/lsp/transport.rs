//! The wire: `Content-Length`-framed JSON-RPC on standard input and output. A
//! thread reads; the command's own thread writes (it holds standard output), and
//! the server's loop runs on a third, so it never waits on the editor.
//!
//! `lsp-server`'s own stdio transport stops at the first malformed message; an
//! editor (or a plugin) sending one bad message must not take the server down, so
//! reading is done here: a frame whose body is not JSON-RPC is answered with a
//! parse error (id `null`, as JSON-RPC says) and the next frame is read. Broken
//! headers are skipped line by line until a frame starts again.

use std::io::{self, BufRead, Read, Write};
use std::thread;

use crossbeam_channel::{Receiver, Sender, unbounded};
use lsp_server::{ErrorCode, Message};

/// The largest body read; a larger `Content-Length` is a broken header (the body
/// is skipped, not held in memory).
const MAX_BODY: usize = 256 << 20;

/// What the writer thread writes.
#[derive(Debug)]
pub enum Outgoing {
    /// A protocol message.
    Message(Message),
    /// A reply to a frame that could not be read as a message.
    ParseError(String),
    /// The server is done: stop writing.
    Stop,
}

/// The two ends the server's loop uses.
pub struct Channels {
    /// Messages from the editor, in order; disconnected when standard input closes.
    pub incoming: Receiver<Message>,
    /// Messages to the editor.
    pub outgoing: Sender<Outgoing>,
}

/// Starts the reader thread over `input`; what the server sends comes out of the
/// returned receiver, for [`write_until_stop`].
pub fn start(input: impl BufRead + Send + 'static) -> io::Result<(Channels, Receiver<Outgoing>)> {
    let (in_tx, in_rx) = unbounded();
    let (out_tx, out_rx) = unbounded();
    let replies = out_tx.clone();
    thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || read_all(input, &in_tx, &replies))?;
    let channels = Channels {
        incoming: in_rx,
        outgoing: out_tx,
    };
    Ok((channels, out_rx))
}

/// Writes messages to `output` until [`Outgoing::Stop`] (or until writing fails:
/// the editor is gone).
pub fn write_until_stop(output: &mut dyn Write, messages: &Receiver<Outgoing>) {
    for message in messages {
        let written = match message {
            Outgoing::Message(message) => message.write(&mut &mut *output),
            Outgoing::ParseError(why) => write_parse_error(&mut *output, &why),
            Outgoing::Stop => return,
        };
        if written.is_err() {
            return;
        }
    }
}

fn write_parse_error(output: &mut dyn Write, why: &str) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": ErrorCode::ParseError as i32, "message": why },
    })
    .to_string();
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

/// Reads frames until standard input closes (or an `exit` notification).
fn read_all(mut input: impl BufRead, messages: &Sender<Message>, replies: &Sender<Outgoing>) {
    loop {
        let frame = match read_frame(&mut input) {
            Ok(Some(frame)) => frame,
            Ok(None) | Err(_) => return,
        };
        match decode(frame) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if messages.send(message).is_err() || exit {
                    return;
                }
            }
            Err(why) => {
                let _ = replies.send(Outgoing::ParseError(why));
            }
        }
    }
}

/// A frame's body, or why it is not a message.
enum Frame {
    Body(Vec<u8>),
    Broken(String),
}

fn decode(frame: Frame) -> Result<Message, String> {
    let body = match frame {
        Frame::Body(body) => body,
        Frame::Broken(why) => return Err(why),
    };
    let text = String::from_utf8(body).map_err(|e| format!("message is not UTF-8: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("not a JSON-RPC message: {e}"))
}

/// Reads one frame; `None` at the end of input.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Frame>> {
    let mut length = None;
    let mut saw_header = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let Some(length) = length else {
        return Ok(Some(Frame::Broken(
            "a message header without a valid Content-Length".into(),
        )));
    };
    if length > MAX_BODY {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        return Ok(Some(Frame::Broken(format!(
            "a message of {length} bytes is larger than the {MAX_BODY} bytes accepted"
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(Frame::Body(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(wire: &[u8]) -> Vec<Result<Message, String>> {
        let mut input = io::Cursor::new(wire.to_vec());
        let mut out = Vec::new();
        while let Some(frame) = read_frame(&mut input).unwrap() {
            out.push(decode(frame));
        }
        out
    }

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn a_bad_frame_is_reported_and_the_next_is_read() {
        let good = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut wire = framed(b"{not json");
        wire.extend(framed(b"\xff\xfe"));
        wire.extend(b"Garbage-Header\r\n\r\n");
        wire.extend(framed(good));
        let read = frames(&wire);
        assert_eq!(read.len(), 4);
        assert!(read[..3].iter().all(Result::is_err));
        assert!(matches!(&read[3], Ok(Message::Notification(n)) if n.method == "initialized"));
    }

    #[test]
    fn a_huge_length_is_skipped_not_allocated() {
        let wire = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1);
        let read = frames(wire.as_bytes());
        assert!(matches!(&read[..], [Err(why)] if why.contains("larger")));
    }
}
