#!/usr/bin/env bash
# Prints the absolute path of the Python interpreter that every tool venv of this project is built
# with, so the choice never depends on the shell's PATH (pyenv shims in an interactive shell vs
# Debian's python3 under make or CI picked different interpreters, and pins broke on one of them).
#   1. $PANAL_PYTHON, when set (must be Python >= 3.11 with the venv module).
#   2. Debian's /usr/bin/python3 (the distribution's interpreter: present on every machine of this
#      kind, updated by apt, the same minor version everywhere); its venv module comes from the
#      python3-venv package, installed here with apt-get when missing (we run as root).
# Usage: py="$(bash tools/python/select-python.sh)"
set -euo pipefail

die() {
  echo "select-python.sh: $*" >&2
  exit 1
}

py="${PANAL_PYTHON:-/usr/bin/python3}"
[[ -x "${py}" ]] || die "no Python interpreter at ${py} (install Debian's python3, or set PANAL_PYTHON to a Python >= 3.11)"
"${py}" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "${py} is $("${py}" -c 'import platform; print(platform.python_version())'); the pinned tools need Python >= 3.11"
if ! "${py}" -c 'import ensurepip, venv' 2>/dev/null; then
  [[ -z "${PANAL_PYTHON:-}" ]] || die "${PANAL_PYTHON} has no venv/ensurepip module"
  command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]] ||
    die "Debian's python3 lacks the venv module: run 'apt-get install python3-venv' as root"
  echo "select-python.sh: installing python3-venv (apt) for ${py}" >&2
  { apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq python3-venv; } >&2 ||
    die "apt-get install python3-venv failed"
fi
echo "${py}"
