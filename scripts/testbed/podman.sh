#!/usr/bin/env bash
# Podman (Debian's podman 4.3, rootful) serving its Docker-compatible API on a socket of its
# own, with storage of its own, so that tests can run against a second kind of engine:
#
#   /run/windflow-testbed-podman/podman.sock
#
# On this machine a container only starts with `default_ulimits = []` (setting rlimits is
# refused here), given in a containers.conf through CONTAINERS_CONF. registries.conf lets it
# pull from the test registry on 127.0.0.1:5000 over plain HTTP; the test bed's busybox image
# is pulled from there and tagged windflow-test/busybox:latest, as on the Docker daemon.
#
# Idempotent: reuses a running service. The last line of stdout is the JSON the main test bed
# merges into env.json under "podman".
#
# Usage: scripts/testbed/podman.sh REGISTRY IMAGE | stop
set -euo pipefail

STATE_DIR=/var/lib/windflow-testbed/podman
RUN_DIR=/run/windflow-testbed-podman
SOCKET=$RUN_DIR/podman.sock
LOG_DIR=/var/log/windflow-testbed

mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
say() { echo "podman: $*" >&2; }

if [ "${1:-}" = stop ]; then
  pid_file=$STATE_DIR/service.pid
  if [ -f "$pid_file" ]; then
    kill "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  fi
  exit 0
fi
REGISTRY=$1
IMAGE=$2

cat >"$STATE_DIR/containers.conf" <<'CONF'
[containers]
# Setting rlimits is refused on this machine; without this no container starts.
default_ulimits = []
CONF
cat >"$STATE_DIR/registries.conf" <<CONF
unqualified-search-registries = []
[[registry]]
location = "$REGISTRY"
insecure = true
CONF
export CONTAINERS_CONF=$STATE_DIR/containers.conf
export CONTAINERS_REGISTRIES_CONF=$STATE_DIR/registries.conf
podman=(podman --root "$STATE_DIR/storage" --runroot "$RUN_DIR/run")

api() { curl -sf --unix-socket "$SOCKET" "$@"; }

if api http://podman/_ping >/dev/null 2>&1; then
  say "Podman answers on $SOCKET"
else
  say "starting podman system service on $SOCKET"
  rm -f "$SOCKET"
  setsid "${podman[@]}" system service --time=0 "unix://$SOCKET" >>"$LOG_DIR/podman.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/service.pid"
  for _ in $(seq 100); do
    api http://podman/_ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  api http://podman/_ping >/dev/null || {
    say "podman system service did not start"
    tail -n 20 "$LOG_DIR/podman.log" >&2
    exit 1
  }
fi

name=${IMAGE%:*}
tag=${IMAGE##*:}
if ! api "http://podman/images/$IMAGE/json" >/dev/null 2>&1; then
  say "pulling $REGISTRY/$IMAGE into Podman"
  api -X POST "http://podman/images/create?fromImage=$REGISTRY/$name&tag=$tag" >"$LOG_DIR/podman-pull.log" || {
    tail -n 5 "$LOG_DIR/podman-pull.log" >&2
    exit 1
  }
  api -X POST "http://podman/images/$REGISTRY/$name:$tag/tag?repo=$name&tag=$tag" >/dev/null
fi

echo "{\"socket\": \"$SOCKET\", \"version\": \"$("${podman[@]}" --version | awk '{print $3}')\"}"
