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

request = function()
  local token = table.remove(queue, 1)
  if not token then return wrk.format("GET", "/healthz") end
  return wrk.format("POST", "/oauth2/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&refresh_token=" .. token)
end

response = function(status, headers, body)
  local token = body:match('"refresh_token":"([^"]+)"')
  if token then table.insert(queue, token) end
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH_RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
