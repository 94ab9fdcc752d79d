#!/usr/bin/env bash
# Installs (once) the pinned offline NetworkPolicy evaluator into the user cache and prints the
# path of its executable as the LAST line of stdout. Idempotent; a warm run only checks a stamp.
#
#   NETPOL_BACKEND=nca (default)      -> np-guard network-config-analyzer from PyPI, in a venv:
#        ${PANAL_CACHE:-$HOME/.cache/panal}/network-config-analyzer/<NCA_VERSION>/bin/nca
#   NETPOL_BACKEND=netpol-analyzer    -> np-guard netpol-analyzer via `go install` (Go module proxy):
#        ${PANAL_CACHE:-$HOME/.cache/panal}/netpol-analyzer/<NETPOL_ANALYZER_VERSION>/bin/k8snetpolicy
#        (fails today: the proxy refuses github.com/np-guard/* with 403; see README.md)
#
# Env: PANAL_CACHE (cache root), PANAL_PYTHON (interpreter for the venv; default and rules in
# tools/python/select-python.sh).
# Nothing is written inside the repository.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

backend="${NETPOL_BACKEND:-nca}"
cache_root="${PANAL_CACHE:-$HOME/.cache/panal}"

log() { printf '[netpol/ensure] %s\n' "$*" >&2; }

with_lock() {
  # Serialise concurrent installers (e.g. parallel test workers) on the same prefix.
  local lockfile="$1"; shift
  mkdir -p "$(dirname "$lockfile")"
  exec 9>"$lockfile"
  flock 9
  "$@"
  flock -u 9
}

ensure_nca() {
  local py
  py="$(bash "$here/../python/select-python.sh")"
  local req="$here/requirements-nca.txt"
  local pyver reqsum expected
  pyver="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
  reqsum="$(sha256sum "$req" | cut -c1-16)"
  # One venv per (NCA, Python, pins): a machine where `python3` differs between shells (pyenv
  # shims vs /usr/bin) keeps both, instead of rebuilding one in place under a running analysis.
  local prefix="$cache_root/network-config-analyzer/$NCA_VERSION-py$pyver-$reqsum"
  local bin="$prefix/bin/nca"
  expected="nca=$NCA_VERSION python=$pyver($(command -v "$py")) req=$reqsum"

  if [[ -x "$bin" && -f "$prefix/.stamp" && "$(cat "$prefix/.stamp")" == "$expected" ]]; then
    echo "$bin"; return 0
  fi

  install_nca() {
    # Re-check under the lock: another process may have finished the install meanwhile.
    if [[ -x "$bin" && -f "$prefix/.stamp" && "$(cat "$prefix/.stamp")" == "$expected" ]]; then
      return 0
    fi
    "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
      || { log "network-config-analyzer needs Python >= 3.9 (got $pyver)"; exit 1; }
    log "installing network-config-analyzer==$NCA_VERSION into $prefix (python $pyver)"
    # A venv is not relocatable, so it is built in place; the stamp is written last and is the
    # only completeness marker.
    rm -rf "$prefix"
    "$py" -m venv "$prefix"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$prefix/bin/python" -m pip install --quiet --no-input \
      -r "$req" >&2
    local got
    got="$("$bin" --version 2>&1)"
    [[ "$got" == "NCA version $NCA_VERSION" ]] \
      || { log "unexpected 'nca --version' output: $got"; exit 1; }
    printf '%s' "$expected" >"$prefix/.stamp"
  }
  with_lock "$cache_root/network-config-analyzer/.lock" install_nca
  echo "$bin"
}

ensure_netpol_analyzer() {
  local prefix="$cache_root/netpol-analyzer/$NETPOL_ANALYZER_VERSION"
  local bin="$prefix/bin/k8snetpolicy"
  if [[ -x "$bin" ]]; then echo "$bin"; return 0; fi

  install_npa() {
    [[ -x "$bin" ]] && return 0
    command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
    local tmp
    tmp="$(mktemp -d "$cache_root/netpol-analyzer/.tmp.XXXXXX")"
    log "go install $NETPOL_ANALYZER_MODULE/cmd/netpolicy@$NETPOL_ANALYZER_VERSION"
    if ! GOBIN="$tmp" go install \
        "$NETPOL_ANALYZER_MODULE/cmd/netpolicy@$NETPOL_ANALYZER_VERSION" >&2; then
      rm -rf "$tmp"
      log "go install failed. If the proxy answered 403 for github.com/np-guard/*, the module"
      log "is not obtainable from the registries this project may use: use NETPOL_BACKEND=nca."
      exit 1
    fi
    # Go binaries are relocatable: build aside, then move into place atomically.
    mkdir -p "$prefix/bin"
    mv "$tmp/netpolicy" "$bin.tmp.$$" && mv "$bin.tmp.$$" "$bin"
    rm -rf "$tmp"
  }
  mkdir -p "$cache_root/netpol-analyzer"
  with_lock "$cache_root/netpol-analyzer/.lock" install_npa
  echo "$bin"
}

case "$backend" in
  nca) ensure_nca ;;
  netpol-analyzer) ensure_netpol_analyzer ;;
  *) log "unknown NETPOL_BACKEND '$backend' (expected nca or netpol-analyzer)"; exit 2 ;;
esac
