#!/usr/bin/env bash
# Static checks of sql/materialize (no server): no syntax Materialize removed, every
# statement idempotent, every variable defaulted but the documented required one, and
# every variant of the connections (Kafka's security protocols, MySQL's SSL modes, with
# and without a CA) accepted by Materialize's grammar (tests/support/materialize_grammar.py)
# with every secret masked.
#   materialize_sql_test.sh SHOP_MZSQL
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"

readonly MZSQL=${1:?usage: materialize_sql_test.sh SHOP_MZSQL}
readonly SQL_DIR=$REPO_ROOT/sql/materialize

# Removed from Materialize (../shared/MATERIALIZE.md): the original demo's syntax.
for removed in 'KAFKA BROKER' 'FORMAT BYTES' 'mz_logical_timestamp' 'MATERIALIZED SOURCE' 'WITH (SIZE' 'convert_from'; do
  if grep -rniF -- "$removed" "$SQL_DIR" >"$WORK_DIR/hits"; then
    not_ok "removed syntax '$removed' in: $(head -n 3 "$WORK_DIR/hits")"
  else
    ok "no '$removed'"
  fi
done
if grep -rniwE -- 'TAIL' "$SQL_DIR" >"$WORK_DIR/hits"; then not_ok "TAIL in: $(head -n 3 "$WORK_DIR/hits")"; else
  ok "no TAIL (SUBSCRIBE replaced it)"
fi

for variant in "$SQL_DIR" "$SQL_DIR/debezium"; do
  name=${variant#"$REPO_ROOT/"}
  # Only MYSQL_PASSWORD is required; everything else has a default.
  (cd "$REPO_ROOT" && env -u MYSQL_PASSWORD "$MZSQL" --dry-run "$name" >/dev/null 2>"$WORK_DIR/err") || true
  expect_eq "$name: the only required variable is MYSQL_PASSWORD" \
    "shop-mzsql: error: unset variable: MYSQL_PASSWORD ($name/01_connections.sql:44); set with --var NAME=VALUE or in the environment" \
    "$(cat "$WORK_DIR/err")"
  MYSQL_PASSWORD=x "$MZSQL" --dry-run "$variant" >"$WORK_DIR/statements" || die "$name: --dry-run failed"
  # Every statement can be applied again: CREATE ... IF NOT EXISTS, a skip-if line before
  # it, or ALTER SECRET (which sets the same value again).
  awk 'BEGIN { RS = "" }
    {
      body = $0
      guarded = sub(/^-- [^\n]*\n-- shop-mzsql: skip if [^\n]*\n/, "", body)
      if (!guarded) sub(/^-- [^\n]*\n/, "", body)
      if (guarded || body ~ /^ALTER SECRET / || body ~ /^ALTER ROLE [a-z_]+ SET / || body ~ /^CREATE [A-Z ]*IF NOT EXISTS /) next
      print "not idempotent: " substr(body, 1, 60)
    }' "$WORK_DIR/statements" >"$WORK_DIR/not_idempotent"
  expect_eq "$name: every statement can be applied again" "" "$(cat "$WORK_DIR/not_idempotent")"
  expect_match "$name: applies the sources, views and indexes" \
    '^(4[0-9]|5[0-9])$' "$(grep -c '^-- .*\.sql:[0-9]*$' "$WORK_DIR/statements")"
done

# The Debezium directory shares every file but its sources: links, not copies.
for file in "$SQL_DIR"/0*.sql; do
  base=$(basename -- "$file")
  [[ $base == 02_mysql_sources.sql ]] && continue
  expect_eq "debezium/$base links to the shared file" "../$base" "$(readlink "$SQL_DIR/debezium/$base" || true)"
done

# Nothing over the page views keeps all of them: every view that reads pageviews goes
# through recent_pageviews, whose temporal filter bounds it to the last hour.
expect_eq "only recent_pageviews reads the page views stream" "recent_pageviews" \
  "$(awk 'BEGIN { RS = ";" } /FROM pageviews([^_]|$)/ { if (match($0, /VIEW IF NOT EXISTS [a-z_]+/)) print substr($0, RSTART + 19, RLENGTH - 19) }' "$SQL_DIR/04_views.sql" | sort -u | tr '\n' ' ' | sed 's/ $//')"
# The page views' window must be one Materialize can push down to storage, or every
# cluster restart re-reads the topic's whole history: a filter on a column of the source
# itself with arithmetic and a comparison only (materialize.com/docs/transform-data/
# patterns/temporal-filters/, "Temporal filter pushdown"). So: the source includes the
# Kafka timestamp, the pageviews view passes it through as it is, recent_pageviews filters
# on it, and nothing filters page views on received_at (computed from the JSON text
# through a regular expression and casts).
expect_match "pageviews_raw includes the Kafka timestamp" 'FORMAT JSON[[:space:]]+INCLUDE TIMESTAMP AS kafka_timestamp;' \
  "$(cat "$SQL_DIR/03_pageviews.sql")"
expect_match "the pageviews view passes kafka_timestamp through unchanged (no function, no cast)" \
  $'\n[[:space:]]+kafka_timestamp\n[[:space:]]+FROM pageviews_raw' "$(awk 'BEGIN { RS = ";" } /VIEW IF NOT EXISTS pageviews AS/' "$SQL_DIR/03_pageviews.sql")"
expect_match "recent_pageviews' temporal filter is on kafka_timestamp" "mz_now\\(\\) <= kafka_timestamp \\+ INTERVAL '1 hour'" \
  "$(awk 'BEGIN { RS = ";" } /VIEW IF NOT EXISTS recent_pageviews/' "$SQL_DIR/04_views.sql")"
expect_eq "every temporal filter over page views is on kafka_timestamp" "" \
  "$(awk 'BEGIN { RS = ";" } /FROM (recent_)?pageviews([^_]|$)/' "$SQL_DIR/04_views.sql" |
    grep -oE 'mz_now\(\) *[<>=]+ *[a-z_.]+' | grep -vE 'mz_now\(\) <= (kafka_timestamp|created_at)$' || true)"
expect_eq "no temporal filter anywhere compares received_at" "" \
  "$(cat "$SQL_DIR"/0*.sql | grep -nE 'mz_now\(\)[^;]*received_at' || true)"

# The connections' variants (01_connections.sql's "-- shop-mzsql: if" lines): each one
# through the grammar check, which refuses an option the chosen protocol or mode does
# not take (plan_kafka_security in Materialize's src/sql/src/plan/statement/ddl/connection.rs).
readonly PASSWORD=Pw-d1stinct1ve-5ecret
readonly SASL_PASSWORD=Sasl-d1stinct1ve-5ecret
readonly CA_PEM=$'-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUXb0dTestOnlyNotARealCertificate0123456789ab\n-----END CERTIFICATE-----'
GRAMMAR=(python3 "$REPO_ROOT/tests/support/materialize_grammar.py" --dry-run)
for variant in "$SQL_DIR" "$SQL_DIR/debezium"; do
  name=${variant#"$REPO_ROOT/"}
  for kafka in PLAINTEXT SSL SSL+CA SASL_PLAINTEXT SASL_SSL SASL_SSL+CA; do
    for mysql in default disabled required required+CA verify_ca verify_ca+CA verify_identity verify_identity+CA; do
      vars=(--var MYSQL_PASSWORD="$PASSWORD")
      protocol=${kafka%+CA}
      [[ $kafka == PLAINTEXT ]] || vars+=(--var KAFKA_SECURITY_PROTOCOL="${protocol,,}")  # any case
      [[ $kafka == *+CA ]] && vars+=(--var KAFKA_SSL_CA="$CA_PEM")
      [[ $protocol == SASL_* ]] && vars+=(--var KAFKA_SASL_MECHANISMS=SCRAM-SHA-512 --var KAFKA_SASL_USERNAME=shop
        --var KAFKA_SASL_PASSWORD="$SASL_PASSWORD")
      mode=${mysql%+CA}
      [[ $mode == default ]] || vars+=(--var MYSQL_CONNECTION_SSL_MODE="$mode")
      [[ $mysql == *+CA ]] && vars+=(--var MYSQL_CONNECTION_SSL_CA="$CA_PEM")
      what="$name, Kafka $kafka, MySQL $mysql"
      if ! "$MZSQL" --dry-run "${vars[@]}" "$variant" >"$WORK_DIR/out" 2>&1; then
        not_ok "$what: --dry-run failed: $(head -c 300 "$WORK_DIR/out")"
        continue
      fi
      if report=$("${GRAMMAR[@]}" "$WORK_DIR/out" 6); then ok "$what: $report"; else not_ok "$what: $report"; fi
      if grep -qF -e "$PASSWORD" -e "$SASL_PASSWORD" "$WORK_DIR/out"; then not_ok "$what: a password is printed"; fi
      kafka_sql=$(awk 'BEGIN { RS = "" } /CONNECTION IF NOT EXISTS kafka_connection/' "$WORK_DIR/out")
      mysql_sql=$(awk 'BEGIN { RS = "" } /CONNECTION IF NOT EXISTS mysql_connection/' "$WORK_DIR/out")
      expect_eq "$what: one Kafka connection, one MySQL connection" "1 1" \
        "$(grep -c 'TO KAFKA' <<<"$kafka_sql") $(grep -c 'TO MYSQL' <<<"$mysql_sql")"
      expect_match "$what: the Kafka protocol chosen" "SECURITY PROTOCOL = '$protocol'" "$kafka_sql"
      [[ $kafka == *+CA ]] && expect_match "$what: the Kafka CA as a secret" \
        "SSL CERTIFICATE AUTHORITY = SECRET kafka_ssl_ca" "$kafka_sql"
      case $mode in
        default | disabled) [[ $mysql_sql != *"SSL "* ]] || not_ok "$what: SSL options without an SSL mode" ;;
        *) expect_match "$what: the MySQL SSL mode chosen" "SSL MODE = '$mode'" "$mysql_sql" ;;
      esac
      [[ $mysql == *+CA ]] && expect_match "$what: the MySQL CA as a secret" \
        "SSL CERTIFICATE AUTHORITY = SECRET mysql_ssl_ca" "$mysql_sql"
    done
  done
done

# The check fails on wrong SQL: SASL options under PLAINTEXT, a CA under SASL_PLAINTEXT,
# an SSL mode Materialize refuses.
"$MZSQL" --dry-run --var MYSQL_PASSWORD=x --var KAFKA_SECURITY_PROTOCOL=SASL_SSL --var KAFKA_SASL_MECHANISMS=PLAIN \
  --var KAFKA_SASL_USERNAME=u --var KAFKA_SASL_PASSWORD=p --var KAFKA_SSL_CA=pem --var MYSQL_CONNECTION_SSL_MODE=required \
  "$SQL_DIR" >"$WORK_DIR/sasl_ssl" || die "--dry-run failed"
"$MZSQL" --dry-run --var MYSQL_PASSWORD=x --var KAFKA_SECURITY_PROTOCOL=SASL_SSL --var KAFKA_SASL_MECHANISMS=PLAIN \
  --var KAFKA_SASL_USERNAME=u --var KAFKA_SASL_PASSWORD=p "$SQL_DIR" >"$WORK_DIR/sasl_ssl_no_ca" || die "--dry-run failed"
for broken in "no_ca s/'SASL_SSL'/'PLAINTEXT'/" "no_ca s/'SASL_SSL'/'SSL'/" "s/'SASL_SSL'/'SASL_PLAINTEXT'/" \
  "s/SSL MODE = 'required'/SSL MODE = 'preferred'/" "s/PASSWORD = SECRET kafka_sasl_password/PASSWORD = 'p'/"; do
  base=$WORK_DIR/sasl_ssl
  [[ $broken == no_ca\ * ]] && base=$WORK_DIR/sasl_ssl_no_ca broken=${broken#no_ca }
  sed "$broken" "$base" >"$WORK_DIR/broken"
  if "${GRAMMAR[@]}" "$WORK_DIR/broken" >"$WORK_DIR/report"; then
    not_ok "the grammar check refuses '$broken': $(cat "$WORK_DIR/report")"
  else
    ok "the grammar check refuses '$broken': $(head -c 160 "$WORK_DIR/report")"
  fi
done

# Refused before connecting, in one line (exit 2): a value no variant names, and an
# optional variable set for a variant not chosen.
refused() {  # WHAT EXPECTED_LINE VAR=VALUE...
  local what=$1 expected=$2 status=0
  shift 2
  (cd "$REPO_ROOT" && env MYSQL_PASSWORD=x "$@" "$MZSQL" --dry-run --url postgres://nobody@127.0.0.1:1/none sql/materialize \
    >/dev/null 2>"$WORK_DIR/err") || status=$?
  expect_eq "$what" "2 $expected" "$status $(cat "$WORK_DIR/err")"
}
refused "an unknown Kafka security protocol" \
  "shop-mzsql: error: KAFKA_SECURITY_PROTOCOL=TLS is not one of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, SSL (the values sql/materialize/01_connections.sql accepts)" \
  KAFKA_SECURITY_PROTOCOL=TLS
refused "MySQL's PREFERRED (Materialize refuses it)" \
  "shop-mzsql: error: MYSQL_CONNECTION_SSL_MODE=preferred is not one of disabled, required, verify_ca, verify_identity (the values sql/materialize/01_connections.sql accepts)" \
  MYSQL_CONNECTION_SSL_MODE=preferred
refused "an unknown SASL mechanism" \
  "shop-mzsql: error: KAFKA_SASL_MECHANISMS=GSSAPI is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (the values sql/materialize/01_connections.sql accepts)" \
  KAFKA_SECURITY_PROTOCOL=SASL_SSL KAFKA_SASL_MECHANISMS=GSSAPI
refused "a Kafka CA with PLAINTEXT" \
  "shop-mzsql: error: set, but used only by statements that their '-- shop-mzsql: if' lines leave out: KAFKA_SSL_CA (sql/materialize/01_connections.sql:99)" \
  KAFKA_SSL_CA=pem
refused "SASL credentials without a SASL protocol, a MySQL CA with SSL disabled" \
  "shop-mzsql: error: set, but used only by statements that their '-- shop-mzsql: if' lines leave out: KAFKA_SASL_PASSWORD (sql/materialize/01_connections.sql:93), KAFKA_SASL_USERNAME (sql/materialize/01_connections.sql:121), MYSQL_CONNECTION_SSL_CA (sql/materialize/01_connections.sql:69)" \
  KAFKA_SECURITY_PROTOCOL=SSL KAFKA_SASL_USERNAME=u KAFKA_SASL_PASSWORD="$SASL_PASSWORD" MYSQL_CONNECTION_SSL_CA=pem
refused "SASL without its credentials: every missing one at once" \
  "shop-mzsql: error: unset variables: KAFKA_SASL_MECHANISMS (sql/materialize/01_connections.sql:121), KAFKA_SASL_PASSWORD (sql/materialize/01_connections.sql:93), KAFKA_SASL_USERNAME (sql/materialize/01_connections.sql:121); set with --var NAME=VALUE or in the environment" \
  KAFKA_SECURITY_PROTOCOL=sasl_plaintext
