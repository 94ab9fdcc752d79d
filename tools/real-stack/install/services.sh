#!/usr/bin/env bash
# Installs (once) the data services of the real stack from Debian (bookworm) packages and prints
# the directory of the PostgreSQL 15 binaries:
#   postgresql-15 (server, initdb), pgbouncer, redis-server, curl, jq (the db-bootstrap script) -> apt-get (as root; `apt-get update` once)
#   pgvector 0.8.0                                          -> Debian's own source package (trixie),
#     built against PostgreSQL 15 and cached in $PANAL_CACHE/real-stack/pgvector-0.8.0-pg15/.
# Bookworm ships no pgvector binary package, and apt.postgresql.org is not reachable from CI, so the
# Debian source package (fetched and checksum-verified by `apt-get source`, from a private apt
# state that does not touch the system's sources) is compiled with pgxs and installed into the
# PostgreSQL 15 extension directories.
# Idempotent: a warm run only checks versions and the cached build.
set -euo pipefail
PGVECTOR_VERSION="0.8.0"
PGVECTOR_DEBIAN_VERSION="0.8.0-1"
# Debian versions move with security updates: pin the upstream major.minor and check it.
declare -A expected=( [postgresql-15]="15." [pgbouncer]="1.18." [redis-server]="5:7.0." [postgresql-server-dev-15]="15." [curl]="7.88." [jq]="1.6" )
cache="${PANAL_CACHE:-${HOME}/.cache/panal}/real-stack"
pgbin="/usr/lib/postgresql/15/bin"
pgshare="/usr/share/postgresql/15/extension"

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "services.sh: apt-get needs root (run as root or install sudo)" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

missing=()
for pkg in "${!expected[@]}"; do
  v="$(dpkg-query -W -f='${Status} ${Version}' "${pkg}" 2>/dev/null || true)"
  [[ "${v}" == "install ok installed "* ]] || missing+=("${pkg}")
done
for tool in make gcc dpkg-source; do command -v "${tool}" >/dev/null || missing+=(build-essential dpkg-dev); done
if (( ${#missing[@]} > 0 )); then
  echo "services.sh: installing Debian packages: ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
for pkg in "${!expected[@]}"; do
  v="$(dpkg-query -W -f='${Version}' "${pkg}")"
  [[ "${v}" == "${expected[$pkg]}"* ]] || { echo "services.sh: ${pkg} is ${v}, expected ${expected[$pkg]}*" >&2; exit 1; }
done
# The Debian packages start system-wide services; the real stack runs its own throwaway instances.
for unit in postgresql redis-server pgbouncer; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "${unit}" 2>/dev/null; then
    echo "services.sh: note: system ${unit} is running; the real stack does not use it" >&2
  fi
done

build="${cache}/pgvector-${PGVECTOR_VERSION}-pg15"
if [[ ! -f "${build}/.complete" ]]; then
  mkdir -p "${cache}"
  tmp="$(mktemp -d "${cache}/.tmp-pgvector-XXXXXX")"
  trap 'rm -rf -- "${tmp}"' EXIT
  log="${cache}/pgvector-${PGVECTOR_VERSION}-build.log"
  echo "services.sh: building pgvector ${PGVECTOR_VERSION} from Debian's source package (log: ${log})" >&2
  {
    mkdir -p "${tmp}/apt/lists/partial" "${tmp}/apt/cache/archives/partial" "${tmp}/src"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"${tmp}/apt/sources.list"
    apt_opts=(-o "Dir::Etc::sourcelist=${tmp}/apt/sources.list" -o "Dir::Etc::sourceparts=-"
      -o "Dir::State::Lists=${tmp}/apt/lists" -o "Dir::Cache=${tmp}/apt/cache" -o "APT::Sandbox::User=root")
    apt-get "${apt_opts[@]}" update
    (cd "${tmp}/src" && apt-get "${apt_opts[@]}" source --download-only "pgvector=${PGVECTOR_DEBIAN_VERSION}")
    tar -xzf "${tmp}/src/pgvector_${PGVECTOR_VERSION}.orig.tar.gz" -C "${tmp}/src"
    cd "${tmp}/src/pgvector-${PGVECTOR_VERSION}"
    # with_llvm=no: no JIT bitcode (it would need clang); OPTFLAGS="": no -march=native, the build
    # must run on any x86-64 CI machine.
    make PG_CONFIG="${pgbin}/pg_config" with_llvm=no OPTFLAGS=""
    make PG_CONFIG="${pgbin}/pg_config" with_llvm=no OPTFLAGS="" DESTDIR="${tmp}/out" install
  } >"${log}" 2>&1 || { tail -n 30 "${log}" >&2; echo "services.sh: building pgvector failed (log: ${log})" >&2; exit 1; }
  touch "${tmp}/out/.complete"
  mv -T -- "${tmp}/out" "${build}" 2>/dev/null || [[ -f "${build}/.complete" ]]
fi
# Install the cached build into PostgreSQL 15's directories (PostgreSQL 15 only loads extensions
# from its own sharedir/libdir).
if ! cmp -s "${build}/usr/share/postgresql/15/extension/vector.control" "${pgshare}/vector.control" 2>/dev/null; then
  "${sudo_cmd[@]}" cp -r "${build}/usr/." /usr/
fi
echo "${pgbin}"
