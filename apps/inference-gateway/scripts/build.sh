#!/usr/bin/env bash
# Bundles the gateway into one ES module for its container image (node:20 runtime, no node_modules):
#   bash apps/inference-gateway/scripts/build.sh [outfile]   # default .out/inference-gateway/main.mjs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="${1:-$root/.out/inference-gateway/main.mjs}"
# zod and yaml ship CommonJS paths that call require(); give the ES module bundle one.
"$root/node_modules/.bin/esbuild" "$root/apps/inference-gateway/src/main.ts" --bundle --platform=node --format=esm --target=node20 \
  --outfile="$out" --log-level=warning \
  "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
echo "inference-gateway: bundled to ${out#"$root"/}"
