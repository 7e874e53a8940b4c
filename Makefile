# mykeyterm: two commands set up everything on a fresh Debian machine: `make run` and `make test`.
GO ?= go
export CGO_ENABLED = 1

.PHONY: deps build test test-windows run bench windows vet errcheck android

deps:
	./scripts/install-deps.sh

build: deps
	$(GO) build ./...
	$(GO) build -tags demo ./...

vet:
	$(GO) vet ./...
	$(GO) vet -tags demo ./...

# No error of the platform's store (or any other call) dropped in platform/: a dropped store error made the voucher
# and shop-card throttles fail open. errcheck, pinned, runs from the module cache (fetched on first use). The calls
# whose errors do not matter (a response write to a client, a rollback after commit) are listed in the exclude file.
ERRCHECK = github.com/kisielk/errcheck@v1.9.0
errcheck:
	$(GO) run $(ERRCHECK) -ignoretests -exclude scripts/errcheck-exclude.txt ./platform/...
	$(GO) run $(ERRCHECK) -ignoretests -exclude scripts/errcheck-exclude.txt -tags demo ./platform/...

# The packages whose tests open a platform store through internal/testenv (its default store kind), but the GUI's and
# the terminal layer's (the platform behind them is the same, tested here).
PG_PASS = ./platform/... ./cmd/mkpf-server/ ./cmd/mykeyterm-cli/ ./platformclient/ ./presence/

# All tests, real parts included (pcscd + vpcd, cupsd, Xvfb, loopback platform). The harness starts what it needs.
# The demo world (reference server, demo PKI, virtual cards) is linked only with -tags demo: the tests that need it
# carry the tag, so the suite runs with it; the release GUI is built without tags, and terminal/arch_test.go fails if
# it links platform, internal/demopki or cardio/vcard.
# The platform's tests then run again with PostgreSQL as the default store (MKPF_TEST_STORE, internal/testenv/store.go);
# tests that pick their stores themselves (eachStore, bbolt-only, PostgreSQL-only) say so and do not run twice.
test: deps
	$(GO) vet ./...
	$(GO) vet -tags demo ./...
	$(MAKE) errcheck
	$(GO) test -tags demo -count=1 -timeout 15m ./...
	@echo "== The platform's tests on PostgreSQL (MKPF_TEST_STORE=postgres)"
	MKPF_TEST_STORE=postgres $(GO) test -tags demo -count=1 -timeout 15m $(PG_PASS)
	@echo "== The release GUI (no demo world)"
	$(GO) build -o /dev/null .
	$(GO) test -count=1 .
	@echo "== Windows build of the non-Fyne packages"
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build ./mkpf/... ./cardio/... ./handoff/... ./printing/... ./platformclient/... ./terminal/...
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -tags demo ./mkpf/... ./cardio/... ./platform/... ./internal/demopki/... ./terminal/...
	@echo "== Android (arm64) build of the non-Fyne packages"
	GOOS=android GOARCH=arm64 CGO_ENABLED=0 $(GO) build ./mkpf/... ./cardio/... ./handoff/... ./printing/... ./platformclient/... ./mergefile/... ./terminal/...
	$(MAKE) test-windows

# The Windows build under wine (docs/windows.md): the release installer dist/MKSSetup.exe and the signed demo installer
# dist/test/MKSSetup-demo.exe (the same NSIS script, the GUI built with -tags demo), each installed silently into a
# fresh prefix of the tests' wine tree (scripts/wine-winscard.sh: WinSCard over pcsclite, cached) and driven on Xvfb.
test-windows: deps
	./scripts/wine-winscard.sh >/dev/null
	./scripts/build-windows.sh
	OUT=dist/test TAGS=demo NAME=MKSSetup-demo.exe ./scripts/build-windows.sh
	$(GO) vet -tags wine,demo ./internal/wintest/
	$(GO) test -tags wine,demo -count=1 -timeout 20m -v ./internal/wintest/

# The app in demo mode: embedded platform, virtual cards.
run: deps
	./scripts/run-demo.sh

# Benchmarks with their baselines measured in the same run.
bench: deps
	./scripts/bench.sh

# The Windows installer dist/MKSSetup.exe (release build, no demo mode): both .exe files with icon and version,
# signed (SIGN_PFX/SIGN_PASS, else a throw-away test certificate), packed with NSIS. See docs/windows.md.
windows: deps
	./scripts/build-windows.sh

# The mobile grant app's APK (needs the Android NDK and the fyne packager; without them it says what to install).
android:
	./scripts/android.sh
