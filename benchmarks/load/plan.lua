-- wrk script for benchmarks/bench_load.py (the request plan and the reporting).
--
-- bench_load.py writes a data prelude in front of this file (MODE, PLANS, BARE_PATH,
-- DASHBOARD_PATH, FLOOR_PATH, PAGE_MARKERS, RATIONALE) and runs `wrk -s <that file>`. Nothing here is run by hand.
--
-- wrk runs this script in one Lua state per thread, and calls request() once per request that
-- any of the thread's connections is about to send: there is no per-connection state in wrk's
-- Lua API. So the "one user per connection" plan is kept per thread instead. Each thread owns a
-- disjoint set of users (PLANS[n] for thread n, set through thread:set in setup()), and its
-- request() walks a fixed sequence: in "mixed" mode it alternates a score POST and a dashboard
-- GET, rotating through the thread's users. Every request carries its user's own session cookie
-- and CSRF token, so the server sees each user's requests whichever TCP connection carries them.
--
-- Score POSTs save drafts on the user's own bid x criterion pairs through the real scoring form,
-- with the form's version field (optimistic concurrency): for the k-th POST of a thread the user
-- is users[k mod U] and the pair is that user's pairs[(k div U) mod P], so the same (user, pair)
-- comes round again only after U x P of the thread's POSTs (at least 32 x 45 = 1,440 with 64
-- clients: a panel member has 45 pairs), while the thread has at most U requests in flight
-- (one per connection, U = its share of the clients). So the previous save of that pair has
-- always been answered and its version is known: each pair starts at its version in the
-- database (written into PLANS by bench_load.py before each run) and counts up by one per save
-- (every save writes a new justification, so every save moves the version). A save refused as
-- stale (412) or for any other reason shows up as an error; nothing is retried or hidden.
--
-- response() cannot tell which request it answers either, so it classifies by the answer:
--   302 to a score page (/tenders/<id>/evaluate/<bid>/<criterion>) -> a draft saved;
--   200 with the page's heading (PAGE_MARKERS)                        -> a dashboard page
--                                                                        (floor mode: the
--                                                                        declaration page);
--   200 with {"status": "ok"} in bare mode                             -> a bare read;
--   anything else (4xx, 5xx, a redirect elsewhere, another page)       -> an error.
-- done() prints one "RESULT key value" line per figure for bench_load.py to parse.

local thread_counter = 0
local all_threads = {}

function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_index", thread_counter)
  table.insert(all_threads, thread)
end

function init(args)
  -- wrk (4.x, src/wrk.c) calls request() once on the first thread's Lua state before the run,
  -- to check the request it returns, and throws that request away. A score POST built then
  -- would count its version up without ever reaching the server, and that pair's next save
  -- would be refused as stale. So the first thread's first call gets a read that changes
  -- nothing and moves no counter (were it ever sent, it is an ordinary page or bare read).
  verification_pending = thread_index == 1
  plan = PLANS[thread_index] or { users = {} }
  users = plan.users
  sequence = 0
  posts = 0
  gets = 0
  saved = 0
  pages = 0
  bare_ok = 0
  err_redirect = 0
  err_4xx = 0
  err_409 = 0
  err_412 = 0
  err_422 = 0
  err_5xx = 0
  err_page = 0
  err_other = 0
end

local function post_score()
  local count = #users
  local user = users[(posts % count) + 1]
  local round = math.floor(posts / count)
  local pair = user.pairs[(round % #user.pairs) + 1]
  posts = posts + 1
  local score = (posts * 7 + pair.offset) % (pair.max + 1)
  local body = "csrf_token=" .. user.csrf
    .. "&version=" .. pair.version
    .. "&score=" .. score
    .. "&rationale=" .. RATIONALE .. posts
    .. "&action=draft"
  pair.version = pair.version + 1
  return wrk.format("POST", pair.path, {
    ["Cookie"] = user.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

local function get_dashboard()
  local user = users[(gets % #users) + 1]
  gets = gets + 1
  return wrk.format("GET", DASHBOARD_PATH, { ["Cookie"] = user.cookie })
end

local function get_floor()
  local user = users[(gets % #users) + 1]
  gets = gets + 1
  return wrk.format("GET", FLOOR_PATH, { ["Cookie"] = user.cookie })
end

local function read_only_request()
  if MODE == "bare" or #users == 0 then
    return wrk.format("GET", BARE_PATH)
  end
  local path = MODE == "floor" and FLOOR_PATH or DASHBOARD_PATH
  return wrk.format("GET", path, { ["Cookie"] = users[1].cookie })
end

function request()
  if verification_pending then
    verification_pending = false
    return read_only_request()
  end
  sequence = sequence + 1
  if MODE == "bare" then
    gets = gets + 1
    return wrk.format("GET", BARE_PATH)
  elseif MODE == "scores" then
    return post_score()
  elseif MODE == "dashboard" then
    return get_dashboard()
  elseif MODE == "floor" then
    return get_floor()
  end
  if sequence % 2 == 1 then
    return post_score()
  end
  return get_dashboard()
end

local function has_marker(body)
  if body == nil then
    return false
  end
  for _, marker in ipairs(PAGE_MARKERS) do
    if string.find(body, marker, 1, true) then
      return true
    end
  end
  return false
end

function response(status, headers, body)
  if status == 302 then
    local location = headers["Location"] or headers["location"] or ""
    if MODE ~= "bare" and string.find(location, "/tenders/%d+/evaluate/%w+/%w+$") then
      saved = saved + 1
    else
      err_redirect = err_redirect + 1
    end
  elseif status == 200 then
    if MODE == "bare" then
      if body ~= nil and string.find(body, '"status":"ok"', 1, true) then
        bare_ok = bare_ok + 1
      else
        err_page = err_page + 1
      end
    elseif has_marker(body) then
      pages = pages + 1
    else
      err_page = err_page + 1
    end
  elseif status == 409 then
    err_409 = err_409 + 1
  elseif status == 412 then
    err_412 = err_412 + 1
  elseif status == 422 then
    err_422 = err_422 + 1
  elseif status >= 400 and status < 500 then
    err_4xx = err_4xx + 1
  elseif status >= 500 then
    err_5xx = err_5xx + 1
  else
    err_other = err_other + 1
  end
end

local COUNTERS = {
  "posts", "gets", "saved", "pages", "bare_ok", "err_redirect", "err_4xx", "err_409",
  "err_412", "err_422", "err_5xx", "err_page", "err_other",
}

function done(summary, latency, requests)
  local totals = {}
  for _, name in ipairs(COUNTERS) do
    totals[name] = 0
  end
  for _, thread in ipairs(all_threads) do
    for _, name in ipairs(COUNTERS) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  for _, name in ipairs(COUNTERS) do
    io.write(string.format("RESULT %s %d\n", name, totals[name]))
  end
  io.write(string.format("RESULT requests %d\n", summary.requests))
  io.write(string.format("RESULT duration_us %d\n", summary.duration))
  io.write(string.format("RESULT bytes %d\n", summary.bytes))
  io.write(string.format("RESULT socket_connect %d\n", summary.errors.connect))
  io.write(string.format("RESULT socket_read %d\n", summary.errors.read))
  io.write(string.format("RESULT socket_write %d\n", summary.errors.write))
  io.write(string.format("RESULT socket_timeout %d\n", summary.errors.timeout))
  io.write(string.format("RESULT latency_mean_us %d\n", latency.mean))
  io.write(string.format("RESULT latency_max_us %d\n", latency.max))
  for _, p in ipairs({ 50, 90, 95, 99 }) do
    io.write(string.format("RESULT latency_p%d_us %d\n", p, latency:percentile(p)))
  end
end
