#!/usr/bin/env bash
# The test bed: everything the tests talk to, real and on this machine.
#   - a Docker daemon on /var/run/docker.sock (reused if one answers, else started)
#   - a second Docker daemon that listens only on 127.0.0.1:23760 with mutual TLS
#   - a registry (Debian's docker-registry) on 127.0.0.1:5000, no auth
#   - PostgreSQL with role windflow/windflow (CREATEDB) and database windflow_test
#   - slapd with a seeded tree (scripts/testbed/slapd.sh)
#   - registries with basic and token auth on 127.0.0.1:5001/5002 (scripts/testbed/registries.sh)
#   - nginx and Caddy on 127.0.0.1:8081-8084 from the shipped configs (scripts/testbed/proxies.sh)
#   - a Git server over smart HTTP with basic auth (scripts/testbed/git-http.sh)
#   - Podman's Docker-compatible API on /run/windflow-testbed-podman/podman.sock, with the
#     busybox image (scripts/testbed/podman.sh)
#   - the real Hawser agent, copied from ../shared/hawser/ beside the checkout (never committed)
#   - the image windflow-test/busybox:latest, made from Debian's busybox-static with the
#     Engine's image import, and the same image pushed to the registry; and
#     windflow-test/pullable, which is only in the registry (for pulls that download layers)
#   - a Git server over SSH (OpenSSH, key-only, git-shell) on 127.0.0.1:2222 serving the bare
#     repositories of $STATE/git/repos (scripts/testbed/git-ssh.sh)
#   - stand-ins for the Grype and Trivy images that answer with real reports
#     (scripts/testbed/scanners.sh)
#   - windflow-test/debian:12, a minimal Debian root made with debootstrap (slimmed like
#     debian:12-slim), the base the container image test builds on
# It writes what tests need to /var/lib/windflow-testbed/env.json (read by
# src/testing/testbed.ts). Idempotent: a rerun reuses what runs and takes seconds.
#
# Usage: scripts/testbed.sh [stop]     (stop ends what this script started)
set -euo pipefail

STATE=/var/lib/windflow-testbed
LOGS=/var/log/windflow-testbed
SOCKET=/var/run/docker.sock
TLS_DIR=$STATE/tls
TLS_PORT=23760
REGISTRY=127.0.0.1:5000
PG_URL=postgres://windflow:windflow@127.0.0.1:5432/windflow_test
IMAGE=windflow-test/busybox
PULLABLE=windflow-test/pullable
DEBIAN_BASE=windflow-test/debian:12
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { echo "testbed: $*"; }
die() {
  echo "testbed: error: $1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2" >&2
  exit 1
}
mkdir -p "$STATE" "$LOGS"
chmod 700 "$STATE"

# Waits up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
  local seconds=$1
  shift
  for _ in $(seq $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# Starts a detached process that outlives this script; records its pid for `stop`.
start_detached() {
  local name=$1 log=$2
  shift 2
  setsid "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

stop_started() {
  local name=$1 pid_file="$STATE/$1.pid"
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $name (pid $pid)"
    kill "$pid"
    wait_for 30 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}

if [ "${1:-}" = stop ]; then
  stop_started registry
  stop_started dockerd-tls
  stop_started dockerd
  bash "$here/testbed/slapd.sh" stop
  bash "$here/testbed/registries.sh" stop
  bash "$here/testbed/proxies.sh" stop
  bash "$here/testbed/podman.sh" stop
  bash "$here/testbed/git-ssh.sh" stop
  bash "$here/testbed/git-http.sh" stop
  exit 0
fi

install_packages() {
  # systemd: its systemd-analyze checks the agent unit install.sh --agent writes.
  local wanted=(docker.io docker-registry postgresql busybox-static chromium openssl curl ca-certificates iproute2 slapd ldap-utils apache2-utils nginx caddy debootstrap podman catatonit systemd git fcgiwrap)
  local missing=()
  for package in "${wanted[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # slapd must not set up a database of its own: the test bed runs its own instance.
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get update -qq >"$LOGS/apt.log" 2>&1 || die "apt-get update failed" "$LOGS/apt.log"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOGS/apt.log" 2>&1 ||
    die "apt-get install failed" "$LOGS/apt.log"
}

docker_answers() { curl -sf --unix-socket "$SOCKET" http://docker/_ping; }

ensure_docker() {
  if docker_answers >/dev/null 2>&1; then
    say "Docker daemon answers on $SOCKET"
    return 0
  fi
  say "starting dockerd"
  start_detached dockerd "$LOGS/dockerd.log" dockerd -H "unix://$SOCKET"
  wait_for 60 docker_answers || die "dockerd did not start" "$LOGS/dockerd.log"
}

make_tls_material() {
  [ -f "$TLS_DIR/client-key.pem" ] && return 0
  say "making TLS certificates in $TLS_DIR"
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 3650 -subj "/CN=Windflow test CA"
    openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj "/CN=localhost"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem -days 3650 -extfile server.ext
    openssl req -newkey rsa:2048 -nodes -keyout client-key.pem -out client.csr -subj "/CN=Windflow test client"
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client-cert.pem -days 3650 -extfile client.ext
    rm -f ./*.csr ./*.ext ca.srl
  ) >"$LOGS/openssl.log" 2>&1 || die "openssl failed" "$LOGS/openssl.log"
}

tls_daemon_answers() {
  curl -sf --cacert "$TLS_DIR/ca.pem" --cert "$TLS_DIR/client-cert.pem" --key "$TLS_DIR/client-key.pem" \
    "https://127.0.0.1:$TLS_PORT/_ping"
}

# A separate daemon (own data, exec root, containerd and bridge; no iptables) so that TLS is
# tested against a real Engine without touching the main daemon. Not --bridge=none: a daemon
# started with it deletes docker0, the main daemon's bridge.
TLS_BRIDGE=wf-tls0
ensure_tls_bridge() {
  ip link show "$TLS_BRIDGE" >/dev/null 2>&1 && return 0
  ip link add "$TLS_BRIDGE" type bridge
  ip addr add 172.30.254.1/24 dev "$TLS_BRIDGE"
  ip link set "$TLS_BRIDGE" up
}

ensure_tls_docker() {
  make_tls_material
  if tls_daemon_answers >/dev/null 2>&1; then
    say "TLS Docker daemon answers on 127.0.0.1:$TLS_PORT"
    return 0
  fi
  say "starting the TLS Docker daemon on 127.0.0.1:$TLS_PORT"
  ensure_tls_bridge
  start_detached dockerd-tls "$LOGS/dockerd-tls.log" dockerd \
    --data-root "$STATE/dockerd-tls/data" --exec-root /run/windflow-testbed-docker \
    --pidfile "$STATE/dockerd-tls/docker.pid" -H "tcp://127.0.0.1:$TLS_PORT" \
    --tlsverify --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/server-cert.pem" --tlskey "$TLS_DIR/server-key.pem" \
    --bridge="$TLS_BRIDGE" --iptables=false --ip-masq=false
  wait_for 60 tls_daemon_answers || die "the TLS dockerd did not start" "$LOGS/dockerd-tls.log"
}

registry_answers() { curl -sf "http://$REGISTRY/v2/"; }

ensure_registry() {
  if registry_answers >/dev/null 2>&1; then
    say "registry answers on $REGISTRY"
    return 0
  fi
  say "starting the registry on $REGISTRY"
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
CONF
  start_detached registry "$LOGS/registry.log" docker-registry serve "$STATE/registry/config.yml"
  wait_for 30 registry_answers || die "the registry did not start" "$LOGS/registry.log"
}

ensure_postgres() {
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    local version
    version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    say "creating a PostgreSQL $version cluster"
    pg_createcluster "$version" main >"$LOGS/postgres.log" 2>&1 || die "pg_createcluster failed" "$LOGS/postgres.log"
  fi
  read -r version cluster _ status _ < <(pg_lsclusters -h | head -n 1)
  if [ "$status" != online ]; then
    say "starting PostgreSQL $version/$cluster"
    pg_ctlcluster "$version" "$cluster" start >>"$LOGS/postgres.log" 2>&1 || die "PostgreSQL did not start" "$LOGS/postgres.log"
  fi
  local psql=(su postgres -c)
  "${psql[@]}" "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'windflow'\"" | grep -q 1 ||
    "${psql[@]}" "psql -qc \"CREATE ROLE windflow LOGIN PASSWORD 'windflow' CREATEDB\""
  "${psql[@]}" "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'windflow_test'\"" | grep -q 1 ||
    "${psql[@]}" "psql -qc 'CREATE DATABASE windflow_test OWNER windflow'"
  wait_for 30 psql "$PG_URL" -qtAc 'SELECT 1' || die "cannot log in to PostgreSQL as windflow" "$LOGS/postgres.log"
  say "PostgreSQL answers at 127.0.0.1:5432"
}

engine() { curl -sf --unix-socket "$SOCKET" "$@"; }

# A root file system with busybox and its applets; extra files come as "path=content" arguments.
busybox_rootfs_tar() {
  local root=$1
  shift
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  for file in "$@"; do printf '%s\n' "${file#*=}" >"$root/${file%%=*}"; done
  tar -C "$root" -cf "$root.tar" .
}

# The Engine's image import, from a tar of a root file system.
import_image() {
  local tar=$1 repo=$2
  engine -X POST -H 'Content-Type: application/x-tar' --data-binary "@$tar" \
    "http://docker/images/create?fromSrc=-&repo=$repo&tag=latest&changes=ENV%20PATH%3D%2Fbin&changes=CMD%20%5B%22sh%22%5D" \
    >"$LOGS/image-import.log" || die "image import of $repo failed" "$LOGS/image-import.log"
}

registry_has() {
  curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REGISTRY/v2/$1/manifests/latest" >/dev/null
}

push_image() {
  engine -X POST -H "X-Registry-Auth: $(printf '{}' | base64)" \
    "http://docker/images/$REGISTRY/$1/push?tag=latest" >"$LOGS/push.log" || die "push of $1 failed" "$LOGS/push.log"
  if grep -q '"error"' "$LOGS/push.log"; then die "push of $1 failed" "$LOGS/push.log"; fi
}

ensure_images() {
  local work
  work=$(mktemp -d)
  if ! engine "http://docker/images/$IMAGE:latest/json" >/dev/null; then
    say "building $IMAGE:latest from busybox-static"
    busybox_rootfs_tar "$work/busybox"
    import_image "$work/busybox.tar" "$IMAGE"
  fi
  engine -X POST "http://docker/images/$IMAGE:latest/tag?repo=$REGISTRY/$IMAGE&tag=latest" >/dev/null ||
    die "tagging $IMAGE for the registry failed"
  if ! registry_has "$IMAGE"; then
    say "pushing $REGISTRY/$IMAGE:latest"
    push_image "$IMAGE"
  fi
  # An image that lives only in the registry, so that pull tests download real layers.
  if ! registry_has "$PULLABLE"; then
    say "pushing $REGISTRY/$PULLABLE:latest (registry only)"
    busybox_rootfs_tar "$work/pullable" "etc/windflow-pullable=made $(date -Is)"
    import_image "$work/pullable.tar" "$REGISTRY/$PULLABLE"
    push_image "$PULLABLE"
    engine -X DELETE "http://docker/images/$REGISTRY/$PULLABLE:latest" >/dev/null
  fi
  rm -rf "$work"
  say "images ready: $IMAGE:latest, $REGISTRY/$IMAGE:latest, $REGISTRY/$PULLABLE:latest"
}

# A Debian root file system from Debian's own packages (debootstrap, cached: it takes a minute
# once), without documentation, manuals, locales and apt lists, as debian:12-slim is.
ensure_debian_base() {
  if engine "http://docker/images/$DEBIAN_BASE/json" >/dev/null; then
    say "image $DEBIAN_BASE ready"
    return 0
  fi
  local dir=$STATE/debian-base
  if [ ! -f "$dir/rootfs.tar" ]; then
    say "making a Debian 12 root file system with debootstrap (once; about a minute)"
    rm -rf "$dir/rootfs"
    mkdir -p "$dir"
    debootstrap --variant=minbase bookworm "$dir/rootfs" http://deb.debian.org/debian >"$LOGS/debootstrap.log" 2>&1 ||
      die "debootstrap failed" "$LOGS/debootstrap.log"
    rm -rf "$dir"/rootfs/usr/share/{doc,man,info,locale}/* "$dir"/rootfs/var/cache/apt/* "$dir"/rootfs/var/lib/apt/lists/*
    tar -C "$dir/rootfs" --numeric-owner -cf "$dir/rootfs.tar.partial" . && mv "$dir/rootfs.tar.partial" "$dir/rootfs.tar"
    rm -rf "$dir/rootfs"
  fi
  say "importing $DEBIAN_BASE"
  engine -X POST -H 'Content-Type: application/x-tar' --data-binary "@$dir/rootfs.tar" \
    "http://docker/images/create?fromSrc=-&repo=${DEBIAN_BASE%:*}&tag=${DEBIAN_BASE#*:}&changes=CMD%20%5B%22bash%22%5D" \
    >"$LOGS/image-import.log" || die "image import of $DEBIAN_BASE failed" "$LOGS/image-import.log"
}

# The Hawser agent binary lives outside the repository (third-party, not ours to commit): CI
# puts a read-only shared/ beside the clone. Copied so that tests run it from the test bed.
HAWSER=$STATE/hawser
ensure_hawser() {
  local source
  source=$(cd "$here/.." && pwd)/../shared/hawser/hawser
  if [ -f "$source" ] && ! cmp -s "$source" "$HAWSER"; then
    say "copying the Hawser agent from $source"
    install -m 0755 "$source" "$HAWSER"
  fi
  [ -x "$HAWSER" ] || die "the Hawser agent is missing: expected $source"
}

install_packages
ensure_hawser
ensure_docker
ensure_tls_docker
ensure_registry
ensure_postgres
ldap_json=$(bash "$here/testbed/slapd.sh" | tail -n 1)
registries_json=$(bash "$here/testbed/registries.sh" | tail -n 1)
proxies_json=$(bash "$here/testbed/proxies.sh" "$TLS_DIR/server-cert.pem" "$TLS_DIR/server-key.pem" | tail -n 1)
ensure_images
ensure_debian_base
scanners_json=$(bash "$here/testbed/scanners.sh" | tail -n 1)
podman_json=$(bash "$here/testbed/podman.sh" "$REGISTRY" "$IMAGE:latest" | tail -n 1)
git_ssh_json=$(bash "$here/testbed/git-ssh.sh" | tail -n 1)
# After the SSH server: it makes the repositories folder both serve.
git_http_json=$(bash "$here/testbed/git-http.sh" | tail -n 1)

cat >"$STATE/env.json" <<JSON
{
  "dockerSocket": "$SOCKET",
  "tlsDaemon": {
    "host": "127.0.0.1",
    "port": $TLS_PORT,
    "ca": "$TLS_DIR/ca.pem",
    "cert": "$TLS_DIR/client-cert.pem",
    "key": "$TLS_DIR/client-key.pem"
  },
  "localhostTls": { "ca": "$TLS_DIR/ca.pem", "cert": "$TLS_DIR/server-cert.pem", "key": "$TLS_DIR/server-key.pem" },
  "registry": { "address": "$REGISTRY" },
  "authRegistries": $registries_json,
  "postgresUrl": "$PG_URL",
  "ldap": $ldap_json,
  "proxies": $proxies_json,
  "podman": $podman_json,
  "hawser": "$HAWSER",
  "gitSsh": $git_ssh_json,
  "gitHttp": $git_http_json,
  "scanners": $scanners_json,
  "images": { "busybox": "$IMAGE:latest", "registryBusybox": "$REGISTRY/$IMAGE:latest", "pullable": "$REGISTRY/$PULLABLE:latest", "debian": "$DEBIAN_BASE" }
}
JSON
say "ready: $STATE/env.json"
