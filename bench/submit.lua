-- wrk script of bench/submit.py --outside wrk: POST distinct signed letters to /api/v1/letters.
--
-- ARNA_WRK_OUT=FILE wrk -t T -c 16 -d S -s bench/submit.lua URL -- DIR COUNT TOKEN T
--   DIR    holds the letters as 000000.xml … (COUNT-1).xml; thread n of T sends n, n+T, …
--   FILE   where done() writes one JSON line of figures, then the registry number of every
--          letter answered 201, one a line (the bench checks each of them is stored).
-- A thread that runs out of letters resends its last one: refused as a duplicate, so it
-- shows as an error, never as a letter accepted twice.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local dir, count, token, nthreads = args[1], tonumber(args[2]), args[3], tonumber(args[4])
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/xml" }
  prepared = {}
  for i = id, count - 1, nthreads do
    local file = assert(io.open(string.format("%s/%06d.xml", dir, i), "rb"))
    prepared[#prepared + 1] = wrk.format("POST", "/api/v1/letters", headers, file:read("*a"))
    file:close()
  end
  sent = 0
  created = 0
  refused = 0
  accepted = {}
end

function request()
  sent = sent + 1
  return prepared[math.min(sent, #prepared)]
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    accepted[created] = string.match(body, '"registry_number"%s*:%s*"([^"]+)"') or "?"
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("ARNA_WRK_OUT"), "w"))
  local created, refused, sent = 0, 0, 0
  local numbers = {}
  for _, thread in ipairs(threads) do
    created = created + thread:get("created")
    refused = refused + thread:get("refused")
    sent = sent + thread:get("sent")
    for _, number in ipairs(thread:get("accepted")) do
      numbers[#numbers + 1] = number
    end
  end
  local e = summary.errors
  out:write(string.format(
    '{"duration_us": %d, "responses": %d, "created": %d, "refused": %d, "sent": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.duration, summary.requests, created, refused, sent,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
  for _, number in ipairs(numbers) do
    out:write(number, "\n")
  end
  out:close()
end
