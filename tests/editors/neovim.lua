-- Neovim as the client of `segmint lsp` (run by tests/editors.rs, headless):
-- opens SEGMINT_FILE, attaches the server, waits for its diagnostics and writes
-- them to SEGMINT_OUT, one per line: `line:column code message`.
local buf_file = os.getenv("SEGMINT_FILE")
vim.cmd("edit " .. vim.fn.fnameescape(buf_file))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = "segmint",
  cmd = { os.getenv("SEGMINT_BIN"), "lsp" },
  root_dir = os.getenv("SEGMINT_ROOT"),
})
vim.lsp.buf_attach_client(buf, id)
vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  -- Neovim 0.7 keeps the LSP code in user_data; later versions in `code`.
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  local message = d.message:gsub("\n", " | ")
  table.insert(lines, string.format("%d:%d %s %s", d.lnum, d.col, tostring(code), message))
end
vim.fn.writefile(lines, os.getenv("SEGMINT_OUT"))
vim.lsp.stop_client(id)
vim.cmd("qa!")
