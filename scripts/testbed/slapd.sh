#!/usr/bin/env bash
# A real OpenLDAP server on loopback for the LDAP login tests, seeded with a small tree:
#
#   dc=windflow,dc=test
#   ├── cn=windflow-bind          service account, password "bindsecret"
#   ├── ou=people
#   │   ├── uid=alice             "alice-pass", cn Alice Admin, mail alice@windflow.test
#   │   ├── uid=bob               "bob-pass"
#   │   ├── uid=carol             "carol-pass", in no group
#   │   └── uid=dave*(x)          "dave-pass", filter metacharacters in the uid
#   └── ou=groups                 groupOfNames; users also get memberOf (memberof overlay)
#       ├── cn=windflow-admins      alice
#       ├── cn=windflow-operators   bob, alice
#       └── cn=windflow-viewers     dave*(x)
#
# Our own slapd instance from a plain slapd.conf, not the Debian package's database:
# ldap://127.0.0.1:3389 (StartTLS too) and ldaps://127.0.0.1:3636, certificate signed by a CA
# made here. Idempotent: reuses a running instance. The last line of stdout is the JSON that
# the main test bed merges into env.json under "ldap".
#
# Usage: scripts/testbed/slapd.sh [stop]
set -euo pipefail

STATE_DIR=/var/lib/windflow-testbed/slapd
LOG_DIR=/var/log/windflow-testbed
LOG_FILE=$LOG_DIR/slapd.log
CONF=$STATE_DIR/slapd.conf
PID_FILE=$STATE_DIR/slapd.pid
DATA_DIR=$STATE_DIR/data

URL=ldap://127.0.0.1:3389
TLS_URL=ldaps://127.0.0.1:3636
BASE_DN=dc=windflow,dc=test
BIND_DN=cn=windflow-bind,$BASE_DN
BIND_PASSWORD=bindsecret
ADMIN_DN=cn=admin,$BASE_DN

mkdir -p "$STATE_DIR" "$LOG_DIR"
chmod 700 "$STATE_DIR"

say() { echo "testbed: $*"; }
log() { echo "[$(date -Is)] $*" >>"$LOG_FILE"; }

running_pid() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

stop_slapd() {
  local pid
  if ! pid=$(running_pid); then
    say "slapd is not running"
    return 0
  fi
  say "stopping slapd (pid $pid)"
  kill "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

bind_account_answers() {
  ldapwhoami -x -H "$URL" -D "$BIND_DN" -w "$BIND_PASSWORD" >/dev/null 2>&1
}

install_packages() {
  command -v slapd >/dev/null && command -v ldapwhoami >/dev/null && command -v slappasswd >/dev/null && return 0
  say "installing slapd and ldap-utils with apt"
  # We run our own instance, so the package need not create its default database.
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd ldap-utils >>"$LOG_FILE" 2>&1 ||
    { apt-get update >>"$LOG_FILE" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd ldap-utils >>"$LOG_FILE" 2>&1; } ||
    { say "apt-get install slapd ldap-utils failed, see $LOG_FILE"; exit 1; }
}

make_certificates() {
  [[ -f $STATE_DIR/ca.pem && -f $STATE_DIR/server.pem && -f $STATE_DIR/server.key ]] && return 0
  say "making a CA and a server certificate for 127.0.0.1 / localhost"
  (
    cd "$STATE_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=Windflow test bed LDAP CA' \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
      -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout server.key -out server.csr
    printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'extendedKeyUsage=serverAuth' \
      'keyUsage=critical,digitalSignature,keyEncipherment' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem
    rm -f server.csr server.ext ca.srl
    chmod 600 ca.key server.key
  ) >>"$LOG_FILE" 2>&1
}

# The rootdn only seeds the tree; its password is made once and kept here, readable by root alone.
ensure_admin_password() {
  [[ -f $STATE_DIR/admin.secret && -f $STATE_DIR/admin.ssha ]] && return 0
  (
    umask 077
    openssl rand -hex 24 | tr -d '\n' >"$STATE_DIR/admin.secret"
    slappasswd -h '{SSHA}' -T "$STATE_DIR/admin.secret" >"$STATE_DIR/admin.ssha"
  )
}

render_conf() {
  cat <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema

pidfile $PID_FILE
argsfile $STATE_DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof

TLSCACertificateFile $STATE_DIR/ca.pem
TLSCertificateFile $STATE_DIR/server.pem
TLSCertificateKeyFile $STATE_DIR/server.key

database mdb
maxsize 67108864
suffix "$BASE_DN"
rootdn "$ADMIN_DN"
rootpw $(<"$STATE_DIR/admin.ssha")
directory $DATA_DIR
index objectClass eq
index uid eq
index member eq

overlay memberof
memberof-refint TRUE

access to attrs=userPassword
  by anonymous auth
  by * none
access to *
  by dn.exact="$BIND_DN" read
  by * none
EOF
}

start_slapd() {
  mkdir -p "$DATA_DIR"
  render_conf >"$CONF.new"
  chmod 600 "$CONF.new"
  mv "$CONF.new" "$CONF"
  slaptest -u -f "$CONF" >>"$LOG_FILE" 2>&1 || { say "slapd.conf is invalid, see $LOG_FILE"; exit 1; }
  say "starting slapd on $URL and $TLS_URL"
  log "starting slapd"
  # -d keeps slapd in the foreground so its log reaches our file (there is no syslog here); setsid detaches it.
  setsid slapd -d 256 -f "$CONF" -h "$URL/ $TLS_URL/" </dev/null >>"$LOG_FILE" 2>&1 &
  for _ in $(seq 100); do
    ldapwhoami -x -H "$URL" -D "$ADMIN_DN" -y "$STATE_DIR/admin.secret" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  say "slapd did not answer on $URL within 10 s, see $LOG_FILE"
  exit 1
}

ssha() { slappasswd -h '{SSHA}' -s "$1"; }

user_ldif() {
  local uid=$1 password=$2 cn=$3 sn=$4 mail=$5
  cat <<EOF
dn: uid=$uid,ou=people,$BASE_DN
objectClass: inetOrgPerson
uid: $uid
cn: $cn
sn: $sn
displayName: $cn
mail: $mail
userPassword: $(ssha "$password")
EOF
}

group_ldif() {
  local name=$1
  shift
  echo "dn: cn=$name,ou=groups,$BASE_DN"
  echo 'objectClass: groupOfNames'
  echo "cn: $name"
  for uid in "$@"; do echo "member: uid=$uid,ou=people,$BASE_DN"; done
}

# Entries in creation order: users before the groups that name them, so memberof sets their memberOf.
entry_ldif() {
  case $1 in
    "$BASE_DN") printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: windflow\no: Windflow test bed\n' "$BASE_DN" ;;
    "$BIND_DN")
      printf 'dn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: windflow-bind\nuserPassword: %s\n' \
        "$BIND_DN" "$(ssha "$BIND_PASSWORD")"
      ;;
    ou=people,*) printf 'dn: %s\nobjectClass: organizationalUnit\nou: people\n' "$1" ;;
    ou=groups,*) printf 'dn: %s\nobjectClass: organizationalUnit\nou: groups\n' "$1" ;;
    uid=alice,*) user_ldif alice alice-pass 'Alice Admin' Admin alice@windflow.test ;;
    uid=bob,*) user_ldif bob bob-pass 'Bob Operator' Operator bob@windflow.test ;;
    uid=carol,*) user_ldif carol carol-pass 'Carol Nogroup' Nogroup carol@windflow.test ;;
    'uid=dave*(x),'*) user_ldif 'dave*(x)' dave-pass 'Dave Special' Special dave@windflow.test ;;
    cn=windflow-admins,*) group_ldif windflow-admins alice ;;
    cn=windflow-operators,*) group_ldif windflow-operators bob alice ;;
    cn=windflow-viewers,*) group_ldif windflow-viewers 'dave*(x)' ;;
  esac
}

SEED_DNS=(
  "$BASE_DN"
  "$BIND_DN"
  "ou=people,$BASE_DN"
  "uid=alice,ou=people,$BASE_DN"
  "uid=bob,ou=people,$BASE_DN"
  "uid=carol,ou=people,$BASE_DN"
  "uid=dave*(x),ou=people,$BASE_DN"
  "ou=groups,$BASE_DN"
  "cn=windflow-admins,ou=groups,$BASE_DN"
  "cn=windflow-operators,ou=groups,$BASE_DN"
  "cn=windflow-viewers,ou=groups,$BASE_DN"
)

seed_missing_entries() {
  local existing dn
  existing=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -D "$ADMIN_DN" -y "$STATE_DIR/admin.secret" \
    -b "$BASE_DN" '(objectClass=*)' 1.1 2>/dev/null | sed -n 's/^dn: //p' || true)
  for dn in "${SEED_DNS[@]}"; do
    grep -qxF "$dn" <<<"$existing" && continue
    say "adding $dn"
    entry_ldif "$dn" | ldapadd -x -H "$URL" -D "$ADMIN_DN" -y "$STATE_DIR/admin.secret" >>"$LOG_FILE" 2>&1 ||
      { say "could not add $dn, see $LOG_FILE"; exit 1; }
  done
}

if [[ ${1:-} == stop ]]; then
  stop_slapd
  exit 0
fi

install_packages
make_certificates
ensure_admin_password
if ! running_pid >/dev/null || ! bind_account_answers; then
  running_pid >/dev/null && stop_slapd
  start_slapd
fi
seed_missing_entries
bind_account_answers || { say "the service account cannot bind to $URL, see $LOG_FILE"; exit 1; }

printf '{"url":"%s","tlsUrl":"%s","ca":"%s","baseDn":"%s","bindDn":"%s","bindPassword":"%s"}\n' \
  "$URL" "$TLS_URL" "$STATE_DIR/ca.pem" "$BASE_DN" "$BIND_DN" "$BIND_PASSWORD"
