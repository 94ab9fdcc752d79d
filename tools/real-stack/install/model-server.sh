#!/usr/bin/env bash
# Builds (once) the model server the platform runs, Ollama, and prints the path of its binary:
#   $PANAL_CACHE/real-stack/ollama-<version>/bin/ollama
# Source: the Go module proxy (github.com/ollama/ollama@v<version>), built with cgo for the CPU
# (the same `go build .` the Ollama developer guide gives for a CPU-only build). The module zip
# leaves out llama.cpp's vendor/ folder (Go module zips drop vendor directories), so its three
# single-header libraries come from elsewhere, pinned:
#   nlohmann/json.hpp, json_fwd.hpp -> Debian package nlohmann-json3-dev (apt, as root)
#   stb/stb_image.h                 -> Debian package libstb-dev (apt, as root)
#   miniaudio/miniaudio.h           -> the PyPI source distribution miniaudio==1.61 (no Debian
#                                      package exists), hash pinned in python/miniaudio-sdist.txt
# Idempotent: a warm run only checks the cached binary. Built in a temporary sibling directory
# and renamed into place when complete.
set -euo pipefail

OLLAMA_VERSION="0.17.4"
MINIAUDIO_SDIST="miniaudio-1.61.tar.gz"
DEB_PACKAGES=(nlohmann-json3-dev libstb-dev g++)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() {
  echo "model-server.sh: $*" >&2
  exit 1
}

cache="${PANAL_CACHE:-${HOME}/.cache/panal}/real-stack"
final="${cache}/ollama-${OLLAMA_VERSION}"
if [[ -x "${final}/bin/ollama" ]]; then
  echo "${final}/bin/ollama"
  exit 0
fi

go_bin="$(command -v go || true)"
[[ -n "${go_bin}" ]] || go_bin=/usr/local/go/bin/go
[[ -x "${go_bin}" ]] || die "no Go toolchain (go on PATH or /usr/local/go/bin/go) to build Ollama ${OLLAMA_VERSION}"

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("${pkg}")
done
if (( ${#missing[@]} > 0 )); then
  [[ "$(id -u)" == 0 ]] || die "Debian packages ${missing[*]} are missing: run 'apt-get install ${missing[*]}' as root"
  echo "model-server.sh: installing Debian packages: ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "${cache}"
tmp="$(mktemp -d "${cache}/.tmp-ollama-XXXXXX")"
trap 'chmod -R u+w -- "${tmp}" 2>/dev/null; rm -rf -- "${tmp}"' EXIT
start_s=${SECONDS}
log="${cache}/ollama-${OLLAMA_VERSION}-build.log"
echo "model-server.sh: building Ollama ${OLLAMA_VERSION} from the Go module proxy (cold: ~10 min on 2 cores; log: ${log})" >&2

# Header of miniaudio from the PyPI sdist, fetched by pip with its hash checked (pip prepares
# the sdist's metadata, which takes a minute or two cold: acceptable once per cache).
py="$(bash "${here}/install/model-server-python.sh")"
"${py}" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: --require-hashes \
  -r "${here}/python/miniaudio-sdist.txt" -d "${tmp}/sdist" >&2 || die "pip download of the miniaudio sdist failed"
mkdir -p "${tmp}/include/miniaudio"
tar -xzf "${tmp}/sdist/${MINIAUDIO_SDIST}" -O "${MINIAUDIO_SDIST%.tar.gz}/miniaudio/miniaudio.h" >"${tmp}/include/miniaudio/miniaudio.h" ||
  die "${MINIAUDIO_SDIST} has no miniaudio/miniaudio.h"

# The module cache is read-only and a dependency's go.mod is not a main module: build from a
# writable copy of the downloaded module, as the main module.
dir="$(cd "${tmp}" && GOWORK=off GOFLAGS=-mod=mod "${go_bin}" mod download -json "github.com/ollama/ollama@v${OLLAMA_VERSION}" |
  /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error","no Dir")))')" ||
  die "go mod download github.com/ollama/ollama@v${OLLAMA_VERSION} failed"
cp -r "${dir}" "${tmp}/src"
chmod -R u+w "${tmp}/src"
mkdir -p "${tmp}/out/bin"
if ! (cd "${tmp}/src" && GOWORK=off CGO_ENABLED=1 CGO_CPPFLAGS="-I${tmp}/include" nice -n 10 "${go_bin}" build -trimpath \
  -ldflags "-s -w -X github.com/ollama/ollama/version.Version=${OLLAMA_VERSION}" -o "${tmp}/out/bin/ollama" .) >"${log}" 2>&1; then
  tail -n 40 "${log}" >&2
  die "go build of Ollama ${OLLAMA_VERSION} failed (log: ${log})"
fi
"${tmp}/out/bin/ollama" --version >>"${log}" 2>&1 || die "the built ollama binary does not run (log: ${log})"
echo "model-server.sh: built Ollama ${OLLAMA_VERSION} in $((SECONDS - start_s)) s" >&2
if ! mv -T -- "${tmp}/out" "${final}" 2>/dev/null; then
  [[ -x "${final}/bin/ollama" ]] || die "could not move the build to ${final}"
fi
echo "${final}/bin/ollama"
