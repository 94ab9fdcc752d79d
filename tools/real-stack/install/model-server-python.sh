#!/usr/bin/env bash
# Creates (once) the Python environment of the model-store generator and prints its interpreter:
#   $PANAL_CACHE/real-stack/model-python-py<X.Y.Z>-<hash of requirements>/bin/python
# Interpreter: Debian's /usr/bin/python3 (3.11.2 on bookworm), chosen explicitly, never the
# PATH's python3 (pyenv shims in an interactive shell would pick 3.11.7 and under make Debian's);
# PANAL_PYTHON overrides it. Packages: tools/real-stack/python/requirements.txt, exact pins,
# installed with --no-deps. Idempotent; built in a temporary sibling and renamed into place.
set -euo pipefail

die() {
  echo "model-server-python.sh: $*" >&2
  exit 1
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
req="${here}/python/requirements.txt"
py="${PANAL_PYTHON:-/usr/bin/python3}"
[[ -x "${py}" ]] || die "no Python interpreter at ${py} (install Debian's python3, or set PANAL_PYTHON to a Python >= 3.11)"
"${py}" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "${py} is Python $("${py}" -c 'import platform; print(platform.python_version())'); the generator needs >= 3.11"
if ! "${py}" -c 'import ensurepip, venv' 2>/dev/null; then
  [[ -z "${PANAL_PYTHON:-}" && "$(id -u)" == 0 ]] || die "${py} has no venv module (Debian: apt-get install python3-venv, as root)"
  echo "model-server-python.sh: installing python3-venv (apt) for ${py}" >&2
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq python3-venv >&2
fi
version="$("${py}" -c 'import platform; print(platform.python_version())')"
key="$(sha256sum "${req}" | cut -c1-12)"
cache="${PANAL_CACHE:-${HOME}/.cache/panal}/real-stack"
final="${cache}/model-python-py${version}-${key}"
if [[ -x "${final}/bin/python" ]]; then
  echo "${final}/bin/python"
  exit 0
fi
echo "model-server-python.sh: creating the generator's venv with ${py} (Python ${version})" >&2
mkdir -p "${cache}"
tmp="$(mktemp -d "${cache}/.tmp-model-python-XXXXXX")"
trap 'rm -rf -- "${tmp}"' EXIT
# Only bin/python is ever run (never the pip/console scripts, whose shebangs name the temporary
# path), and Python finds its venv from pyvenv.cfg next to it: the renamed venv works as is.
"${py}" -m venv "${tmp}/venv" >&2
"${tmp}/venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "${req}" >&2 || die "pip install -r ${req} failed"
"${tmp}/venv/bin/python" -c 'import gguf, numpy' || die "gguf does not import in the new venv"
mv -T -- "${tmp}/venv" "${final}" 2>/dev/null || [[ -x "${final}/bin/python" ]] || die "could not move the venv to ${final}"
echo "${final}/bin/python"
