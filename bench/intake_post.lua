-- wrk script: POST one new appeal (JSON) per request to Lianxin's API (/api/v1/appeals), as a
-- hotline operator's integration would. Modelled on ../shared/bench/peer-helpdesk/post_ticket.lua:
-- same ~300-character Chinese text, same "STATUS <code> <count>" / "PCTL" summary lines.
-- Env: LIANXIN_BENCH_KEY (API key of a staff user allowed to submit).
local token = os.getenv("LIANXIN_BENCH_KEY") or error("LIANXIN_BENCH_KEY not set")

-- ~300 Chinese characters (3 bytes each in UTF-8 -> 900 bytes), as in the peer benchmark.
local sentence = "本人于去年三月收到贵单位作出的处理决定，对其中认定的事实和适用的依据有异议，现依法提出申诉，请求重新审查并撤销原决定。"
local text = string.sub(string.rep(sentence, 10), 1, 900)

threads = {}
counter = 0
tid = 0
statuses = {}

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  counter = 0
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function request()
  counter = counter + 1
  local grid = (counter % 100) + 1
  local body = string.format(
    '{"title": "申诉 t%d-%d 对处理决定有异议", "text": "%s", "kind": "complaint", "channel": "hotline",' ..
    ' "category": "CJ-01-01", "area": "G%03d", "contact_name": "王先生", "contact_phone": "1380000%04d",' ..
    ' "contact_consent": true}',
    tid, counter, text, grid, counter % 10000)
  return wrk.format(nil, "/api/v1/appeals", nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do
      total[code] = (total[code] or 0) + n
    end
  end
  for code, n in pairs(total) do
    io.write(string.format("STATUS %d %d\n", code, n))
  end
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("PCTL %g %.3f\n", p, latency:percentile(p) / 1000.0))
  end
  io.write(string.format("REQS %d DURATION_US %d\n", summary.requests, summary.duration))
  io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
