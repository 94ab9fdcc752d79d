#!/usr/bin/env bash
# Bundles the tenant activator into one ES module for its container image (node:20 runtime, no node_modules):
#   bash apps/tenant-activator/scripts/build.sh [outfile]   # default .out/tenant-activator/main.mjs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="${1:-$root/.out/tenant-activator/main.mjs}"
# zod ships CommonJS paths that call require(); give the ES module bundle one.
"$root/node_modules/.bin/esbuild" "$root/apps/tenant-activator/src/main.ts" --bundle --platform=node --format=esm --target=node20 \
  --outfile="$out" --log-level=warning \
  "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
echo "tenant-activator: bundled to ${out#"$root"/}"
