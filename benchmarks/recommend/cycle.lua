-- wrk script: each request is the next path of a file, one path a line, cycling; each wrk
-- thread starts at its own place in the list. Usage:
--   wrk -t2 -c32 -d8s --latency -s cycle.lua http://127.0.0.1:PORT -- FILE.paths
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. args[1]) end
  -- Spread the threads' starting points over the list.
  next_index = (id * 97) % #paths
  bad = 0
end

function request()
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index])
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do total_bad = total_bad + thread:get("bad") end
  io.write(string.format("non_200=%d\n", total_bad))
end
