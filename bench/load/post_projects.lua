-- POST /api/v1/projects as a province admin for one paired organization and county;
-- every request a new project (the title counts up). wrk counts 4xx/5xx as errors.
local counter = 0
local token = os.getenv("BENCH_TOKEN")
local organization = os.getenv("BENCH_ORGANIZATION")
local county = os.getenv("BENCH_COUNTY")

request = function()
  counter = counter + 1
  local body = string.format(
    '{"organization_id":"%s","county_code":"%s","title":"压测项目 %d-%d","category":"education",' ..
    '"dimension":"talent","committed_fen":100000,"disbursed_fen":0,"beneficiaries":10}',
    organization, county, math.random(1, 1e9), counter)
  return wrk.format("POST", "/api/v1/projects", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

