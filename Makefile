# Panal: the two commands of the README, and the entry points behind them.
# Every target installs what it needs from the project's own files (npm lock, pinned Go tools,
# pinned PyPI packages); slow tool builds are cached in $(PANAL_CACHE), keyed by version.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export PANAL_CACHE ?= $(HOME)/.cache/panal
# nx: no daemon, no cloud, plain output (the same locally and in CI).
export NX_DAEMON := false
export NX_NO_CLOUD := true
export NX_TUI := false

NODE_STAMP := node_modules/.panal-npm-ci
NX := node_modules/.bin/nx
TSX := node_modules/.bin/tsx

.PHONY: help setup synth test bench affected clean-cache

help: ## List every entry point
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(NODE_STAMP) ## Install npm dependencies from the lock file (Go and Python tools install on first use)

synth: $(NODE_STAMP) ## Synthesize the whole platform for the bundled example environment into dist/manifests
	$(NX) run-many -t synth --outputStyle=stream

test: $(NODE_STAMP) ## Run every test: lint, unit tests, schema validation, freshness of dist/ (what CI runs)
	@rm -rf .out/test-results
	@status=0; $(NX) run-many -t lint test validate --outputStyle=stream || status=$$?; \
	  $(TSX) tools/scripts/test-summary.ts || status=$${status:-1}; \
	  if [ $$status -ne 0 ]; then echo "make test: FAILED" >&2; fi; exit $$status

affected: $(NODE_STAMP) ## What a pull request runs: nx affected against origin/main, then the dist/ gate
	$(NX) affected -t lint test synth validate --base=$${NX_BASE:-origin/main} --outputStyle=stream
	git diff --exit-code -- dist/manifests

bench: $(NODE_STAMP) ## Print synth/validate figures for 500 generated tenants (see docs/benchmarks.md)
	$(TSX) tools/bench/bench-tenants.ts

clean-cache: ## Remove nx's local cache (tool caches in $(PANAL_CACHE) are kept)
	rm -rf .nx/cache .out
