// The VS Code client: starts `segmint lsp` (the `segmint.path` setting, else
// `segmint` on PATH) for .seg files and tells it when segment files or
// segmint.toml change on disk.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("segmint").get("path") || "segmint";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "segmint",
    "segmint",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "segmint" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.seg,segmint.toml}"),
      },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
