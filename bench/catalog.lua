-- wrk script for the storefront catalog benchmark.
--
--   wrk -t2 -c16 -d15s --latency -s bench/catalog.lua http://127.0.0.1:8000/graphql
--
-- POSTs the GraphQL query in catalog.graphql (next to this file; override the
-- path with CATALOG_QUERY_FILE) as {"query": ...} JSON, and checks EVERY
-- response: a request counts as failed if the status is not 200, the body
-- contains "errors", or the body has no "data". A load test that counts only
-- status codes would happily report a server that answers every request with
-- a GraphQL error as fast, so the counts are printed in done() together with
-- wrk's own socket errors, plus one machine-readable line for bench/catalog.sh:
--
--   BENCH_RESULT requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N
--     max_us=N errors=N non200=N gql_errors=N no_data=N socket_errors=N
--
-- (one line in the real output). `errors` = non200 + gql_errors + no_data +
-- socket_errors; a run is only valid when it is 0.

local function script_dir()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then
    local dir = src:sub(2):match("^(.*)/[^/]*$")
    return dir or "."
  end
  return "."
end

local function read_query()
  local path = os.getenv("CATALOG_QUERY_FILE") or (script_dir() .. "/catalog.graphql")
  local f, err = io.open(path, "rb")
  if not f then
    error("catalog.lua: cannot open query file " .. path .. ": " .. tostring(err))
  end
  local q = f:read("*a")
  f:close()
  q = q:gsub("%s+$", "")
  if q == "" then
    error("catalog.lua: query file " .. path .. " is empty")
  end
  return q
end

local function json_string(s)
  local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                    ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- Built once per thread; wrk sends it for every request without calling Lua.
wrk.method = "POST"
wrk.body = '{"query":' .. json_string(read_query()) .. '}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

-- Per-thread counters (each wrk thread runs its own Lua state).
checked = 0
non200 = 0
gql_errors = 0
no_data = 0
sample_failure = nil

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 then
    non200 = non200 + 1
  elseif body:find('"errors"%s*:') then
    gql_errors = gql_errors + 1
  elseif not body:find('"data"%s*:') or body:find('"data"%s*:%s*null') then
    no_data = no_data + 1
  else
    return
  end
  if sample_failure == nil then
    sample_failure = "HTTP " .. status .. ": " .. body:sub(1, 300)
  end
end

function done(summary, latency, requests)
  local c_checked, c_non200, c_gql, c_nodata, sample = 0, 0, 0, 0, nil
  for _, t in ipairs(threads) do
    c_checked = c_checked + (t:get("checked") or 0)
    c_non200 = c_non200 + (t:get("non200") or 0)
    c_gql = c_gql + (t:get("gql_errors") or 0)
    c_nodata = c_nodata + (t:get("no_data") or 0)
    sample = sample or t:get("sample_failure")
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local total_errors = c_non200 + c_gql + c_nodata + socket_errors
  local secs = summary.duration / 1e6
  local rps = secs > 0 and summary.requests / secs or 0

  io.write("------------------------------------------------------------\n")
  io.write(string.format("responses checked: %d\n", c_checked))
  io.write(string.format("failed responses:  %d  (non-200: %d, GraphQL \"errors\": %d, no data: %d)\n",
    c_non200 + c_gql + c_nodata, c_non200, c_gql, c_nodata))
  io.write(string.format("socket errors:     %d  (connect %d, read %d, write %d, timeout %d)\n",
    socket_errors, e.connect, e.read, e.write, e.timeout))
  io.write(string.format("TOTAL ERRORS:      %d\n", total_errors))
  if sample then
    io.write("first failed response: " .. sample:gsub("%s+", " ") .. "\n")
  end
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d rps=%.2f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "errors=%d non200=%d gql_errors=%d no_data=%d socket_errors=%d\n",
    summary.requests, summary.duration, rps,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    total_errors, c_non200, c_gql, c_nodata, socket_errors))
end
