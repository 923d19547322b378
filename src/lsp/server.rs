//! The server's loop: one thread owns all state and takes, in order, the editor's
//! messages and finished background counts.
//!
//! After each burst of messages (everything already queued is taken first, so
//! fast typing costs one analysis, not one per keystroke) every project touched is
//! analysed again and the diagnostics that changed are sent. A request is
//! answered from an analysis that includes every edit before it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, Sender, select, unbounded};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeLensOptions, CompletionOptions, HoverProviderCapability, InitializeResult, OneOf,
    PublishDiagnosticsParams, RenameOptions, ServerCapabilities, ServerInfo,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use serde_json::Value;

use super::project::{Project, Projects};
use super::sizes::Done;
use super::transport::{Channels, Outgoing};
use super::workspace::{Documents, canonical, project_root};
use super::{completion, hover, lens, navigate, uri};

/// Where the conversation with the editor stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for `initialize`.
    Starting,
    /// Serving.
    Running,
    /// After `shutdown`: only `exit` is expected.
    ShuttingDown,
}

/// All the server's state.
pub struct Server {
    out: Sender<Outgoing>,
    phase: Phase,
    documents: Documents,
    projects: Projects,
    /// Projects to analyse before the next answer.
    dirty: HashSet<PathBuf>,
    /// Open documents edited since diagnostics were last sent (sent even when unchanged).
    touched: HashSet<PathBuf>,
    /// Projects whose lenses changed since the editor was last told.
    lenses_changed: bool,
    refresh_lenses: bool,
    next_id: i32,
    done_tx: Sender<Done>,
    done_rx: Receiver<Done>,
}

impl Server {
    /// A server writing to `out`.
    pub fn new(out: Sender<Outgoing>) -> Server {
        let (done_tx, done_rx) = unbounded();
        Server {
            out,
            phase: Phase::Starting,
            documents: Documents::default(),
            projects: Projects::new(),
            dirty: HashSet::new(),
            touched: HashSet::new(),
            lenses_changed: false,
            refresh_lenses: false,
            next_id: 0,
            done_tx,
            done_rx,
        }
    }

    /// Serves until `exit` or the end of input.
    pub fn run(mut self, channels: &Channels) {
        let done_rx = self.done_rx.clone();
        loop {
            let keep_going = select! {
                recv(channels.incoming) -> message => match message {
                    Ok(message) => self.handle(message),
                    Err(_) => false,
                },
                recv(done_rx) -> done => {
                    if let Ok(done) = done {
                        self.finish_counting(done);
                    }
                    true
                },
            };
            if !keep_going {
                return;
            }
            while let Ok(message) = channels.incoming.try_recv() {
                if !self.handle(message) {
                    return;
                }
            }
            self.settle();
        }
    }

    /// Handles one message; `false` when the server should stop. A bug met while
    /// handling one message must not end the session: the message is dropped.
    fn handle(&mut self, message: Message) -> bool {
        let handled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.dispatch(message)));
        handled.unwrap_or(true)
    }

    fn dispatch(&mut self, message: Message) -> bool {
        match message {
            Message::Request(request) => self.request(request),
            Message::Notification(notification) => return self.notification(notification),
            Message::Response(_) => {}
        }
        true
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let reply = match (self.phase, request.method.as_str()) {
            (Phase::Starting, req::Initialize::METHOD) => self.initialize(&request.params),
            (Phase::Starting, _) => Err((
                ErrorCode::ServerNotInitialized,
                "the server is not initialised yet".into(),
            )),
            (Phase::ShuttingDown, _) => Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            )),
            (Phase::Running, req::Shutdown::METHOD) => {
                self.phase = Phase::ShuttingDown;
                Ok(Value::Null)
            }
            (Phase::Running, method) => {
                self.settle();
                self.answer(method, request.params)
            }
        };
        let response = match reply {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response));
    }

    fn initialize(&mut self, params: &Value) -> Result<Value, (ErrorCode, String)> {
        self.refresh_lenses = params
            .pointer("/capabilities/workspace/codeLens/refreshSupport")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        self.phase = Phase::Running;
        let result = InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "segmint".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        serde_json::to_value(result).map_err(internal)
    }

    /// Answers a request of the running server.
    fn answer(&mut self, method: &str, params: Value) -> Result<Value, (ErrorCode, String)> {
        match method {
            req::HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = parse(params)?;
                self.at(&p.text_document_position_params, hover::hover)
            }
            req::GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = parse(params)?;
                self.at(&p.text_document_position_params, navigate::definition)
            }
            req::References::METHOD => {
                let p: lsp_types::ReferenceParams = parse(params)?;
                let with = p.context.include_declaration;
                self.at(&p.text_document_position, |a, f, o| {
                    Some(navigate::references(a, f, o, with))
                })
            }
            req::PrepareRenameRequest::METHOD => {
                let p: TextDocumentPositionParams = parse(params)?;
                self.at(&p, |a, f, o| {
                    let (_, span) = navigate::renamable(a, f, o)?;
                    let text = &a.compiled.sources.get(f)?.text;
                    Some(super::position::LineIndex::new(text).range(span))
                })
            }
            req::Rename::METHOD => self.rename(parse(params)?),
            req::Completion::METHOD => {
                let p: lsp_types::CompletionParams = parse(params)?;
                self.complete(&p.text_document_position)
            }
            req::CodeLensRequest::METHOD => {
                let p: lsp_types::CodeLensParams = parse(params)?;
                self.code_lenses(&p.text_document.uri)
            }
            req::Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = parse(params)?;
                self.format_document(&p.text_document.uri)
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("segmint lsp does not handle `{method}`"),
            )),
        }
    }

    /// Runs `f` on the analysis of the document at a position (null when the
    /// document is not part of any project or nothing is there).
    fn at<T: serde::Serialize>(
        &mut self,
        position: &TextDocumentPositionParams,
        f: impl FnOnce(&super::analysis::Analysis, crate::source::FileId, u32) -> Option<T>,
    ) -> Result<Value, (ErrorCode, String)> {
        let Some((project, file, offset)) = self.locate(position) else {
            return Ok(Value::Null);
        };
        let found = f(&project.analysis, file, offset);
        serde_json::to_value(found).map_err(internal)
    }

    /// The project, file and byte offset of a position.
    fn locate(
        &self,
        position: &TextDocumentPositionParams,
    ) -> Option<(&Project, crate::source::FileId, u32)> {
        let path = canonical(&uri::to_path(&position.text_document.uri)?);
        let project = self.projects.get(&project_root(&path))?;
        let file = project.analysis.file_id(&path)?;
        let text = &project.analysis.compiled.sources.get(file)?.text;
        let offset = super::position::LineIndex::new(text).offset(position.position);
        Some((project, file, u32::try_from(offset).ok()?))
    }

    fn complete(
        &self,
        position: &TextDocumentPositionParams,
    ) -> Result<Value, (ErrorCode, String)> {
        let Some((project, file, offset)) = self.locate(position) else {
            return Ok(Value::Null);
        };
        let text = project
            .analysis
            .compiled
            .sources
            .get(file)
            .map_or("", |f| &f.text);
        let before = text.get(..offset as usize).unwrap_or("");
        let items = completion::complete(project.completion_index(), before);
        serde_json::to_value(items).map_err(internal)
    }

    /// The open document in `segmint fmt`'s layout: one edit replacing the whole
    /// text, none when it is already formatted; null for a document that is not
    /// open. A document that does not parse is an error (its diagnostics are
    /// already shown), and the editor keeps the text as it is.
    fn format_document(&self, uri: &Uri) -> Result<Value, (ErrorCode, String)> {
        let Some(path) = uri::to_path(uri) else {
            return Ok(Value::Null);
        };
        let Some(document) = self.documents.get(&canonical(&path)) else {
            return Ok(Value::Null);
        };
        let text = &document.text;
        let formatted = crate::fmt::format(text).map_err(|e| {
            let why = match e {
                crate::fmt::FormatError::Syntax(_) => {
                    "the file does not parse; fix its errors first".to_string()
                }
                crate::fmt::FormatError::Unstable(why) => why,
            };
            (ErrorCode::RequestFailed, why)
        })?;
        let edits: Vec<lsp_types::TextEdit> = if formatted == *text {
            Vec::new()
        } else {
            let index = super::position::LineIndex::new(text);
            let whole = lsp_types::Range {
                start: lsp_types::Position::new(0, 0),
                end: index.position(text.len()),
            };
            vec![lsp_types::TextEdit::new(whole, formatted)]
        };
        serde_json::to_value(edits).map_err(internal)
    }

    fn rename(&self, params: lsp_types::RenameParams) -> Result<Value, (ErrorCode, String)> {
        let Some((project, file, offset)) = self.locate(&params.text_document_position) else {
            return Ok(Value::Null);
        };
        let edit = navigate::rename(&project.analysis, file, offset, &params.new_name)
            .map_err(|why| (ErrorCode::RequestFailed, why))?;
        serde_json::to_value(edit).map_err(internal)
    }

    fn code_lenses(&self, document: &Uri) -> Result<Value, (ErrorCode, String)> {
        let Some(path) = uri::to_path(document).map(|p| canonical(&p)) else {
            return Ok(Value::Null);
        };
        let Some(project) = self.projects.get(&project_root(&path)) else {
            return Ok(Value::Null);
        };
        let Some(file) = project.analysis.file_id(&path) else {
            return Ok(Value::Null);
        };
        let lenses = lens::lenses(&project.analysis, file, &project.lenses);
        serde_json::to_value(lenses).map_err(internal)
    }

    /// Handles a notification; `false` on `exit`.
    fn notification(&mut self, notification: Notification) -> bool {
        if notification.method == note::Exit::METHOD {
            return false;
        }
        if self.phase != Phase::Running {
            return true;
        }
        // A notification with bad parameters cannot be answered: it is dropped.
        let _ = self.notified(notification);
        true
    }

    fn notified(&mut self, notification: Notification) -> Option<()> {
        let params = notification.params;
        match notification.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                let p: lsp_types::DidOpenTextDocumentParams = parse(params).ok()?;
                let path = canonical(&uri::to_path(&p.text_document.uri)?);
                // Only segment files are compiled (a client may open others too).
                if path.extension().is_none_or(|e| e != "seg") {
                    return None;
                }
                self.documents
                    .open(path.clone(), p.text_document.text, p.text_document.version);
                self.edited(&path);
            }
            note::DidChangeTextDocument::METHOD => {
                let p: lsp_types::DidChangeTextDocumentParams = parse(params).ok()?;
                let path = canonical(&uri::to_path(&p.text_document.uri)?);
                let document = self.documents.get_mut(&path)?;
                // Full sync: the last change holds the whole text.
                document.text = p.content_changes.into_iter().last()?.text;
                document.version = p.text_document.version;
                self.edited(&path);
            }
            note::DidCloseTextDocument::METHOD => {
                let p: lsp_types::DidCloseTextDocumentParams = parse(params).ok()?;
                let path = canonical(&uri::to_path(&p.text_document.uri)?);
                self.documents.close(&path);
                self.dirty.insert(project_root(&path));
            }
            note::DidSaveTextDocument::METHOD | note::DidChangeWatchedFiles::METHOD => {
                // A file changed on disk (segmint.toml, a file not open): read again.
                self.dirty.extend(self.projects.keys().cloned());
            }
            _ => {}
        }
        Some(())
    }

    fn edited(&mut self, path: &Path) {
        self.dirty.insert(project_root(path));
        self.touched.insert(path.to_path_buf());
    }

    /// Analyses what the last messages changed and tells the editor.
    fn settle(&mut self) {
        for root in std::mem::take(&mut self.dirty) {
            match self.projects.get_mut(&root) {
                Some(project) => project.reanalyse(&self.documents, &self.done_tx),
                None => {
                    let mut project = Project::new(&root, &self.documents);
                    project.start_counting(&self.done_tx);
                    self.projects.insert(root.clone(), project);
                }
            }
            self.publish(&root);
            self.lenses_changed = true;
        }
        self.touched.clear();
        self.refresh();
    }

    /// Sends the diagnostics of a project's files that changed, and of the
    /// documents just edited.
    fn publish(&mut self, root: &Path) {
        let Some(project) = self.projects.get_mut(root) else {
            return;
        };
        let mut current = project.diagnostics();
        for uri in project.published.keys() {
            current.entry(uri.clone()).or_default();
        }
        let mut sends = Vec::new();
        for (uri, diagnostics) in current {
            let path = uri::to_path(&uri);
            let touched = path.as_ref().is_some_and(|p| self.touched.contains(p));
            let unchanged = project
                .published
                .get(&uri)
                .map_or(diagnostics.is_empty(), |sent| sent == &diagnostics);
            if !touched && unchanged {
                continue;
            }
            let version = path
                .as_ref()
                .and_then(|p| self.documents.get(p))
                .map(|d| d.version);
            if diagnostics.is_empty() {
                project.published.remove(&uri);
            } else {
                project.published.insert(uri.clone(), diagnostics.clone());
            }
            sends.push(PublishDiagnosticsParams::new(uri, diagnostics, version));
        }
        for params in sends {
            self.notify::<note::PublishDiagnostics>(params);
        }
    }

    fn finish_counting(&mut self, done: Done) {
        let root = done.root.clone();
        let Some(project) = self.projects.get_mut(&root) else {
            return;
        };
        let had_problem = project.data_problem.is_some();
        if project.finish_counting(done) {
            if had_problem || project.data_problem.is_some() {
                self.publish(&root);
            }
            self.lenses_changed = true;
            self.refresh();
        }
    }

    /// Asks the editor to ask for code lenses again, when it can.
    fn refresh(&mut self) {
        if !std::mem::take(&mut self.lenses_changed) || !self.refresh_lenses {
            return;
        }
        self.next_id += 1;
        let request = Request::new(
            RequestId::from(self.next_id),
            req::CodeLensRefresh::METHOD.into(),
            Value::Null,
        );
        self.send(Message::Request(request));
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Message::Notification(Notification::new(
            N::METHOD.into(),
            params,
        )));
    }

    fn send(&self, message: Message) {
        // The writer is gone only when the editor is: the reader ends the loop.
        let _ = self.out.send(Outgoing::Message(message));
    }
}

/// What the server offers: formatting is `segmint fmt`'s layout.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["\"".into(), ".".into(), "(".into()]),
            ..CompletionOptions::default()
        }),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn internal(error: serde_json::Error) -> (ErrorCode, String) {
    (ErrorCode::InternalError, error.to_string())
}
