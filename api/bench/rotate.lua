-- wrk script: each request is GET /api/records?<next query string> from $ZT_BENCH_QUERIES
-- (one query string a line); each thread starts at a different line. With $ZT_BENCH_THINK_MS
-- each connection waits that long between a response and its next request (a person using
-- the dashboard); latency is measured from request to response either way. done() prints
-- one machine-readable line that api/bench/run.sh turns into the results table.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

local queries = {}
local i = 0
function init(args)
  for line in io.lines(os.getenv("ZT_BENCH_QUERIES")) do
    queries[#queries + 1] = line
  end
  if #queries == 0 then
    error("no queries in " .. os.getenv("ZT_BENCH_QUERIES"))
  end
  i = ((thread_id or 1) * 7919) % #queries
end

local think = tonumber(os.getenv("ZT_BENCH_THINK_MS") or "0")
function delay()
  return think
end

function request()
  i = i % #queries + 1
  return wrk.format("GET", "/api/records?" .. queries[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "ZTBENCH requests=%d errors=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d duration_us=%d\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, summary.duration))
end
