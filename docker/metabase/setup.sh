#!/usr/bin/env bash
# docker/metabase/setup.sh: makes the `bi` profile's Metabase usable without clicking, as a
# one-shot (compose service metabase-setup, in the tools' image: bash, curl, jq). Through
# Metabase's REST API it
#   1. waits for Metabase (GET /api/health, bounded by docker/wait-for.sh),
#   2. creates the admin user on a fresh instance (POST /api/setup), else logs in as it,
#   3. adds Materialize as a PostgreSQL database whose sessions use the demo's cluster,
#   4. saves one native-SQL question per view of cards.json (sql/materialize/04_views.sql),
#   5. puts them on one dashboard.
# Each step looks for what it would create first (by name) and leaves what it finds alone,
# so a second run changes nothing. The admin password is never printed; it goes to curl
# in a request body read from a private file, not on a command line. Any failure is one
# line on stderr, "metabase-setup: error: <what> (<why>)", and exit 1.
#
# Environment (the defaults are compose's; the password is a demo value for a stack that
# only listens on loopback):
#   METABASE_URL             http://metabase:3000
#   METABASE_PUBLIC_URL      http://127.0.0.1:3030 (only for the line printed at the end)
#   METABASE_WAIT_SECONDS    300 (how long to wait for /api/health)
#   METABASE_ADMIN_EMAIL     admin@shopstream.example
#   METABASE_ADMIN_PASSWORD  metabase-demo-1 (Metabase's default rule: 6+ characters, a digit)
#   METABASE_DATABASE_NAME   Materialize (shopstream)
#   METABASE_CARDS_FILE      cards.json next to this script
#   MATERIALIZE_HOST / _PORT / _DATABASE / _USER / _CLUSTER
#                            materialized / 6875 / materialize / materialize / shop
#   WAIT_FOR                 wait-for.sh (the tools' image has it on PATH), else ../wait-for.sh
#
# Sources, read for each request below (github.com/metabase/metabase, the module layout of
# v0.55 and later; the image is pinned in compose.yml):
#   GET  /api/health             src/metabase/server/routes.clj, health-handler: 200
#                                {"status":"ok"} once initialised and the app DB answers,
#                                503 before; every other /api route answers 503 until then
#   GET  /api/session/properties src/metabase/session/api.clj: the public settings, among
#                                them "has-user-setup" and "setup-token"
#   POST /api/setup              src/metabase/setup_rest/api.clj: {token, user {email,
#                                password, first_name, last_name}, prefs {site_name,
#                                site_locale}} -> {id}; 403 once a user exists. It no longer
#                                takes a database (older releases did), hence step 3.
#   POST /api/session            src/metabase/session/api.clj: {username, password} -> {id};
#                                401 on a wrong password (logins are throttled)
#   X-Metabase-Session: <id>     the session header, github.com/metabase/metabase/wiki/Using-the-REST-API
#   GET  /api/database           src/metabase/warehouses/api.clj: {data: [...], total}
#                                (a bare array in old releases; both are read)
#   POST /api/database           src/metabase/warehouses/api.clj: {name, engine, details,
#                                is_full_sync, auto_run_queries}; it tests the connection
#                                first (with TLS, then as given) and answers 400 with the
#                                driver's message when it cannot connect
#     details for engine postgres: src/metabase/driver/postgres.clj, connection-properties
#                                (host, port, dbname, user, password, ssl,
#                                additional-options) and connection-details->spec, which
#                                hands additional-options to
#                                src/metabase/driver/sql_jdbc/common.clj,
#                                handle-additional-options: appended to the JDBC URL after
#                                "?" or "&". pgjdbc's Driver.parseURL splits each option at
#                                its first "=" and URL-decodes the value, so
#                                "options=--cluster%3Dshop" reaches Materialize as the
#                                startup option --cluster=shop (materialize.com/docs
#                                integrations/sql-clients, "Runtime connection parameters").
#                                05_indexes.sql also sets the role's cluster; this is the
#                                same choice made per connection.
#   GET  /api/card?f=database&model_id=ID   src/metabase/queries/api/card.clj (not archived)
#   POST /api/card               src/metabase/queries/api/card.clj, CardCreateSchema: name,
#                                dataset_query, display, visualization_settings required;
#                                a native query as {database, type "native", native {query}}
#                                (0.57 stores MBQL 5 but still reads this form,
#                                docs/developers-guide/api-changelog.md)
#   GET  /api/collection/root/items?models=dashboard   src/metabase/collections_rest/api.clj
#                                (GET /api/dashboard is deprecated there: "may be removed")
#   POST /api/dashboard          src/metabase/dashboards/api.clj: {name, description}
#   GET  /api/dashboard/:id      src/metabase/dashboards/api.clj: dashcards (card_id, row,
#                                col, size_x, size_y), tabs
#   PUT  /api/dashboard/:id      src/metabase/dashboards/api.clj, DashUpdates and
#                                UpdatedDashboardCard: {dashcards: [{id, card_id, row, col,
#                                size_x, size_y}], tabs}; a negative id is a new dashcard, a
#                                current one left out is deleted, so the current ones are
#                                sent back as they are. (PUT /:id/cards is deprecated.)
set -euo pipefail

readonly PROG=metabase-setup
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly METABASE_URL=${METABASE_URL:-http://metabase:3000}
readonly PUBLIC_URL=${METABASE_PUBLIC_URL:-http://127.0.0.1:3030}
readonly WAIT_SECONDS=${METABASE_WAIT_SECONDS:-300}
readonly ADMIN_EMAIL=${METABASE_ADMIN_EMAIL:-admin@shopstream.example}
# Exported so jq reads it from the environment (env.METABASE_ADMIN_PASSWORD), not argv.
export METABASE_ADMIN_PASSWORD=${METABASE_ADMIN_PASSWORD:-metabase-demo-1}
readonly DATABASE_NAME=${METABASE_DATABASE_NAME:-Materialize (shopstream)}
readonly CARDS_FILE=${METABASE_CARDS_FILE:-$HERE/cards.json}
readonly MZ_HOST=${MATERIALIZE_HOST:-materialized}
readonly MZ_PORT=${MATERIALIZE_PORT:-6875}
readonly MZ_DATABASE=${MATERIALIZE_DATABASE:-materialize}
readonly MZ_USER=${MATERIALIZE_USER:-materialize}
readonly MZ_CLUSTER=${MATERIALIZE_CLUSTER:-shop}

# fail WHAT WHY: the one line, with the password blanked should a server echo it.
fail() {
  local line="$1 ($2)"
  line=${line//"$METABASE_ADMIN_PASSWORD"/"<password>"}
  printf '%s: error: %s\n' "$PROG" "${line//$'\n'/ }" >&2
  exit 1
}

command -v curl >/dev/null || fail "curl not found" "the tools' image has it"
command -v jq >/dev/null || fail "jq not found" "apt-get install jq"
[[ -n $METABASE_ADMIN_PASSWORD ]] || fail "METABASE_ADMIN_PASSWORD is empty" "set a password"
[[ $WAIT_SECONDS =~ ^[0-9]+$ ]] || fail "METABASE_WAIT_SECONDS must be a whole number" "got '$WAIT_SECONDS'"
[[ $MZ_PORT =~ ^[0-9]+$ ]] || fail "MATERIALIZE_PORT must be a number" "got '$MZ_PORT'"
[[ $MZ_CLUSTER =~ ^[a-z_][a-z0-9_]*$ ]] || fail "MATERIALIZE_CLUSTER must be a plain identifier" "got '$MZ_CLUSTER'"
jq -e '.cards | length > 0' "$CARDS_FILE" >/dev/null 2>&1 || fail "cannot read the cards" "$CARDS_FILE: missing, not JSON, or no .cards"
WAIT_FOR=${WAIT_FOR:-$(command -v wait-for.sh || echo "$HERE/../wait-for.sh")}
readonly WAIT_FOR

tmp=$(mktemp -d "${TMPDIR:-/tmp}/metabase-setup.XXXXXX")
readonly tmp
trap 'rm -rf -- "$tmp"' EXIT
: >"$tmp/headers"

# api WHAT METHOD PATH [BODY_FILE]: the response in $tmp/response; any status but 2xx
# fails, naming WHAT, the request and Metabase's message.
api() {
  local what=$1 method=$2 path=$3 body=${4:-} status reason
  local args=(-sS -o "$tmp/response" -w '%{http_code}' -X "$method" --max-time 120
    -H 'Accept: application/json' -H @"$tmp/headers")
  [[ -z $body ]] || args+=(-H 'Content-Type: application/json' --data-binary @"$body")
  status=$(curl "${args[@]}" "$METABASE_URL$path" 2>"$tmp/curl.err") ||
    fail "$what: $method $path" "$(head -n 1 "$tmp/curl.err")"
  if [[ $status != 2?? ]]; then
    reason=$(jq -r 'if type == "object" then (.message // (.errors | tojson)) else tostring end' \
      "$tmp/response" 2>/dev/null || head -c 300 "$tmp/response")
    fail "$what: $method $path" "HTTP $status: ${reason:0:300}"
  fi
}
# field JQ_FILTER: one value out of the last response ("" for null).
field() {
  jq -r "$1 // empty" "$tmp/response"
}

# 1. Metabase answers.
"$WAIT_FOR" "$WAIT_SECONDS" "Metabase at $METABASE_URL (GET /api/health)" \
  curl -fsS --max-time 5 "$METABASE_URL/api/health" || exit 1

# 2. The admin: created on a fresh instance, else a login.
api "reading Metabase's setup state" GET /api/session/properties
if [[ $(jq -r '."has-user-setup"' "$tmp/response") != true ]]; then
  setup_token=$(field '."setup-token"')
  [[ -n $setup_token ]] || fail "Metabase has no user and no setup token" "GET /api/session/properties"
  jq -n --arg token "$setup_token" --arg email "$ADMIN_EMAIL" \
    '{token: $token,
      user: {email: $email, password: env.METABASE_ADMIN_PASSWORD, first_name: "Shop", last_name: "Admin"},
      prefs: {site_name: "shopstream", site_locale: "en"}}' >"$tmp/body"
  api "creating the admin user $ADMIN_EMAIL" POST /api/setup "$tmp/body"
  echo "created the admin user $ADMIN_EMAIL"
else
  jq -n --arg email "$ADMIN_EMAIL" '{username: $email, password: env.METABASE_ADMIN_PASSWORD}' >"$tmp/body"
  api "logging in as $ADMIN_EMAIL (set up with another password? then set METABASE_ADMIN_PASSWORD)" \
    POST /api/session "$tmp/body"
  echo "logged in as $ADMIN_EMAIL"
fi
rm -f -- "$tmp/body"
session=$(field .id)
[[ -n $session ]] || fail "no session from Metabase" "the response had no id"
printf 'X-Metabase-Session: %s\n' "$session" >"$tmp/headers"

# 3. Materialize, over the PostgreSQL driver, on the demo's cluster.
api "listing Metabase's databases" GET /api/database
database_id=$(jq -r --arg name "$DATABASE_NAME" \
  '[(if type == "array" then . else .data end)[] | select(.name == $name)][0].id // empty' "$tmp/response")
if [[ -z $database_id ]]; then
  jq -n --arg name "$DATABASE_NAME" --arg host "$MZ_HOST" --argjson port "$MZ_PORT" \
    --arg dbname "$MZ_DATABASE" --arg user "$MZ_USER" --arg cluster "$MZ_CLUSTER" \
    '{name: $name, engine: "postgres", is_full_sync: true, auto_run_queries: true,
      details: {host: $host, port: $port, dbname: $dbname, user: $user, ssl: false,
                "additional-options": ("options=--cluster%3D" + $cluster)}}' >"$tmp/body"
  api "adding Materialize ($MZ_HOST:$MZ_PORT) as database '$DATABASE_NAME'" POST /api/database "$tmp/body"
  database_id=$(field .id)
  [[ -n $database_id ]] || fail "adding database '$DATABASE_NAME'" "the response had no id"
  echo "added database '$DATABASE_NAME' (id $database_id): $MZ_USER@$MZ_HOST:$MZ_PORT/$MZ_DATABASE, cluster $MZ_CLUSTER"
else
  echo "database '$DATABASE_NAME' exists (id $database_id): unchanged"
fi

# 4. One question per card of cards.json, in its order.
api "listing the questions of database $database_id" GET "/api/card?f=database&model_id=$database_id"
cp -- "$tmp/response" "$tmp/cards"
card_ids=()
count=$(jq '.cards | length' "$CARDS_FILE")
for ((i = 0; i < count; i++)); do
  name=$(jq -r --argjson i "$i" '.cards[$i].name' "$CARDS_FILE")
  id=$(jq -r --arg name "$name" '[.[] | select(.name == $name)][0].id // empty' "$tmp/cards")
  if [[ -z $id ]]; then
    jq --argjson i "$i" --argjson database "$database_id" \
      '.cards[$i] | {
         name, display, type: "question",
         description: ("Live from the Materialize view " + .view + " (docker/metabase/setup.sh)."),
         visualization_settings: (.visualization_settings // {}),
         dataset_query: {database: $database, type: "native", native: {
           "template-tags": {},
           query: ("SELECT " + (.columns | join(", ")) + " FROM " + .view
                   + (if .order_by then " ORDER BY " + (.order_by | join(", ")) else "" end)
                   + (if .limit then " LIMIT " + (.limit | tostring) else "" end))}}}' \
      "$CARDS_FILE" >"$tmp/body"
    api "saving the question '$name'" POST /api/card "$tmp/body"
    id=$(field .id)
    [[ -n $id ]] || fail "saving the question '$name'" "the response had no id"
    echo "saved the question '$name' (id $id)"
  else
    echo "question '$name' exists (id $id): unchanged"
  fi
  card_ids+=("$id")
done
card_ids_json=$(printf '%s\n' "${card_ids[@]}" | jq -s 'map(tonumber)')

# 5. The dashboard, with every question on it.
dashboard_name=$(jq -r '.dashboard.name' "$CARDS_FILE")
api "listing the root collection's dashboards" GET "/api/collection/root/items?models=dashboard"
dashboard_id=$(jq -r --arg name "$dashboard_name" \
  '[.data[] | select(.model == "dashboard" and .name == $name)][0].id // empty' "$tmp/response")
if [[ -z $dashboard_id ]]; then
  jq '.dashboard | {name, description}' "$CARDS_FILE" >"$tmp/body"
  api "creating the dashboard '$dashboard_name'" POST /api/dashboard "$tmp/body"
  dashboard_id=$(field .id)
  [[ -n $dashboard_id ]] || fail "creating the dashboard '$dashboard_name'" "the response had no id"
  echo "created the dashboard '$dashboard_name' (id $dashboard_id)"
fi
api "reading the dashboard '$dashboard_name'" GET "/api/dashboard/$dashboard_id"
missing=$(jq --argjson ids "$card_ids_json" \
  '[(.dashcards // []) | map(.card_id)] as [$have] | $ids | map(select(. as $id | $have | index([$id]) | not)) | length' \
  "$tmp/response")
if ((missing > 0)); then
  jq --argjson ids "$card_ids_json" --slurpfile spec "$CARDS_FILE" \
    '(.dashcards // []) as $current | ($current | map(.card_id)) as $have
     | ((.tabs // [])[0].id) as $tab
     | {tabs: ((.tabs // []) | map({id, name})),
        dashcards: (
          ($current | map({id, card_id, row, col, size_x, size_y, dashboard_tab_id,
                           parameter_mappings: (.parameter_mappings // []),
                           visualization_settings: (.visualization_settings // {}),
                           series: ((.series // []) | map({id}))}))
          + [range(0; $ids | length) as $i
             | select($have | index([$ids[$i]]) | not)
             | $spec[0].cards[$i] as $card
             | {id: (-1 - $i), card_id: $ids[$i], row: $card.row, col: $card.col,
                size_x: $card.size_x, size_y: $card.size_y, parameter_mappings: [],
                visualization_settings: {}, series: []}
             + (if $tab then {dashboard_tab_id: $tab} else {} end)])}' \
    "$tmp/response" >"$tmp/body"
  api "adding $missing questions to the dashboard '$dashboard_name'" PUT "/api/dashboard/$dashboard_id" "$tmp/body"
  echo "put $missing questions on the dashboard '$dashboard_name'"
else
  echo "dashboard '$dashboard_name' (id $dashboard_id) has all ${#card_ids[@]} questions: unchanged"
fi
echo "Metabase is ready: $PUBLIC_URL/dashboard/$dashboard_id (add #refresh=5 to refresh every 5 s), user $ADMIN_EMAIL"
