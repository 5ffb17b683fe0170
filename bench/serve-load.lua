-- wrk script: each request GETs the next path of a list, in turn (each thread starts at a different place).
-- usage: wrk ... -s bench/serve-load.lua http://HOST:PORT -- PATHS_FILE   (one request path per line, e.g. /x.narinfo)
local paths = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no request paths in " .. tostring(args[1]))
  end
  i = math.random(#paths) - 1
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
