#!/usr/bin/env bash
# Stand-ins for the Grype and Trivy images, which cannot be downloaded here: busybox images whose
# entrypoints answer the scanners' command lines (grype docker-archive:PATH -o json; trivy image
# --input PATH --format json --cache-dir DIR ...) with real reports from the tools' own test data
# (src/testing/scan-reports/). They check the archive is a real `docker save` tar, pick the
# report named by /windflow-scan-report inside the scanned image (a default otherwise), and
# write to their database directory, as the real tools do.
#
# Idempotent: images are tagged with a hash of this script and the reports, built only when
# missing. The last line of stdout is the JSON the main test bed merges into env.json under
# "scanners".
#
# Usage: scripts/testbed/scanners.sh
set -euo pipefail

SOCKET=/var/run/docker.sock
LOGS=/var/log/windflow-testbed
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
reports=$(cd "$here/../../src/testing/scan-reports" && pwd)
say() { echo "scanners: $*" >&2; }
engine() { curl -sf --unix-socket "$SOCKET" "$@"; }

# The report a scanned image asks this scanner ($2: grype or trivy) for: the word with its
# prefix in /windflow-scan-report, in one of the image's layers ("grype-image trivy-alpine-310").
read -r -d '' REPORT_NAMED_IN <<'SH' || true
report_named_in() {
  tar -tf "$1" >/dev/null || { echo "not a tar archive: $1" >&2; exit 3; }
  tar -tf "$1" | grep -q 'manifest.json' || { echo "not a docker save archive: $1" >&2; exit 3; }
  for layer in $(tar -tf "$1" | grep 'layer.tar$'); do
    tar -xOf "$1" "$layer" | tar -xOf - windflow-scan-report 2>/dev/null || true
  done | tr ' ' '\n' | grep "^$2-" | tail -n 1
}
SH

grype_script() {
  cat <<SH
#!/bin/sh
$REPORT_NAMED_IN
archive=\${1#docker-archive:}
if [ "\$archive" = "\$1" ] || [ "\$2 \$3" != "-o json" ]; then echo "fake grype: unexpected arguments: \$*" >&2; exit 2; fi
[ -d "\$GRYPE_DB_CACHE_DIR" ] || { echo "fake grype: no database directory" >&2; exit 2; }
date >>"\$GRYPE_DB_CACHE_DIR/fake-db-updates"
name=\$(report_named_in "\$archive" grype) || exit 3
cat "/reports/\${name:-grype-empty}.json"
SH
}

trivy_script() {
  cat <<SH
#!/bin/sh
$REPORT_NAMED_IN
[ "\$1" = image ] || { echo "fake trivy: unexpected command: \$*" >&2; exit 2; }
shift
archive= format= cache=
while [ \$# -gt 0 ]; do
  case "\$1" in
    --input) archive=\$2; shift 2 ;;
    --format) format=\$2; shift 2 ;;
    --cache-dir) cache=\$2; shift 2 ;;
    --scanners) shift 2 ;;
    --quiet) shift ;;
    *) echo "fake trivy: unexpected argument: \$1" >&2; exit 2 ;;
  esac
done
[ "\$format" = json ] && [ -n "\$archive" ] || { echo "fake trivy: needs --input and --format json" >&2; exit 2; }
[ -d "\$cache" ] || { echo "fake trivy: no cache directory" >&2; exit 2; }
date >>"\$cache/fake-db-updates"
name=\$(report_named_in "\$archive" trivy) || exit 3
cat "/reports/\${name:-trivy-alpine-310}.json"
SH
}

# build NAME ENTRYPOINT-PATH SCRIPT-FUNCTION TAG
build() {
  local name=$1 entry=$2 script=$3 tag=$4 work
  if engine "http://docker/images/$name:$tag/json" >/dev/null; then return 0; fi
  say "building $name:$tag"
  work=$(mktemp -d)
  mkdir -p "$work/root/bin" "$work/root/reports" "$work/root/tmp" "$work/root/etc"
  cp /bin/busybox "$work/root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$work/root/bin/$applet"
  done
  cp "$reports"/*.json "$work/root/reports/"
  "$script" >"$work/root/$entry"
  chmod 0755 "$work/root/$entry"
  tar -C "$work/root" -cf "$work/root.tar" .
  local changes="ENTRYPOINT [\"/$entry\"]"
  engine -X POST -H 'Content-Type: application/x-tar' --data-binary "@$work/root.tar" \
    --url-query "fromSrc=-" --url-query "repo=$name" --url-query "tag=$tag" \
    --url-query "changes=ENV PATH=/bin" --url-query "changes=$changes" \
    "http://docker/images/create" >"$LOGS/scanner-import.log" || {
    echo "scanners: import of $name failed" >&2
    exit 1
  }
  rm -rf "$work"
}

tag=$(cat "${BASH_SOURCE[0]}" "$reports"/*.json | sha256sum | cut -c1-12)
build windflow-test/fake-grype grype grype_script "$tag"
build windflow-test/fake-trivy bin/trivy trivy_script "$tag"
say "fake scanner images ready"
echo "{ \"grype\": \"windflow-test/fake-grype:$tag\", \"trivy\": \"windflow-test/fake-trivy:$tag\" }"
