#!/usr/bin/env bash
# The MySQL programs over TLS, against the harness's MariaDB that requires it
# (scripts/services.sh mariadb-tls: require_secure_transport=ON, a server certificate
# from the harness CA for DNS:localhost and IP:127.0.0.1, listening on 127.0.0.2 too).
#   mysql_tls_test.sh SHOP_SEED SHOP_PURCHASES SHOP_RESTOCK
# Every ssl-mode against it and against the plain MariaDB (what connects, and the one line of what does not), the
# environment variables, a client certificate, bad input (exit 2), a password that never
# appears, and shop-purchases exact over TLS (rows = summary, stock = start - sold).
# These checks also keep true what core/mysql.cpp says of libmariadb's TLS options.
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly USAGE="usage: mysql_tls_test.sh SHOP_SEED SHOP_PURCHASES SHOP_RESTOCK"
readonly SEED=${1:?$USAGE} PURCHASES=${2:?$USAGE} RESTOCK=${3:?$USAGE}
[[ -n ${MYSQL_TLS_URL:-} && -n ${SHOP_TLS_DIR:-} && -n ${MYSQL_URL:-} ]] ||
  die "MYSQL_TLS_URL / SHOP_TLS_DIR / MYSQL_URL are not set (are the mariadb-tls and mariadb fixtures running?)"
readonly TLS=$SHOP_TLS_DIR
port=$(url_port "$MYSQL_TLS_URL")
db=tls_test_$$
readonly PASSWORD='Tls-pw-7Qx91-never-shown'
readonly USER_NAME=tls_shopper_$$

json_number() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"; }
admin() {
  mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u root --ssl --ssl-ca="$TLS/ca.pem" \
    --ssl-verify-server-cert -N -B "$@"
}
admin -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db;
  CREATE USER '$USER_NAME'@'%' IDENTIFIED BY '$PASSWORD' REQUIRE SSL;
  CREATE USER '${USER_NAME}_x509'@'%' IDENTIFIED BY '$PASSWORD' REQUIRE X509;
  GRANT ALL ON $db.* TO '$USER_NAME'@'%'; GRANT ALL ON $db.* TO '${USER_NAME}_x509'@'%';"
on_exit admin -e "DROP DATABASE IF EXISTS $db; DROP USER IF EXISTS '$USER_NAME'@'%', '${USER_NAME}_x509'@'%'"

base=mysql://$USER_NAME:$PASSWORD@127.0.0.1:$port/$db
all_output=$WORK_DIR/all-output
: >"$all_output"

# seed_with NAME URL [ENV...]: runs shop-seed (small catalog) with URL; leaves its exit
# status in $status and its stderr in $WORK_DIR/NAME.err.
seed_with() {
  local name=$1 url=$2
  shift 2
  status=0
  env "$@" "$SEED" --mysql "$url" --reset --users 50 --items 10 --inventory 1000:1000 -q \
    --summary-json "$WORK_DIR/$name.json" >"$WORK_DIR/$name.out" 2>"$WORK_DIR/$name.err" || status=$?
  cat "$WORK_DIR/$name.out" "$WORK_DIR/$name.err" >>"$all_output"
  [[ -f $WORK_DIR/$name.json ]] && cat "$WORK_DIR/$name.json" >>"$all_output"
  return 0
}
# expect_refused NAME STATUS REGEX: exit STATUS and one line on stderr matching REGEX.
expect_refused() {
  local name=$1 want=$2 regex=$3 err
  err=$(cat "$WORK_DIR/$name.err")
  expect_eq "$name: exit $want" "$want" "$status"
  expect_eq "$name: one line" 1 "$(wc -l <"$WORK_DIR/$name.err")"
  expect_match "$name: says why" "$regex" "$err"
}

# --- what connects ---
seed_with preferred "$base"
expect_eq "default ssl-mode (PREFERRED) takes the TLS the server requires" 0 "$status"
seed_with required "$base?ssl-mode=REQUIRED"
expect_eq "REQUIRED connects" 0 "$status"
seed_with verify_identity "$base?ssl-mode=VERIFY_IDENTITY&ssl-ca=$TLS/ca.pem"
expect_eq "VERIFY_IDENTITY with the right CA connects" 0 "$status"
seed_with verify_ca_other_host "mysql://$USER_NAME:$PASSWORD@127.0.0.2:$port/$db?ssl-mode=VERIFY_CA&ssl-ca=$TLS/ca.pem"
expect_eq "VERIFY_CA does not check the host name (127.0.0.2 is not in the certificate)" 0 "$status"
seed_with environment "mysql://$USER_NAME@127.0.0.1:$port/$db" MYSQL_PWD="$PASSWORD" MYSQL_SSL_MODE=verify_identity \
  MYSQL_SSL_CA="$TLS/ca.pem"
expect_eq "MYSQL_SSL_MODE, MYSQL_SSL_CA and MYSQL_PWD from the environment" 0 "$status"
seed_with client_cert "mysql://${USER_NAME}_x509:$PASSWORD@127.0.0.1:$port/$db?ssl-mode=VERIFY_IDENTITY&ssl-ca=$TLS/ca.pem&ssl-cert=$TLS/client.pem&ssl-key=$TLS/client.key"
expect_eq "a user that requires X509 connects with ssl-cert and ssl-key" 0 "$status"

# --- what does not, with one line saying why ---
seed_with no_client_cert "mysql://${USER_NAME}_x509:$PASSWORD@127.0.0.1:$port/$db?ssl-mode=REQUIRED"
expect_refused no_client_cert 1 "Access denied"
seed_with wrong_ca "$base?ssl-mode=VERIFY_IDENTITY&ssl-ca=$TLS/other-ca.pem"
expect_refused wrong_ca 1 "certificate is not signed by ssl-ca $TLS/other-ca.pem"
seed_with wrong_ca_verify_ca "$base?ssl-ca=$TLS/other-ca.pem"
expect_refused wrong_ca_verify_ca 1 "ssl-mode=VERIFY_CA: the server's certificate is not signed by ssl-ca"
seed_with system_cas "$base?ssl-mode=VERIFY_IDENTITY"
expect_refused system_cas 1 "not signed by the system's CA certificates"
seed_with wrong_host "mysql://$USER_NAME:$PASSWORD@127.0.0.2:$port/$db?ssl-mode=VERIFY_IDENTITY&ssl-ca=$TLS/ca.pem"
expect_refused wrong_host 1 "certificate does not name host 127.0.0.2"
seed_with disabled "$base?ssl-mode=DISABLED"
expect_refused disabled 1 "ssl-mode=DISABLED: access denied; with ssl-mode DISABLED, a server that requires TLS"

# --- against the harness's other MariaDB, which offers no TLS ---
plain_port=$(url_port "$MYSQL_URL")
plain_db=tls_test_plain_$$
mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$plain_port" -u root -e "CREATE DATABASE $plain_db"
on_exit mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$plain_port" -u root -e "DROP DATABASE IF EXISTS $plain_db"
plain=mysql://root@127.0.0.1:$plain_port/$plain_db
seed_with plain_preferred "$plain"
expect_eq "PREFERRED goes on without TLS when the server offers none" 0 "$status"
for mode in REQUIRED VERIFY_CA VERIFY_IDENTITY; do
  seed_with "plain_$mode" "$plain?ssl-mode=$mode&ssl-ca=$TLS/ca.pem"
  expect_refused "plain_$mode" 1 "the server does not offer TLS, and ssl-mode $mode needs it"
done

# --- bad input: exit 2, one line naming the option ---
seed_with bad_mode "$base?ssl-mode=ALWAYS"
expect_refused bad_mode 2 "^shop-seed: error: --mysql: unknown ssl-mode 'ALWAYS' \(expected DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY\)"
seed_with bad_env_mode "$base" MYSQL_SSL_MODE=on
expect_refused bad_env_mode 2 "MYSQL_SSL_MODE: unknown ssl-mode 'on'"
seed_with missing_ca "$base?ssl-ca=$WORK_DIR/missing.pem"
expect_refused missing_ca 2 "--mysql: ssl-ca: cannot read $WORK_DIR/missing.pem \(No such file or directory\)"
printf 'x' >"$WORK_DIR/unreadable.pem"
chmod 000 "$WORK_DIR/unreadable.pem"
if [[ $(id -u) -ne 0 ]]; then  # root reads any file
  seed_with unreadable_key "$base?ssl-cert=$TLS/client.pem&ssl-key=$WORK_DIR/unreadable.pem"
  expect_refused unreadable_key 2 "ssl-key: cannot read .*Permission denied"
fi
seed_with cert_without_key "$base?ssl-cert=$TLS/client.pem"
expect_refused cert_without_key 2 "ssl-cert needs ssl-key"
seed_with unknown_parameter "$base?sslmode=require"
expect_refused unknown_parameter 2 "unknown query parameter 'sslmode'"

# --- shop-purchases and shop-restock over TLS, exact ---
url="$base?ssl-mode=VERIFY_IDENTITY&ssl-ca=$TLS/ca.pem"
seed_with purchases_stock "$url"
expect_eq "a fresh catalog for the purchases" 0 "$status"
start_stock=$(admin "$db" -e 'SELECT SUM(inventory) FROM items')
for batch in 1 50; do
  status=0
  "$PURCHASES" -q --mysql "$url" --connections 2 --batch "$batch" --rate max --count 1500 \
    --summary-json "$WORK_DIR/purchases-$batch.json" >"$WORK_DIR/purchases.out" 2>"$WORK_DIR/purchases.err" || status=$?
  cat "$WORK_DIR/purchases.out" "$WORK_DIR/purchases.err" "$WORK_DIR/purchases-$batch.json" >>"$all_output"
  expect_eq "shop-purchases --batch $batch over VERIFY_IDENTITY: exit 0" 0 "$status"
done
committed=$(($(json_number "$WORK_DIR/purchases-1.json" committed) + $(json_number "$WORK_DIR/purchases-50.json" committed)))
expect_eq "every purchase the summaries count is a row" "$committed" "$(admin "$db" -e 'SELECT COUNT(*) FROM purchases')"
expect_eq "stock = start - quantities sold (completed purchases)" "$start_stock" \
  "$(admin "$db" -e 'SELECT (SELECT SUM(inventory) FROM items) + (SELECT COALESCE(SUM(quantity), 0) FROM purchases WHERE status = 1)')"

status=0
printf '%s\n' '{"ts": 1, "diff": 1, "row": {"item_id": 3, "stock": 2}}' |
  "$RESTOCK" --mysql "$url" --lead-time 0s --quantity 40 --summary-json "$WORK_DIR/restock.json" \
    >"$WORK_DIR/restock.out" 2>"$WORK_DIR/restock.err" || status=$?
cat "$WORK_DIR/restock.out" "$WORK_DIR/restock.err" "$WORK_DIR/restock.json" >>"$all_output"
expect_eq "shop-restock over TLS: exit 0" 0 "$status"
expect_eq "its warehouse order was placed and delivered" "3	40	delivered" \
  "$(admin "$db" -e 'SELECT item_id, quantity, status FROM warehouse_orders')"

# --- the password is never printed, by any of the runs above ---
if grep -qF -- "$PASSWORD" "$all_output"; then
  not_ok "the password appeared in the programs' output: $(grep -F -- "$PASSWORD" "$all_output" | head -n 1 | sed "s/$PASSWORD/<PASSWORD>/g")"
else
  ok "the password appears in no output, summary or error ($(wc -l <"$all_output") lines)"
fi
