-- wrk script for scripts/load and scripts/soak. Three modes, chosen by the first argument after `--`:
--   submit TOKENS_FILE THREADS [INTERVAL_MS]  each request answers the screening page of a different survey link
--   noop                                      each request is GET /health/live
--   report PATH TOKEN [INTERVAL_MS]           each request is GET PATH as the API token's account (200 counts)
-- INTERVAL_MS paces the thread: request k is sent at start + k * INTERVAL_MS, on whichever connection is free, so
-- 1000 / INTERVAL_MS per thread is the stated rate; a server that falls behind has the schedule catch up as far as
-- the connections allow, and the achieved rate shows it.
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_usec; } pathways_timeval; int gettimeofday(pathways_timeval *tv, void *tz); ]]
local clock = ffi.new("pathways_timeval")
local function now_ms()
  ffi.C.gettimeofday(clock, nil)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_usec) / 1000
end
-- A request counts as completed only when the server answered as it does for a saved page: 303 back to the
-- link with no "changed in another window" notice. Everything else is counted apart and printed.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  completed, refused, exhausted = 0, 0, 0
  tokens, next_index = {}, 0
  if mode == "submit" then
    local all = {}
    for line in io.lines(args[2]) do all[#all + 1] = line end
    -- Each thread takes every n-th link, so no link is posted twice.
    local count = tonumber(args[3])
    for i = id + 1, #all, count do tokens[#tokens + 1] = all[i] end
  end
  if mode == "report" then
    path = args[2]
    interval = tonumber(args[4] or "0")
  elseif mode == "submit" then
    interval = tonumber(args[4] or "0")
  else
    interval = 0
  end
  body = "page=1&revision=0&action=next&completed_program=yes&completion_date=2023-05-01"
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if mode == "report" then report_headers = { ["Authorization"] = "Bearer " .. args[3] } end
end

function delay()
  if interval <= 0 then return 0 end
  local now = now_ms()
  due = (due or now) + interval
  return math.max(0, due - now)
end

function request()
  if mode == "report" then
    return wrk.format("GET", path, report_headers)
  end
  if mode ~= "submit" then
    return wrk.format("GET", "/health/live")
  end
  next_index = next_index + 1
  if next_index > #tokens then
    -- Out of links: stop this thread rather than post one twice.
    exhausted = 1
    wrk.thread:stop()
    next_index = #tokens
  end
  return wrk.format("POST", "/s/" .. tokens[next_index], headers, body)
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if mode ~= "submit" then
    if status == 200 then completed = completed + 1 else refused = refused + 1 end
  elseif status == 303 and not string.find(location, "notice", 1, true) then
    completed = completed + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local ok, bad, out = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("completed")
    bad = bad + thread:get("refused")
    out = out + thread:get("exhausted")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %s completed=%d per_second=%.0f p50_ms=%.2f p99_ms=%.2f other=%d errors=%d exhausted=%d seconds=%.1f\n",
    threads[1]:get("mode"), ok, ok / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, out, seconds))
end
