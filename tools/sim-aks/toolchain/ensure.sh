#!/usr/bin/env bash
# Builds (once) the simulated-AKS toolchain pinned in versions.env, offline except for the Go module
# proxy, into $PANAL_CACHE/sim-aks/ (default ~/.cache/panal/sim-aks/):
#   k8s-<K8S_VERSION>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   etcd-<ETCD_VERSION>/etcd
#   kwok-<KWOK_VERSION>/kwok
#   cluster-autoscaler-<AUTOSCALER_VERSION>-<commit12>/cluster-autoscaler
# Usage: ensure.sh [--check] [--paths] [component...]   (components: k8s etcd kwok autoscaler)
#   --check  build nothing; exit 0 when every requested component is cached, 3 otherwise.
#   --paths  print `name=path` for every cached binary (what the TypeScript side reads) and exit.
# Idempotent, atomic (built into a temporary sibling directory, renamed into place), one flock per
# component. Build logs: $PANAL_CACHE/sim-aks/logs/<component>.log.
#
# cluster-autoscaler: the Go module proxy answers 403 for k8s.io/autoscaler/cluster-autoscaler (all
# versions, 2026-11-26). The tree at AUTOSCALER_COMMIT is then taken from a local git clone of
# kubernetes/autoscaler named by PANAL_AUTOSCALER_GIT (a bare or normal clone); its dependencies
# still come from the module proxy at the versions pinned by that commit's go.mod/go.sum. Without
# either source the autoscaler is reported missing (exit 4) and the autoscaling scenarios say so.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "${here}/versions.env"

cache="${PANAL_CACHE:-${HOME}/.cache/panal}/sim-aks"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
check_only=false
paths_only=false
wanted=()
for arg in "$@"; do
  case "${arg}" in
    --check) check_only=true ;;
    --paths) paths_only=true ;;
    -h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
    k8s | etcd | kwok | autoscaler) wanted+=("${arg}") ;;
    *) echo "ensure.sh: unknown argument ${arg}" >&2; exit 2 ;;
  esac
done
[[ ${#wanted[@]} -eq 0 ]] && wanted=(k8s etcd kwok autoscaler)

k8s_dir="${cache}/k8s-${K8S_VERSION}"
etcd_dir="${cache}/etcd-${ETCD_VERSION}"
kwok_dir="${cache}/kwok-${KWOK_VERSION}"
autoscaler_dir="${cache}/cluster-autoscaler-${AUTOSCALER_VERSION}-${AUTOSCALER_COMMIT:0:12}"

binaries_of() { # component -> "name=path" lines
  case "$1" in
    k8s) for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do echo "${b}=${k8s_dir}/${b}"; done ;;
    etcd) echo "etcd=${etcd_dir}/etcd" ;;
    kwok) echo "kwok=${kwok_dir}/kwok" ;;
    autoscaler) echo "cluster-autoscaler=${autoscaler_dir}/cluster-autoscaler" ;;
  esac
}

is_cached() { # component
  local line
  while IFS= read -r line; do [[ -x "${line#*=}" ]] || return 1; done < <(binaries_of "$1")
}

if ${paths_only}; then
  for c in "${wanted[@]}"; do is_cached "${c}" && binaries_of "${c}"; done
  exit 0
fi
if ${check_only}; then
  missing=0
  for c in "${wanted[@]}"; do is_cached "${c}" || { echo "missing: ${c}"; missing=3; }; done
  exit "${missing}"
fi

mkdir -p "${cache}/logs"
work=""
cleanup() { [[ -n "${work}" ]] && rm -rf -- "${work}"; return 0; }
trap cleanup EXIT

# Version stamps for kube-* (what `kubectl version` and discovery report); deterministic build date.
k8s_ldflags() {
  local minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  local flags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
    flags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  done
  echo "${flags}"
}

build_k8s() { # out-dir
  local mod="${work}/k8s-wrapper" staging
  mkdir -p "${mod}"
  # Every staging module that k8s.io/kubernetes replaces with ./staging/... is pinned to the
  # published v0.x of the same release; the list is read from the module's own go.mod.
  go mod download "${K8S_MODULE}@${K8S_VERSION}"
  local k8s_src
  k8s_src="$(go list -m -f '{{.Dir}}' "${K8S_MODULE}@${K8S_VERSION}" 2>/dev/null || true)"
  [[ -n "${k8s_src}" ]] || k8s_src="$(go env GOMODCACHE)/${K8S_MODULE}@${K8S_VERSION}"
  {
    echo "module panal.local/sim-aks/k8s"
    echo
    echo "go 1.26.0"
    echo
    echo "require ${K8S_MODULE} ${K8S_VERSION}"
    echo
    echo "replace ("
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "${k8s_src}/go.mod" | awk '{print $1}' | sort -u |
      while read -r staging; do echo "	${staging} => ${staging} ${K8S_STAGING_VERSION}"; done
    echo ")"
  } >"${mod}/go.mod"
  cat >"${mod}/tools.go" <<'GO'
//go:build tools

// Package tools only names the commands this wrapper module builds, so `go mod tidy` keeps them.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (cd "${mod}" && go mod tidy && go build -trimpath -ldflags "$(k8s_ldflags)" -o "$1/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
}

build_etcd() { # out-dir
  local mod="${work}/etcd-wrapper"
  mkdir -p "${mod}"
  cat >"${mod}/go.mod" <<EOF
module panal.local/sim-aks/etcd

go 1.26.0

require ${ETCD_MODULE} ${ETCD_VERSION}
EOF
  cat >"${mod}/main.go" <<'GO'
// Command etcd runs etcd's own entry point; this wrapper exists because the server module's go.mod
// uses relative replaces, which `go install module@version` refuses.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "${mod}" && go mod tidy && go build -trimpath -ldflags "-s -w" -o "$1/etcd" .)
}

build_kwok() { # out-dir
  GOBIN="$1" go install -trimpath -ldflags "-s -w" "${KWOK_MODULE}/cmd/kwok@${KWOK_VERSION}"
}

build_autoscaler() { # out-dir
  local src="${work}/autoscaler"
  mkdir -p "${src}"
  if go mod download -json "${AUTOSCALER_MODULE}@${AUTOSCALER_COMMIT}" >"${work}/dl.json" 2>&1 &&
    ! grep -q '"Error"' "${work}/dl.json"; then
    cp -r "$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' "${work}/dl.json")/." "${src}/"
    chmod -R u+w "${src}"
  else
    echo "# the module proxy does not serve ${AUTOSCALER_MODULE}@${AUTOSCALER_COMMIT}"
    if [[ -z "${PANAL_AUTOSCALER_GIT:-}" ]]; then
      echo "cluster-autoscaler: set PANAL_AUTOSCALER_GIT to a git clone of kubernetes/autoscaler (see the header of this script)" >&2
      return 4
    fi
    git -C "${PANAL_AUTOSCALER_GIT}" archive "${AUTOSCALER_COMMIT}" cluster-autoscaler | tar -x -C "${src}"
    src="${src}/cluster-autoscaler"
  fi
  (cd "${src}" && go build -trimpath -tags kwok -ldflags "-s -w" -o "$1/cluster-autoscaler" .)
}

ensure() { # component dir
  local component="$1" dir="$2" rc=0
  if is_cached "${component}"; then
    echo "sim-aks toolchain: ${component} cached in ${dir}"
    return 0
  fi
  exec 9>"${cache}/.lock-${component}"
  flock 9
  if is_cached "${component}"; then return 0; fi
  local log="${cache}/logs/${component}.log" started=${SECONDS}
  echo "sim-aks toolchain: building ${component} (log: ${log})"
  work="$(mktemp -d "${cache}/.tmp-${component}-XXXXXX")"
  mkdir -p "${work}/out"
  "build_${component}" "${work}/out" >"${log}" 2>&1 || rc=$?
  if [[ ${rc} -ne 0 ]]; then
    tail -n 20 "${log}" >&2
    echo "sim-aks toolchain: ${component} failed (exit ${rc}); full log: ${log}" >&2
    rm -rf -- "${work}"; work=""
    return "${rc}"
  fi
  rm -rf -- "${dir}"
  mv "${work}/out" "${dir}"
  rm -rf -- "${work}"; work=""
  echo "sim-aks toolchain: ${component} built in $((SECONDS - started)) s"
}

status=0
for c in "${wanted[@]}"; do
  case "${c}" in
    k8s) ensure k8s "${k8s_dir}" || status=$? ;;
    etcd) ensure etcd "${etcd_dir}" || status=$? ;;
    kwok) ensure kwok "${kwok_dir}" || status=$? ;;
    autoscaler) ensure autoscaler "${autoscaler_dir}" || status=$? ;;
  esac
done
exit "${status}"
