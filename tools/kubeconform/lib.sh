# shellcheck shell=bash
# Shared definitions for ensure.sh and validate.sh: pinned versions, cache paths and the
# schema cache key. Sourced, never executed; defines variables and functions only.
# The variables are used by the scripts that source this file:
# shellcheck disable=SC2034

KC_TOOL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# shellcheck source=versions.env
. "${KC_TOOL_DIR}/versions.env"

# Everything heavy lives outside the repo, keyed by version, so a warm run is seconds and a
# cold run rebuilds from the registries alone.
PANAL_CACHE="${PANAL_CACHE:-${HOME}/.cache/panal}"

# The Go toolchain: the one on PATH, else the machine's default install location.
if command -v go >/dev/null 2>&1; then
  KC_GO="$(command -v go)"
else
  KC_GO=/usr/local/go/bin/go
fi

KC_BIN_DIR="${PANAL_CACHE}/kubeconform/${KUBECONFORM_VERSION}/bin"
KC_BIN="${KC_BIN_DIR}/kubeconform"

# kubeconform takes the Kubernetes version without the leading "v" and adds it back itself
# when it fills {{ .NormalizedKubernetesVersion }}.
KC_K8S_VERSION="${K8S_VERSION#v}"

# Files whose content decides what the generated schemas look like. Any change to one of them
# (a version bump, a generator fix) yields a new key, hence a fresh build next to the old one.
KC_KEY_INPUTS=(versions.env requirements.txt lib.sh ensure.sh crd_postprocess.py)

kc_sha256_of_inputs() {
  (cd "${KC_TOOL_DIR}" && cat "${KC_KEY_INPUTS[@]}") | sha256sum | cut -c1-16
}

KC_SCHEMA_KEY="k8s-${K8S_VERSION}-kc-${KUBECONFORM_VERSION}-$(kc_sha256_of_inputs)"
KC_SCHEMAS_ROOT="${PANAL_CACHE}/kubeconform-schemas"
KC_SCHEMAS_DIR="${KC_SCHEMAS_ROOT}/${KC_SCHEMA_KEY}"
KC_CORE_DIR="${KC_SCHEMAS_DIR}/core"
KC_CRD_DIR="${KC_SCHEMAS_DIR}/crds"

# The two -schema-location templates kubeconform gets, and nothing else (no "default", no URL).
# Core: the yannh/kubernetes-json-schema layout, e.g. v1.36.3-standalone-strict/deployment-apps-v1.json
KC_CORE_TEMPLATE="${KC_CORE_DIR}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
# CRDs: <full group>/<lowercase kind>_<version>.json, e.g. keda.sh/scaledobject_v1alpha1.json
KC_CRD_TEMPLATE="${KC_CRD_DIR}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
