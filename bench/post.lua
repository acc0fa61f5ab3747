-- SPDX-License-Identifier: BSD-2-Clause
-- wrk script: POST a form body given in the environment (BENCH_BODY), optional Basic auth.
local body = os.getenv("BENCH_BODY") or ""
local auth = os.getenv("BENCH_AUTH")
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end

-- No response() callback: wrk would hand every response to Lua, costing the load generator
-- CPU on the same cores; it counts the answers >= 400 itself (summary.errors.status).
done = function(summary, latency, requests)
  io.write(string.format("BENCH_RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
