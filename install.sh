#!/usr/bin/env bash
# Install Windflow on a Debian/Ubuntu host with Docker and start it. Safe to run again: it
# replaces the binary, keeps the data, and restarts the service.
#
#   sudo ./install.sh                  build from this checkout and install
#   sudo ./install.sh --binary PATH    install a binary built elsewhere
#   sudo ./install.sh --agent --server wss://HOST/api/hawser/connect --token TOKEN [--name NAME]
#   sudo ./install.sh --agent --listen :2376 --token TOKEN [--tls-cert FILE --tls-key FILE]
#                                      install this host as an agent (windflow-agent service)
set -euo pipefail

# WINDFLOW_INSTALL_ROOT puts every file under another root (for tests); systemd is then left alone.
ROOT=${WINDFLOW_INSTALL_ROOT:-}
BIN=$ROOT/usr/local/bin/windflow
DATA_DIR=$ROOT/var/lib/windflow
ENV_FILE=$ROOT/etc/windflow/windflow.env
UNIT=$ROOT/etc/systemd/system/windflow.service
LOG=$ROOT/var/log/windflow.log
PID_FILE=$ROOT/run/windflow.pid
AGENT_ENV_FILE=$ROOT/etc/windflow/agent.env
AGENT_UNIT=$ROOT/etc/systemd/system/windflow-agent.service
AGENT_LOG=$ROOT/var/log/windflow-agent.log
AGENT_PID_FILE=$ROOT/run/windflow-agent.pid
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { echo "windflow-install: $*"; }
die() { say "error: $*" >&2; exit 1; }

binary=""
agent=false
agent_args=()
agent_token=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --agent) agent=true; shift ;;
    --token) agent_token=${2:?--token needs a value}; shift 2 ;;
    --server|--listen|--name|--tls-cert|--tls-key|--docker-socket|--log-level)
      agent_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
if $agent; then
  [ -n "$agent_token" ] || die "--agent needs --token (the one Windflow showed for this environment)"
  [ ${#agent_args[@]} -gt 0 ] || die "--agent needs --server URL (edge) or --listen PORT (standard)"
  # systemd splits WINDFLOW_AGENT_ARGS into words and reads the file's quotes: keep values plain.
  for value in "$agent_token" "${agent_args[@]}"; do
    case "$value" in *[[:space:]\"\\\$\`\']*) die "agent options cannot contain spaces, quotes, \\, \$ or backquotes: $value" ;; esac
  done
elif [ -n "$agent_token" ] || [ ${#agent_args[@]} -gt 0 ]; then
  die "--server, --listen, --token and the like go with --agent"
fi
systemd=false
[ -z "$ROOT" ] && [ -d /run/systemd/system ] && systemd=true

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
install -d -m 0755 "$(dirname "$BIN")"
install -m 0755 "$binary" "$BIN.new" && mv -f "$BIN.new" "$BIN"

# Stops what an earlier run started without systemd.
stop_started() {
  local pid_file=$1
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    kill "$(cat "$pid_file")"
    for _ in $(seq 50); do kill -0 "$(cat "$pid_file")" 2>/dev/null || break; sleep 0.1; done
  fi
}

if $agent; then
  # The token stays in a root-only file, out of the unit and the process list.
  install -d -m 0755 "$(dirname "$AGENT_ENV_FILE")" "$(dirname "$AGENT_UNIT")"
  (
    umask 077
    {
      echo "# windflow agent settings, written by install.sh --agent; run it again to change them."
      echo "WINDFLOW_AGENT_TOKEN=\"$agent_token\""
      echo "WINDFLOW_AGENT_ARGS=\"${agent_args[*]}\""
    } > "$AGENT_ENV_FILE.new"
  )
  mv -f "$AGENT_ENV_FILE.new" "$AGENT_ENV_FILE"
  install -m 0644 "$here/systemd/windflow-agent.service" "$AGENT_UNIT"
  say "installed $("$BIN" version) at $BIN as an agent (${agent_args[*]})"
  if $systemd; then
    systemctl daemon-reload
    systemctl enable --quiet windflow-agent
    systemctl restart windflow-agent
    say "started the windflow-agent systemd service (journalctl -u windflow-agent for logs)"
  else
    say "systemd is not running here: starting the agent directly (logs in $AGENT_LOG)"
    stop_started "$AGENT_PID_FILE"
    install -d -m 0755 "$(dirname "$AGENT_LOG")" "$(dirname "$AGENT_PID_FILE")"
    # shellcheck disable=SC2086 # the arguments are words, as systemd splits $WINDFLOW_AGENT_ARGS
    WINDFLOW_AGENT_TOKEN=$agent_token setsid "$BIN" agent ${agent_args[*]} >>"$AGENT_LOG" 2>&1 < /dev/null &
    echo $! > "$AGENT_PID_FILE"
  fi
  exit 0
fi

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

if $systemd; then
  install -m 0644 "$here/systemd/windflow.service" "$UNIT"
  systemctl daemon-reload
  systemctl enable --quiet windflow
  systemctl restart windflow
  say "started the windflow systemd service (journalctl -u windflow for logs)"
else
  say "systemd is not running here: starting $BIN directly (logs in $LOG)"
  stop_started "$PID_FILE"
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
die "Windflow did not answer at $url; see $( $systemd && echo 'journalctl -u windflow' || echo "$LOG")"
