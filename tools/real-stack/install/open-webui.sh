#!/usr/bin/env bash
# Installs (once) the pinned OpenWebUI from PyPI into a venv in the cache and prints the venv path:
#   $PANAL_CACHE/real-stack/open-webui-<version>-<hash of extras and OTel packages>-py<X.Y.Z>/
# Idempotent (a warm run only checks the finished venv), atomic (built in a temporary sibling and
# renamed into place when complete).
#
# Interpreter: pyenv's CPython 3.11.7 (/root/.pyenv/versions/3.11.7/bin/python3), chosen over
# Debian's /usr/bin/python3 (3.11.2) because Debian's lacks ensurepip/venv unless python3-venv is
# installed; override with PANAL_PYTHON. The choice is printed on stderr and the script fails
# clearly when the interpreter is missing.
set -euo pipefail
OPEN_WEBUI_VERSION="0.12.4"
# The "postgres" extra brings psycopg2 and the pgvector client (VECTOR_DB=pgvector, DATABASE_URL postgresql://).
OPEN_WEBUI_EXTRAS="postgres"
# The PyPI wheel does not depend on what `ENABLE_OTEL=true` imports (open_webui/utils/telemetry): the
# OTLP/HTTP exporters and the instrumentations. Pinned to the opentelemetry-sdk 1.45.2 / 0.66b1
# release pair the wheel's own dependencies resolve to.
OTEL_PACKAGES=(
  opentelemetry-api==1.45.1
  opentelemetry-sdk==1.45.1
  opentelemetry-exporter-otlp-proto-grpc==1.45.1
  opentelemetry-exporter-otlp-proto-http==1.45.1
  opentelemetry-instrumentation==0.66b1
  opentelemetry-instrumentation-aiohttp-client==0.66b1
  opentelemetry-instrumentation-fastapi==0.66b1
  opentelemetry-instrumentation-httpx==0.66b1
  opentelemetry-instrumentation-logging==0.66b1
  opentelemetry-instrumentation-redis==0.66b1
  opentelemetry-instrumentation-requests==0.66b1
  opentelemetry-instrumentation-sqlalchemy==0.66b1
  opentelemetry-instrumentation-system-metrics==0.66b1
)
python="${PANAL_PYTHON:-/root/.pyenv/versions/3.11.7/bin/python3}"
if [[ ! -x "${python}" ]]; then
  echo "open-webui.sh: Python interpreter ${python} not found (set PANAL_PYTHON to a CPython 3.11 with venv)" >&2
  exit 1
fi
pyver="$("${python}" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
echo "open-webui.sh: using Python ${pyver} at ${python}" >&2
cache="${PANAL_CACHE:-${HOME}/.cache/panal}/real-stack"
key="$(printf '%s\n' "${OPEN_WEBUI_EXTRAS}" "${OTEL_PACKAGES[@]}" | sha256sum | cut -c1-8)"
venv="${cache}/open-webui-${OPEN_WEBUI_VERSION}-${key}-py${pyver}"
if [[ -x "${venv}/bin/open-webui" && -f "${venv}/.complete" ]]; then
  echo "${venv}"
  exit 0
fi
mkdir -p "${cache}"
tmp="$(mktemp -d "${cache}/.tmp-open-webui-XXXXXX")"
trap 'rm -rf -- "${tmp}"' EXIT
log="${cache}/open-webui-${OPEN_WEBUI_VERSION}-install.log"
start=$(date +%s)
echo "open-webui.sh: installing open-webui==${OPEN_WEBUI_VERSION} from PyPI (cold install is large; log: ${log})" >&2
{
  "${python}" -m venv "${tmp}/venv"
  "${tmp}/venv/bin/pip" install --disable-pip-version-check --no-input "open-webui[${OPEN_WEBUI_EXTRAS}]==${OPEN_WEBUI_VERSION}" "${OTEL_PACKAGES[@]}"
} >"${log}" 2>&1 || { tail -n 30 "${log}" >&2; echo "open-webui.sh: installing open-webui failed (log: ${log})" >&2; exit 1; }
# A venv records its own absolute path: fix the scripts to the final path before the rename.
grep -rlI "${tmp}/venv" "${tmp}/venv/bin" | xargs -r sed -i "s|${tmp}/venv|${venv}|g"
touch "${tmp}/venv/.complete"
mv -T -- "${tmp}/venv" "${venv}" 2>/dev/null || [[ -f "${venv}/.complete" ]]
echo "open-webui.sh: installed in $(( $(date +%s) - start ))s, $(du -sh "${venv}" | cut -f1)" >&2
echo "${venv}"
