#!/usr/bin/env bash
# kafka-dev-broker on its own (no fixture): fixed ports kept across a restart, --topic and
# --partitions (for topics it creates), the control commands, down/up, clean exit on SIGTERM and SIGINT, errors.
# The broker program comes from SHOP_KAFKA_DEV_BROKER (set by CTest).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

broker=${SHOP_KAFKA_DEV_BROKER:-}
[[ -x $broker ]] || die "SHOP_KAFKA_DEV_BROKER does not name the built kafka-dev-broker ('$broker')"
command -v kcat >/dev/null || die "kcat not found (apt-get install -y kcat)"

BROKER_PID=
# start_broker OUT ARGS...: start in the background, wait for its "listening" line.
start_broker() {
  local out=$1 deadline
  shift
  "$broker" "$@" >"$out" 2>"$out.err" &
  BROKER_PID=$!
  deadline=$((SECONDS + 20))
  until grep -q '^listening ' "$out"; do
    if ! kill -0 "$BROKER_PID" 2>/dev/null || ((SECONDS > deadline)); then
      cat "$out.err" >&2
      return 1
    fi
    sleep 0.05
  done
}
stop_broker() { # SIGNAL: stop and return the exit status (124 if it hangs)
  local i
  kill "-$1" "$BROKER_PID" 2>/dev/null || return 1
  for ((i = 0; i < 200; i++)); do
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$BROKER_PID" 2>/dev/null; then
    kill -KILL "$BROKER_PID"
    return 124
  fi
  wait "$BROKER_PID"
}
kill_leftover() { if [[ -n $BROKER_PID ]]; then kill -KILL "$BROKER_PID" 2>/dev/null || true; fi; }
on_exit kill_leftover

control() { # PORT COMMAND -> the reply line
  local fd reply=''
  exec {fd}<>"/dev/tcp/127.0.0.1/$1"
  printf '%s\n' "$2" >&"$fd"
  IFS= read -r -t 10 reply <&"$fd" || true
  exec {fd}>&-
  printf '%s\n' "$reply"
}
partitions_of() { # BROKERS TOPIC
  kcat -L -b "$1" -t "$2" -m 5 | sed -n "s/^ *topic \"$2\" with \([0-9]*\) partitions:/\1/p"
}

# 1. Any free ports first (port 0), to learn two free ports for the fixed-port runs.
start_broker "$WORK_DIR/out1" --port 0 --control-port 0 --partitions 3 --topic pre:2 --topic dflt ||
  die "the broker did not start with --port 0"
port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK_DIR/out1")
cport=$(sed -n 's/^control 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK_DIR/out1")
expect_match "it prints 'listening 127.0.0.1:PORT'" '^[0-9]+$' "$port"
expect_match "and 'control 127.0.0.1:PORT'" '^[0-9]+$' "$cport"
brokers=127.0.0.1:$port
expect_eq "--topic pre:2 has 2 partitions" "2" "$(partitions_of "$brokers" pre)"
expect_eq "--topic dflt gets --partitions 3" "3" "$(partitions_of "$brokers" dflt)"
printf 'k|v\n' | kcat -P -b "$brokers" -t auto -K '|'
expect_eq "an auto-created topic gets the mock's fixed 4" "4" "$(partitions_of "$brokers" auto)"
expect_ok "SIGTERM ends it with status 0" stop_broker TERM

# 2. Fixed ports, and the same ports again right after a stop (with connections that the
#    broker closed, i.e. in TIME_WAIT on its side).
start_broker "$WORK_DIR/out2" --port "$port" --control-port "$cport" ||
  die "the broker did not start on the fixed port $port"
expect_eq "--port is honoured" "listening 127.0.0.1:$port" "$(head -n 1 "$WORK_DIR/out2")"
expect_match "status" "^ok up 127\.0\.0\.1:$port topics=" "$(control "$cport" status)"
expect_match "create-topic made 5" '^ok ' "$(control "$cport" 'create-topic made 5')"
expect_eq "made has 5 partitions" "5" "$(partitions_of "$brokers" made)"
expect_match "create-topic of an existing topic is an error" '^error ' \
  "$(control "$cport" 'create-topic made 2')"
expect_match "an invalid topic name is an error" '^error ' "$(control "$cport" 'create-topic a/b')"
expect_match "an unknown command is an error" '^error ' "$(control "$cport" 'frobnicate')"
expect_match "status lists the topics" 'made:5' "$(control "$cport" status)"

seq 1 100 | sed 's/^/key-/; s/$/|value/' >"$WORK_DIR/sent"
expect_ok "an idempotent acks=all producer delivers 100 messages" \
  kcat -P -b "$brokers" -t made -K '|' -X enable.idempotence=true -X acks=all <"$WORK_DIR/sent"
expect_match "down" '^ok down' "$(control "$cport" down)"
expect_fail "no metadata while down" kcat -L -b "$brokers" -m 2
expect_match "status says down" '^ok down' "$(control "$cport" status)"
expect_match "up" '^ok up' "$(control "$cport" up)"
expect_eq "the messages are kept across down/up" "100" \
  "$(kcat -C -b "$brokers" -t made -o beginning -e -q | wc -l | tr -d ' ')"

# Another broker cannot take a port in use: an error, not a silent other port.
"$broker" --port "$port" --control-port 0 >"$WORK_DIR/out3" 2>"$WORK_DIR/out3.err" &
dup_pid=$!
dup_status=0
wait "$dup_pid" || dup_status=$?
expect_eq "a second broker on the same port exits 1" "1" "$dup_status"
expect_match "naming the port" "127\.0\.0\.1:$port" "$(cat "$WORK_DIR/out3.err")"

expect_ok "SIGTERM ends it with status 0" stop_broker TERM
start_broker "$WORK_DIR/out4" --port "$port" --control-port "$cport" ||
  die "the broker did not start again on port $port right after a stop"
expect_eq "a restart gets the same port" "listening 127.0.0.1:$port" "$(head -n 1 "$WORK_DIR/out4")"
expect_ok "and answers there" kcat -L -b "$brokers" -m 5
expect_ok "SIGINT ends it with status 0" stop_broker INT
BROKER_PID=

usage_status=0
"$broker" --partitions 0 >/dev/null 2>"$WORK_DIR/usage.err" || usage_status=$?
expect_eq "a bad flag value is a usage error (exit 2)" "2" "$usage_status"
expect_match "naming the flag" '^kafka-dev-broker: error: --partitions' "$(cat "$WORK_DIR/usage.err")"
