#!/usr/bin/env bash
# Offline checks of the Docker side (Docker itself cannot run on the development
# machines): compose.yml is valid with every profile; the ports it publishes are the
# programs' defaults; MySQL is initialised from sql/mysql/schema.sql; the variables
# compose gives shop-mzsql are exactly the ones sql/materialize needs; the Dockerfile
# keeps to pinned Debian packages and a non-root user; every shell script of the project
# passes ShellCheck.
#   compose_test.sh BIN_DIR   (the directory with shop-seed, shop-pageviews, shop-mzsql)
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"

readonly BIN=${1:?usage: compose_test.sh BIN_DIR}
cd -- "$REPO_ROOT"
command -v docker-compose >/dev/null || die "docker-compose not found (apt-get install -y docker-compose)"
command -v shellcheck >/dev/null || die "shellcheck not found (apt-get install -y shellcheck)"

# compose.yml, with each profile. The stack needs Compose 2.26+ (scripts/lib.sh); the
# docker-compose here is Debian's 1.29, whose schema predates depends_on's `required`
# (Compose 2.20+): it checks a copy without those keys, and the keys are checked below.
python3 - compose.yml "$WORK_DIR/compose.v1.yml" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
for s in c["services"].values():
    for d in (s.get("depends_on") or {}).values():
        if isinstance(d, dict):
            d.pop("required", None)
yaml.safe_dump(c, open(sys.argv[2], "w"), sort_keys=False)
PY
for profile in "" debezium bi cli; do
  args=(-f "$WORK_DIR/compose.v1.yml" --project-directory "$REPO_ROOT")
  [[ -n $profile ]] && args+=(--profile "$profile")
  expect_ok "docker-compose config accepts compose.yml${profile:+ with profile $profile}" \
    docker-compose "${args[@]}" config -q
done
docker-compose -f "$WORK_DIR/compose.v1.yml" --project-directory "$REPO_ROOT" --profile debezium --profile bi --profile cli \
  config >"$WORK_DIR/compose.yaml"

# `up --wait` with every profile the README starts: Compose waits for each started
# service to be running or healthy, and accepts an exited one-shot only when an enabled
# service depends on it with service_completed_successfully (docker/compose
# pkg/compose/start.go, getDependencyCondition; convergence.go: "container ... exited").
# Every service is either long-running (a health check, or one of the streams below) or a
# one-shot; a new service without a health check must be put in one of the two.
# `required: false` is only for a dependency in another profile (compose-go
# loader/validate.go skips it when disabled), and always false.
readonly LONG_RUNNING_WITHOUT_HEALTHCHECK="loadgen restock"  # streams that run until stopped
readonly RUN_ONLY="cli"                                      # for `compose run`, never `up`
python3 - compose.yml "$LONG_RUNNING_WITHOUT_HEALTHCHECK" "$RUN_ONLY" >"$WORK_DIR/oneshots" <<'PY'
import sys, yaml
services = yaml.safe_load(open(sys.argv[1]))["services"]
long_running, run_only = set(sys.argv[2].split()), set(sys.argv[3].split())
for name, s in services.items():
    for dep, d in (s.get("depends_on") or {}).items():
        if isinstance(d, dict) and "required" in d:
            if d["required"] is not False:
                print(f"{name}: depends_on {dep} has required: {d['required']!r} (only false is meaningful)")
            elif set(services[dep].get("profiles", [])) <= set(s.get("profiles", [])) and services[dep].get("profiles"):
                print(f"{name}: {dep} is optional but always enabled with it")
            elif not services[dep].get("profiles"):
                print(f"{name}: {dep} is in no profile, so it cannot be optional")
    if name in run_only or name in long_running or "healthcheck" in s:
        continue
    if s.get("restart") in ("always", "unless-stopped"):
        print(f"{name}: no health check, not a listed stream, and restarted always: classify it")
for active in ([], ["debezium"], ["bi"], ["debezium", "bi"]):
    enabled = {n: s for n, s in services.items() if n not in run_only and (not s.get("profiles") or set(s["profiles"]) & set(active))}
    for name, s in enabled.items():
        if name in long_running or "healthcheck" in s:
            continue
        waited = [d for d, t in enabled.items() if (t.get("depends_on") or {}).get(name, {}).get("condition") == "service_completed_successfully"]
        if not waited:
            print(f"profiles [{' '.join(active)}]: one-shot {name} has no enabled dependant waiting for its completion")
PY
expect_eq "up --wait can pass with every profile: each one-shot has a dependant waiting for it" "" "$(cat "$WORK_DIR/oneshots")"

# compose_get PYTHON_EXPRESSION: evaluates it on the resolved compose file as `c`.
compose_get() {
  python3 -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$WORK_DIR/compose.yaml" "$1"
}
# Compose v1 prints ports and volumes in their short string form, v2 in the long one.
published() {  # SERVICE CONTAINER_PORT -> "host_ip:published"
  compose_get "' '.join((lambda q: f\"{q[0]}:{q[1]}\")(p.split('/')[0].split(':')) if isinstance(p, str) else f\"{p.get('host_ip', '')}:{p['published']}\" for p in c['services']['$1']['ports'] if (p.split('/')[0].split(':')[-1] if isinstance(p, str) else str(p['target'])) == '$2')"
}
host_ips() {  # every published port's host address, one per line
  compose_get "'\\n'.join((p.split(':')[0] if isinstance(p, str) else p.get('host_ip', '')) + ' ' + n for n, s in c['services'].items() for p in s.get('ports', []))"
}
bind_mounts() {  # SERVICE -> "source:target" of its bind mounts
  compose_get "' '.join((':'.join(v.split(':')[:2]) if isinstance(v, str) else f\"{v['source']}:{v['target']}\") for v in c['services']['$1']['volumes'] if ((v.startswith('/') or v.startswith('.')) if isinstance(v, str) else v['type'] == 'bind'))"
}

# The programs' defaults, from their own --help.
mysql_default=$("$BIN/shop-seed" --help | grep -o 'mysql://root@[0-9.]*:[0-9]*/shop' | head -n 1)
kafka_default=$("$BIN/shop-pageviews" --help | grep -o 'else [0-9.]*:[0-9]*' | head -n 1 | cut -d' ' -f2)
postgres_default=$("$BIN/shop-mzsql" --help | grep -o 'postgres://materialize@[0-9.]*:[0-9]*/materialize' | head -n 1)
expect_eq "the programs' MySQL default" "mysql://root@127.0.0.1:3306/shop" "$mysql_default"
mysql_hostport=${mysql_default#mysql://root@}
expect_eq "compose publishes MySQL where the programs look for it" "${mysql_hostport%/shop}" "$(published mysql 3306)"
expect_eq "MySQL lets root in without a password (the default URL has none)" "yes" \
  "$(compose_get "c['services']['mysql']['environment']['MYSQL_ALLOW_EMPTY_PASSWORD']")"
expect_eq "compose publishes Kafka where the programs look for it (the external listener)" "$kafka_default" \
  "$(published redpanda 19092)"
expect_match "and Redpanda advertises that address to the host" "external://$kafka_default" \
  "$(compose_get "' '.join(c['services']['redpanda']['command'])")"
postgres_hostport=${postgres_default#postgres://materialize@}
expect_eq "compose publishes Materialize where the programs look for it" "${postgres_hostport%/materialize}" \
  "$(published materialized 6875)"
expect_eq "every published port listens on loopback only" "" "$(host_ips | grep -v '^127\.0\.0\.1 ' || true)"

# MySQL: initialised from the schema the programs use, with the CDC settings.
expect_match "MySQL's init runs sql/mysql/schema.sql" "$REPO_ROOT/sql/mysql/schema.sql:/docker-entrypoint-initdb.d/" \
  "$(bind_mounts mysql)"
mysql_command=$(compose_get "' '.join(c['services']['mysql']['command'])")
for setting in --binlog-format=ROW --binlog-row-image=FULL --gtid-mode=ON --enforce-gtid-consistency=ON --server-id= --local-infile=1; do
  expect_match "MySQL runs with $setting" "(^| )$setting" "$mysql_command"
done

# shop-mzsql gets exactly the variables sql/materialize uses: none unset, none unused.
compose_get "'\n'.join(f'{k}={v}' for k, v in c['services']['mzinit']['environment'].items())" >"$WORK_DIR/mzinit.env"
mapfile -t mzinit_env < <(grep -v -e '^DATABASE_URL=' -e '^SQL_DIR=' "$WORK_DIR/mzinit.env")
for variant in sql/materialize sql/materialize/debezium; do
  status=0
  env -i PATH="$PATH" "${mzinit_env[@]}" "$BIN/shop-mzsql" --dry-run "$variant" >/dev/null 2>"$WORK_DIR/err" || status=$?
  expect_eq "compose's mzinit environment leaves no variable of $variant unset" "0 " "$status $(cat "$WORK_DIR/err")"
done
# The TLS and SASL variables are for managed services (docs/own-stack.md); the demo's
# stack leaves them unset, which selects the PLAINTEXT / SSL MODE disabled statements.
readonly MANAGED_ONLY='^(KAFKA_SECURITY_PROTOCOL|KAFKA_SASL_MECHANISMS|KAFKA_SASL_USERNAME|KAFKA_SASL_PASSWORD|KAFKA_SSL_CA|MYSQL_CONNECTION_SSL_MODE|MYSQL_CONNECTION_SSL_CA)$'
grep -rhoE '\$\{[A-Z_][A-Z0-9_]*' sql/materialize | cut -c3- | grep -vE "$MANAGED_ONLY" | sort -u >"$WORK_DIR/used"
printf '%s\n' "${mzinit_env[@]}" | cut -d= -f1 | sort -u >"$WORK_DIR/given"
expect_eq "every variable compose gives mzinit is used by the SQL, and the other way round" "" \
  "$(comm -3 "$WORK_DIR/used" "$WORK_DIR/given")"
expect_match "mzinit applies the SQL the image carries, with --wait" 'shop-mzsql --wait [0-9]+m "\$\$?SQL_DIR"' \
  "$(compose_get "' '.join(c['services']['mzinit']['command'])")"

# Redpanda starts with the flags as rpk parses them: a config key only as `--set`
# followed by a separate `key=value` (src/go/rpk/pkg/cli/redpanda/start.go,
# parseConfigKvs); a `--set=k=v` goes to the redpanda binary, which rejects it.
redpanda_args=$(compose_get "'\n'.join(c['services']['redpanda']['command'])")
expect_eq "Redpanda: no --set=KEY=VALUE in one argument" "" "$(grep -E '^--set=' <<<"$redpanda_args" || true)"
expect_eq "Redpanda: every --set is followed by a separate key=value" "" \
  "$(awk 'prev == "--set" && $0 !~ /^[a-z_.]+=[^ ]+$/ { print "--set " $0 } { prev = $0 } END { if (prev == "--set") print "--set at the end" }' <<<"$redpanda_args")"
expect_eq "Redpanda: redpanda start, then flags only (rpk passes anything else to the binary)" "" \
  "$(sed -n '3,$p' <<<"$redpanda_args" | grep -vE '^--[a-z-]+(=.+)?$|^[a-z_.]+=[^ ]+$' || true)"
# Redpanda's /v1/status/ready answers 200 while booting too, with {"status":"booting"}
# (src/v/redpanda/admin/server.cc, register_status_routes): the check reads the body.
expect_match "Redpanda's health check passes on a ready body only" "grep -q '\"status\":\"ready\"'" \
  "$(compose_get "' '.join(c['services']['redpanda']['healthcheck']['test'])")"
expect_match "Redpanda's free-space floor is small (default 5 GiB refuses producers on a small disk)" \
  $'(^|\n)--set\nredpanda\.storage_min_free_bytes=10485760(\n|$)' "$redpanda_args"
# The one-shots that talk to Redpanda retry a bounded number of times, then fail: run
# each command with an rpk that fails its first calls.
for service in topics debezium-topics; do
  command=$(compose_get "c['services']['$service']['command'][0]" | sed 's/\$\$/$/g')
  mkdir -p "$WORK_DIR/rpk-$service"
  # shellcheck disable=SC2016 # the stand-in's own expansions
  printf '#!/bin/bash\ncount=$(( $(cat "%s/calls" 2>/dev/null || echo 0) + 1 )); echo $count >"%s/calls"\n((count > FAILURES)) || exit 1\necho "rpk $*" >>"%s/log"\n' \
    "$WORK_DIR/rpk-$service" "$WORK_DIR/rpk-$service" "$WORK_DIR/rpk-$service" >"$WORK_DIR/rpk-$service/rpk"
  chmod +x "$WORK_DIR/rpk-$service/rpk"
  status=0
  rm -f "$WORK_DIR/rpk-$service/calls" "$WORK_DIR/rpk-$service/log"
  FAILURES=2 PATH="$WORK_DIR/rpk-$service:$PATH" timeout 20 bash -c "sleep() { :; }; $command" >/dev/null 2>&1 || status=$?
  expect_eq "$service: succeeds after two refused calls" 0 "$status"
  rm -f "$WORK_DIR/rpk-$service/calls"
  status=0
  FAILURES=1000 PATH="$WORK_DIR/rpk-$service:$PATH" timeout 20 bash -c "sleep() { :; }; $command" >/dev/null 2>"$WORK_DIR/rpk-$service/err" || status=$?
  expect_eq "$service: gives up with exit 1 after ten attempts" "1 10" "$status $(grep -c 'attempt' "$WORK_DIR/rpk-$service/err")"
done
expect_match "topics sets the free-space floor on every start (a volume from before keeps the old value)" \
  'rpk cluster config set storage_min_free_bytes 10485760 ' "$(compose_get "c['services']['topics']['command'][0]")"
# The demo's topics are created by the stack, not by auto-creation.
topics_command=$(compose_get "' '.join(c['services']['topics']['command'])")
pageviews_topic=$(grep -oE 'PAGEVIEWS_TOPIC:-[a-z_]+' sql/materialize/03_pageviews.sql | cut -d- -f2)
expect_match "the topics service creates the page views topic the SQL reads" "rpk topic create $pageviews_topic " "$topics_command"
for service in loadgen mzinit; do
  expect_eq "$service starts after the topics exist" service_completed_successfully \
    "$(compose_get "c['services']['$service']['depends_on']['topics']['condition']")"
done
expect_match "Debezium's schema history topic is created on purpose" 'rpk topic create mysql\.shop\.schema-history .*retention\.ms=-1' \
  "$(compose_get "' '.join(c['services']['debezium-topics']['command'])")"
connector=docker/debezium/mysql-connector.json
expect_eq "Debezium creates its data topics through Kafka Connect (topic.creation.default.*)" "1 1" \
  "$(python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["config"]; print(c["topic.creation.default.replication.factor"], c["topic.creation.default.partitions"])' "$connector")"
expect_eq "the connector uses Debezium 2+ property names (topic.prefix, schema.history.internal.*)" "" \
  "$(grep -oE '"(database\.server\.name|database\.history\.[a-z.]+)"' "$connector" || true)"
expect_eq "the SQL's Debezium topic prefix is the connector's" "$(grep -oE 'DEBEZIUM_TOPIC_PREFIX:-[a-z_]+' sql/materialize/debezium/02_mysql_sources.sql | head -n 1 | cut -d- -f2)" \
  "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["config"]["topic.prefix"])' "$connector")"
# No wait in compose can hang: no shell loop waits without a deadline; waits go through
# docker/wait-for.sh SECONDS WHAT COMMAND, which the tools' image carries.
compose_get "'\n'.join(' '.join(s['command']) if isinstance(s.get('command'), list) else str(s.get('command', '')) for s in c['services'].values())" >"$WORK_DIR/commands"
expect_eq "no until/while loop in a compose command" "" "$(grep -nwE 'until|while' "$WORK_DIR/commands" || true)"
expect_eq "every wait-for.sh in compose has a deadline in seconds and says what it waits for" "" \
  "$(grep -oE 'wait-for\.sh [^ ]+ [^ ]+' "$WORK_DIR/commands" | grep -vE '^wait-for\.sh [0-9]+ "' || true)"
expect_match "the tools' image carries wait-for.sh" '^COPY docker/wait-for\.sh /usr/local/bin/wait-for\.sh$' "$(grep 'wait-for' docker/Dockerfile)"
status=0
bash docker/wait-for.sh 3 "a thing that never comes" false >/dev/null 2>"$WORK_DIR/wait.err" || status=$?
expect_eq "wait-for.sh gives up at its deadline with one line naming what it waited for" \
  "1 wait-for.sh: error: a thing that never comes: not there after 3 s" "$status $(cat "$WORK_DIR/wait.err")"
expect_match "Kafka Connect's image pins its base and Debezium's X.Y.Z.Final" \
  'CONNECT_BASE_IMAGE=confluentinc/cp-kafka-connect-base:[0-9]+\.[0-9]+\.[0-9]+ DEBEZIUM_VERSION=[0-9]+\.[0-9]+\.[0-9]+\.Final' \
  "$(grep -oE '^ARG [A-Z_]+=.*' docker/connect/Dockerfile | cut -d' ' -f2 | tr '\n' ' ')"
# The demo's readers use the cluster with the indexes (indexes are local to a cluster).
expect_match "the SQL puts the readers' role on the demo's cluster" "ALTER ROLE \\\$\\{READER_ROLE:-materialize\\} SET cluster = shop" \
  "$(cat sql/materialize/05_indexes.sql)"
expect_eq "mzinit names the role the readers log in as" materialize "$(compose_get "c['services']['mzinit']['environment']['READER_ROLE']")"
for service in restock cli serve; do
  expect_match "$service reads Materialize as that role" '^postgres://materialize@' \
    "$(compose_get "c['services']['$service']['environment']['DATABASE_URL']")"
done

# shop-serve: the dashboard on the host's loopback only, healthy once every view has its
# snapshot, following the views with SUBSCRIBE.
expect_eq "serve publishes 8080 on 127.0.0.1 only" "127.0.0.1:8080" "$(published serve 8080)"
expect_eq "serve's health check is /healthz" "CMD curl -f localhost:8080/healthz" \
  "$(compose_get "' '.join(c['services']['serve']['healthcheck']['test'])")"
expect_eq "serve follows the views with SUBSCRIBE, after mzinit" "shop-serve --listen 0.0.0.0:8080 --mode subscribe service_completed_successfully" \
  "$(compose_get "' '.join(c['services']['serve']['command']) + ' ' + c['services']['serve']['depends_on']['mzinit']['condition']")"

# The Materialize image is named in one place.
expect_eq "the materialize/materialized image is named once" 1 "$(grep -c 'materialize/materialized:' compose.yml)"
expect_match "and pinned to a version" 'materialize/materialized:v[0-9]+\.[0-9]+' "$(grep 'materialize/materialized:' compose.yml)"
expect_eq "no image is :latest or untagged" "" \
  "$(compose_get "' '.join(s['image'] for s in c['services'].values() if 'image' in s and (':' not in s['image'].split('/')[-1] or s['image'].endswith(':latest')))")"

# The Dockerfile, hadolint-style where hadolint is not available.
dockerfile=docker/Dockerfile
expect_match "the base is a pinned, dated Debian bookworm tag" '^ARG DEBIAN_IMAGE=debian:bookworm-[0-9]{8}-slim$' \
  "$(grep '^ARG DEBIAN_IMAGE=' "$dockerfile")"
# shellcheck disable=SC2016 # ${DEBIAN_IMAGE} is the Dockerfile's, literally
expect_eq "every stage starts from that base" "" "$(grep '^FROM ' "$dockerfile" | grep -v '^FROM ${DEBIAN_IMAGE}' || true)"
expect_eq "nothing is downloaded outside Debian's packages" "" \
  "$(grep -E '(^RUN|&&|\|)[[:space:]]*(curl|wget|git|pip3?|npm|ADD)[[:space:]]' "$dockerfile" || true)"
# Packages come through scripts/install-deps.sh (one list, scripts/debian-packages.txt;
# tests/unit/deps_test.sh): without recommends, and the apt lists removed in the layer.
expect_eq "both stages install through install-deps.sh and clean the apt lists" "2" \
  "$(grep -c '^RUN SHOP_APT_CLEAN=1 /tmp/deps/install-deps.sh ' "$dockerfile")"
expect_ok "install-deps.sh installs without recommends" grep -q 'apt-get install -y -q --no-install-recommends' scripts/install-deps.sh
expect_ok "  ... and removes the lists when SHOP_APT_CLEAN is set" grep -q 'SHOP_APT_CLEAN:-.*rm -rf /var/lib/apt/lists' scripts/install-deps.sh
expect_match "the runtime runs as a non-root user" '^USER shop$' "$(grep '^USER' "$dockerfile" | tail -n 1)"

# Every shell script of the project.
mapfile -t scripts < <(git ls-files '*.sh' 2>/dev/null || find scripts bench tests docker -name '*.sh')
((${#scripts[@]} > 10)) || die "too few shell scripts found: ${#scripts[@]}"
if shellcheck -x "${scripts[@]}" >"$WORK_DIR/shellcheck" 2>&1; then ok "shellcheck passes on ${#scripts[@]} scripts"; else
  not_ok "shellcheck: $(head -n 20 "$WORK_DIR/shellcheck")"
fi
