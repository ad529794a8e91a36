#!/usr/bin/env bash
# make demo: the full stack through Docker Compose, then a live table of the shop.
#   scripts/demo.sh          start (or keep) the stack, wait for data, open shop-watch
#   scripts/demo.sh down     remove the stack and its volumes
# Ctrl-C in the live table leaves the stack running.
set -euo pipefail

readonly PROG=demo.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
require_docker

if [[ ${1:-} == down ]]; then
  compose --profile debezium --profile bi --profile cli down --volumes --remove-orphans
  exit 0
fi

printf '%s: building the tools image and starting the stack (the first start takes a few minutes)\n' "$PROG"
compose up -d --build --wait ||
  die "the stack did not come up healthy: see 'docker compose ps' and 'docker compose logs <service>'"

printf '%s: waiting for purchases to reach Materialize' "$PROG"
for ((attempt = 0; attempt < 180; attempt++)); do
  count=$(compose --profile cli run --rm -T cli shop-mzsql -q --format csv -c 'SELECT count(*) AS n FROM purchases' 2>/dev/null |
    tail -n 1 || true)
  if [[ $count =~ ^[0-9]+$ ]] && ((count > 0)); then
    printf ' (%s so far)\n' "$count"
    break
  fi
  printf '.'
  sleep 2
done
[[ ${count:-} =~ ^[1-9][0-9]*$ ]] ||
  die "no purchases in Materialize after 6 minutes: see 'docker compose logs mzinit loadgen'"

cat <<'PAGES'
The dashboard:        http://127.0.0.1:8080/
A product page:       http://127.0.0.1:8080/products/42  (its stock badge changes as purchases happen)
The API:              http://127.0.0.1:8080/api/items/42  http://127.0.0.1:8080/api/views/top_items
Next, a live table in this terminal (q quits it; the stack keeps running).
PAGES
compose --profile cli run --rm cli shop-watch item_summary --order-by 'revenue desc' --bar revenue || true

cat <<'HELP'

The stack is still running. Other views:
  docker compose run --rm cli shop-watch order_trends_by_minute --order-by 'minute desc' --bar orders
  docker compose run --rm cli shop-watch inventory_status --order-by stock --bar stock
  docker compose run --rm cli shop-watch conversion_funnel --order-by 'conversion_rate desc' --bar conversion_rate
  docker compose run --rm cli shop-watch low_stock_alerts
  docker compose run --rm cli shop-watch warehouse_order_status --order-by 'order_id desc'
  docker compose run --rm cli shop-mzsql -c 'SELECT * FROM top_items ORDER BY revenue DESC'
Stop and delete everything: make down
HELP
