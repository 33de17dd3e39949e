-- wrk script for seer serve: POSTs the JSON body in the file $SEER_BODY to wrk's URL.
--   SEER_BODY=one.json wrk -t1 -c8 -d10s -s bench/serve_wrk.lua http://127.0.0.1:PORT/v1/predict
-- At the end prints one line: requests, non-2xx responses and socket errors, as wrk counts them.
local f = assert(io.open(os.getenv("SEER_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("wrk_summary requests=%d rps=%.0f non2xx=%d errors=%d p50_us=%d "
                           .. "p99_us=%d\n", summary.requests,
                           summary.requests / (summary.duration / 1e6), e.status,
                           e.connect + e.read + e.write + e.timeout,
                           latency:percentile(50), latency:percentile(99)))
end
