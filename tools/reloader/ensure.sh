#!/usr/bin/env bash
# Builds (once) Stakater Reloader at the release pinned in versions.env and prints the path of its
# binary on the last line:
#   $PANAL_CACHE/reloader/<version>/reloader        (PANAL_CACHE defaults to ~/.cache/panal)
# Source, in order:
#   1. the Go module proxy (module github.com/stakater/Reloader@<version>);
#   2. on 2026-12-03 the proxy answers 403 "This module version is not available" for every version
#      of that module, so the tree of tag <version> is then taken from a local git clone of
#      stakater/Reloader named by PANAL_RELOADER_GIT (bare or normal); the tag must resolve to
#      RELOADER_COMMIT. Its dependencies still come from the module proxy, fixed by its go.sum,
#      except github.com/openshift/api, which the proxy refuses as well: when it does, the commit
#      Reloader's go.mod pins is taken from a clone named by PANAL_OPENSHIFT_API_GIT and used
#      through a `replace` (git checks every object against its hash; a blob the clone lacks is
#      left out and named in the log, and the build then fails if Reloader needed it).
# Without a source it exits 4 with one line saying so (the sim-aks scenario then skips).
# Idempotent: a warm run checks the cached binary and returns. Built in a temporary sibling
# directory renamed into place, under a lock, so an interrupted run never leaves half a binary.
# Usage: ensure.sh [--check]   (--check: build nothing; exit 0 when cached, 3 otherwise)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "${here}/versions.env"

die() { # message [exit-code]
  echo "reloader/ensure.sh: $1" >&2
  exit "${2:-1}"
}

cache="${PANAL_CACHE:-${HOME}/.cache/panal}/reloader"
final="${cache}/${RELOADER_VERSION}"
bin="${final}/reloader"

check_version() {
  # `reloader --version`? Reloader has no such flag; the version is stamped with -ldflags and
  # logged at start, so the stamp file written at build time is what is checked.
  [[ "$(cat "${final}/VERSION" 2>/dev/null)" == "${RELOADER_VERSION} ${RELOADER_COMMIT}" ]] ||
    die "${bin} was not built from ${RELOADER_VERSION} (${RELOADER_COMMIT}); delete ${final} and rerun"
}

if [[ -x "${bin}" ]]; then
  check_version
  echo "${bin}"
  exit 0
fi
[[ "${1:-}" == "--check" ]] && { echo "missing: reloader ${RELOADER_VERSION}"; exit 3; }

go_bin="$(command -v go || echo /usr/local/go/bin/go)"
[[ -x "${go_bin}" ]] || die "Go is needed to build Reloader (install Go 1.26.4+ and rerun)"
mkdir -p "${cache}/.locks"
exec 9>"${cache}/.locks/reloader.lock"
flock -w 1800 9 || die "timed out waiting for ${cache}/.locks/reloader.lock"
if [[ -x "${bin}" ]]; then
  check_version
  echo "${bin}"
  exit 0
fi
find "${cache}" -mindepth 1 -maxdepth 1 -name '.tmp-*' -exec rm -rf -- {} +

tmp="$(mktemp -d "${cache}/.tmp-XXXXXX")"
trap 'rm -rf -- "${tmp}"' EXIT
log="${cache}/${RELOADER_VERSION}.build.log"
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0
src="${tmp}/src"
mkdir -p "${src}" "${tmp}/out"

if "${go_bin}" mod download -json "${RELOADER_MODULE}@${RELOADER_VERSION}" >"${tmp}/dl.json" 2>>"${log}" &&
  ! grep -q '"Error"' "${tmp}/dl.json"; then
  cp -r "$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' "${tmp}/dl.json")/." "${src}/"
  chmod -R u+w "${src}"
  source_note="the Go module proxy"
else
  [[ -n "${PANAL_RELOADER_GIT:-}" ]] ||
    die "the Go module proxy does not serve ${RELOADER_MODULE}@${RELOADER_VERSION} and PANAL_RELOADER_GIT (a git clone of stakater/Reloader) is not set" 4
  commit="$(git -C "${PANAL_RELOADER_GIT}" rev-parse --verify --quiet "${RELOADER_VERSION}^{commit}" || true)"
  [[ "${commit}" == "${RELOADER_COMMIT}" ]] ||
    die "tag ${RELOADER_VERSION} in ${PANAL_RELOADER_GIT} is '${commit}', not ${RELOADER_COMMIT}" 4
  git -C "${PANAL_RELOADER_GIT}" archive "${RELOADER_COMMIT}" | tar -x -C "${src}"
  source_note="${PANAL_RELOADER_GIT} at ${RELOADER_COMMIT}"
fi

# github.com/openshift/api: from the proxy if it serves the pinned version, else from the clone.
if ! "${go_bin}" mod download -json "${OPENSHIFT_API_MODULE}@${OPENSHIFT_API_VERSION}" >"${tmp}/dl-openshift.json" 2>>"${log}" ||
  grep -q '"Error"' "${tmp}/dl-openshift.json"; then
  [[ -n "${PANAL_OPENSHIFT_API_GIT:-}" ]] ||
    die "the Go module proxy does not serve ${OPENSHIFT_API_MODULE}@${OPENSHIFT_API_VERSION} (a Reloader dependency) and PANAL_OPENSHIFT_API_GIT (a git clone of openshift/api) is not set" 4
  git -C "${PANAL_OPENSHIFT_API_GIT}" cat-file -e "${OPENSHIFT_API_COMMIT}^{commit}" 2>/dev/null ||
    die "${PANAL_OPENSHIFT_API_GIT} has no commit ${OPENSHIFT_API_COMMIT}" 4
  # "<object> <path>" of every file, then the paths whose object the clone does not have.
  git -C "${PANAL_OPENSHIFT_API_GIT}" ls-tree -r "${OPENSHIFT_API_COMMIT}" 2>/dev/null |
    awk -F'\t' '{split($1, a, " "); print a[3], $2}' >"${tmp}/tree.txt"
  cut -d' ' -f1 "${tmp}/tree.txt" | git -C "${PANAL_OPENSHIFT_API_GIT}" cat-file --batch-check 2>/dev/null |
    awk '$2 == "missing" {print $1}' >"${tmp}/missing.txt"
  excludes=()
  while IFS= read -r path; do
    echo "# ${OPENSHIFT_API_MODULE}: blob of ${path} missing from the clone, left out" >>"${log}"
    excludes+=(":!${path}")
  done < <(awk 'NR == FNR {m[$1] = 1; next} ($1 in m) {sub(/^[^ ]+ /, ""); print}' "${tmp}/missing.txt" "${tmp}/tree.txt")
  mkdir -p "${tmp}/openshift-api"
  git -C "${PANAL_OPENSHIFT_API_GIT}" archive --format=tar "${OPENSHIFT_API_COMMIT}" "${excludes[@]}" | tar -x -C "${tmp}/openshift-api"
  (cd "${src}" && "${go_bin}" mod edit -replace "${OPENSHIFT_API_MODULE}=${tmp}/openshift-api")
  source_note+=", ${OPENSHIFT_API_MODULE} from ${PANAL_OPENSHIFT_API_GIT} at ${OPENSHIFT_API_COMMIT}"
fi

start_s=${SECONDS}
echo "reloader/ensure.sh: building Reloader ${RELOADER_VERSION} from ${source_note} (cold: a few minutes on 2 cores, once; log: ${log})" >&2
# The release Dockerfile's flags: static, version stamped; -mod=readonly so only go.sum decides.
pkg=github.com/stakater/Reloader/pkg/common
if ! (cd "${src}" && GOFLAGS="-mod=readonly -buildvcs=false" nice -n 10 "${go_bin}" build -trimpath \
  -ldflags "-s -w -X ${pkg}.Version=${RELOADER_VERSION} -X ${pkg}.Commit=${RELOADER_COMMIT} -X ${pkg}.BuildDate=1970-01-01T00:00:00Z" \
  -o "${tmp}/out/reloader" .) >>"${log}" 2>&1; then
  tail -n 30 "${log}" >&2
  die "go build of Reloader failed (log: ${log})"
fi
echo "${RELOADER_VERSION} ${RELOADER_COMMIT}" >"${tmp}/out/VERSION"
chmod 755 "${tmp}/out"
rm -rf -- "${final}"
mv -T -- "${tmp}/out" "${final}"
check_version
echo "reloader/ensure.sh: built Reloader ${RELOADER_VERSION} in $((SECONDS - start_s)) s" >&2
echo "${bin}"
