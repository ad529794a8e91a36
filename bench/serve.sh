#!/usr/bin/env bash
# bench/serve.sh: shop-serve, one run, same machine.
#   1. GET /api/items/42 under wrk against shop-serve and against nginx (Debian's
#      nginx-light) serving the identical JSON body as a static file: the practical
#      limit for a small HTTP response here. Both on one worker (shop-serve serves from
#      one I/O thread; nginx with worker_processes 1), wrk with one thread, keep-alive,
#      CONNECTIONS (50) connections, ROUNDS (3) alternating rounds of SECONDS (10), best
#      of each. Goal: >= 0.7 x nginx's requests/s (bar 0.5).
#   2. CLIENTS (1,000) event-stream clients on one view of 1,000 rows like
#      inventory_status (each client's snapshot is about 130 KB; they share one copy)
#      (bench/sse_clients.py, Python asyncio, which adds its own time to each figure):
#      CHANGES (5) updates made in PostgreSQL; for each, the time from when
#      shop-serve applied it (/metrics, shop_serve_view_last_change_applied_seconds) to
#      when each client had it. Goals: p99 <= 100 ms, shop-serve's peak RSS <= 150 MB.
# Release build (build/bin), its own PostgreSQL (scripts/services.sh in
# $SHOP_SERVICES_DIR, default /tmp/shopstream-bench). Needs wrk, nginx-light, python3.
# Last line: ratio=<shop-serve req/s / nginx req/s>.
set -euo pipefail
shopt -s inherit_errexit

readonly PROG=serve.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_ROUND:-10}
connections=${CONNECTIONS:-50}
clients=${CLIENTS:-1000}
changes=${CHANGES:-5}
bin=build/bin
work=$(mktemp -d)
bench_on_exit "rm -rf -- '$work'"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx-light)"
ulimit -n 8192 || die "cannot raise the open files limit to 8192 (needed for $clients clients)"

bench_release_build shop-serve
bench_start_postgres
url=$BENCH_PG_URL
psql -X -q -v ON_ERROR_STOP=1 "$url" -c "DROP TABLE IF EXISTS inventory_status, bench_feed;
  CREATE TABLE inventory_status AS
    SELECT g AS item_id, 'Item ' || g AS name, (ARRAY['widgets','gadgets','doodads','clearance'])[1 + g % 4] AS category,
           round(5 + (g % 4950) * 0.1, 2) AS price, g * 3 % 5000 AS stock,
           CASE WHEN g * 3 % 5000 < 100 THEN 'low' ELSE 'in stock' END AS status,
           CASE WHEN g * 3 % 5000 < 100 THEN 'Only ' || g * 3 % 5000 || ' left' END AS shop_message
    FROM generate_series(1, 1000) AS g;
  CREATE TABLE bench_feed AS SELECT * FROM inventory_status;
  ALTER TABLE bench_feed ADD PRIMARY KEY (item_id)" || die "cannot create the tables"

port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
serve_port=$(port)
"$bin/shop-serve" -q --url "$url" --mode poll --interval 100ms --views inventory_status,bench_feed \
  --listen "127.0.0.1:$serve_port" 2>"$work/serve.err" &
serve_pid=$!
bench_on_exit "kill $serve_pid 2>/dev/null"
for _ in $(seq 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$serve_port/healthz") == 200 ]] && break
  sleep 0.1
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$serve_port/healthz") == 200 ]] ||
  die "shop-serve did not become healthy: $(cat "$work/serve.err")"

# nginx serving the same body from a file, on one worker.
mkdir -p "$work/www/api/items" "$work/nginx"
chmod a+rx "$work" "$work/www" "$work/www/api" "$work/www/api/items"  # nginx's worker runs as another user
curl -s "http://127.0.0.1:$serve_port/api/items/42" >"$work/www/api/items/42"
nginx_port=$(port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    default_type application/json;
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" &
nginx_pid=$!
bench_on_exit "kill $nginx_pid 2>/dev/null"
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/api/items/42" && break; sleep 0.1; done
cmp -s <(curl -s "http://127.0.0.1:$serve_port/api/items/42") <(curl -s "http://127.0.0.1:$nginx_port/api/items/42") ||
  die "nginx and shop-serve do not serve the same body"
printf 'body: %s bytes: %s\n' "$(wc -c <"$work/www/api/items/42")" "$(cat "$work/www/api/items/42")"

run_wrk() {  # PORT -> requests/s
  wrk -t1 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$1/api/items/42" >"$work/wrk.out" ||
    die "wrk failed: $(cat "$work/wrk.out")"
  grep -q 'Non-2xx' "$work/wrk.out" && die "non-2xx answers: $(cat "$work/wrk.out")"
  awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out"
}
best_serve=0 best_nginx=0
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then order=(serve nginx); else order=(nginx serve); fi
  for tool in "${order[@]}"; do
    if [[ $tool == serve ]]; then rate=$(run_wrk "$serve_port"); else rate=$(run_wrk "$nginx_port"); fi
    printf 'round %d: %-10s %10.0f requests/s  (p99 %s)\n' "$round" "$([[ $tool == serve ]] && echo shop-serve || echo nginx)" \
      "$rate" "$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")"
    if [[ $tool == serve ]]; then bench_greater "$rate" "$best_serve" && best_serve=$rate; else
      bench_greater "$rate" "$best_nginx" && best_nginx=$rate; fi
  done
done
ratio=$(calc "$best_serve / $best_nginx")
printf 'GET /api/items/42: shop-serve %.0f/s, nginx %.0f/s: %.3f x nginx (goal >= 0.7, bar 0.5)\n' \
  "$best_serve" "$best_nginx" "$ratio"

# Part 2: many event-stream clients.
python3 bench/sse_clients.py 127.0.0.1 "$serve_port" /api/views/bench_feed/changes "$clients" "$changes" \
  >"$work/clients.out" 2>"$work/clients.err" &
clients_pid=$!
for _ in $(seq 600); do grep -q '^ready' "$work/clients.out" && break; sleep 0.1; done
grep -q '^ready' "$work/clients.out" || die "the $clients clients did not all get their snapshot: $(cat "$work/clients.err")"
printf '%d event-stream clients connected (%s)\n' "$clients" \
  "$(curl -s "http://127.0.0.1:$serve_port/metrics" | grep '^shop_serve_stream_clients ')"
applied_at() { curl -s "http://127.0.0.1:$serve_port/metrics" |
  sed -n 's/^shop_serve_view_last_change_applied_seconds{view="bench_feed"} //p'; }
: >"$work/applied"
for ((change = 1; change <= changes; change++)); do
  before=$(applied_at)
  psql -X -q "$url" -c "UPDATE bench_feed SET stock = stock - 1 WHERE item_id = $change"
  for _ in $(seq 100); do
    now=$(applied_at)
    [[ -n $now && $now != "$before" ]] && break
    sleep 0.02
  done
  echo "$now" >>"$work/applied"
  sleep 1
done
wait "$clients_pid" || die "the clients failed: $(cat "$work/clients.err")"
rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$serve_pid/status")
# Each client's k-th change event belongs to the k-th update (ids rise, one per update;
# a one-view stream's id is "<run>-<view>:<sequence>").
python3 - "$work/clients.out" "$work/applied" "$rss_kb" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1]) if not l.startswith("ready")]
applied = [float(l) for l in open(sys.argv[2])]
ids = sorted({event_id for event_id, _ in lines}, key=lambda i: int(i.rsplit(":", 1)[-1]))
if len(ids) != len(applied):
    sys.exit(f"serve.sh: {len(ids)} change events for {len(applied)} updates")
latencies = sorted((float(at) - applied[ids.index(event_id)]) * 1000 for event_id, at in lines)
def pct(p):
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
rss = int(sys.argv[3]) / 1024
print(f"{len(latencies)} deliveries ({len(ids)} changes): from applied to received p50 {pct(50):.1f} ms, "
      f"p99 {pct(99):.1f} ms, max {latencies[-1]:.1f} ms (goal p99 <= 100 ms); "
      f"shop-serve peak RSS {rss:.1f} MB (goal <= 150 MB)")
PY
printf 'ratio=%s\n' "$(calc "$best_serve / $best_nginx" | awk '{ printf "%.3f", $1 }')"
