#!/usr/bin/env bash
# Reverse proxies in front of Windflow, run from the very files users copy
# (scripts/proxies/), with only the listen address, the certificate and the upstream port
# replaced. Each terminates TLS with the test bed's localhost certificate:
#
#   https://127.0.0.1:8081/           nginx  (scripts/proxies/nginx/windflow.conf)
#   https://127.0.0.1:8082/windflow/  nginx  (scripts/proxies/nginx/windflow-subpath.conf)
#   https://127.0.0.1:8083/           Caddy  (scripts/proxies/caddy/Caddyfile)
#   https://127.0.0.1:8084/windflow/  Caddy  (scripts/proxies/caddy/Caddyfile-subpath)
#
# The root proxies pass to a Windflow the tests start on 127.0.0.1:5491, the /windflow/ ones to
# one started with WINDFLOW_BASE_PATH=/windflow on 127.0.0.1:5492 (until then they answer 502).
# Traefik is not tested: neither Debian nor npm packages it.
#
# Idempotent: reuses running proxies (restarted when their shipped file changed). The last line
# of stdout is the JSON the main test bed merges into env.json under "proxies".
#
# `render` writes one proxy's configuration into DIR (nginx.conf or Caddyfile) for a test that
# runs a proxy of its own, from the same shipped file, on ports of its own.
#
# Usage: scripts/testbed/proxies.sh CERT KEY | stop
#        scripts/testbed/proxies.sh render CERT KEY nginx|caddy SITE PORT UPSTREAM DIR
set -euo pipefail

STATE_DIR=/var/lib/windflow-testbed/proxies
LOG_DIR=/var/log/windflow-testbed
SHIPPED=$(cd "$(dirname "${BASH_SOURCE[0]}")/../proxies" && pwd)
ROOT_UPSTREAM=5491
SUBPATH_UPSTREAM=5492

mkdir -p "$STATE_DIR" "$LOG_DIR"
say() { echo "proxies: $*" >&2; }

stop_one() {
  local pid_file=$STATE_DIR/$1.pid
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pid_file"
}

NAMES=(nginx-root nginx-subpath caddy-root caddy-subpath)
if [ "${1:-}" = stop ]; then
  for name in "${NAMES[@]}"; do stop_one "$name"; done
  exit 0
fi
RENDER=''
if [ "${1:-}" = render ]; then
  RENDER=1
  shift
fi
CERT=$1
KEY=$2

# nginx: a main config of our own (pid, logs and temp files in the state directory) that
# includes the shipped site file, rendered with the test's listen address, certificate and port.
render_nginx() {
  local site=$1 port=$2 upstream=$3 dir=$4
  mkdir -p "$dir/temp"
  sed -e "s|listen 443 ssl http2;|listen 127.0.0.1:$port ssl http2;|" \
    -e "s|/etc/ssl/windflow/fullchain.pem|$CERT|" \
    -e "s|/etc/ssl/windflow/privkey.pem|$KEY|" \
    -e "s|server 127.0.0.1:5480;|server 127.0.0.1:$upstream;|" \
    -e "s|include conf.d/windflow-proxy.conf;|include $SHIPPED/nginx/windflow-proxy.conf;|" \
    "$SHIPPED/nginx/$site" >"$dir/site.conf"
  cat >"$dir/nginx.conf" <<CONF
daemon off;
pid $dir/nginx.pid;
error_log $LOG_DIR/$(basename "$dir").log warn;
worker_processes 1;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    include $dir/site.conf;
}
CONF
}

# Caddy: the shipped file with the site address and certificate given, and global options that
# keep it to this port (no admin endpoint, no HTTP redirect listener, storage here).
render_caddy() {
  local site=$1 port=$2 upstream=$3 dir=$4
  mkdir -p "$dir/data"
  {
    printf '{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system %s/data\n}\n\n' "$dir"
    sed -e "s|^[a-z.]*example.com {|https://127.0.0.1:$port {\n\ttls $CERT $KEY|" \
      -e "s|reverse_proxy 127.0.0.1:5480|reverse_proxy 127.0.0.1:$upstream|" \
      "$SHIPPED/caddy/$site"
  } >"$dir/Caddyfile"
}

if [ -n "$RENDER" ]; then
  "render_$3" "$4" "$5" "$6" "$7"
  exit 0
fi

# Any HTTP answer (502 while no Windflow listens behind it) means the proxy is up.
answers() { curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$1/" | grep -q '^[1-5]'; }

ensure_proxy() {
  local name=$1 kind=$2 site=$3 port=$4 upstream=$5
  local dir=$STATE_DIR/$name
  local before=''
  [ -f "$dir/rendered.sum" ] && before=$(cat "$dir/rendered.sum")
  "render_$kind" "$site" "$port" "$upstream" "$dir"
  local now
  now=$(cat "$dir"/*.conf "$dir"/Caddyfile "$SHIPPED/nginx/windflow-proxy.conf" 2>/dev/null | sha256sum || true)
  echo "$now" >"$dir/rendered.sum"
  if [ -f "$STATE_DIR/$name.pid" ] && kill -0 "$(cat "$STATE_DIR/$name.pid")" 2>/dev/null; then
    if [ "$before" = "$now" ] && answers "$port"; then
      say "$name answers on 127.0.0.1:$port"
      return 0
    fi
    say "restarting $name: its configuration changed"
    stop_one "$name"
  fi
  say "starting $name on 127.0.0.1:$port"
  local command
  if [ "$kind" = nginx ]; then
    nginx -t -q -c "$dir/nginx.conf" 2>>"$LOG_DIR/$name.log" || {
      tail -n 5 "$LOG_DIR/$name.log" >&2
      exit 1
    }
    command=(nginx -c "$dir/nginx.conf")
  else
    command=(caddy run --adapter caddyfile --config "$dir/Caddyfile")
  fi
  HOME=$dir setsid "${command[@]}" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/$name.pid"
  for _ in $(seq 100); do
    answers "$port" && return 0
    sleep 0.1
  done
  say "$name did not start"
  tail -n 20 "$LOG_DIR/$name.log" >&2
  exit 1
}

ensure_proxy nginx-root nginx windflow.conf 8081 $ROOT_UPSTREAM
ensure_proxy nginx-subpath nginx windflow-subpath.conf 8082 $SUBPATH_UPSTREAM
ensure_proxy caddy-root caddy Caddyfile 8083 $ROOT_UPSTREAM
ensure_proxy caddy-subpath caddy Caddyfile-subpath 8084 $SUBPATH_UPSTREAM

cat <<JSON
{"upstreams": {"root": $ROOT_UPSTREAM, "subpath": $SUBPATH_UPSTREAM}, "sites": [{"proxy": "nginx", "url": "https://127.0.0.1:8081/", "upstream": "root"}, {"proxy": "nginx", "url": "https://127.0.0.1:8082/windflow/", "upstream": "subpath"}, {"proxy": "caddy", "url": "https://127.0.0.1:8083/", "upstream": "root"}, {"proxy": "caddy", "url": "https://127.0.0.1:8084/windflow/", "upstream": "subpath"}]}
JSON
