-- SPDX-License-Identifier: BSD-2-Clause
-- wrk script: a full password sign-in per two requests: POST /auth/login (JSON, PKCE plain)
-- then POST /oauth2/token with the code. Environment: BENCH_EMAIL, BENCH_PASSWORD, BENCH_CLIENT.
local email = os.getenv("BENCH_EMAIL")
local password = os.getenv("BENCH_PASSWORD")
local client = os.getenv("BENCH_CLIENT")
local verifier = "benchmark-verifier-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFG"
local codes = {}
signins = 0
local login_body = string.format(
  '{"email":"%s","password":"%s","clientId":"%s","codeChallenge":"%s","codeChallengeMethod":"plain"}',
  email, password, client, verifier)

local threads = {}
setup = function(thread) table.insert(threads, thread) end

request = function()
  local code = table.remove(codes)
  if code then
    return wrk.format("POST", "/oauth2/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
      "grant_type=authorization_code&client_id=" .. client .. "&code_verifier=" .. verifier .. "&code=" .. code)
  end
  return wrk.format("POST", "/auth/login", { ["Content-Type"] = "application/json" }, login_body)
end

response = function(status, headers, body)
  local code = body:match('"code":"(%x+)"')
  if code then table.insert(codes, code) end
  if body:match('"access_token"') then signins = signins + 1 end
end

-- Rate = completed sign-ins (a token response), not requests; latency covers both requests.
done = function(summary, latency, requests)
  local done_signins = 0
  for _, t in ipairs(threads) do done_signins = done_signins + t:get("signins") end
  io.write(string.format("BENCH_RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    done_signins / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
