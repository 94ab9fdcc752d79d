#!/usr/bin/env bash
# Builds (once) and checks the offline kubeconform toolchain in the cache:
#   $PANAL_CACHE/kubeconform/<version>/bin/kubeconform         go install, pinned
#   $PANAL_CACHE/kubeconform/venv-py<X.Y>-<hash>/              Python generators, pinned (PyPI)
#   $PANAL_CACHE/kubeconform-schemas/<key>/core/v<k8s>-standalone-strict/*.json
#   $PANAL_CACHE/kubeconform-schemas/<key>/crds/<group>/<kind>_<version>.json
# Sources are the Go module proxy and PyPI only. Idempotent: a warm run only checks that the
# finished directories exist. Every piece is built in a temporary sibling directory and renamed
# into place when complete, so an interrupted run never leaves a half cache behind.
# Prints a short summary; generator logs are kept in <key>/logs/ (and shown on failure).
set -euo pipefail

# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

start_s=${SECONDS}

die() {
  echo "ensure.sh: $*" >&2
  exit 1
}

# Temporary build directories to remove on exit (success, failure or signal).
tmp_dirs=()
child_pid=""
cleanup() {
  local d
  for d in "${tmp_dirs[@]+"${tmp_dirs[@]}"}"; do
    rm -rf -- "${d}"
  done
}
# Without these traps bash dies on INT/TERM without running the EXIT trap, leaving .tmp-* dirs
# and an orphaned generator behind.
on_signal() {
  if [[ -n "${child_pid}" ]]; then
    kill -TERM "${child_pid}" 2>/dev/null || true
  fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# run_step LOG DIR CMD...: runs CMD inside DIR, output to LOG. It runs in the background and is
# waited for because bash defers traps until a foreground child ends; "wait" is interrupted at
# once, so a signal stops the generator (minutes long) instead of orphaning it.
run_step() {
  local log="$1" dir="$2" rc=0
  shift 2
  (cd "${dir}" && exec "$@") >"${log}" 2>&1 &
  child_pid=$!
  wait "${child_pid}" || rc=$?
  child_pid=""
  return "${rc}"
}

# new_tmp_dir VAR PARENT: sets VAR to a fresh directory inside PARENT (same filesystem as the
# final location, so the closing rename is atomic) and registers it for cleanup. It assigns
# instead of printing because $(...) would run it in a subshell and lose the registration.
new_tmp_dir() {
  mkdir -p "$2"
  local d
  d="$(mktemp -d "$2/.tmp-XXXXXX")"
  tmp_dirs+=("${d}")
  printf -v "$1" '%s' "${d}"
}

# publish TMP FINAL: atomic rename of a finished directory. If another run published FINAL
# first (it is keyed by content, so it is equivalent), keep that one.
publish() {
  if ! mv -T -- "$1" "$2" 2>/dev/null; then
    [[ -d "$2" ]] || die "could not move $1 to $2"
  fi
}

# Go commands run outside any module (the repo may grow a go.mod or go.work later) so that they
# never touch a project's go.mod/go.sum.
go_out_of_module() {
  (cd "${PANAL_CACHE}" && GOWORK=off GOFLAGS=-buildvcs=false "${KC_GO}" "$@")
}

# module_dir MODULE VERSION -> prints the module's directory in the Go module cache.
# Tries the local toolchain first; modules whose go.mod asks for a newer Go are retried with the
# pinned GO_DOWNLOAD_TOOLCHAIN (the go command fetches that toolchain from the module proxy).
module_dir() {
  local json dir
  if ! json="$(GOTOOLCHAIN=local go_out_of_module mod download -json "$1@$2" 2>/dev/null)"; then
    # 2>&1: "go: downloading go1.x" notes stay quiet (only "Dir" is parsed) but appear on failure.
    json="$(GOTOOLCHAIN="${GO_DOWNLOAD_TOOLCHAIN}" go_out_of_module mod download -json "$1@$2" 2>&1)" ||
      die "go mod download $1@$2 failed: ${json}"
  fi
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"${json}")"
  [[ -n "${dir}" && -d "${dir}" ]] || die "no module directory for $1@$2: ${json}"
  printf '%s\n' "${dir}"
}

mkdir -p "${PANAL_CACHE}/.locks"
# One build at a time per cache (parallel test workers, two terminals): others wait, then find
# the finished directories and return at once.
exec 9>"${PANAL_CACHE}/.locks/kubeconform.lock"
flock -w 1800 9 || die "timed out waiting for ${PANAL_CACHE}/.locks/kubeconform.lock"
# Holding the lock, no other ensure.sh is building: any .tmp-* left is from a killed run (kill -9
# skips the EXIT trap). Remove them so they do not pile up; finished directories are untouched.
find "${PANAL_CACHE}/kubeconform" "${KC_SCHEMAS_ROOT}" -mindepth 1 -maxdepth 1 -name '.tmp-*' \
  -exec rm -rf -- {} + 2>/dev/null || true

# --- 1. kubeconform binary -------------------------------------------------------------------
kc_state=cached
if [[ ! -x "${KC_BIN}" ]]; then
  kc_state=built
  build_dir=""
  new_tmp_dir build_dir "${PANAL_CACHE}/kubeconform"
  # -trimpath and a static, version-stamped binary, as upstream's release build does.
  GOBIN="${build_dir}/bin" CGO_ENABLED=0 GOTOOLCHAIN=local go_out_of_module install -trimpath \
    -ldflags "-X main.version=${KUBECONFORM_VERSION}" \
    "${KUBECONFORM_MODULE}/cmd/kubeconform@${KUBECONFORM_VERSION}" >"${build_dir}/go.log" 2>&1 ||
    { cat "${build_dir}/go.log" >&2; die "go install ${KUBECONFORM_MODULE}@${KUBECONFORM_VERSION} failed"; }
  mkdir -p "$(dirname "${KC_BIN_DIR}")"
  publish "${build_dir}/bin" "${KC_BIN_DIR}"
fi
[[ "$("${KC_BIN}" -v)" == "${KUBECONFORM_VERSION}" ]] ||
  die "${KC_BIN} does not report ${KUBECONFORM_VERSION}; delete $(dirname "${KC_BIN_DIR}") and rerun"

# --- 2. schemas ------------------------------------------------------------------------------
if [[ -f "${KC_SCHEMAS_DIR}/MANIFEST.txt" ]]; then
  echo "kubeconform ${KUBECONFORM_VERSION} (${kc_state}): ${KC_BIN}"
  echo "schemas ${KC_SCHEMA_KEY} (cached): $(sed -n 's/^counts: //p' "${KC_SCHEMAS_DIR}/MANIFEST.txt")"
  exit 0
fi

grep -qx "openapi2jsonschema==${OPENAPI2JSONSCHEMA_VERSION}" "${KC_TOOL_DIR}/requirements.txt" ||
  die "requirements.txt does not pin openapi2jsonschema==${OPENAPI2JSONSCHEMA_VERSION} (versions.env)"

# 2a. Python venv for the generators, keyed by the exact Python version and the pins; the
# interpreter is chosen by tools/python/select-python.sh, never by PATH.
python="$(bash "${KC_TOOL_DIR}/../python/select-python.sh")"
py_version="$("${python}" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
req_hash="$(sha256sum "${KC_TOOL_DIR}/requirements.txt" | cut -c1-12)"
venv_dir="${PANAL_CACHE}/kubeconform/venv-py${py_version}-${req_hash}"
if [[ ! -x "${venv_dir}/bin/python" ]]; then
  venv_tmp=""
  new_tmp_dir venv_tmp "${PANAL_CACHE}/kubeconform"
  "${python}" -m venv "${venv_tmp}/venv" >/dev/null
  # --no-deps: the exact set is in requirements.txt (see there why PyYAML is newer than declared).
  "${venv_tmp}/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    -r "${KC_TOOL_DIR}/requirements.txt" >"${venv_tmp}/pip.log" 2>&1 ||
    { cat "${venv_tmp}/pip.log" >&2; die "pip install into the generator venv failed"; }
  # The venv is only ever called as bin/python -m ..., which keeps working after the rename
  # (pip's console-script shebangs would not, and we do not use them).
  publish "${venv_tmp}/venv" "${venv_dir}"
fi
py="${venv_dir}/bin/python"

# 2b. Sources from the Go module cache (downloaded if missing, read in place, never copied).
kc_module_dir="$(module_dir "${KUBECONFORM_MODULE}" "${KUBECONFORM_VERSION}")"
k8s_module_dir="$(module_dir "${K8S_MODULE}" "${K8S_VERSION}")"
crd_generator="${kc_module_dir}/scripts/openapi2jsonschema.py"
swagger="${k8s_module_dir}/api/openapi-spec/swagger.json"
[[ -f "${crd_generator}" ]] || die "missing ${crd_generator}"
[[ -f "${swagger}" ]] || die "missing ${swagger}"

crd_files=()
manifest_sources=()
IFS=, read -r -a crd_sources <<<"${CRD_SOURCES}"
for src in "${crd_sources[@]}"; do
  mod_var="${src}_MODULE" ver_var="${src}_VERSION" glob_var="${src}_CRD_GLOB"
  [[ -n "${!mod_var:-}" && -n "${!ver_var:-}" && -n "${!glob_var:-}" ]] ||
    die "versions.env: ${src} needs ${mod_var}, ${ver_var} and ${glob_var}"
  dir="$(module_dir "${!mod_var}" "${!ver_var}")"
  # The glob is expanded on purpose here (unquoted) against the module directory.
  shopt -s nullglob
  # shellcheck disable=SC2206
  matches=("${dir}"/${!glob_var})
  shopt -u nullglob
  ((${#matches[@]} > 0)) || die "${!mod_var}@${!ver_var} has no files matching ${!glob_var}"
  crd_files+=("${matches[@]}")
  manifest_sources+=("${!mod_var}@${!ver_var} ${!glob_var} (${#matches[@]} files)")
done

build=""
new_tmp_dir build "${KC_SCHEMAS_ROOT}"
mkdir -p "${build}/core" "${build}/crds-raw" "${build}/crds" "${build}/logs"

# 2c. Core schemas: openapi2jsonschema (PyPI) with the flags yannh/kubernetes-json-schema uses for
# its *-standalone-strict folders. It resolves $refs against "<cwd>/<output>", so it runs from
# the core folder with a relative output path.
core_out="${K8S_VERSION}-standalone-strict"
run_step "${build}/logs/core.log" "${build}/core" "${py}" -m openapi2jsonschema.command \
  -o "${core_out}" --expanded --kubernetes --stand-alone --strict "${swagger}" ||
  { tail -n 20 "${build}/logs/core.log" >&2; die "core schema generation failed"; }
# The generator reports per-type failures and still exits 0. Only the apiextensions types that
# describe JSON Schema itself are expected to fail (self-recursive; upstream skips them too):
# the CustomResourceDefinition kind therefore has no schema. Anything else is a real failure.
if unexpected="$(grep 'An error occured processing' "${build}/logs/core.log" |
  grep -Ev 'processing (customresource[a-z]*|jsonschemaprops[a-z]*):')"; then
  printf '%s\n' "${unexpected}" >&2
  die "core schema generation reported unexpected errors (log above)"
fi
for probe in deployment-apps-v1 networkpolicy-networking-v1 service-v1 objectmeta-meta-v1; do
  [[ -s "${build}/core/${core_out}/${probe}.json" ]] || die "core schemas lack ${probe}.json"
done

# 2d. CRD schemas: kubeconform's own generator, run from the module cache. It writes
# "<FILENAME_FORMAT>.json" into the working directory; "__" separates the group for the post-pass.
# DENY_ROOT_ADDITIONAL_PROPERTIES makes the top level strict too (e.g. a misspelled "spec").
run_step "${build}/logs/crds.log" "${build}/crds-raw" \
  env FILENAME_FORMAT='{fullgroup}__{kind}_{version}' DENY_ROOT_ADDITIONAL_PROPERTIES=1 \
  "${py}" "${crd_generator}" "${crd_files[@]}" ||
  { tail -n 20 "${build}/logs/crds.log" >&2; die "CRD schema generation failed"; }
"${py}" "${KC_TOOL_DIR}/crd_postprocess.py" "${build}/crds-raw" "${build}/crds" \
  "${build}/core/${core_out}/objectmeta-meta-v1.json" >"${build}/logs/postprocess.log" 2>&1 ||
  { cat "${build}/logs/postprocess.log" >&2; die "CRD post-processing failed"; }
rm -rf "${build}/crds-raw"
# Same schemas under the Azure Monitor group (versions.env says why); apiVersion is a plain string
# in these schemas, so only the folder changes.
mkdir -p "${build}/crds/${AZMONITORING_GROUP}"
IFS=, read -r -a azmon_kinds <<<"${AZMONITORING_KINDS}"
for kind in "${azmon_kinds[@]}"; do
  [[ -s "${build}/crds/monitoring.coreos.com/${kind}.json" ]] || die "no monitoring.coreos.com/${kind}.json to copy into ${AZMONITORING_GROUP}"
  cp "${build}/crds/monitoring.coreos.com/${kind}.json" "${build}/crds/${AZMONITORING_GROUP}/${kind}.json"
done

core_count="$(find "${build}/core/${core_out}" -name '*.json' | wc -l)"
crd_count="$(find "${build}/crds" -name '*.json' | wc -l)"
{
  echo "key: ${KC_SCHEMA_KEY}"
  echo "kubeconform: ${KUBECONFORM_MODULE}@${KUBECONFORM_VERSION}"
  echo "core: ${K8S_MODULE}@${K8S_VERSION} api/openapi-spec/swagger.json via openapi2jsonschema==${OPENAPI2JSONSCHEMA_VERSION}"
  for line in "${manifest_sources[@]}"; do echo "crd: ${line}"; done
  echo "crd: ${AZMONITORING_GROUP} ${AZMONITORING_KINDS} (copies of monitoring.coreos.com)"
  echo "counts: ${core_count} core + ${crd_count} CRD schemas"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start_s))s"
} >"${build}/MANIFEST.txt"
# MANIFEST.txt is written last inside the build dir, and the dir is renamed as a whole: a
# schema dir with a MANIFEST is always complete.
publish "${build}" "${KC_SCHEMAS_DIR}"

echo "kubeconform ${KUBECONFORM_VERSION} (${kc_state}): ${KC_BIN}"
echo "schemas ${KC_SCHEMA_KEY} (built in $((SECONDS - start_s))s): ${core_count} core + ${crd_count} CRD schemas"
echo "  in ${KC_SCHEMAS_DIR}"
