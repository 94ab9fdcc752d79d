#!/usr/bin/env bash
# Builds (once) the pinned promtool into the cache and prints its path on the last line:
#   $PANAL_CACHE/promtool/<release>/bin/promtool
# Source: the Go module proxy only (go install of cmd/promtool at the pinned module version).
# Idempotent: a warm run checks the binary's version and returns. The build happens in a
# temporary sibling directory renamed into place when complete, under a lock, so parallel test
# workers wait for one build and an interrupted run never leaves a half-installed binary.
set -euo pipefail

tool_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "${tool_dir}/versions.env"

PANAL_CACHE="${PANAL_CACHE:-${HOME}/.cache/panal}"
go_bin="$(command -v go || echo /usr/local/go/bin/go)"
root="${PANAL_CACHE}/promtool"
final="${root}/${PROMETHEUS_RELEASE}/bin"
bin="${final}/promtool"

die() {
  echo "promtool/ensure.sh: $*" >&2
  exit 1
}

check_version() {
  # promtool prints "promtool, version 3.16.0 (branch: ..., revision: ...)".
  "${bin}" --version 2>&1 | head -n1 | grep -q "version ${PROMETHEUS_RELEASE} " ||
    die "${bin} does not report version ${PROMETHEUS_RELEASE}; delete ${root}/${PROMETHEUS_RELEASE} and rerun"
}

if [[ -x "${bin}" ]]; then
  check_version
  echo "${bin}"
  exit 0
fi

[[ -x "${go_bin}" ]] || die "Go is needed to build promtool (install Go 1.25+ and rerun)"
mkdir -p "${PANAL_CACHE}/.locks" "${root}"
exec 9>"${PANAL_CACHE}/.locks/promtool.lock"
flock -w 1800 9 || die "timed out waiting for ${PANAL_CACHE}/.locks/promtool.lock"
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
echo "promtool/ensure.sh: building promtool ${PROMETHEUS_RELEASE} from ${PROMETHEUS_MODULE}@${PROMETHEUS_MODULE_VERSION} (a few minutes, once)" >&2
ldflags="-X github.com/prometheus/common/version.Version=${PROMETHEUS_RELEASE} -X github.com/prometheus/common/version.Branch=release"
# Outside any module (the repo's go.mod/go.work, if any, is never touched); static like upstream's release build.
(cd "${tmp}" && GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOBIN="${tmp}/bin" GOTOOLCHAIN=local \
  "${go_bin}" install -trimpath -ldflags "${ldflags}" \
  "${PROMETHEUS_MODULE}/cmd/promtool@${PROMETHEUS_MODULE_VERSION}") >"${tmp}/go.log" 2>&1 ||
  { tail -n 30 "${tmp}/go.log" >&2; die "go install ${PROMETHEUS_MODULE}/cmd/promtool@${PROMETHEUS_MODULE_VERSION} failed"; }
mkdir -p "$(dirname "${final}")"
mv -T -- "${tmp}/bin" "${final}" 2>/dev/null || [[ -x "${bin}" ]] || die "could not move the build into ${final}"
check_version
echo "promtool/ensure.sh: built in $((SECONDS - start_s))s" >&2
echo "${bin}"
