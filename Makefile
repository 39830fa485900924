# Thin wrapper over meson/ninja and the test scripts. Run as root on Debian 12.
#   make deps    install the build and test packages that are missing
#   make build   configure (once) and build in build/
#   make demo    deps + build + a busybox root in build/demo-root, and a container in it
#   make check   deps + build + unit tests (plain and ASan/UBSan) + integration tests;
#                the last line is "N passed, N failed, N skipped"
#   make clean   remove the build directories

SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
# The binary under test; may carry options, e.g. NSPAWN="systemd-nspawn --register=no --keep-unit"
NSPAWN ?= $(abspath $(BUILD))/nspawn

PACKAGES = meson ninja-build pkg-config gcc clang scdoc \
	libseccomp-dev libcap-dev libsystemd-dev libblkid-dev libmnl-dev libnftables-dev nftables \
	libjansson-dev libarchive-dev libcurl4-openssl-dev libcmocka-dev \
	busybox-static debootstrap iproute2 util-linux bubblewrap crun systemd-container hyperfine \
	btrfs-progs attr musl-tools \
	squashfs-tools erofs-utils xfsprogs dosfstools mtools gdisk cryptsetup-bin uidmap \
	libssl-dev gpgv gnupg python3 acl xz-utils zstd bzip2 qemu-user-static

.PHONY: all deps build demo check style unit unit-asan fuzz integration clean

all: build

# Only what is missing is installed; the package lists are refreshed first when they are
# missing or older than a day.
deps:
	@missing=$$(for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		if [ -z "$$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -n1)" ]; then \
			apt-get update -q || exit 1; \
		fi; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing || exit 1; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: deps build
	tests/rootfs/busybox.sh $(BUILD)/demo-root
	$(NSPAWN) -D $(BUILD)/demo-root -M demo /bin/sh -c \
		'echo "hostname: $$(hostname)"; echo "my PID: $$$$"; echo; ps; echo; mount'

# Each test step appends "passed failed skipped" to $(BUILD)/check-counts; the last step adds
# them up. Steps do not stop the run: everything is run and counted, then the exit code says.
COUNTS = $(BUILD)/check-counts
# ...and the name of each failed test to $(FAILED), listed again before the summary line.
FAILED = $(BUILD)/check-failed

check: deps build
	@rm -f $(COUNTS) $(FAILED)
	@$(MAKE) --no-print-directory style unit unit-asan fuzz integration || true
	@if [ -s $(FAILED) ]; then echo "Failed:"; sed 's/^/  /' $(FAILED); fi
	@awk '{ p += $$1; f += $$2; s += $$3 } END { \
		if (NR < 3) f += 3 - NR; \
		printf "%d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0) }' $(COUNTS) > $(BUILD)/summary; \
		rc=$$?; cat $(BUILD)/summary; exit $$rc

# meson's summary ("Ok:", "Fail:", ...) of one run -> "passed failed skipped" on $(COUNTS).
MESON_COUNT = awk '/^Ok:/ { p += $$2 } /^(Fail|Timeout|Unexpected Pass):/ { f += $$NF } \
	/^Expected Fail:/ { p += $$3 } /^Skipped:/ { s += $$2 } \
	END { if (p + f + s == 0) f = 1; print p + 0, f + 0, s + 0 }'
# meson's failed tests in a log -> "STEP: NAME" on $(FAILED)
MESON_FAILED = awk -v step=$(1) '/^ *[0-9]+\/[0-9]+ / && / (FAIL|ERROR|TIMEOUT) / && !seen[$$2]++ { print step ": " $$2 }'

unit: build
	@set -o pipefail; meson test -C $(BUILD) --suite unit --print-errorlogs 2>&1 | tee $(BUILD)/unit.log; \
	$(MESON_COUNT) $(BUILD)/unit.log >> $(COUNTS); \
	$(call MESON_FAILED,unit) $(BUILD)/unit.log >> $(FAILED)

# The same unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer.
unit-asan:
	@[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false
	@set -o pipefail; \
	if ninja -C $(ASAN_BUILD) > $(ASAN_BUILD)/ninja.log 2>&1; then \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
		meson test -C $(ASAN_BUILD) --suite unit --print-errorlogs 2>&1 | tee $(ASAN_BUILD)/unit.log; \
		$(MESON_COUNT) $(ASAN_BUILD)/unit.log >> $(COUNTS); \
		$(call MESON_FAILED,unit-asan) $(ASAN_BUILD)/unit.log >> $(FAILED); \
	else \
		tail -n 30 $(ASAN_BUILD)/ninja.log; echo "FAIL: the sanitizer build failed"; echo "0 1 0" >> $(COUNTS); \
		echo "unit-asan: the sanitizer build" >> $(FAILED); \
	fi

# Every C file as .clang-format wants it (one test).
style:
	@if git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror > $(BUILD)/style.log 2>&1; then \
		echo "PASS style"; echo "1 0 0" >> $(COUNTS); \
	else head -n 40 $(BUILD)/style.log; echo "FAIL style (run: git ls-files '*.c' '*.h' | xargs clang-format -i)"; \
		echo "0 1 0" >> $(COUNTS); echo style >> $(FAILED); fi

# The libFuzzer targets (clang, ASan+UBSan), each run for FUZZ_SECONDS: one test per target.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15
fuzz:
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false > /dev/null
	@p=0; f=0; \
	if ninja -C $(FUZZ_BUILD) > $(FUZZ_BUILD)/ninja.log 2>&1; then \
		for t in $(FUZZ_BUILD)/tests/fuzz-*; do \
			[ -f "$$t" ] && [ -x "$$t" ] || continue; \
			if "$$t" -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(FUZZ_BUILD)/ > "$$t.log" 2>&1; then \
				echo "PASS $$(basename $$t) ($(FUZZ_SECONDS)s)"; p=$$((p + 1)); \
			else tail -n 30 "$$t.log"; echo "FAIL $$(basename $$t)"; f=$$((f + 1)); \
				echo "fuzz: $$(basename $$t)" >> $(FAILED); fi; \
		done; \
	else tail -n 30 $(FUZZ_BUILD)/ninja.log; echo "FAIL: the fuzz build failed"; f=1; \
		echo "fuzz: the fuzz build" >> $(FAILED); fi; \
	echo "$$p $$f 0" >> $(COUNTS)

integration: build
	@BUILD=$(abspath $(BUILD)) NSPAWN="$(NSPAWN)" IT_RESULTS=$(abspath $(BUILD))/integration-results \
		tests/run-integration.sh | sed '$$d' | tee $(BUILD)/integration.log; \
	sed -n 's/^FAIL \([^ :]*\).*/integration: \1/p' $(BUILD)/integration.log >> $(FAILED); \
	sed 's/[a-z]*=//g' $(BUILD)/integration-results >> $(COUNTS) 2>/dev/null || echo "0 1 0" >> $(COUNTS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
