#!/usr/bin/env bash
# Validates Kubernetes manifests offline with kubeconform in strict mode against the schemas
# that ensure.sh generated for the pinned Kubernetes version and CRDs.
#
#   tools/kubeconform/validate.sh <dir-or-file>...
#
# Exit 0 only if every resource is valid. Any invalid resource, unparsable file or kind without
# a schema (unknown CRD, typo in apiVersion/kind) makes it exit non-zero.
#
# Environment:
#   KUBECONFORM_OUTPUT   text (default) | json | junit | tap | pretty: passed to -output.
#                        With json, stdout is the JSON document only (ensure.sh talks on stderr).
#   KUBECONFORM_VERBOSE  1 to also list valid resources (-verbose).
#   PANAL_CACHE          cache root (default ~/.cache/panal).
set -euo pipefail

# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if (($# == 0)); then
  echo "usage: $0 <dir-or-file>..." >&2
  exit 2
fi
for target in "$@"; do
  # kubeconform reads stdin for "-"; anything else must exist, or it would be a silent no-op.
  if [[ "${target}" != "-" && ! -e "${target}" ]]; then
    echo "validate.sh: no such file or directory: ${target}" >&2
    exit 2
  fi
done

# Build or check the cache; its summary goes to stderr so that stdout is kubeconform's alone.
"${KC_TOOL_DIR}/ensure.sh" >&2

output="${KUBECONFORM_OUTPUT:-text}"
args=(
  -strict  # additionalProperties:false schemas + reject duplicated keys
  -summary # "Summary: N resources found in M files - Valid: ..., Invalid: ..., Errors: ..., Skipped: ..."
  -output "${output}"
  -kubernetes-version "${KC_K8S_VERSION}"
  # The only schema sources: our two cache folders. Never "default" and never a URL, so nothing
  # is fetched, and no -ignore-missing-schemas: a kind we have no schema for is an error.
  -schema-location "${KC_CORE_TEMPLATE}"
  -schema-location "${KC_CRD_TEMPLATE}"
)
# Kinds no reachable registry has a schema for (versions.env explains each): skipped, and said so.
if [[ -n "${UNVALIDATED_KINDS:-}" ]]; then
  args+=(-skip "${UNVALIDATED_KINDS}")
  IFS=',' read -ra unvalidated <<<"${UNVALIDATED_KINDS}"
  for gvk in "${unvalidated[@]}"; do
    echo "validate.sh: NOT validated, no schema reachable (tools/kubeconform/versions.env UNVALIDATED_KINDS): ${gvk}" >&2
  done
fi
if [[ "${KUBECONFORM_VERBOSE:-0}" == 1 ]]; then
  args+=(-verbose)
fi

# kubeconform exits 1 on any invalid resource or error (missing schema included) and prints
# "<file> - <Kind> <name> is invalid: problem validating schema ... <field path>: <reason>".
exec "${KC_BIN}" "${args[@]}" "$@"
