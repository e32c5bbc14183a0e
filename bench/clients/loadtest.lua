-- wrk script: GET /orders/{id} over 1,000 ids from four client versions (the header is ignored without the middleware).
local clients = { "ios-app/4.2.1", "ios-app/4.1.0", "android-app/2.0.0", "web/1.0.0" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/orders/" .. (i % 1000), { ["Stepwise-Client"] = clients[(i % #clients) + 1] })
end
