#!/bin/sh
# Installs the Debian packages routec needs when they are missing.
# Root installs them itself; anyone else is told the exact apt-get line.
# Usage: mk/deps.sh build|test|bench
set -eu
need="flex bison libpcre2-dev libosip2-dev libtcc-dev tcc libsqlite3-dev"
case "${1:-build}" in
  test)  need="$need clang libclang-rt-14-dev kamailio sipsak python3 kamcli sqlite3" ;;
  bench) need="$need kamailio" ;;
esac
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "routec: missing Debian packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
echo "routec: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends$missing >/dev/null
# The kamailio package starts a service we do not want listening on 5060.
if echo "$missing" | grep -q kamailio; then
  (systemctl stop kamailio || service kamailio stop || pkill -x kamailio) >/dev/null 2>&1 || true
fi
