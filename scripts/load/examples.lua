-- wrk script for scripts/load.sh: each connection runs its own thread and repeats
-- list a page -> get one example -> update it with the version it just read.
-- Connections work on disjoint examples (id modulo the connection count), so a 409 means a real
-- lost-update was refused, not two load clients racing; every status is counted separately.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("FTS_LOAD_TOKEN")
  dataset = os.getenv("FTS_LOAD_DATASET")
  total = tonumber(os.getenv("FTS_LOAD_CONNECTIONS"))
  pages = tonumber(os.getenv("FTS_LOAD_PAGES"))
  step, page, saves = "list", index % pages, 0
  example, body = nil, nil
  counts = { list = 0, get = 0, update = 0, s2xx = 0, s409 = 0, other = 0 }
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  if step == "get" and example then
    return wrk.format("GET", "/api/examples/" .. example, headers)
  elseif step == "update" and body then
    return wrk.format("PUT", "/api/examples/" .. example, headers, body)
  end
  step = "list"
  page = (page + 1) % pages
  return wrk.format("GET", "/api/datasets/" .. dataset .. "/examples?pageSize=20&page=" .. page, headers)
end

-- The first example on the page that belongs to this connection.
local function pick(list)
  for id in string.gmatch(list, '"id":(%d+),"status"') do
    if tonumber(id) % total == index then return id end
  end
  return nil
end

function response(status, _, text)
  counts[step] = counts[step] + 1
  if status >= 200 and status < 300 then
    counts.s2xx = counts.s2xx + 1
  elseif status == 409 then
    counts.s409 = counts.s409 + 1
  else
    counts.other = counts.other + 1
  end

  if step == "list" then
    example = status == 200 and pick(text) or nil
    step = example and "get" or "list"
  elseif step == "get" then
    saves = saves + 1
    -- The detail carries every field the update takes (unknown ones are ignored), including its version.
    body = status == 200 and string.gsub(text, '"notes":"[^"]*"', '"notes":"load ' .. index .. '-' .. saves .. '"', 1) or nil
    step = body and "update" or "list"
  else
    step, body = "list", nil
  end
end

function done(summary, latency, requests)
  local sum = { list = 0, get = 0, update = 0, s2xx = 0, s409 = 0, other = 0 }
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for key, value in pairs(c) do sum[key] = sum[key] + value end
  end
  local seconds = summary.duration / 1e6
  io.write("\n== FineTuneStudio load result ==\n")
  io.write(string.format("requests          %d in %.1f s = %.1f req/s\n", summary.requests, seconds, summary.requests / seconds))
  io.write(string.format("  list / get / update   %d / %d / %d\n", sum.list, sum.get, sum.update))
  io.write(string.format("latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("2xx %d, 409 conflicts %d, other non-2xx %d\n", sum.s2xx, sum.s409, sum.other))
  local e = summary.errors
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n", e.connect, e.read, e.write, e.timeout))
  local failures = sum.s409 + sum.other + e.connect + e.read + e.write + e.timeout
  io.write(string.format("errors total      %d\n", failures))
end
