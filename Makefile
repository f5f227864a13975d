# The two commands of the README:
#   make demo   - install what is missing, build, run the daemon with a demo
#   make check  - install what is missing, build with coverage, run every test
BUILD ?= build
COVBUILD ?= build-cov
COVERAGE_MIN ?= 85
FUZZBUILD ?= build-fuzz
# seconds of fuzzing per target (tests/fuzz/README.md); 0 replays the corpus only
FUZZ_SECONDS ?= 60

.PHONY: all deps build demo check package bench bench-motion coverage format format-check sanitize fuzz fuzz-build crashloop soak clean

all: build

# Debian packages, then the reference footage (media/vtest.avi) the demo and tests use
deps:
	@./scripts/install-deps.sh
	@./scripts/fetch-media.sh

build: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD)
	meson compile -C $(BUILD)

demo: build
	./scripts/demo.sh $(BUILD)

check: deps format-check
	@test -f $(COVBUILD)/build.ninja || meson setup $(COVBUILD) -Db_coverage=true -Dwerror=true
	meson compile -C $(COVBUILD)
	@find $(COVBUILD) -name '*.gcda' -delete
	meson test -C $(COVBUILD) --print-errorlogs
	@$(MAKE) --no-print-directory coverage

coverage:
	@gcovr --root . --filter 'src/' --filter 'plugins/' --print-summary \
		--fail-under-line $(COVERAGE_MIN) $(COVBUILD) | grep -E '^(lines|branches):'

# The crash loop at full length: 50 SIGKILLs at seeded random moments, the store checked
# after each (tests/sdag-crashloop-test.c; make check runs 5). SDAG_CRASHLOOP_SEED=N replays
# a run.
crashloop: build
	SDAG_CRASHLOOP_ITERATIONS=$${SDAG_CRASHLOOP_ITERATIONS:-50} \
		meson test -C $(BUILD) crashloop --timeout-multiplier 10 --print-errorlogs --verbose

# The soak at full length: 4 cameras for 30 minutes, a source restart every 2 minutes, and a
# burst of 1000 jobs (tests/sdag-soak-test.c; make check runs 3 minutes and 100 jobs)
soak: build
	SDAG_SOAK_SECONDS=$${SDAG_SOAK_SECONDS:-1800} SDAG_BURST_JOBS=$${SDAG_BURST_JOBS:-1000} \
		meson test -C $(BUILD) soak --timeout-multiplier 10 --print-errorlogs --verbose

# The .deb and the .rpm into dist/, at meson.build's version (packaging/README.md)
package: deps
	@./scripts/install-deps.sh --packaging
	./packaging/build.sh

# Job throughput against a bare GStreamer decode of the same file (see bench/README.md)
bench: build
	./bench/job-throughput.sh $(BUILD)

# The motion pipeline against GStreamer's motioncells on a generated 720p scene
bench-motion: build
	./bench/motion-vs-motioncells.sh $(BUILD)

# The same suite under AddressSanitizer, LeakSanitizer and UBSan.
sanitize: deps
	@test -f build-asan/build.ninja || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	meson compile -C build-asan
	# intercept_tls_get_addr=0: GCC 12's LeakSanitizer reads a bogus dynamic-TLS range of
	# the GLib pool threads that ran a GnuTLS handshake (libgiognutls is dlopen'ed) and its
	# tracer dies (SIGSEGV) before any leak is checked; without it the check runs whole
	SDAG_TEST_SLOW=1 ASAN_OPTIONS=fast_unwind_on_malloc=0:intercept_tls_get_addr=0 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		meson test -C build-asan --timeout-multiplier 5 --print-errorlogs $(SANITIZE_SUITES)

# libFuzzer targets of the parsers of hostile input, built by clang under ASan and UBSan
# (tests/fuzz/README.md): every corpus file replayed, then FUZZ_SECONDS of fuzzing per
# target; a crash fails, its input kept in tests/fuzz/corpus/<target>/
fuzz: fuzz-build
	./tests/fuzz/run.sh $(FUZZBUILD) $(FUZZ_SECONDS)

fuzz-build: deps
	@./scripts/install-deps.sh --fuzz
	@test -f $(FUZZBUILD)/build.ninja || CC=clang CXX=clang++ meson setup $(FUZZBUILD) \
		-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
	meson compile -C $(FUZZBUILD) fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(COVBUILD) build-asan $(FUZZBUILD)
