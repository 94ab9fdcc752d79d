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
# CI never replays results in make test: it starts from an empty .nx/cache, so every task runs from
# scratch, and nx writes each result there for the pull requests to restore (.github/workflows/ci.yml).
# (--skip-nx-cache would also skip the writes.) Locally, nx's cache in .nx/cache is kept.
NX_CACHE_RESET := $(if $(CI),rm -rf .nx/cache;,)

NODE_STAMP := node_modules/.panal-npm-ci
NX := node_modules/.bin/nx
TSX := node_modules/.bin/tsx

.PHONY: help setup synth stack stack-down test bench bench-sim bench-gateway affected providers capacity-doc clean-cache usage-report sim-up sim-down sim-status sim-report mirror-images

help: ## List every entry point
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(NODE_STAMP) ## Install npm dependencies from the lock file (Go and Python tools install on first use)

# SIM=0 skips bringing the platform up on the simulated AKS after synthesizing.
SIM ?= 1

synth: $(NODE_STAMP) ## Synthesize the whole platform (dist/), then bring it up on the simulated AKS and print its status (SIM=0 skips)
	$(NX) run-many -t synth --outputStyle=stream
	@if [ "$(SIM)" != "0" ]; then $(MAKE) --no-print-directory sim-up; fi

stack: $(NODE_STAMP) ## Bring the real application stack up from dist/manifests (OpenWebUI per example tenant, gateway, Ollama, PostgreSQL, Redis) and print each tenant's URL and login; Ctrl-C stops it (TENANTS=a,b REPLICAS=n)
	$(TSX) tools/real-stack/src/cli.ts up $${TENANTS:+--tenants $$TENANTS} $${REPLICAS:+--replicas $$REPLICAS}

stack-down: $(NODE_STAMP) ## Stop a running `make stack` (from another shell)
	$(TSX) tools/real-stack/src/cli.ts down

sim-up: $(NODE_STAMP) ## Start the simulated AKS (replacing a running one), apply dist/manifests, print the status
	$(TSX) tools/sim-aks/src/cli.ts up

sim-status: $(NODE_STAMP) ## Tenants, nodes per pool, GPU nodes and pods per pool/zone of the running simulated AKS
	$(TSX) tools/sim-aks/src/cli.ts status

sim-down: $(NODE_STAMP) ## Stop the simulated AKS
	$(TSX) tools/sim-aks/src/cli.ts down

sim-report: $(NODE_STAMP) ## HTML report of the last scenario run (.out/sim-aks/timelines -> .out/sim-aks/report/index.html)
	$(TSX) tools/sim-aks/src/report/cli.ts

test: $(NODE_STAMP) ## Run every test: lint, unit tests, schema validation, freshness of dist/ (what CI runs)
	@rm -rf .out/test-results; $(NX_CACHE_RESET)
	@status=0; $(NX) run-many -t lint test validate --exclude=sim-aks --outputStyle=stream || status=$$?; \
	  $(NX) run-many -t lint test -p sim-aks --outputStyle=stream || status=$$?; \
	  $(TSX) tools/scripts/test-summary.ts || status=$${status:-1}; \
	  if [ $$status -ne 0 ]; then echo "make test: FAILED" >&2; fi; exit $$status

# nx selects the tasks whose inputs the change reaches (docs/adr/0024-que-comprueba-un-pr-de-inquilino.md).
# PANAL_TF_VALIDATE_BASE: terraform validate only the stacks whose JSON differs from the base's
# committed dist/terraform (a new tenant changes one shard per environment); the base validated the rest.
# PANAL_AFFECTED_BASE: a change to tenant folders only proves isolation for the changed tenants and fixed
# neighbours (tools/netpol/tenant-scope.ts); make test proves it for the whole catalogue.
# PANAL_DIST_GATE: validate skips its re-render (--check), since synth runs here and the gate below compares.
affected: $(NODE_STAMP) ## What a pull request runs (.github/workflows/ci.yml): nx affected against NX_BASE (default origin/main), then the dist/ gate
	PANAL_TF_VALIDATE_BASE=$${NX_BASE:-origin/main} PANAL_AFFECTED_BASE=$${NX_BASE:-origin/main} PANAL_DIST_GATE=1 \
	  $(NX) affected -t lint test synth validate --base=$${NX_BASE:-origin/main} --head=HEAD --outputStyle=stream $${NX_EXCLUDE:+--exclude=$$NX_EXCLUDE}
	git diff --exit-code -- dist/manifests dist/terraform dist/dashboards
	test -z "$$(git status --porcelain -- dist/manifests dist/terraform dist/dashboards)"

bench: $(NODE_STAMP) ## Print synth/validate figures for 500 generated tenants and time one tenant PR (make affected) with an empty and a warm nx cache (see docs/benchmarks.md)
	$(TSX) tools/bench/bench-tenants.ts

bench-sim: $(NODE_STAMP) ## Scale scenario of the simulated AKS: TENANTS tenants (default 300) applied, time to converge, nodes per pool (see docs/benchmarks.md)
	cd tools/sim-aks && PANAL_SIM_TENANTS=$${TENANTS:-300} ../../node_modules/.bin/vitest run src/scenarios/scale.test.ts

bench-gateway: $(NODE_STAMP) ## Print inference gateway overhead p50/p99 and requests/s, then admitted vs configured limits for 1,000 tenants over 3 replicas sharing a real redis-server (see docs/modelos-y-gpu.md)
	$(TSX) apps/inference-gateway/scripts/bench-gateway.ts
	$(TSX) apps/inference-gateway/scripts/bench-shared-limits.ts

mirror-images: $(NODE_STAMP) ## Pipeline step (needs the internet and a crane login to the ACR): copy the upstream images of ENV into its ACR by digest and write ENV/image-digests.yaml (tools/images/README.md)
	$(TSX) tools/images/src/cli.ts --env "$${ENV:?set ENV=environments/<env>}"

usage-report: $(NODE_STAMP) ## Monthly usage and cost per tenant as CSV and JSON: make usage-report INPUT=usage-YYYY-MM.json [OUT=dir]
	$(TSX) libs/observability/scripts/usage-report.ts --input "$${INPUT:?set INPUT=<usage-YYYY-MM.json> (see docs/observabilidad.md)}" --out "$${OUT:-.out/usage}"

capacity-doc: $(NODE_STAMP) ## Regenerate the capacity and cost tables of docs/diseno/3-capacidad-y-costes.md from the capacity model
	$(TSX) libs/observability/scripts/render-capacity-doc.ts

providers: ## Build the pinned Terraform providers into $(PANAL_CACHE) for terraform validate (slow once; PANAL_PROVIDER_GIT if the Go proxy lacks a commit)
	bash tools/terraform/ensure-providers.sh

clean-cache: ## Remove nx's local cache (tool caches in $(PANAL_CACHE) are kept)
	rm -rf .nx/cache .out
