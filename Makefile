# Makefile for slokeeper.
#
# Target names follow Prometheus' Makefile.common (build, test, test-short, vet,
# style, format, lint, docker, ...), but nothing here downloads a tool: the Go
# toolchain and `go tool promtool` (the tool directive in go.mod, fetched through
# the module proxy like any module) are all that is needed, and golangci-lint is
# a tool of its own module, tools/golangci-lint/go.mod, so that go.mod does not
# carry its dependencies. `make help` lists the targets.

# bash for pipefail, so that `go test ... | tee` fails when the tests fail.
SHELL       := bash
.SHELLFLAGS := -e -o pipefail -c

GO       ?= go
GOFMT    ?= $(GO)fmt
PROMTOOL := $(GO) tool promtool
# Built into the Go build cache on first use (minutes on a cold cache; see tools/golangci-lint/go.mod).
GOLANGCI_LINT := $(GO) tool -modfile=tools/golangci-lint/go.mod golangci-lint
BIN      := slokeeper
VERSION  := $(shell cat VERSION)

# Spec files the checked-in rules/ are generated from.
EXAMPLES  ?= examples/*.yaml
RULES_DIR := rules
# Packages with golden files. Each declares its own -update flag, so list only
# those packages here (not ./...): `go test -update` fails in any other package.
GOLDEN_PKGS := ./pkg/generate/ ./pkg/routing/ ./internal/web/
FUZZTIME    ?= 60s
# Every go test run has a timeout of its own, per package binary: the slow
# end-to-end tests (internal/app/e2e, 10 to 13 minutes under -race on a loaded
# 2-core machine) have a binary, and so a budget, apart from internal/app's unit
# tests. 20m leaves them room on a slow machine and still stops a hung test.
TEST_TIMEOUT ?= 20m
# The end-to-end tests of the daemon: a package of their own, run beside the other checks by `make test`.
E2E_PKG := internal/app/e2e
# The tools' builds take turns with those the end-to-end tests start (internal/e2etest takes the same lock), so
# that the two never compile the same packages at the same time.
TOOL_LOCKED := $(if $(shell command -v flock),flock $(or $(TMPDIR),/tmp)/slokeeper-e2etest-build.lock)
# The command-line reference, generated from the kingpin app (`make docs`).
CLI_DOC := docs/command-line/$(BIN).md
# The metrics reference, generated from the daemon's registry while it runs the demo (`make docs`; about a minute).
METRICS_DOC := docs/metrics.md
# Parallel tests per package binary. The end-to-end tests of internal/app/e2e mostly wait (for tiles, alerts, a
# real Prometheus): more of them at once than the two cores keeps that package well inside its timeout.
TEST_PARALLEL ?= 4
# Where `make run` serves the demo.
RUN_ADDRESS ?= :9099
# The jsonnet mixin (dashboards and alerts), rendered with go-jsonnet (tool directives in go.mod).
MIXIN_DIR   := mixin
JSONNET     := $(GO) tool jsonnet
JSONNETFMT  := $(GO) tool jsonnetfmt
JSONNETLINT := $(GO) tool jsonnet-lint
DOCKER_ARCH ?= amd64

# Non-vendored Go sources, for gofmt (expanded only by the recipes using it).
GOFILES = $(shell find . -path ./vendor -prune -o -path ./.build -prune -o -name '*.go' -print)
# The mixin's jsonnet sources (expanded only by the recipes using them).
MIXIN_SOURCES = $(shell find $(MIXIN_DIR) -path $(MIXIN_DIR)/vendor -prune -o \( -name '*.jsonnet' -o -name '*.libsonnet' \) -print | sort)
# Renders the mixin into the directory in the shell variable $$out: the recipe line using it sets out.
MIXIN_RENDER = mkdir -p "$$out/dashboards_out" && \
	$(JSONNET) -S -o "$$out/prometheus_alerts.yaml" $(MIXIN_DIR)/alerts.jsonnet && \
	$(JSONNET) -S -o "$$out/prometheus_rules.yaml" $(MIXIN_DIR)/rules.jsonnet && \
	$(JSONNET) -m "$$out/dashboards_out" $(MIXIN_DIR)/dashboards.jsonnet >/dev/null

# Build information, injected the way promu does it (see .promu.yml).
GIT_REVISION ?= $(shell git rev-parse --verify --quiet HEAD 2>/dev/null || echo unknown)
GIT_BRANCH   ?= $(shell git symbolic-ref --short --quiet HEAD 2>/dev/null || echo unknown)
BUILD_USER   ?= $(shell whoami 2>/dev/null || echo unknown)@$(shell uname -n 2>/dev/null || echo unknown)
BUILD_DATE   ?= $(shell date +%Y%m%d-%H:%M:%S)
VERSION_PKG  := github.com/prometheus/common/version
GO_LDFLAGS    = -X $(VERSION_PKG).Version=$(VERSION) \
                -X $(VERSION_PKG).Revision=$(GIT_REVISION) \
                -X $(VERSION_PKG).Branch=$(GIT_BRANCH) \
                -X $(VERSION_PKG).BuildUser=$(BUILD_USER) \
                -X $(VERSION_PKG).BuildDate=$(BUILD_DATE)

.DEFAULT_GOAL := all

.PHONY: all
all: test build ## Run the full check suite, then build (the default).

.PHONY: help
help: ## Show this help.
	@echo "Usage: make <target>"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build ./slokeeper with version information.
	@echo ">> building $(BIN)"
	$(GO) build -ldflags "$(GO_LDFLAGS)" -o $(BIN) ./cmd/$(BIN)

.PHONY: generate
generate: ## Regenerate the checked-in rules/ (rules and promtool tests) from examples/.
	@echo ">> regenerating $(RULES_DIR)/"
	@mkdir -p $(RULES_DIR)
	rm -f $(RULES_DIR)/*.rules.yml $(RULES_DIR)/*.test.yml
	$(GO) run ./cmd/$(BIN) generate --tests -o $(RULES_DIR) $(EXAMPLES)

.PHONY: update-golden
update-golden: ## Rewrite the golden files of GOLDEN_PKGS from the current code.
	@echo ">> updating golden files"
	$(GO) test -timeout $(TEST_TIMEOUT) $(GOLDEN_PKGS) -run Golden -update

.PHONY: docs
docs: ## Regenerate docs/command-line/slokeeper.md from the CLI, and docs/metrics.md from the daemon's registry (runs the demo).
	@echo ">> writing $(CLI_DOC)"
	@mkdir -p $(dir $(CLI_DOC))
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./cmd/$(BIN) --write-documentation > "$$tmp/$(notdir $(CLI_DOC))"; \
	cp "$$tmp/$(notdir $(CLI_DOC))" $(CLI_DOC)
	@echo ">> writing $(METRICS_DOC) (running the demo until it settles)"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./hack/metricsdoc > "$$tmp/$(notdir $(METRICS_DOC))"; \
	cp "$$tmp/$(notdir $(METRICS_DOC))" $(METRICS_DOC)

.PHONY: check-docs
check-docs: ## Fail if a relative link or #anchor of a Markdown file points nowhere.
	@echo ">> checking the documentation's links"
	$(GO) run ./hack/doclinks

.PHONY: check-generated
check-generated: ## Fail if rules/, docs/command-line/, docs/metrics.md or the golden files are stale.
	@echo ">> checking that $(RULES_DIR)/ is up to date"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./cmd/$(BIN) generate --tests -o "$$tmp" $(EXAMPLES); \
	if ! diff -r $(RULES_DIR) "$$tmp"; then \
		echo "rules/ is stale: run 'make generate'" >&2; \
		exit 1; \
	fi
	@echo ">> checking that $(CLI_DOC) is up to date"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./cmd/$(BIN) --write-documentation > "$$tmp/$(notdir $(CLI_DOC))"; \
	if ! diff -u $(CLI_DOC) "$$tmp/$(notdir $(CLI_DOC))"; then \
		echo "$(CLI_DOC) is stale: run 'make docs'" >&2; \
		exit 1; \
	fi
	@echo ">> checking that $(METRICS_DOC) is up to date (running the demo until it settles)"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./hack/metricsdoc > "$$tmp/$(notdir $(METRICS_DOC))"; \
	if ! diff -u $(METRICS_DOC) "$$tmp/$(notdir $(METRICS_DOC))"; then \
		echo "$(METRICS_DOC) is stale: run 'make docs'" >&2; \
		exit 1; \
	fi
	@echo ">> checking that the golden files are up to date"
	$(GO) test -timeout $(TEST_TIMEOUT) $(GOLDEN_PKGS) -run Golden

.PHONY: mixin
mixin: mixin-lint ## Render the jsonnet mixin: mixin/dashboards_out/*.json, prometheus_alerts.yaml, prometheus_rules.yaml.
	@echo ">> rendering $(MIXIN_DIR)/"
	@out=$$(mktemp -d $(MIXIN_DIR)/.render.XXXXXX); trap 'rm -rf "$$out"' EXIT; \
	$(MIXIN_RENDER); \
	rm -rf $(MIXIN_DIR)/dashboards_out; \
	mv "$$out/dashboards_out" "$$out/prometheus_alerts.yaml" "$$out/prometheus_rules.yaml" $(MIXIN_DIR)/

.PHONY: mixin-lint
mixin-lint: ## Check the mixin's jsonnet with jsonnetfmt --test and jsonnet-lint.
	@echo ">> checking the mixin's jsonnet"
	@unformatted=""; \
	for f in $(MIXIN_SOURCES); do $(JSONNETFMT) --test "$$f" || unformatted="$$unformatted $$f"; done; \
	if [ -n "$$unformatted" ]; then \
		echo "these files are not jsonnetfmt-clean; run 'make mixin-format':$$unformatted" >&2; \
		exit 1; \
	fi
	$(JSONNETLINT) $(MIXIN_SOURCES)

.PHONY: mixin-format
mixin-format: ## Rewrite the mixin's jsonnet with jsonnetfmt.
	@echo ">> formatting the mixin's jsonnet"
	$(JSONNETFMT) -i $(MIXIN_SOURCES)

.PHONY: check-mixin
check-mixin: mixin-lint ## Fail if the rendered mixin in mixin/ is stale.
	@echo ">> checking that the rendered $(MIXIN_DIR)/ is up to date"
	@out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	$(MIXIN_RENDER); \
	stale=""; \
	diff -r $(MIXIN_DIR)/dashboards_out "$$out/dashboards_out" || stale=1; \
	for f in prometheus_alerts.yaml prometheus_rules.yaml; do diff $(MIXIN_DIR)/$$f "$$out/$$f" || stale=1; done; \
	if [ -n "$$stale" ]; then \
		echo "the rendered mixin is stale: run 'make mixin'" >&2; \
		exit 1; \
	fi

.PHONY: promtool-check
promtool-check: ## Check the generated rule files with promtool.
	@echo ">> checking rules with promtool"
	$(PROMTOOL) check rules $(RULES_DIR)/*.rules.yml

.PHONY: promtool-test
promtool-test: ## Run the generated promtool rule unit tests.
	@echo ">> running promtool rule unit tests"
	$(PROMTOOL) test rules $(RULES_DIR)/*.test.yml

.PHONY: vet
vet: ## Run go vet.
	@echo ">> vetting code"
	$(GO) vet ./...

.PHONY: format
format: ## Rewrite the Go sources with gofmt.
	@echo ">> formatting code"
	@files="$(GOFILES)"; if [ -n "$$files" ]; then $(GOFMT) -l -w $$files; fi

.PHONY: style
style: ## Check that the Go sources are gofmt-clean.
	@echo ">> checking code style"
	@files="$(GOFILES)"; unformatted=""; \
	if [ -n "$$files" ]; then unformatted=$$($(GOFMT) -l $$files); fi; \
	if [ -n "$$unformatted" ]; then \
		echo "these files are not gofmt-clean; run 'make format':" >&2; \
		echo "$$unformatted" >&2; \
		exit 1; \
	fi

.PHONY: golangci-lint
golangci-lint: ## Run golangci-lint with .golangci.yml (not part of make test: its first build takes minutes).
	@echo ">> running golangci-lint"
	$(GOLANGCI_LINT) run ./...

.PHONY: lint
lint: vet style golangci-lint ## Run go vet, the gofmt check and golangci-lint.

.PHONY: unit
unit: alertmanager ## Run the Go tests but the end-to-end ones with the race detector, then the Workbook replay without it.
	@echo ">> running unit tests"
	$(GO) test -race -count=1 -parallel $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) $$($(GO) list ./... | grep -v '$(E2E_PKG)$$')
	@echo ">> replaying the SRE Workbook's scenarios through the rules manager (without -race: days of evaluations)"
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run '^TestWorkbookDetection$$' -v ./pkg/generate/ | grep -E '^(=== RUN|--- |\s+--- |ok|FAIL|PASS)|\|'

.PHONY: e2e
e2e: alertmanager ## Run the daemon's end-to-end tests (internal/app/e2e) with the race detector.
	@echo ">> running the end-to-end tests"
	$(GO) test -race -count=1 -parallel $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) ./$(E2E_PKG)/

.PHONY: test-short
test-short: ## Run the Go tests in short mode, without the race detector.
	@echo ">> running short tests"
	$(GO) test -short -timeout $(TEST_TIMEOUT) ./...

.PHONY: test
test: alertmanager ## Run what CI runs: the end-to-end tests beside the checks (vet, style, check-docs, tools, unit, check-generated, check-mixin, promtool-check, promtool-test).
	@$(MAKE) --no-print-directory -j2 e2e test-checks

# The end-to-end tests mostly wait (for tiles, alerts, a real Prometheus): `make test` runs them beside the checks,
# which use the cores meanwhile, rather than after them.
.PHONY: test-checks
test-checks:
	@$(MAKE) --no-print-directory vet
	@$(MAKE) --no-print-directory style
	@$(MAKE) --no-print-directory check-docs
	@$(MAKE) --no-print-directory tools
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory check-generated
	@$(MAKE) --no-print-directory check-mixin
	@$(MAKE) --no-print-directory promtool-check
	@$(MAKE) --no-print-directory promtool-test

.PHONY: tools
tools: alertmanager ## Build the go.mod tools (promtool, the Prometheus server of the end-to-end tests) and fetch Alertmanager.
	@echo ">> building tools"
	$(TOOL_LOCKED) $(GO) tool -n promtool >/dev/null
	$(TOOL_LOCKED) $(GO) tool -n prometheus >/dev/null

# The end-to-end tests run a real Alertmanager. Its command does not build from
# the Go module (the web UI it embeds is not in the module), so it comes from
# Debian's package, unpacked here without installing it (installing would start
# a service). Debian's build reads its default notification templates from
# /usr/share/prometheus/alertmanager, which an unpacked package does not have:
# that path (34 bytes) is rewritten in the binary to the relative path of the
# same length .////share/prometheus/alertmanager, and the tests run it from
# $(ALERTMANAGER_DIR)/usr, where the package's templates are. The tests find it
# here, or at $$SLOKEEPER_ALERTMANAGER_BINARY (an installed Alertmanager).
#
# The package is pinned: apt-get downloads exactly ALERTMANAGER_DEB_VERSION, and
# the .deb must have ALERTMANAGER_DEB_SHA256 (Debian's amd64 build) before it is
# unpacked. To move to another version, update both together: the version from
# `apt-cache madison prometheus-alertmanager`, the checksum from `sha256sum` of
# the .deb that `apt-get download prometheus-alertmanager=VERSION` fetches.
ALERTMANAGER_DEB_VERSION := 0.25.0-1+b4
ALERTMANAGER_DEB_SHA256  := 4fb9aed15cfe8e0c32408e643ab32a1e41ee87d2cc26f18aeba928b1b0b98ae7
ALERTMANAGER_DIR   := .build/alertmanager
ALERTMANAGER_BIN   := $(ALERTMANAGER_DIR)/usr/bin/prometheus-alertmanager
# Written once the pinned package is unpacked: a new pin fetches again.
ALERTMANAGER_STAMP := $(ALERTMANAGER_DIR)/.deb-$(ALERTMANAGER_DEB_SHA256)

.PHONY: alertmanager
ifdef SLOKEEPER_ALERTMANAGER_BINARY
alertmanager: ## Fetch Debian's prometheus-alertmanager, pinned by version and sha256, into .build/alertmanager (for the end-to-end tests).
	@echo ">> the end-to-end tests use the Alertmanager at $(SLOKEEPER_ALERTMANAGER_BINARY)"
else
alertmanager: $(ALERTMANAGER_STAMP)
endif

$(ALERTMANAGER_STAMP):
	@echo ">> fetching Debian's prometheus-alertmanager $(ALERTMANAGER_DEB_VERSION) into $(ALERTMANAGER_DIR)"
	@command -v apt-get >/dev/null && command -v dpkg >/dev/null || { \
		echo "apt-get and dpkg are needed to fetch Alertmanager; elsewhere set" \
			"SLOKEEPER_ALERTMANAGER_BINARY to an Alertmanager binary (0.25 or later)" >&2; exit 1; }
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	pkg='prometheus-alertmanager=$(ALERTMANAGER_DEB_VERSION)'; \
	if ! (cd "$$tmp" && apt-get download "$$pkg" >/dev/null 2>&1); then \
		echo ">> no package list has $$pkg yet: apt-get update"; \
		apt-get update -qq && (cd "$$tmp" && apt-get download "$$pkg") || { \
			echo "couldn't download $$pkg: if Debian no longer has it, update ALERTMANAGER_DEB_VERSION" \
				"(apt-cache madison prometheus-alertmanager) and ALERTMANAGER_DEB_SHA256 (sha256sum of the new .deb)" \
				"in the Makefile together, or set SLOKEEPER_ALERTMANAGER_BINARY" >&2; exit 1; }; \
	fi; \
	deb=$$(ls "$$tmp"/prometheus-alertmanager_*.deb); \
	got=$$(sha256sum "$$deb" | cut -d' ' -f1); \
	if [ "$$got" != '$(ALERTMANAGER_DEB_SHA256)' ]; then \
		echo "$$(basename "$$deb") has sha256 $$got, but the Makefile pins $(ALERTMANAGER_DEB_SHA256): not unpacked." >&2; \
		echo "If the new package is the one you want, update ALERTMANAGER_DEB_VERSION and ALERTMANAGER_DEB_SHA256" \
			"in the Makefile together (apt-cache madison prometheus-alertmanager; sha256sum of the .deb)," \
			"or set SLOKEEPER_ALERTMANAGER_BINARY to an Alertmanager binary." >&2; \
		exit 1; \
	fi; \
	rm -rf $(ALERTMANAGER_DIR) && mkdir -p $(ALERTMANAGER_DIR) && \
	dpkg -x "$$deb" $(ALERTMANAGER_DIR) && \
	LC_ALL=C perl -pi -e 's{/usr/share/prometheus/alertmanager}{.////share/prometheus/alertmanager}g' $(ALERTMANAGER_BIN) && \
	if LC_ALL=C grep -q -a /usr/share/prometheus/alertmanager $(ALERTMANAGER_BIN); then \
		echo "couldn't relocate the template path of $(ALERTMANAGER_BIN)" >&2; rm -f $(ALERTMANAGER_BIN); exit 1; \
	fi; \
	$(ALERTMANAGER_BIN) --version 2>&1 | head -1; \
	touch $@

.PHONY: bench
bench: ## Run the benchmarks under pkg/, internal/ and cmd/ and keep the output in bench.out.
	$(GO) test -p 1 -timeout 60m -run '^$$' -bench . -benchmem ./pkg/... ./internal/... ./cmd/... | tee bench.out

.PHONY: fuzz
fuzz: ## Fuzz spec loading (FuzzLoad) for FUZZTIME (default 60s).
	$(GO) test ./pkg/spec -timeout $(TEST_TIMEOUT) -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)

.PHONY: run
run: ## Run the demo: the daemon on :9099 with the example specs, an embedded TSDB and a traffic generator.
	@echo ">> starting the demo; then: curl -s localhost:9099/metrics | grep slo_budget_remaining"
	$(GO) run -ldflags "$(GO_LDFLAGS)" ./cmd/$(BIN) run --demo --web.listen-address=$(RUN_ADDRESS)

.PHONY: docker
docker: ## Build the image slokeeper:VERSION (needs a Docker engine; none on dev machines).
	@command -v docker >/dev/null 2>&1 || { echo "make docker needs a Docker engine and the docker CLI" >&2; exit 1; }
	@echo ">> building .build/linux-$(DOCKER_ARCH)/$(BIN)"
	CGO_ENABLED=0 GOOS=linux GOARCH=$(DOCKER_ARCH) $(GO) build -tags netgo -ldflags "$(GO_LDFLAGS)" \
		-o .build/linux-$(DOCKER_ARCH)/$(BIN) ./cmd/$(BIN)
	docker build -t $(BIN):$(VERSION) --build-arg ARCH=$(DOCKER_ARCH) --build-arg OS=linux .

.PHONY: clean
clean: ## Remove build, run, benchmark and coverage output.
	rm -rf $(BIN) .build/ .tarballs/ out/ bench.out coverage.out cover.out coverage.html
