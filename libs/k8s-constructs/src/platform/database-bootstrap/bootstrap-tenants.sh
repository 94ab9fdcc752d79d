#!/bin/bash
# Creates or updates the PostgreSQL role and database of every tenant listed in $TENANTS_FILE
# (one line per tenant: tenant id, Key Vault name, database/role name, tab-separated). Rendered into
# the platform-db/db-bootstrap ConfigMap by DatabaseBootstrap (database-bootstrap.ts), which explains
# the design; run by its Job at each sync and by its CronJob between syncs.
#
# Authentication is workload identity only (no password of its own): the federated ServiceAccount
# token the Azure Workload Identity webhook mounts is exchanged at Entra ID for two access tokens,
# one for PostgreSQL (the token is the password of the Entra administrator $PGUSER) and one for
# Key Vault (each tenant's `database-url` secret carries the role's password).
# @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#third-case-access-token-request-with-a-federated-credential
# @see https://learn.microsoft.com/azure/postgresql/flexible-server/how-to-configure-sign-in-azure-ad-authentication
# @see https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret
#
# One tenant failing (secret missing, malformed, psql error) does not stop the others: every tenant
# is tried, each outcome is one log line, and the exit status is 1 if any failed.
set -euo pipefail

: "${TENANTS_FILE:=/etc/db-bootstrap/tenants.tsv}"
: "${SQL_FILE:=/etc/db-bootstrap/tenant-database.sql}"
: "${KEY_VAULT_URL_TEMPLATE:=https://%s.vault.azure.net}"
: "${KEY_VAULT_SCOPE:=https://vault.azure.net/.default}"
: "${POSTGRES_TOKEN_SCOPE:=https://ossrdbms-aad.database.windows.net/.default}"
: "${DATABASE_URL_SECRET:=database-url}"

log() { printf 'db-bootstrap: %s\n' "$*" >&2; }

for var in AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST PGHOST PGUSER; do
  if [[ -z "${!var:-}" ]]; then
    log "environment variable ${var} is not set (the workload identity webhook sets AZURE_*; the Job sets PG*)"
    exit 2
  fi
done

# Client-credentials grant with the federated token as client assertion; prints the access token.
# On failure the error body (Entra's AADSTS code and description, never a token) goes to stderr.
entra_token() {
  local scope="$1" body
  if ! body="$(curl --fail-with-body --silent --show-error --retry 3 --max-time 30 \
    --data-urlencode "client_id=${AZURE_CLIENT_ID}" \
    --data-urlencode "scope=${scope}" \
    --data-urlencode "grant_type=client_credentials" \
    --data-urlencode "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer" \
    --data-urlencode "client_assertion@${AZURE_FEDERATED_TOKEN_FILE}" \
    "${AZURE_AUTHORITY_HOST%/}/${AZURE_TENANT_ID}/oauth2/v2.0/token")"; then
    printf '%s\n' "${body}" >&2
    return 1
  fi
  jq -er .access_token <<<"${body}"
}

# The value of secret $2 in vault $1. On failure Key Vault's error body (code and message, no
# secret value) goes to stderr.
vault_secret() {
  local base body
  # shellcheck disable=SC2059 # the template is the format string on purpose
  base="$(printf "${KEY_VAULT_URL_TEMPLATE}" "$1")"
  if ! body="$(curl --fail-with-body --silent --show-error --retry 3 --max-time 30 \
    -H "Authorization: Bearer ${vault_token}" "${base}/secrets/$2?api-version=7.4")"; then
    printf '%s\n' "${body}" >&2
    return 1
  fi
  jq -er .value <<<"${body}"
}

err="$(mktemp)"
trap 'rm -f -- "${err}"' EXIT
if ! pg_token="$(entra_token "${POSTGRES_TOKEN_SCOPE}" 2>"${err}")"; then log "cannot get an Entra ID token for PostgreSQL (${POSTGRES_TOKEN_SCOPE}): $(tr '\n' ' ' <"${err}")"; exit 1; fi
if ! vault_token="$(entra_token "${KEY_VAULT_SCOPE}" 2>"${err}")"; then log "cannot get an Entra ID token for Key Vault (${KEY_VAULT_SCOPE}): $(tr '\n' ' ' <"${err}")"; exit 1; fi

failed=()
ready=0
while IFS=$'\t' read -r tenant vault database <&3; do
  [[ -z "${tenant}" || "${tenant}" == \#* ]] && continue
  if ! url="$(vault_secret "${vault}" "${DATABASE_URL_SECRET}" 2>"${err}")"; then
    log "tenant ${tenant}: cannot read secret ${DATABASE_URL_SECRET} from Key Vault ${vault}: $(tr '\n' ' ' <"${err}")"
    failed+=("${tenant}")
    continue
  fi
  # postgresql://<role>:<password>@<host>:<port>/<database>?...; the passwords are alphanumeric (tenants Terraform stack).
  if [[ ! "${url}" =~ ^postgres(ql)?://([^:/@]+):([^@]+)@ ]] || [[ "${BASH_REMATCH[2]}" != "${database}" ]]; then
    log "tenant ${tenant}: secret ${DATABASE_URL_SECRET} in Key Vault ${vault} is not a postgresql://${database}:<password>@... URL"
    failed+=("${tenant}")
    continue
  fi
  password="${BASH_REMATCH[3]}"
  # The password reaches psql through its environment (\getenv), never through its command line.
  if { printf '\\getenv tenant_password TENANT_DB_PASSWORD\n'; cat "${SQL_FILE}"; } |
    TENANT_DB_PASSWORD="${password}" PGPASSWORD="${pg_token}" psql -X -q -v ON_ERROR_STOP=1 -v "tenant_db=${database}" -d postgres -f - >/dev/null 2>"${err}"; then
    log "tenant ${tenant}: role and database ${database} ready"
    ready=$((ready + 1))
  else
    log "tenant ${tenant}: psql failed on ${database}: $(tr '\n' ' ' <"${err}")"
    failed+=("${tenant}")
  fi
done 3<"${TENANTS_FILE}"

if (( ${#failed[@]} > 0 )); then
  log "${ready} tenants ready, ${#failed[@]} failed: ${failed[*]}"
  exit 1
fi
log "${ready} tenants ready"
