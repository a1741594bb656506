#!/usr/bin/env bash
# pretest: the suite runs real peers (haproxy 2.6 for differential tests, curl,
# openssl s_client, socat). Install what is missing when we are root, otherwise
# stop and print the exact command to run.
set -u
# `npm test` on a fresh clone: the build needs the npm dependencies first.
if [ ! -x node_modules/.bin/tsc ]; then
  echo "pretest: installing npm dependencies (npm ci)" >&2
  npm ci --ignore-scripts >&2 || exit 1
fi
need=()
for cmd in haproxy curl openssl socat; do
  command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
[ ${#need[@]} -eq 0 ] && exit 0
cmd="apt-get update && apt-get install -y ${need[*]}"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 && apt-get install -y -q "${need[@]}" >&2 && exit 0
  echo "pretest: installation failed" >&2
  exit 1
fi
echo "pretest: the test suite needs: ${need[*]}" >&2
echo "pretest: run as root:  $cmd" >&2
exit 1
