-- SPDX-License-Identifier: BSD-2-Clause
-- wrk script: the refresh_token grant. Every refresh token is used exactly once: each thread
-- starts from its own slice of BENCH_TOKENS_FILE (one token per line) and every response's
-- new refresh token goes back into the thread's queue, so rotation never sees a reuse.
local queue = {}
local counter = 0
local threads = {}

setup = function(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

init = function(args)
  local n = tonumber(os.getenv("BENCH_THREADS") or "2")
  local i = 0
  for line in io.lines(os.getenv("BENCH_TOKENS_FILE") .. "." .. os.getenv("BENCH_PHASE")) do
    if i % n == index - 1 then table.insert(queue, line) end
    i = i + 1
  end
end

-- Only refreshes count: should a queue ever run dry (a failed refresh returns no new token),
-- the filler requests are reported as errors, so a broken chain cannot pass for speed.
refreshed = 0
filler = 0

request = function()
  local token = table.remove(queue, 1)
  if not token then
    filler = filler + 1
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/oauth2/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&refresh_token=" .. token)
end

response = function(status, headers, body)
  local token = body:match('"refresh_token":"([^"]+)"')
  if token then
    refreshed = refreshed + 1
    table.insert(queue, token)
  end
end

done = function(summary, latency, requests)
  local ok, fillers = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("refreshed")
    fillers = fillers + t:get("filler")
  end
  io.write(string.format("BENCH_RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    ok / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, fillers + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
