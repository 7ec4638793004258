-- Shared by the wrk scripts of bench/ (catalog.lua, compare.lua, place_order.lua), which
-- load it from their own directory:
--
--   local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/lib.lua")
--
-- wrk runs a script once per thread and once more for setup() and done(),
-- each in its own Lua state, so each state loads this file too.

local lib = {}

-- The directory of the bench scripts (this file's), as wrk was given it.
lib.dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

-- Keeps the first failed response of this thread in the global
-- `sample_failure`, which done() reads through thread:get().
function lib.note_failure(status, body)
  if sample_failure == nil then
    sample_failure = "HTTP " .. status .. ": " .. body:sub(1, 300)
  end
end

-- Whether the body has a top-level "errors" key. A plain search first:
-- patterns scan a large body character by character, which made wrk, not
-- the server, the bottleneck of the fastest rows. Unescaped, `"errors"`
-- is only ever a key or a whole string, so the pattern confirms the rare
-- plain match.
function lib.has_errors(body)
  return body:find('"errors"', 1, true) ~= nil and body:find('"errors"%s*:') ~= nil
end

-- Whether the body's "data" (its first, top-level one) is present and not
-- null.
function lib.has_data(body)
  local _, colon = body:find('"data"%s*:')
  return colon ~= nil and not body:find('^%s*null', colon + 1)
end

-- Sums the per-thread counters `names` over `threads`; also returns the
-- first failed response any thread kept.
function lib.collect(threads, names)
  local totals, sample = {}, nil
  for _, name in ipairs(names) do
    totals[name] = 0
  end
  for _, t in ipairs(threads) do
    for _, name in ipairs(names) do
      totals[name] = totals[name] + (t:get(name) or 0)
    end
    sample = sample or t:get("sample_failure")
  end
  return totals, sample
end

-- wrk's own socket errors (connect, read, write, timeout), summed.
function lib.socket_errors(summary)
  local e = summary.errors
  return e.connect + e.read + e.write + e.timeout
end

function lib.write_socket_errors(summary)
  local e = summary.errors
  io.write(string.format("socket errors:     %d  (connect %d, read %d, write %d, timeout %d)\n",
    lib.socket_errors(summary), e.connect, e.read, e.write, e.timeout))
end

function lib.write_sample(sample)
  if sample then
    io.write("first failed response: " .. sample:gsub("%s+", " ") .. "\n")
  end
end

-- The machine-readable line the bench scripts parse: the run's request
-- rate and latencies, then `fields` ({name, count} pairs) in their order.
function lib.write_result(summary, latency, fields)
  local secs = summary.duration / 1e6
  local rps = secs > 0 and summary.requests / secs or 0
  local line = string.format(
    "BENCH_RESULT requests=%d duration_us=%d rps=%.2f p50_us=%d p90_us=%d p99_us=%d max_us=%d",
    summary.requests, summary.duration, rps,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max)
  for _, field in ipairs(fields) do
    line = line .. string.format(" %s=%d", field[1], field[2])
  end
  io.write(line .. "\n")
end

return lib
