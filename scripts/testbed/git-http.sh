#!/usr/bin/env bash
# A Git server over smart HTTP, as users run one: Debian's `git http-backend` behind nginx
# (through fcgiwrap) with basic auth on every request, fetches and pushes alike.
#
#   http://127.0.0.1:8091/git/<name>.git    user windflow, password git-secret
#
# Bare repositories live in /var/lib/windflow-testbed/git/repos/ (the SSH server of the test
# bed serves the same directory); tests create their own repositories there and push with git.
#
# Idempotent: reuses a running nginx/fcgiwrap. The last line of stdout is the JSON the main test
# bed merges into env.json under "gitHttp".
#
# Usage: scripts/testbed/git-http.sh | stop
set -euo pipefail

STATE_DIR=/var/lib/windflow-testbed/git-http
REPOS=/var/lib/windflow-testbed/git/repos
LOG_DIR=/var/log/windflow-testbed
PORT=8091
USERNAME=windflow
PASSWORD=git-secret
SOCKET=$STATE_DIR/fcgiwrap.sock

mkdir -p "$STATE_DIR" "$REPOS" "$LOG_DIR"
say() { echo "git-http: $*" >&2; }

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

if [ "${1:-}" = stop ]; then
  stop_one nginx
  stop_one fcgiwrap
  exit 0
fi

running() { [ -f "$STATE_DIR/$1.pid" ] && kill -0 "$(cat "$STATE_DIR/$1.pid")" 2>/dev/null; }

answers() {
  curl -sf -u "$USERNAME:$PASSWORD" "http://127.0.0.1:$PORT/git/testbed-probe.git/info/refs?service=git-upload-pack" >/dev/null
}

# A repository that always exists, so that "answers" has something to ask for.
[ -d "$REPOS/testbed-probe.git" ] || git init -q --bare "$REPOS/testbed-probe.git"

if ! running fcgiwrap; then
  say "starting fcgiwrap"
  rm -f "$SOCKET"
  setsid fcgiwrap -c 2 -s "unix:$SOCKET" >>"$LOG_DIR/fcgiwrap.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/fcgiwrap.pid"
  for _ in $(seq 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
  chmod 666 "$SOCKET"
fi

htpasswd -bcB "$STATE_DIR/htpasswd" "$USERNAME" "$PASSWORD" 2>/dev/null
mkdir -p "$STATE_DIR/temp"
cat >"$STATE_DIR/nginx.conf.new" <<CONF
daemon off;
user root;
pid $STATE_DIR/nginx.pid;
error_log $LOG_DIR/git-http-nginx.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $STATE_DIR/temp/body;
    proxy_temp_path $STATE_DIR/temp/proxy;
    fastcgi_temp_path $STATE_DIR/temp/fastcgi;
    uwsgi_temp_path $STATE_DIR/temp/uwsgi;
    scgi_temp_path $STATE_DIR/temp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        client_max_body_size 0;
        location ~ ^/git(/.*)\$ {
            auth_basic "git";
            auth_basic_user_file $STATE_DIR/htpasswd;
            fastcgi_pass unix:$SOCKET;
            fastcgi_buffering off;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
            fastcgi_param GIT_PROJECT_ROOT $REPOS;
            fastcgi_param GIT_HTTP_EXPORT_ALL "";
            fastcgi_param PATH_INFO \$1;
            fastcgi_param REMOTE_USER \$remote_user;
        }
    }
}
CONF
if ! cmp -s "$STATE_DIR/nginx.conf.new" "$STATE_DIR/nginx.conf"; then
  mv "$STATE_DIR/nginx.conf.new" "$STATE_DIR/nginx.conf"
  stop_one nginx
else
  rm -f "$STATE_DIR/nginx.conf.new"
fi
if ! running nginx; then
  say "starting nginx for git on 127.0.0.1:$PORT"
  setsid nginx -c "$STATE_DIR/nginx.conf" >>"$LOG_DIR/git-http-nginx.log" 2>&1 </dev/null &
  # nginx writes its own pid file; wait for it and for an answer.
  for _ in $(seq 100); do answers && break; sleep 0.1; done
fi
answers || {
  tail -n 5 "$LOG_DIR/git-http-nginx.log" >&2
  echo "git-http: the Git server does not answer on 127.0.0.1:$PORT" >&2
  exit 1
}
say "Git over smart HTTP answers on 127.0.0.1:$PORT"
echo "{\"url\":\"http://127.0.0.1:$PORT/git\",\"username\":\"$USERNAME\",\"password\":\"$PASSWORD\",\"reposDir\":\"$REPOS\"}"
