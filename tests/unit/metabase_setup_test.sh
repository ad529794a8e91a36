#!/usr/bin/env bash
# docker/metabase/setup.sh, the `bi` profile's one-shot, checked offline (no Docker, no
# Metabase):
#   * ShellCheck;
#   * docker/metabase/cards.json: each question reads a view of sql/materialize/04_views.sql,
#     only columns that view has, and the dashboard layout fits Metabase's 24-column grid;
#   * the script against tests/support/metabase_fake.py, a small HTTP server that checks
#     the script's requests against the shapes read in Metabase's source and logs them.
#     That is a check of OUR REQUESTS, not of Metabase: a real Metabase may still answer
#     differently (see README's "not verified").
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"

readonly SETUP=$REPO_ROOT/docker/metabase/setup.sh
readonly CARDS=$REPO_ROOT/docker/metabase/cards.json
readonly VIEWS_SQL=$REPO_ROOT/sql/materialize/04_views.sql
readonly FAKE=$REPO_ROOT/tests/support/metabase_fake.py
readonly PASSWORD='not-in-any-output-7'
command -v shellcheck >/dev/null || die "shellcheck not found (apt-get install -y shellcheck)"
command -v jq >/dev/null || die "jq not found (apt-get install -y jq): setup.sh needs it, as the tools' image has it"
command -v curl >/dev/null || die "curl not found (apt-get install -y curl)"

expect_ok "shellcheck passes on docker/metabase/setup.sh" shellcheck -x "$SETUP"

# --- cards.json against the views' SQL --------------------------------------------------
problems=$(python3 - "$CARDS" "$VIEWS_SQL" <<'PY'
import json, re, sys

cards_file, views_file = sys.argv[1], sys.argv[2]
spec = json.load(open(cards_file))
sql = re.sub(r"--[^\n]*", "", open(views_file).read())

def split_top(text, sep=","):
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]

def output_columns(body):
    # the select list: from the first SELECT to the first FROM outside parentheses
    body = body[re.search(r"\bSELECT\b", body, re.I).end():]
    depth = 0
    for m in re.finditer(r"[()]|\bFROM\b", body, re.I):
        if m.group() == "(":
            depth += 1
        elif m.group() == ")":
            depth -= 1
        elif depth == 0:
            body = body[:m.start()]
            break
    names = []
    for item in split_top(body):
        item = item.strip()
        alias = re.search(r"\bAS\s+([a-z_][a-z0-9_]*)\s*$", item, re.I)
        names.append(alias.group(1) if alias else re.split(r"\.", item)[-1].strip())
    return names

views = {}
for m in re.finditer(r"CREATE\s+(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)(.*?);", sql, re.I | re.S):
    views[m.group(1)] = output_columns(m.group(2))

problems = []
ident = re.compile(r"^[a-z_][a-z0-9_]*$")
if not str(spec.get("dashboard", {}).get("name", "")).strip():
    problems.append("the dashboard has no name")
cards = spec.get("cards", [])
names = [c.get("name") for c in cards]
if len(set(names)) != len(names) or not all(isinstance(n, str) and n.strip() for n in names):
    problems.append(f"question names must be non-blank and unique: {names}")
grid = set()
for card in cards:
    name, view, columns = card.get("name"), card.get("view"), card.get("columns", [])
    if view not in views:
        problems.append(f"{name}: no view {view!r} in 04_views.sql")
        continue
    if not columns:
        problems.append(f"{name}: no columns")
    for column in columns:
        if not ident.match(column) or column not in views[view]:
            problems.append(f"{name}: {view} has no column {column!r} (it has {views[view]})")
    for item in card.get("order_by", []):
        m = re.fullmatch(r"([a-z_][a-z0-9_]*)(?: (?:ASC|DESC))?", item)
        if not m or m.group(1) not in columns:
            problems.append(f"{name}: ORDER BY {item!r} is not one of its columns, ASC or DESC")
    if "limit" in card and not (isinstance(card["limit"], int) and card["limit"] > 0):
        problems.append(f"{name}: limit must be a positive integer")
    if card.get("display") not in {"table", "line", "bar", "area", "row", "pie", "scalar"}:
        problems.append(f"{name}: display {card.get('display')!r}")
    settings = card.get("visualization_settings", {})
    for key in ("graph.dimensions", "graph.metrics"):
        for column in settings.get(key, []):
            if column not in columns:
                problems.append(f"{name}: {key} names {column!r}, not one of its columns")
    if card.get("display") in {"line", "bar", "area"} and not (settings.get("graph.dimensions") and settings.get("graph.metrics")):
        problems.append(f"{name}: a {card['display']} chart needs graph.dimensions and graph.metrics")
    x, y, w, h = (card.get(k) for k in ("col", "row", "size_x", "size_y"))
    if not all(isinstance(v, int) for v in (x, y, w, h)) or x < 0 or y < 0 or w < 1 or h < 1 or x + w > 24:
        problems.append(f"{name}: position col {x} row {y} size {w}x{h} is outside the 24-column grid")
        continue
    cells = {(i, j) for i in range(x, x + w) for j in range(y, y + h)}
    if cells & grid:
        problems.append(f"{name}: overlaps another question on the dashboard")
    grid |= cells
for needed in ("order_trends_by_minute", "top_items", "inventory_status", "conversion_funnel", "low_stock_alerts"):
    if needed not in {c.get("view") for c in cards}:
        problems.append(f"no question shows {needed}")
print("\n".join(problems))
PY
)
expect_eq "every question reads an existing view's columns and fits the dashboard grid" "" "$problems"

# --- the script against the fake --------------------------------------------------------
# start_fake NAME [ARGS...]: a fake on a free port; sets `url` and `log`.
start_fake() {
  local name=$1 i
  shift
  log=$WORK_DIR/$name.log
  python3 "$FAKE" --port-file "$WORK_DIR/$name.port" --log "$log" "$@" &
  on_exit kill "$!"
  for ((i = 0; i < 100; i++)); do
    [[ -s $WORK_DIR/$name.port ]] && break
    sleep 0.1
  done
  [[ -s $WORK_DIR/$name.port ]] || die "the fake Metabase $name did not start"
  url=http://127.0.0.1:$(cat "$WORK_DIR/$name.port")
}
# run_setup NAME [VAR=VALUE...]: setup.sh against $url; status in `status`, output in NAME.out/.err.
run_setup() {
  local name=$1
  shift
  status=0
  env METABASE_URL="$url" METABASE_ADMIN_PASSWORD="$PASSWORD" METABASE_WAIT_SECONDS=20 \
    WAIT_FOR="$REPO_ROOT/docker/wait-for.sh" "$@" \
    timeout 60 bash "$SETUP" >"$WORK_DIR/$name.out" 2>"$WORK_DIR/$name.err" || status=$?
}
writes_since() {  # LINE: the POST and PUT requests after that line of the log
  tail -n +"$(($1 + 1))" "$log" | jq -r 'select(.method != "GET") | "\(.method) \(.path)"'
}

start_fake main --unhealthy 2
run_setup first
expect_eq "a fresh Metabase: setup.sh succeeds, nothing on stderr" "0 " "$status $(cat "$WORK_DIR/first.err")"
expect_match "... after waiting out two 503 health checks" "waiting for Metabase" "$(cat "$WORK_DIR/first.out")"
expect_eq "... and creates, in order, the admin, the database, five questions and the dashboard" \
  "POST /api/setup
POST /api/database
POST /api/card
POST /api/card
POST /api/card
POST /api/card
POST /api/card
POST /api/dashboard
PUT /api/dashboard/8" "$(writes_since 0)"
expect_eq "every request the fake answered was accepted (2xx, or the two 503s of the wait)" "" \
  "$(jq -r 'select(.status >= 300 and .path != "/api/health") | "\(.status) \(.method) \(.path)"' "$log")"
expect_eq "every request with a body sent JSON" "" \
  "$(jq -r 'select(.raw != "" and .body == null) | .path' "$log")"
expect_eq "every request after the setup carried the session header" "" \
  "$(jq -r 'select(.session | not) | select(.path | test("^/api/(health|session/properties|setup)$") | not) | .path' "$log")"
expect_eq "the admin is the demo's e-mail with the given password" "admin@shopstream.example true" \
  "$(jq -r --arg p "$PASSWORD" 'select(.path == "/api/setup") | "\(.body.user.email) \(.body.user.password == $p)"' "$log")"
expect_eq "Materialize over the PostgreSQL driver: host, port, database, user, no password, no TLS, the shop cluster" \
  '{"engine":"postgres","host":"materialized","port":6875,"dbname":"materialize","user":"materialize","password":null,"ssl":false,"additional-options":"options=--cluster%3Dshop"}' \
  "$(jq -c 'select(.path == "/api/database" and .method == "POST") | .body | {engine, host: .details.host, port: .details.port, dbname: .details.dbname, user: .details.user, password: .details.password, ssl: .details.ssl, "additional-options": .details."additional-options"}' "$log")"
expect_eq "each question is native SQL on that database, selecting its columns from its view" "" \
  "$(jq -r --slurpfile spec "$CARDS" 'select(.path == "/api/card" and .method == "POST") | .body as $b
      | ($spec[0].cards[] | select(.name == $b.name)) as $c
      | select(($b.dataset_query.type != "native") or ($b.dataset_query.database != 2)
               or ($b.dataset_query.native.query | startswith("SELECT " + ($c.columns | join(", ")) + " FROM " + $c.view) | not))
      | $b.name' "$log")"
expect_eq "the dashboard gets the five questions at their places" \
  '[{"id":-1,"card_id":3,"row":0,"col":0},{"id":-2,"card_id":4,"row":0,"col":12},{"id":-3,"card_id":5,"row":6,"col":0},{"id":-4,"card_id":6,"row":6,"col":12},{"id":-5,"card_id":7,"row":14,"col":0}]' \
  "$(jq -c 'select(.method == "PUT") | .body.dashcards | map({id, card_id, row, col})' "$log")"
expect_match "and the last line says where the dashboard is" 'Metabase is ready: http://127\.0\.0\.1:3030/dashboard/8 ' \
  "$(tail -n 1 "$WORK_DIR/first.out")"

lines=$(wc -l <"$log")
run_setup second
expect_eq "a second run succeeds" "0 " "$status $(cat "$WORK_DIR/second.err")"
expect_eq "... logs in and writes nothing else" "POST /api/session" "$(writes_since "$lines")"
expect_eq "... and says so for all seven things" 7 "$(grep -c ': unchanged$' "$WORK_DIR/second.out")"

# Someone archives a question: the next run saves it again and puts it back, leaving the
# other four dashcards as they were (same ids).
curl -fsS -X POST "$url/__fake/archive-card/5" >/dev/null
lines=$(wc -l <"$log")
run_setup third
expect_eq "after a question was archived: the run succeeds" "0 " "$status $(cat "$WORK_DIR/third.err")"
expect_eq "... saves only that question again and updates the dashboard" \
  "POST /api/session
POST /api/card
PUT /api/dashboard/8" "$(writes_since "$lines")"
expect_eq "... keeping the other dashcards and adding the new question in its place" \
  '[[9,3],[10,4],[12,6],[13,7],[-3,16]]' \
  "$(tail -n +"$((lines + 1))" "$log" | jq -c 'select(.method == "PUT") | .body.dashcards | map([.id, .card_id])')"

run_setup wrong-password METABASE_ADMIN_PASSWORD=another-password-1
expect_eq "a wrong password: exit 1 with one line on stderr" "1 1" "$status $(wc -l <"$WORK_DIR/wrong-password.err")"
expect_match "... naming the login and Metabase's answer" \
  '^metabase-setup: error: logging in as admin@shopstream\.example .*POST /api/session \(HTTP 401: ' \
  "$(cat "$WORK_DIR/wrong-password.err")"
expect_eq "... and not the password" "" "$(grep -F another-password-1 "$WORK_DIR/wrong-password.err" || true)"

start_fake never-ready --unhealthy 1000000
run_setup never-ready METABASE_WAIT_SECONDS=3
expect_eq "a Metabase that never gets healthy: exit 1 at the deadline, one line naming it" \
  "1 wait-for.sh: error: Metabase at $url (GET /api/health): not there after 3 s" \
  "$status $(cat "$WORK_DIR/never-ready.err")"

run_setup bad-port MATERIALIZE_PORT=68x75
expect_eq "a bad setting: exit 1 with one line naming it" \
  "1 metabase-setup: error: MATERIALIZE_PORT must be a number (got '68x75')" \
  "$status $(cat "$WORK_DIR/bad-port.err")"

expect_eq "the admin password is in no output of any run" "" \
  "$(grep -lF "$PASSWORD" "$WORK_DIR"/*.out "$WORK_DIR"/*.err || true)"
