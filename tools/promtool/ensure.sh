#!/usr/bin/env bash
# Builds (once) a pinned command of the Prometheus Go module into the cache and prints its path on
# the last line:
#   ensure.sh [promtool]   -> $PANAL_CACHE/promtool/<release>/bin/promtool   (rule checker, unit tests)
#   ensure.sh prometheus   -> $PANAL_CACHE/prometheus/<release>/bin/prometheus (the server, for sim-aks)
# Source: the Go module proxy only (go install of cmd/<command> at the pinned module version), so
# promtool and the server always come from the same module version.
# Idempotent: a warm run checks the binary's version and returns. The build happens in a
# temporary sibling directory renamed into place when complete, under one lock shared by both
# commands (two concurrent builds of the same module would only fight for the two cores), so
# parallel test workers wait for one build and an interrupted run never leaves a half-installed binary.
set -euo pipefail

tool_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "${tool_dir}/versions.env"

cmd="${1:-promtool}"
case "${cmd}" in
  promtool | prometheus) ;;
  *)
    echo "promtool/ensure.sh: unknown command '${cmd}' (expected promtool or prometheus)" >&2
    exit 2
    ;;
esac

PANAL_CACHE="${PANAL_CACHE:-${HOME}/.cache/panal}"
go_bin="$(command -v go || echo /usr/local/go/bin/go)"
root="${PANAL_CACHE}/${cmd}"
final="${root}/${PROMETHEUS_RELEASE}/bin"
bin="${final}/${cmd}"

die() {
  echo "promtool/ensure.sh: $*" >&2
  exit 1
}

check_version() {
  # Both print "<cmd>, version 3.16.0 (branch: ..., revision: ...)".
  "${bin}" --version 2>&1 | head -n1 | grep -q "version ${PROMETHEUS_RELEASE} " ||
    die "${bin} does not report version ${PROMETHEUS_RELEASE}; delete ${root}/${PROMETHEUS_RELEASE} and rerun"
}

if [[ -x "${bin}" ]]; then
  check_version
  echo "${bin}"
  exit 0
fi

[[ -x "${go_bin}" ]] || die "Go is needed to build ${cmd} (install Go 1.25+ and rerun)"
mkdir -p "${PANAL_CACHE}/.locks" "${root}"
exec 9>"${PANAL_CACHE}/.locks/prometheus-module.lock"
flock -w 1800 9 || die "timed out waiting for ${PANAL_CACHE}/.locks/prometheus-module.lock"
if [[ -x "${bin}" ]]; then
  check_version
  echo "${bin}"
  exit 0
fi
# Holding the lock, any .tmp-* left is from a killed run.
find "${root}" -mindepth 1 -maxdepth 1 -name '.tmp-*' -exec rm -rf -- {} +

tmp="$(mktemp -d "${root}/.tmp-XXXXXX")"
trap 'rm -rf -- "${tmp}"' EXIT
start_s=${SECONDS}
echo "promtool/ensure.sh: building ${cmd} ${PROMETHEUS_RELEASE} from ${PROMETHEUS_MODULE}@${PROMETHEUS_MODULE_VERSION} (a few minutes, once)" >&2
ldflags="-X github.com/prometheus/common/version.Version=${PROMETHEUS_RELEASE} -X github.com/prometheus/common/version.Branch=release"
# Outside any module (the repo's go.mod/go.work, if any, is never touched); static like upstream's
# release build. Tag remove_all_sd (upstream's plugins/ build tags) leaves out the cloud and
# Kubernetes service discoveries, the bulk of the compile: the simulator scrapes a static target
# and promtool's rule tests discover nothing. The server is built without upstream's
# `builtinassets` tag: the web UI's compiled assets are not in the Go module, and only the HTTP API
# (/api/v1/query) is used.
(cd "${tmp}" && GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOBIN="${tmp}/bin" GOTOOLCHAIN=local \
  "${go_bin}" install -trimpath -tags remove_all_sd -ldflags "${ldflags}" \
  "${PROMETHEUS_MODULE}/cmd/${cmd}@${PROMETHEUS_MODULE_VERSION}") >"${tmp}/go.log" 2>&1 ||
  { tail -n 30 "${tmp}/go.log" >&2; die "go install ${PROMETHEUS_MODULE}/cmd/${cmd}@${PROMETHEUS_MODULE_VERSION} failed"; }
mkdir -p "$(dirname "${final}")"
mv -T -- "${tmp}/bin" "${final}" 2>/dev/null || [[ -x "${bin}" ]] || die "could not move the build into ${final}"
check_version
echo "promtool/ensure.sh: built ${cmd} in $((SECONDS - start_s))s" >&2
echo "${bin}"
