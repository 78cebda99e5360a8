#!/usr/bin/env bash
# Install Windflow on a Debian/Ubuntu host with Docker and start it. Safe to run again: it
# replaces the binary, keeps the data, and restarts the service.
#
#   sudo ./install.sh                  build from this checkout and install
#   sudo ./install.sh --binary PATH    install a binary built elsewhere
set -euo pipefail

BIN=/usr/local/bin/windflow
DATA_DIR=/var/lib/windflow
ENV_FILE=/etc/windflow/windflow.env
UNIT=/etc/systemd/system/windflow.service
LOG=/var/log/windflow.log
PID_FILE=/run/windflow.pid
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { echo "windflow-install: $*"; }
die() { say "error: $*" >&2; exit 1; }

binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo ./install.sh)"

ensure_bun() {
  command -v bun >/dev/null && return
  if ! command -v npm >/dev/null; then
    say "installing npm (to fetch bun)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  say "installing bun from the npm registry"
  npm install -g --silent bun >/dev/null
}

# The build embeds a helper image made from Debian's static busybox (the volume browser's).
ensure_busybox_static() {
  dpkg -s busybox-static >/dev/null 2>&1 && return
  say "installing busybox-static (for the helper image the build embeds)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
}

if [ -z "$binary" ]; then
  [ -f "$here/package.json" ] || die "no --binary given and $here is not a Windflow checkout"
  ensure_bun
  ensure_busybox_static
  say "building from $here"
  (cd "$here" && bun install --frozen-lockfile --silent && bun run --silent build)
  binary="$here/dist/windflow"
fi
[ -x "$binary" ] || die "$binary is not an executable"
"$binary" version >/dev/null || die "$binary does not run on this host"

# Copy then rename, so a running Windflow is never left with a half-written binary.
install -m 0755 "$binary" "$BIN.new" && mv -f "$BIN.new" "$BIN"
install -d -m 0700 "$DATA_DIR"
if [ ! -f "$ENV_FILE" ]; then
  install -d -m 0755 "$(dirname "$ENV_FILE")"
  cat > "$ENV_FILE" <<'CONF'
# Windflow settings; see `windflow --help` for all of them.
# WINDFLOW_HOST=127.0.0.1
# WINDFLOW_PORT=5480
# WINDFLOW_DATABASE_URL=postgres://windflow:secret@127.0.0.1/windflow
CONF
  chmod 0600 "$ENV_FILE"
fi
say "installed $("$BIN" version) at $BIN, data in $DATA_DIR"
[ -S /var/run/docker.sock ] || say "warning: no Docker socket at /var/run/docker.sock; add environments in the UI"

set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

if [ -d /run/systemd/system ]; then
  install -m 0644 "$here/systemd/windflow.service" "$UNIT"
  systemctl daemon-reload
  systemctl enable --quiet windflow
  systemctl restart windflow
  say "started the windflow systemd service (journalctl -u windflow for logs)"
else
  say "systemd is not running here: starting $BIN directly (logs in $LOG)"
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    kill "$(cat "$PID_FILE")"
    for _ in $(seq 50); do kill -0 "$(cat "$PID_FILE")" 2>/dev/null || break; sleep 0.1; done
  fi
  setsid "$BIN" serve --data-dir "$DATA_DIR" >>"$LOG" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
fi

url="http://${WINDFLOW_HOST:-127.0.0.1}:${WINDFLOW_PORT:-5480}"
for _ in $(seq 100); do
  if curl -fsS "$url/api/health" >/dev/null 2>&1; then
    say "Windflow answers at $url"
    exit 0
  fi
  sleep 0.2
done
die "Windflow did not answer at $url; see $( [ -d /run/systemd/system ] && echo 'journalctl -u windflow' || echo "$LOG")"
