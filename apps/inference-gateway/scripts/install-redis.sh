#!/usr/bin/env bash
# Installs (once) Debian's redis-server, which the shared-limit tests and bench of the gateway run
# against (no fake Redis). Same package and pinned upstream major.minor as the real stack
# (tools/real-stack/install/services.sh), without its PostgreSQL parts. Idempotent.
set -euo pipefail
expected="5:7.0."
v="$(dpkg-query -W -f='${Status} ${Version}' redis-server 2>/dev/null || true)"
if [[ "${v}" != "install ok installed "* ]]; then
  sudo_cmd=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-redis.sh: apt-get needs root (run as root or install sudo)" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  echo "install-redis.sh: installing redis-server from Debian" >&2
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends redis-server >&2
fi
v="$(dpkg-query -W -f='${Version}' redis-server)"
[[ "${v}" == "${expected}"* ]] || { echo "install-redis.sh: redis-server is ${v}, expected ${expected}*" >&2; exit 1; }
