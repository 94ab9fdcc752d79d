#!/usr/bin/env bash
# Builds (once) the OpenTelemetry Collector of this folder (main.go, components.go, go.mod, go.sum)
# and prints the path of its binary on the last line:
#   $PANAL_CACHE/otel-collector-<release>-<hash>/otelcol
# <release> is the go.opentelemetry.io/collector/otelcol version in go.mod; <hash> covers go.mod,
# go.sum and the .go files, so any change to them builds a new binary next to the old one.
# Source: the Go module proxy only, pinned by go.sum (-mod=readonly: the build fails rather than
# resolve anything go.sum does not already fix).
# Idempotent: a warm run checks the binary's version and returns. The build happens in a temporary
# sibling directory renamed into place when complete, under a lock, so parallel test workers wait
# for one build and an interrupted run never leaves a half-installed binary.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "otel-collector/ensure.sh: $*" >&2
  exit 1
}

release="$(sed -n 's#^[[:space:]]*go\.opentelemetry\.io/collector/otelcol v\([0-9.]*\)$#\1#p' "${src}/go.mod")"
[[ -n "${release}" ]] || die "no go.opentelemetry.io/collector/otelcol version in ${src}/go.mod"
hash="$(cd "${src}" && sha256sum go.mod go.sum ./*.go | sha256sum | cut -c1-12)"

PANAL_CACHE="${PANAL_CACHE:-${HOME}/.cache/panal}"
name="otel-collector-${release}-${hash}"
final="${PANAL_CACHE}/${name}"
bin="${final}/otelcol"
log="${PANAL_CACHE}/${name}.build.log"

check_version() {
  # Prints "otelcol version 0.161.0".
  [[ "$("${bin}" --version 2>&1 | head -n1)" == "otelcol version ${release}" ]] ||
    die "${bin} does not report version ${release}; delete ${final} and rerun"
}

if [[ -x "${bin}" ]]; then
  check_version
  echo "${bin}"
  exit 0
fi

go_bin="$(command -v go || echo /usr/local/go/bin/go)"
[[ -x "${go_bin}" ]] || die "Go is needed to build the collector (install Go 1.26+ and rerun)"
mkdir -p "${PANAL_CACHE}/.locks"
exec 9>"${PANAL_CACHE}/.locks/otel-collector.lock"
flock -w 1800 9 || die "timed out waiting for ${PANAL_CACHE}/.locks/otel-collector.lock"
if [[ -x "${bin}" ]]; then
  check_version
  echo "${bin}"
  exit 0
fi
# Holding the lock, any temporary directory left is from a killed run.
find "${PANAL_CACHE}" -mindepth 1 -maxdepth 1 -name '.tmp-otel-collector-*' -exec rm -rf -- {} +

tmp="$(mktemp -d "${PANAL_CACHE}/.tmp-otel-collector-XXXXXX")"
trap 'rm -rf -- "${tmp}"' EXIT
start_s=${SECONDS}
echo "otel-collector/ensure.sh: building the OpenTelemetry Collector ${release} from the Go module proxy (cold: ~6 min on 2 cores, once; log: ${log})" >&2
# Static like upstream's release build; GOWORK=off so no go.work around the repo is used.
if ! (cd "${src}" && GOWORK=off GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
  nice -n 10 "${go_bin}" build -trimpath -ldflags "-s -w" -o "${tmp}/otelcol" .) >"${log}" 2>&1; then
  tail -n 30 "${log}" >&2
  die "go build of the collector failed (log: ${log})"
fi
chmod 755 "${tmp}"
mv -T -- "${tmp}" "${final}" 2>/dev/null || [[ -x "${bin}" ]] || die "could not move the build into ${final}"
trap - EXIT
check_version
echo "otel-collector/ensure.sh: built the collector ${release} in $((SECONDS - start_s)) s" >&2
echo "${bin}"
