#!/usr/bin/env bash
# Installs (once) Debian's Chromium for the browser test of the real stack and prints its path
# (/usr/bin/chromium). playwright-core (npm, pinned in package.json) drives it; playwright's own
# browser downloads are never used (they come from a CDN this machine cannot reach).
# Debian moves the package with security updates: the major version is checked, not the exact one.
# Idempotent: a warm run only checks the version.
set -euo pipefail
CHROMIUM_MAJOR="156"
chromium="/usr/bin/chromium"
if [[ ! -x "${chromium}" ]]; then
  sudo_cmd=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "chromium.sh: apt-get needs root (run as root or install sudo)" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  echo "chromium.sh: installing Debian's chromium (apt)" >&2
  # Other installers may hold the dpkg lock at the same time (nx runs projects in parallel): wait for it.
  apt_wait=(-o DPkg::Lock::Timeout=900)
  { "${sudo_cmd[@]}" apt-get "${apt_wait[@]}" update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends chromium; } >&2 ||
    { echo "chromium.sh: apt-get install chromium failed" >&2; exit 1; }
fi
version="$("${chromium}" --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)+' | head -1)"
[[ "${version%%.*}" == "${CHROMIUM_MAJOR}" ]] || { echo "chromium.sh: ${chromium} is ${version:-unknown}, expected ${CHROMIUM_MAJOR}.*" >&2; exit 1; }
echo "chromium.sh: Chromium ${version}" >&2
echo "${chromium}"
