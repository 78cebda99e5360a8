#!/usr/bin/env bash
# Two more real registries (Debian's docker-registry) on loopback, for registry credentials:
#
#   127.0.0.1:5001  basic auth from an htpasswd file (bcrypt): windflow / registry-secret
#   127.0.0.1:5002  token auth, Docker Hub style: a 401 with a Bearer challenge pointing at
#                   http://127.0.0.1:5003/token. The tests run that token issuer themselves
#                   (src/testing/registry-token-issuer.ts) with the key made here; the
#                   registry trusts tokens whose x5c certificate is this one.
#
# Idempotent: reuses running registries. The last line of stdout is the JSON the main test
# bed merges into env.json under "authRegistries".
#
# Usage: scripts/testbed/registries.sh [stop]
set -euo pipefail

STATE_DIR=/var/lib/windflow-testbed/registries
LOG_DIR=/var/log/windflow-testbed
USERNAME=windflow
PASSWORD=registry-secret
BASIC=127.0.0.1:5001
TOKEN=127.0.0.1:5002
REALM=http://127.0.0.1:5003/token
SERVICE=windflow-test-registry
ISSUER=windflow-test-issuer

mkdir -p "$STATE_DIR" "$LOG_DIR"
say() { echo "registries: $*" >&2; }

stop_one() {
  local pid_file=$STATE_DIR/$1.pid
  [ -f "$pid_file" ] || return 0
  kill "$(cat "$pid_file")" 2>/dev/null || true
  rm -f "$pid_file"
}

if [ "${1:-}" = stop ]; then
  stop_one basic
  stop_one token
  exit 0
fi

# Any HTTP answer (401 included) means the registry is up.
answers() { curl -s -o /dev/null -w '%{http_code}' "http://$1/v2/" | grep -q '^[24]'; }

start_registry() {
  local name=$1 address=$2 auth=$3
  if answers "$address"; then
    say "$name registry answers on $address"
    return 0
  fi
  say "starting the $name registry on $address"
  mkdir -p "$STATE_DIR/$name-data"
  cat >"$STATE_DIR/$name.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/$name-data
  delete:
    enabled: true
http:
  addr: $address
auth:
$auth
CONF
  setsid docker-registry serve "$STATE_DIR/$name.yml" >>"$LOG_DIR/registry-$name.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/$name.pid"
  for _ in $(seq 60); do
    answers "$address" && return 0
    sleep 0.5
  done
  echo "the $name registry did not start; see $LOG_DIR/registry-$name.log" >&2
  exit 1
}

if [ ! -s "$STATE_DIR/htpasswd" ]; then
  htpasswd -Bbn "$USERNAME" "$PASSWORD" >"$STATE_DIR/htpasswd"
fi
if [ ! -s "$STATE_DIR/token-key.pem" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$STATE_DIR/token-key.pem" 2>/dev/null
  openssl req -new -x509 -key "$STATE_DIR/token-key.pem" -out "$STATE_DIR/token-cert.pem" -days 3650 \
    -subj "/CN=$ISSUER" 2>/dev/null
fi

start_registry basic "$BASIC" "  htpasswd:
    realm: windflow-test
    path: $STATE_DIR/htpasswd"
start_registry token "$TOKEN" "  token:
    realm: $REALM
    service: $SERVICE
    issuer: $ISSUER
    rootcertbundle: $STATE_DIR/token-cert.pem"

cat <<JSON
{"basic":{"address":"$BASIC","username":"$USERNAME","password":"$PASSWORD"},"token":{"address":"$TOKEN","username":"$USERNAME","password":"$PASSWORD","realm":"$REALM","service":"$SERVICE","issuer":"$ISSUER","key":"$STATE_DIR/token-key.pem","cert":"$STATE_DIR/token-cert.pem"}}
JSON
