-- wrk script: POST the file $BODY (as $CONTENT_TYPE, default JSON) with the API key $KEY,
-- asking for $ACCEPT answers when set.
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
if os.getenv("ACCEPT") then wrk.headers["Accept"] = os.getenv("ACCEPT") end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
