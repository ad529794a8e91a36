-- bench/purchase_transaction.lua: sysbench running the transaction shop-purchases
-- --batch 1 runs, on a database shop-seed filled, so bench/purchases.sh compares the tool
-- with a peer doing the same work (issue 13's decision):
--   a completed purchase (status 1):
--     BEGIN; UPDATE items SET inventory = inventory - q, inventory_updated_at =
--     CURRENT_TIMESTAMP WHERE id = ? AND inventory >= q; INSERT INTO purchases ...; COMMIT
--   an abandoned cart (status 0): BEGIN; INSERT INTO purchases ...; COMMIT
-- One statement per round trip, as a client without multi-statements sends them
-- (shop-purchases sends the UPDATE, the INSERT and SELECT LAST_INSERT_ID() in one).
--
-- Which purchases:
--   --purchases=FILE  replays FILE's purchases (user_id, item_id, quantity, status, tab-
--                     separated, one per line: what shop-purchases wrote, read back from
--                     its table), thread t taking lines t, t+T, t+2T, ... and starting
--                     over at the end. Same users, items and quantities: the same row
--                     lock contention on popular items, which is most of the cost at
--                     several connections.
--   otherwise         user and item uniform, quantity 1-5, 90% completed
--                     (k_completed_share in tools/purchases/purchase.hpp).
--
--   sysbench bench/purchase_transaction.lua --mysql-db=... --purchases=FILE \
--     --threads=4 --time=10 run
-- Deadlocks and lock wait timeouts are retried (sysbench's --mysql-ignore-errors
-- default); every committed event is one purchase row.

sysbench.cmdline.options = {
  purchases = { "Replay the purchases in this file (user_id, item_id, quantity, status per line)", "" },
  items = { "Without --purchases: items in the catalog (ids 1..N, as shop-seed creates them)", 1000 },
  users = { "Without --purchases: users in the catalog (ids 1..N)", 10000 },
}

local replay = {}
local next_line, stride

function thread_init(thread_id)
  drv = sysbench.sql.driver()
  con = drv:connect()
  if sysbench.opt.purchases ~= "" then
    for line in io.lines(sysbench.opt.purchases) do
      local user, item, quantity, status = line:match("^(%d+)\t(%d+)\t(%d+)\t(%d+)$")
      if not user then error("bad line in " .. sysbench.opt.purchases .. ": " .. line) end
      replay[#replay + 1] = { tonumber(user), tonumber(item), tonumber(quantity), status == "1" }
    end
    if #replay == 0 then error(sysbench.opt.purchases .. " holds no purchases") end
    stride = sysbench.opt.threads
    next_line = thread_id % #replay + 1
  end
end

function thread_done()
  con:disconnect()
end

local function next_purchase()
  if next_line then
    local purchase = replay[next_line]
    next_line = (next_line - 1 + stride) % #replay + 1
    return purchase[1], purchase[2], purchase[3], purchase[4]
  end
  return sysbench.rand.uniform(1, sysbench.opt.users), sysbench.rand.uniform(1, sysbench.opt.items),
    sysbench.rand.uniform(1, 5), sysbench.rand.uniform(1, 10) <= 9
end

function event()
  local user, item, quantity, completed = next_purchase()
  con:query("BEGIN")
  if completed then
    con:query(string.format("UPDATE items SET inventory = inventory - %d, inventory_updated_at = CURRENT_TIMESTAMP "
      .. "WHERE id = %d AND inventory >= %d", quantity, item, quantity))
  end
  con:query(string.format("INSERT INTO purchases (user_id, item_id, status, quantity, purchase_price) "
    .. "VALUES (%d,%d,%d,%d,%d.%02d)", user, item, completed and 1 or 0, quantity, 10 * quantity, 99))
  con:query("COMMIT")
end
