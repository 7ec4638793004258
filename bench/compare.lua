-- wrk script of bench/compare.sh: POSTs the JSON request body in the file
-- named by BODY_FILE (query, variables) to either server, with the
-- `Authorization` header from AUTHORIZATION when set, and checks EVERY
-- response like catalog.lua does: a request fails when the status is not
-- 200, the body has "errors", or it has no (or null) "data". The counts and
-- the machine-readable BENCH_RESULT line (see lib.lua) are printed in done().

local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/lib.lua")

local path = os.getenv("BODY_FILE") or error("compare.lua: set BODY_FILE")
local f = io.open(path, "rb") or error("compare.lua: cannot open " .. path)
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local authorization = os.getenv("AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

checked = 0
failed = 0
sample_failure = nil

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 or lib.has_errors(body) or not lib.has_data(body) then
    failed = failed + 1
    lib.note_failure(status, body)
  end
end

function done(summary, latency, requests)
  local c, sample = lib.collect(threads, { "checked", "failed" })
  local socket_errors = lib.socket_errors(summary)
  io.write(string.format("responses checked: %d, failed: %d\n", c.checked, c.failed))
  lib.write_socket_errors(summary)
  lib.write_sample(sample)
  lib.write_result(summary, latency, {
    { "errors", c.failed + socket_errors }, { "checked", c.checked },
  })
end
