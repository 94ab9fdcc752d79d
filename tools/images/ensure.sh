#!/usr/bin/env bash
# Builds (once) the pinned crane into the cache and prints its path on the last line:
#   $PANAL_CACHE/crane/<version>/bin/crane
# Source: the Go module proxy only (go install). Idempotent and safe to run in parallel: the build
# happens in a temporary sibling directory under a lock and is renamed into place when complete.
set -euo pipefail

tool_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "${tool_dir}/versions.env"

PANAL_CACHE="${PANAL_CACHE:-${HOME}/.cache/panal}"
go_bin="$(command -v go || echo /usr/local/go/bin/go)"
root="${PANAL_CACHE}/crane"
bin="${root}/${CRANE_VERSION}/bin/crane"

die() {
  echo "images/ensure.sh: $*" >&2
  exit 1
}

if [[ -x "${bin}" ]]; then
  echo "${bin}"
  exit 0
fi
[[ -x "${go_bin}" ]] || die "Go is needed to build crane (install Go and rerun)"
mkdir -p "${PANAL_CACHE}/.locks" "${root}"
exec 9>"${PANAL_CACHE}/.locks/crane.lock"
flock -w 900 9 || die "timed out waiting for ${PANAL_CACHE}/.locks/crane.lock"
if [[ -x "${bin}" ]]; then
  echo "${bin}"
  exit 0
fi
find "${root}" -mindepth 1 -maxdepth 1 -name '.tmp-*' -exec rm -rf -- {} +
tmp="$(mktemp -d "${root}/.tmp-XXXXXX")"
trap 'rm -rf -- "${tmp}"' EXIT
start_s=${SECONDS}
# Outside any module, so the repository's files are never touched.
(cd "${tmp}" && GOWORK=off GOFLAGS=-buildvcs=false GOBIN="${tmp}/bin" "${go_bin}" install "${CRANE_MODULE}/cmd/crane@${CRANE_VERSION}") >"${tmp}/build.log" 2>&1 ||
  { cat "${tmp}/build.log" >&2; die "go install ${CRANE_MODULE}/cmd/crane@${CRANE_VERSION} failed"; }
mkdir -p "${root}/${CRANE_VERSION}"
mv -T -- "${tmp}/bin" "${root}/${CRANE_VERSION}/bin"
echo "images/ensure.sh: built crane ${CRANE_VERSION} in $((SECONDS - start_s)) s" >&2
echo "${bin}"
