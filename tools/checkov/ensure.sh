#!/usr/bin/env bash
# Installs (once) the pinned checkov from PyPI into a venv in the cache and prints its path:
#   $PANAL_CACHE/checkov/venv-py<X.Y>-<hash of requirements.txt>/bin/checkov
# Idempotent (a warm run only checks the finished venv), keyed by the requirements' content and the
# exact Python version (interpreter from tools/python/select-python.sh), atomic (built in a temporary sibling and renamed into place when complete).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${PANAL_CACHE:-${HOME}/.cache/panal}/checkov"
# One interpreter, chosen the same way in every shell (tools/python/select-python.sh says which and why).
python="$(bash "${here}/../python/select-python.sh")"
py="$("${python}" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
key="$(sha256sum "${here}/requirements.txt" | cut -c1-12)"
venv="${cache}/venv-py${py}-${key}"
if [[ -x "${venv}/bin/checkov" ]]; then
  echo "${venv}/bin/checkov"
  exit 0
fi
mkdir -p "${cache}"
tmp="$(mktemp -d "${cache}/.tmp-XXXXXX")"
trap 'rm -rf -- "${tmp}"' EXIT
log="${cache}/install-${key}.log"
{
  "${python}" -m venv "${tmp}/venv"
  "${tmp}/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "${here}/requirements.txt"
} >"${log}" 2>&1 || { tail -n 30 "${log}" >&2; echo "ensure.sh: installing checkov failed (log: ${log})" >&2; exit 1; }
# A venv records its own absolute path: build it at the final path's sibling and fix the scripts.
grep -rl "${tmp}/venv" "${tmp}/venv/bin" | xargs sed -i "s|${tmp}/venv|${venv}|g"
mv -T -- "${tmp}/venv" "${venv}" 2>/dev/null || [[ -x "${venv}/bin/checkov" ]]
echo "${venv}/bin/checkov"
