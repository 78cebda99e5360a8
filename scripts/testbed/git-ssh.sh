#!/usr/bin/env bash
# A Git server over SSH, as users run one: Debian's OpenSSH server, key-only, with a login whose
# shell is git-shell (it runs git-upload-pack and nothing else), serving the bare repositories
# of /var/lib/windflow-testbed/git/repos/ (the same directory the smart-HTTP server serves).
#
#   ssh://windflow-git@127.0.0.1:2222/var/lib/windflow-testbed-git/repos/<name>.git
#
# The login is not root, and /var/lib/windflow-testbed is root's alone (700): what it reads
# (repositories, authorized keys, its home) lives in /var/lib/windflow-testbed-git/, and
# /var/lib/windflow-testbed/git/repos is a link to the repositories there.
# Our own sshd instance (own config, host keys and pid under /var/lib/windflow-testbed/git-ssh/),
# never the system's sshd. Two client keys made here, an ed25519 and an RSA one, are the only
# keys it accepts. Idempotent: reuses a running instance. The last line of stdout is the JSON the
# main test bed merges into env.json under "gitSsh".
#
# Usage: scripts/testbed/git-ssh.sh [stop]
set -euo pipefail

STATE_DIR=/var/lib/windflow-testbed/git-ssh
SERVED=/var/lib/windflow-testbed-git
REPOS=$SERVED/repos
REPOS_LINK=/var/lib/windflow-testbed/git/repos
LOG_DIR=/var/log/windflow-testbed
LOG_FILE=$LOG_DIR/git-ssh.log
CONF=$STATE_DIR/sshd_config
PID_FILE=$STATE_DIR/sshd.pid
HOME_DIR=$SERVED/home
AUTHORIZED_KEYS=$SERVED/authorized_keys
# Deploy keys tests add and remove (as a user adds one on GitHub); never rewritten here.
DEPLOY_KEYS=$SERVED/deploy_keys
HOST=127.0.0.1
PORT=2222
USER_NAME=windflow-git

say() { echo "git-ssh: $*" >&2; }

running_pid() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

stop_sshd() {
  local pid
  pid=$(running_pid) || return 0
  say "stopping sshd (pid $pid)"
  kill "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

if [[ ${1:-} == stop ]]; then
  stop_sshd
  exit 0
fi

install_packages() {
  [[ -x /usr/sbin/sshd ]] && command -v ssh >/dev/null && command -v git-shell >/dev/null && return 0
  say "installing openssh-server, openssh-client and git with apt"
  # The package's own sshd is not ours to start: Debian's policy-rc.d (where present) keeps
  # it down, and nothing here depends on it either way.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client git >>"$LOG_FILE" 2>&1 ||
    { apt-get update -qq >>"$LOG_FILE" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client git >>"$LOG_FILE" 2>&1; } ||
    { say "apt-get install openssh-server failed, see $LOG_FILE"; exit 1; }
}

# The login: no password (`*` is not a lock, so sshd without PAM lets keys in), git-shell.
ensure_user() {
  if ! id "$USER_NAME" >/dev/null 2>&1; then
    say "adding the user $USER_NAME"
    useradd --system --home-dir "$HOME_DIR" --no-create-home --shell /usr/bin/git-shell "$USER_NAME"
  fi
  usermod --shell /usr/bin/git-shell --home "$HOME_DIR" --password '*' "$USER_NAME"
  mkdir -p "$HOME_DIR"
  chown "$USER_NAME:" "$HOME_DIR"
  chmod 755 "$HOME_DIR"
  # The repositories are made and pushed to by root (the tests, the HTTP server): upload-pack
  # running as this user must not refuse them as "dubious ownership".
  HOME=$HOME_DIR git config --file "$HOME_DIR/.gitconfig" safe.directory '*'
  chown "$USER_NAME:" "$HOME_DIR/.gitconfig"
}

make_keys() {
  local kind
  for kind in ed25519 rsa; do
    [[ -f $STATE_DIR/host_$kind ]] ||
      ssh-keygen -q -t "$kind" -N '' -C "windflow-testbed-git-ssh-host" -f "$STATE_DIR/host_$kind" >>"$LOG_FILE"
    [[ -f $STATE_DIR/client_$kind ]] ||
      ssh-keygen -q -t "$kind" -N '' -C "windflow-testbed-client-$kind" -f "$STATE_DIR/client_$kind" >>"$LOG_FILE"
  done
  # sshd reads authorized keys as the user: root-owned, world-readable, in a root-owned folder.
  cat "$STATE_DIR/client_ed25519.pub" "$STATE_DIR/client_rsa.pub" >"$AUTHORIZED_KEYS.new"
  chmod 644 "$AUTHORIZED_KEYS.new"
  mv "$AUTHORIZED_KEYS.new" "$AUTHORIZED_KEYS"
  [[ -f $DEPLOY_KEYS ]] || install -m 644 /dev/null "$DEPLOY_KEYS"
}

# The repositories live where the login can read them; the test bed's path links there. A real
# folder at the test bed's path (made by an older test bed) has its repositories moved over.
ensure_repos() {
  mkdir -p "$REPOS" "$(dirname "$REPOS_LINK")"
  chmod 755 "$SERVED" "$REPOS"
  if [[ -d $REPOS_LINK && ! -L $REPOS_LINK ]]; then
    say "moving the repositories of $REPOS_LINK to $REPOS"
    find "$REPOS_LINK" -mindepth 1 -maxdepth 1 -exec mv -n -t "$REPOS" {} +
    rmdir "$REPOS_LINK" || { say "$REPOS_LINK still holds entries that are also in $REPOS"; exit 1; }
  fi
  [[ -L $REPOS_LINK ]] || ln -s "$REPOS" "$REPOS_LINK"
  [[ -d $REPOS/testbed-probe.git ]] || git init -q --bare "$REPOS/testbed-probe.git"
}

render_conf() {
  cat <<EOF
ListenAddress $HOST:$PORT
HostKey $STATE_DIR/host_ed25519
HostKey $STATE_DIR/host_rsa
PidFile $PID_FILE
AuthorizedKeysFile $AUTHORIZED_KEYS $DEPLOY_KEYS
AllowUsers $USER_NAME
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
StrictModes yes
PermitTTY no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
# Test files run in parallel and each opens several connections.
MaxStartups 200
MaxSessions 50
LogLevel VERBOSE
EOF
}

# A flush-pkt on stdin ends upload-pack's session cleanly after its ref advertisement.
probe_login() {
  printf 0000 | ssh -q -i "$STATE_DIR/client_ed25519" -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$STATE_DIR/known_hosts" -o ConnectTimeout=5 \
    "$USER_NAME@$HOST" "git-upload-pack '$REPOS/testbed-probe.git'" >/dev/null 2>>"$LOG_FILE"
}

start_sshd() {
  render_conf >"$CONF.new"
  mv "$CONF.new" "$CONF"
  mkdir -p /run/sshd
  /usr/sbin/sshd -t -f "$CONF" >>"$LOG_FILE" 2>&1 || { say "$CONF is invalid, see $LOG_FILE"; exit 1; }
  say "starting sshd on $HOST:$PORT"
  # -D keeps it in the foreground (setsid detaches it), -e sends its log to our file.
  setsid /usr/sbin/sshd -D -e -f "$CONF" </dev/null >>"$LOG_FILE" 2>&1 &
  for _ in $(seq 100); do
    probe_login && return 0
    sleep 0.1
  done
  say "sshd did not let the test key in on $HOST:$PORT within 10 s, see $LOG_FILE"
  exit 1
}

public_key() { cut -d' ' -f1-2 "$1"; }
fingerprint() { ssh-keygen -l -E sha256 -f "$1" | cut -d' ' -f2; }

mkdir -p "$STATE_DIR" "$SERVED" "$LOG_DIR"
chmod 700 "$STATE_DIR"
install_packages
ensure_repos
ensure_user
make_keys
printf '[%s]:%s %s\n' "$HOST" "$PORT" "$(public_key "$STATE_DIR/host_ed25519.pub")" >"$STATE_DIR/known_hosts"
# Restarted when it is down, does not let the test key in, or runs an older configuration.
render_conf >"$CONF.want"
if ! running_pid >/dev/null || ! probe_login || ! cmp -s "$CONF.want" "$CONF"; then
  running_pid >/dev/null && stop_sshd
  start_sshd
fi
rm -f "$CONF.want"
say "sshd answers on $HOST:$PORT"

printf '{"host":"%s","port":%s,"user":"%s","reposDir":"%s","deployKeysFile":"%s","hostPublicKey":"%s","hostKeyFingerprint":"%s","hostRsaPublicKey":"%s","clientKeys":{"ed25519":"%s","rsa":"%s"}}\n' \
  "$HOST" "$PORT" "$USER_NAME" "$REPOS" "$DEPLOY_KEYS" "$(public_key "$STATE_DIR/host_ed25519.pub")" \
  "$(fingerprint "$STATE_DIR/host_ed25519.pub")" "$(public_key "$STATE_DIR/host_rsa.pub")" \
  "$STATE_DIR/client_ed25519" "$STATE_DIR/client_rsa"
