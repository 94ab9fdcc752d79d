#!/usr/bin/env bash
# Builds (once) the Terraform providers pinned in versions.env from their Go modules, offline
# except for the Go module proxy, into a filesystem mirror (unpacked layout):
#   $PANAL_CACHE/terraform-providers/registry.terraform.io/hashicorp/<name>/<version>/linux_amd64/
#     terraform-provider-<name>_v<version>_x5
# Usage: [PANAL_PROVIDER_GIT=<clone template>] ensure-providers.sh [--check] [name...]
#   --check   build nothing; exit 0 when every requested provider is cached, 3 otherwise.
# Idempotent (a cached provider is only checked), cached by name+version+commit, atomic (each binary
# is linked into a temporary sibling file and renamed into place), safe against concurrent runs
# (one flock per provider). Build logs: $PANAL_CACHE/terraform-providers/logs/<name>-<version>.log.
# `platform-infra:validate` (part of `make test`) calls it for azurerm only: a cold build takes
# ~20 min and a few GB of RAM on 2 cores (measured figures: README.md), a cached one is only checked.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "${here}/versions.env"

cache="${PANAL_CACHE:-${HOME}/.cache/panal}"
mirror="${cache}/terraform-providers"
platform="linux_amd64"
check_only=false
wanted=()
for arg in "$@"; do
  case "${arg}" in
    --check) check_only=true ;;
    -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) wanted+=("${arg}") ;;
  esac
done

die() {
  echo "ensure-providers.sh: $*" >&2
  exit 1
}

tmp_paths=()
cleanup() {
  local p
  for p in "${tmp_paths[@]+"${tmp_paths[@]}"}"; do rm -rf -- "${p}"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

binary_path() { # name version
  echo "${mirror}/registry.terraform.io/hashicorp/$1/$2/${platform}/terraform-provider-$1_v$2_x5"
}

is_wanted() {
  [[ ${#wanted[@]} -eq 0 ]] && return 0
  local w
  for w in "${wanted[@]}"; do [[ "${w}" == "$1" ]] && return 0; done
  return 1
}

# The stamp next to the binary records the commit it was built from; a changed pin rebuilds.
is_cached() { # name version commit
  local bin
  bin="$(binary_path "$1" "$2")"
  [[ -x "${bin}" && "$(cat "${bin}.commit" 2>/dev/null)" == "$3" ]]
}

# fetch_source MODULE COMMIT NAME DEST: a writable copy of the provider's source at COMMIT.
# 1. The Go module proxy, by commit (it answers with a pseudo-version).
# 2. If the proxy refuses that commit (a proxy that serves only versions it already holds answers
#    "This module version is not available"), a local git clone named by PANAL_PROVIDER_GIT, a path
#    template where {name} is replaced (e.g. /srv/mirror/terraform-provider-{name}.git). The tree is
#    taken with `git archive COMMIT`; dependencies come from its committed vendor/ when complete,
#    otherwise from the module proxy at the versions pinned by the commit's go.mod/go.sum.
# Every step checks its own status: `set -e` does not apply inside a function used with `||`.
fetch_source() {
  local module="$1" commit="$2" name="$3" dest="$4" src="" git_dir
  echo "# $(date -u +%FT%TZ) go mod download ${module}@${commit}"
  src="$(cd "$(dirname "${dest}")" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "${module}@${commit}" 2>/dev/null |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || true
  if [[ -n "${src}" && -f "${src}/go.mod" ]]; then
    # The module cache is read-only; build a writable copy as the main module so that its own
    # go.mod (replace/exclude directives included) applies.
    cp -r "${src}" "${dest}" && chmod -R u+w "${dest}" || return 1
    return 0
  fi
  echo "# the module proxy does not serve ${module}@${commit}"
  if [[ -z "${PANAL_PROVIDER_GIT:-}" ]]; then
    echo "the Go module proxy does not serve ${module}@${commit}; set PANAL_PROVIDER_GIT to a git clone template with {name} (see the header of this script)"
    return 1
  fi
  git_dir="${PANAL_PROVIDER_GIT//\{name\}/${name}}"
  if ! git -C "${git_dir}" cat-file -e "${commit}^{commit}" 2>/dev/null; then
    echo "commit ${commit} of ${name} is not in ${git_dir}"
    return 1
  fi
  # A committed vendor/ (azurerm and azuread have one) is used when the clone holds all of it: then
  # the build needs no module download at all. A partial clone may lack vendored blobs; then the
  # tree is taken without vendor/ and the module proxy serves the dependencies.
  local pathspec=(. ':(exclude)vendor')
  if git -C "${git_dir}" ls-tree -r "${commit}" -- vendor | awk '{print $3}' | git -C "${git_dir}" cat-file --batch-check | grep -q ' missing$'; then
    echo "# $(date -u +%FT%TZ) git archive ${commit} from ${git_dir} (vendor/ incomplete in this clone: left out)"
  else
    pathspec=(.)
    echo "# $(date -u +%FT%TZ) git archive ${commit} from ${git_dir}"
  fi
  mkdir -p "${dest}" || return 1
  git -C "${git_dir}" archive --format=tar -o "${dest}.tar" "${commit}" -- "${pathspec[@]}" || return 1
  tar -x -f "${dest}.tar" -C "${dest}" && rm -f -- "${dest}.tar" || return 1
  [[ -f "${dest}/go.mod" && -f "${dest}/main.go" ]] || { echo "incomplete source tree in ${dest}"; return 1; }
}

build_steps() { # name version module commit work
  local name="$1" version="$2" module="$3" commit="$4" work="$5" start_s=${SECONDS}
  fetch_source "${module}" "${commit}" "${name}" "${work}/src" || return 1
  local modflag=-mod=mod
  [[ -f "${work}/src/vendor/modules.txt" ]] && modflag=-mod=vendor
  echo "# $(date -u +%FT%TZ) go build ${modflag}"
  (cd "${work}/src" && GOWORK=off GOTOOLCHAIN=local GOFLAGS="${modflag} -buildvcs=false" \
    go build -trimpath -o "${work}/provider" \
    -ldflags "-s -w -X main.version=${version} -X main.Version=${version} -X ${module/terraform-providers/hashicorp}/version.ProviderVersion=${version}" .) || return 1
  echo "# $(date -u +%FT%TZ) done in $((SECONDS - start_s)) s"
}

build() { # name version module commit
  local name="$1" version="$2" module="$3" commit="$4"
  local bin dir log work start_s=${SECONDS}
  bin="$(binary_path "${name}" "${version}")"
  dir="$(dirname "${bin}")"
  mkdir -p "${dir}" "${mirror}/logs"
  log="${mirror}/logs/${name}-${version}.log"
  exec 9>"${mirror}/.lock-${name}-${version}"
  flock 9
  if is_cached "${name}" "${version}" "${commit}"; then
    echo "ensure-providers: ${name} ${version} cached (built by another run)"
    return 0
  fi
  echo "ensure-providers: building ${name} ${version} from ${module}@${commit:0:12} (log: ${log})"
  work="$(mktemp -d "${mirror}/.tmp-${name}-XXXXXX")"
  tmp_paths+=("${work}")
  if ! build_steps "${name}" "${version}" "${module}" "${commit}" "${work}" >"${log}" 2>&1; then
    tail -n 30 "${log}" >&2
    die "building ${name} ${version} failed (full log: ${log})"
  fi
  mv -f -- "${work}/provider" "${bin}.tmp"
  echo "${commit}" >"${bin}.commit.tmp"
  mv -f -- "${bin}.tmp" "${bin}"
  mv -f -- "${bin}.commit.tmp" "${bin}.commit"
  rm -rf -- "${work}"
  echo "ensure-providers: ${name} ${version} built in $((SECONDS - start_s)) s"
}

missing=0
while read -r name version module commit; do
  [[ -z "${name}" ]] && continue
  is_wanted "${name}" || continue
  if is_cached "${name}" "${version}" "${commit}"; then
    echo "ensure-providers: ${name} ${version} cached at $(binary_path "${name}" "${version}")"
  elif ${check_only}; then
    echo "ensure-providers: ${name} ${version} NOT cached (run tools/terraform/ensure-providers.sh)"
    missing=1
  else
    command -v go >/dev/null || die "go is required to build the providers"
    build "${name}" "${version}" "${module}" "${commit}"
  fi
done <<<"${TF_PROVIDERS}"
if ${check_only} && [[ ${missing} -ne 0 ]]; then exit 3; fi
echo "ensure-providers: mirror ${mirror}"
