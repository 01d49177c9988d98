-- wrk script for exact request counts: run with one connection per thread (-tN -cN) and
-- a -d longer than the run; pass the run's length in seconds after `--`.
--   wrk -t16 -c16 -d60s -s wrk_exact.lua URL -- 20
-- Each thread stops right after a response once the time is up, so no request is ever left
-- in flight: the "requests" wrk reports is exactly what the server answered (wrk's own -d
-- deadline abandons one request per busy connection, which the server may still answer).
local seconds = 20
local deadline = nil

function init(args)
	if args[1] then
		seconds = tonumber(args[1])
	end
end

function response(status, headers, body)
	if deadline == nil then
		deadline = os.time() + seconds
	elseif os.time() >= deadline then
		wrk.thread:stop()
	end
end
