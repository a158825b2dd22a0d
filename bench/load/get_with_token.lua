-- A GET with the bench token (for endpoints that need one).
local token = os.getenv("BENCH_TOKEN")
request = function()
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token })
end
