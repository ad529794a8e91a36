#!/usr/bin/env bash
# The Kafka dev broker as a test server (scripts/services.sh, fixture service_kafka),
# checked with kcat, a third-party client: 1000 keyed messages produced (idempotent,
# acks=all) come back exactly, in per-key order; broker-down makes it refuse service,
# broker-up restores it on the same port with the messages kept; a restart keeps the port.
# Takes the broker down and restarts it: registered with RESOURCE_LOCK kafka.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${KAFKA_BROKERS:-} ]] || die "KAFKA_BROKERS is not set (is the kafka fixture running?)"
expect_match "KAFKA_BROKERS has the documented shape" '^127\.0\.0\.1:[0-9]+$' "$KAFKA_BROKERS"
command -v kcat >/dev/null || die "kcat not found (apt-get install -y kcat)"

topic=harness-kcat-$$-$RANDOM
n=1000
producer=(kcat -P -b "$KAFKA_BROKERS" -t "$topic" -K '|' -X enable.idempotence=true -X acks=all)
# consume: every message of the topic as "partition|key|value", in consumption order.
consume() {
  kcat -C -b "$KAFKA_BROKERS" -t "$topic" -o beginning -e -q -m 10 -f '%p|%k|%s\n'
}

# 97 keys, each with its own increasing sequence, values in the pageviews JSON shape.
for ((i = 0; i < n; i++)); do
  printf 'user-%d|{"user_id": %d, "seq": %d, "url": "/products/%d", "channel": "social"}\n' \
    $((i % 97)) $((i % 97)) "$i" $((i * 7 % 500))
done >"$WORK_DIR/sent"

expect_ok "kcat produces $n keyed messages (idempotent, acks=all)" "${producer[@]}" <"$WORK_DIR/sent"
consume >"$WORK_DIR/got"
expect_eq "kcat consumes $n messages back" "$n" "$(wc -l <"$WORK_DIR/got" | tr -d ' ')"
cut -d'|' -f2- "$WORK_DIR/got" | sort >"$WORK_DIR/got.sorted"
sort "$WORK_DIR/sent" >"$WORK_DIR/sent.sorted"
expect_ok "the messages come back exactly (keys and values)" \
  cmp -s "$WORK_DIR/sent.sorted" "$WORK_DIR/got.sorted"
partitions=$(kcat -L -b "$KAFKA_BROKERS" -t "$topic" -m 5 |
  sed -n "s/^ *topic \"$topic\" with \([0-9]*\) partitions:/\1/p")
expect_match "the topic was auto-created with several partitions" '^([2-9]|[1-9][0-9]+)$' "$partitions"
expect_eq "the keys spread over all of them" "$partitions" \
  "$(cut -d'|' -f1 "$WORK_DIR/got" | sort -u | wc -l | tr -d ' ')"
# Each key stays in one partition and its sequence numbers arrive in order.
order_errors=$(awk -F'|' '{
    key = $2; match($3, /"seq": [0-9]+/); seq = substr($3, RSTART + 7, RLENGTH - 7) + 0
    if (key in part && part[key] != $1) bad++
    if (key in last && last[key] >= seq) bad++
    part[key] = $1; last[key] = seq
  } END { print bad + 0 }' "$WORK_DIR/got")
expect_eq "per-key partition and order are kept" "0" "$order_errors"

# broker-down: the broker refuses service, without ending the process.
pid_before=$(cat "$SHOP_SERVICES_DIR/kafka/kafka.pid" 2>/dev/null || true)
"$SERVICES_SH" broker-down
on_exit "$SERVICES_SH" broker-up # brings it back if an assertion below aborts
expect_fail "a metadata request fails while the broker is down" \
  kcat -L -b "$KAFKA_BROKERS" -m 3
printf 'outage|lost\n' >"$WORK_DIR/outage"
expect_fail "a produce is not delivered while the broker is down" \
  "${producer[@]}" -X message.timeout.ms=3000 <"$WORK_DIR/outage"
expect_eq "the broker process lives on while down" "$KAFKA_BROKERS" \
  "$("$SERVICES_SH" env | sed -n "s/^export KAFKA_BROKERS='\(.*\)'$/\1/p")"

"$SERVICES_SH" broker-up
expect_ok "a metadata request answers after broker-up (same port)" \
  kcat -L -b "$KAFKA_BROKERS" -m 5 -t "$topic"
expect_eq "same broker process after broker-up" "$pid_before" \
  "$(cat "$SHOP_SERVICES_DIR/kafka/kafka.pid" 2>/dev/null || true)"
consume | cut -d'|' -f2- | sort >"$WORK_DIR/after"
expect_ok "the messages produced before the outage are all there, and only they" \
  cmp -s "$WORK_DIR/sent.sorted" "$WORK_DIR/after"
printf 'user-1|after the outage\n' >"$WORK_DIR/more"
expect_ok "producing works again after broker-up" "${producer[@]}" <"$WORK_DIR/more"
expect_eq "and the new message arrives" "$((n + 1))" "$(consume | wc -l | tr -d ' ')"

# A restart keeps the port (topics live in memory only, they are not kept).
"$SERVICES_SH" stop kafka
on_exit "$SERVICES_SH" start kafka
expect_fail "the broker is gone after stop" kcat -L -b "$KAFKA_BROKERS" -m 2
expect_eq "start prints the same KAFKA_BROKERS (same port)" \
  "export KAFKA_BROKERS='$KAFKA_BROKERS'" "$("$SERVICES_SH" start kafka)"
expect_ok "the restarted broker answers" kcat -L -b "$KAFKA_BROKERS" -m 5
