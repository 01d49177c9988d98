# flask_ebpf_exporter — build, test, demo.
# Quiet by default; `make V=1` prints every command.
.DELETE_ON_ERROR:
# Keep the intermediate BPF objects: the skeleton embeds them, and they help debugging.
.SECONDARY:
.DEFAULT_GOAL := all

OUTPUT    := build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= gcc
PYTHON    ?= /usr/bin/python3
ARCH      := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
# The kernel types the BPF objects are compiled against: vmlinux/ for x86-64 (the default),
# vmlinux/arm64/ for the aarch64 cross build (make arm64).
VMLINUX_DIR ?= vmlinux
VERSION   := $(shell cat VERSION)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARNINGS  := -Wall -Wextra -Wno-unused-parameter
CFLAGS    ?= -O2 -g
APP_CFLAGS = -std=gnu11 $(CFLAGS) $(WARNINGS) -MMD -MP -Iinclude -Isrc -I$(OUTPUT) \
	     -DFEE_VERSION='"$(VERSION)"' -D_GNU_SOURCE
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	     -I$(VMLINUX_DIR) -Iinclude -Ibpf -MMD -MP
# libcurl: `top URL`'s scrapes and the Kubernetes API client (src/targets/kube_api_*);
# libcrypto: base64 of kubeconfig *-data fields.
LIBS      := -lbpf -lelf -lz -lmicrohttpd -lgnutls -lcrypt -lyaml -lpcre2-8 -ljson-c -lcap -lncursesw -lcurl -lcrypto -lm
# The static build keeps libcurl (and so OpenSSL, which it loads) dynamic: Debian ships no
# archives of most of libcurl's dependencies (nghttp2, ssh2, krb5, ldap, ...); image.sh
# copies the shared objects ldd lists.
KUBE_DYNAMIC_LIBS := -l:libcurl.so.4 -l:libcrypto.so.3

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

# src/ is one folder per role, in layers: util, http < config < capture, targets, metrics
# < serve < main.c (scripts/check-includes.py enforces it). Every module but main.c goes
# into one archive: the daemon links all of it, and a unit test pulls in only the (pure)
# modules it references. Objects mirror the folders: build/obj/<folder>/<module>.o.
LIB_SRCS  := $(wildcard src/*/*.c)
LIB_OBJS  := $(patsubst src/%.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS))
APP       := $(OUTPUT)/flask_ebpf_exporter
# The same, static where Debian allows (make static; the image's binary).
STATIC_APP := $(OUTPUT)/static/flask_ebpf_exporter

# Unit tests are built separately, with AddressSanitizer and UBSan.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Tests mirror src/: tests/unit/<folder>/test_<module>.c -> build/tests/unit/<folder>/...
TEST_SRCS := $(wildcard tests/unit/*/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(TEST_SRCS))
TEST_LIB_OBJS := $(patsubst src/%.c,$(OUTPUT)/tests/obj/%.o,$(LIB_SRCS))
# BPF tests load the real programs, so they link the daemon's archive and libbpf.
BPF_TEST_SRCS := $(wildcard tests/bpf/test_*.c)
BPF_TEST_BINS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf/%,$(BPF_TEST_SRCS))
# The TLS test once more, OpenSSL linked statically: the probes must find it in the executable.
BPF_TEST_BINS += $(OUTPUT)/tests/bpf/test_tls_records_static

.PHONY: all
all: $(APP)

$(OUTPUT) $(OUTPUT)/tests/bpf:
	$(Q)mkdir -p $@

# --- BPF: clang -> bpftool gen object (static linking) -> bpftool gen skeleton -----------
$(OUTPUT)/%.tmp.bpf.o: bpf/%.bpf.c $(VMLINUX_DIR)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# --- userspace --------------------------------------------------------------------------
# The skeletons are order-only: they must exist before the first compile, but only the
# objects that include one (listed in their -MMD .d files) rebuild when the BPF side changes.
$(OUTPUT)/obj/%.o: src/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(APP_CFLAGS) -c $< -o $@

$(OUTPUT)/libfee.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(APP): $(OUTPUT)/obj/main.o $(OUTPUT)/libfee.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

# --- tests ------------------------------------------------------------------------------
$(OUTPUT)/tests/obj/%.o: src/%.c | $(SKELS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(APP_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(OUTPUT)/tests/libfee-san.a: $(TEST_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/tests/unit/%: tests/unit/%.c $(OUTPUT)/tests/libfee-san.a
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(APP_CFLAGS) $(SAN_FLAGS) -Itests/unit $< $(CONN_SIM_USE) \
		$(OUTPUT)/tests/libfee-san.a -lcmocka -lyaml -lpcre2-8 -ljson-c -lz -lelf -lcap -lm -lmicrohttpd \
		-lgnutls -lcrypt -lncursesw -lcurl -lcrypto -o $@

# The kernel's HTTP state machine compiled as ordinary C over a shim (tests/conn_sim), for
# the unit test and the fuzz target that drive it without root.
CONN_SIM_SRCS := tests/conn_sim/conn_sim.c tests/conn_sim/bpf_shim.c
CONN_SIM_DEPS := $(CONN_SIM_SRCS) $(wildcard tests/conn_sim/*.h bpf/*.bpf.h include/*.h)
CONN_SIM_FLAGS := -Itests/conn_sim -Ibpf -Wno-unknown-pragmas -Wno-sign-compare $(CONN_SIM_SRCS)
$(OUTPUT)/tests/unit/bpf/test_conn_state_machine $(OUTPUT)/tests/unit/bpf/test_exception_log_scan \
	$(OUTPUT)/tests/unit/bpf/test_head_scan \
	$(OUTPUT)/fuzz/fuzz_conn_state_machine: \
	$(CONN_SIM_DEPS)
$(OUTPUT)/tests/unit/bpf/test_conn_state_machine $(OUTPUT)/tests/unit/bpf/test_exception_log_scan \
	$(OUTPUT)/tests/unit/bpf/test_head_scan \
	$(OUTPUT)/fuzz/fuzz_conn_state_machine: \
	CONN_SIM_USE = $(CONN_SIM_FLAGS)

.PHONY: test test-unit test-rules test-bpf test-e2e test-kernels test-deploy
test: lint test-unit test-rules test-fuzz test-bpf test-e2e test-kernels test-deploy

# Unit tier: no root, no BPF. The request-line table is checked against werkzeug itself.
test-unit: $(TEST_BINS) check-bpf-headers
	$(Q)set -e; for t in $(TEST_BINS); do echo "== $$t"; $$t; done
	$(Q)$(PYTHON) tests/unit/golden/make_request_line_table.py --check tests/unit/http/test_request_line.c

# Shipped Prometheus rules and Grafana dashboard, offline: promtool check and unit tests,
# the dashboard's panels and PromQL. No root. (The dashboard against a real Prometheus is
# in the e2e tier.)
test-rules:
	$(Q)$(PYTHON) -m pytest -q -p no:cacheprovider tests/deploy

# Every BPF header stands alone: it compiles with nothing included before it.
.PHONY: check-bpf-headers
check-bpf-headers: vmlinux/vmlinux.h
	$(call msg,CHECK,bpf/*.bpf.h standalone)
	$(Q)set -e; for h in $(wildcard bpf/*.bpf.h); do \
		$(CLANG) $(filter-out -MMD -MP,$(BPF_CFLAGS)) -fsyntax-only -x c $$h; done

# The TLS test is an HTTPS server and client itself: it links the OpenSSL it probes.
$(OUTPUT)/tests/bpf/test_tls_records: BPF_TEST_LIBS := -lssl -lcrypto
$(OUTPUT)/tests/bpf/test_tls_records_static: tests/bpf/test_tls_records.c $(OUTPUT)/libfee.a | $(OUTPUT)/tests/bpf
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(APP_CFLAGS) -DFEE_STATIC_OPENSSL $< $(OUTPUT)/libfee.a $(LIBS) \
		-Wl,-Bstatic -lssl -lcrypto -Wl,-Bdynamic -lcmocka -o $@
$(OUTPUT)/tests/bpf/test_%: tests/bpf/test_%.c $(OUTPUT)/libfee.a | $(OUTPUT)/tests/bpf
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(APP_CFLAGS) $< $(OUTPUT)/libfee.a $(LIBS) $(BPF_TEST_LIBS) -lcmocka -o $@

# BPF tier: root; the kernel programs attached for real, triggered by the test itself.
test-bpf: $(BPF_TEST_BINS)
	$(Q)set -e; for t in $(BPF_TEST_BINS); do echo "== $$t"; $$t; done

# The Kubernetes pod watch alone, driven over stdin by tests/e2e/test_kube_api.py.
KUBE_TOOL := $(OUTPUT)/tests/kube/kube_pod_watch_tool
$(KUBE_TOOL): tests/kube/kube_pod_watch_tool.c $(OUTPUT)/libfee.a
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(APP_CFLAGS) $< $(OUTPUT)/libfee.a $(LIBS) -o $@

# End-to-end tier: root, BPF, real servers and clients; the image test (test_image.py) runs
# the static binary's image under podman/runc. E2E names what pytest runs (files, or
# file::test), the whole tier by default. E2E_CPU_QUOTA=N runs it in a cgroup limited to
# N % of one CPU, as a slow machine would (docs/testing.md, "Waiting for events").
E2E ?= tests/e2e
E2E_CPU_QUOTA ?=
test-e2e: $(APP) $(STATIC_APP) $(KUBE_TOOL)
	$(Q)$(if $(E2E_CPU_QUOTA),scripts/with-cpu-quota.sh $(E2E_CPU_QUOTA)) $(PYTHON) -m pytest -v -p no:cacheprovider $(E2E)

# Kernel tier: root and qemu; every hook mode on this kernel and, booted under qemu, on
# Debian's current 6.1 kernel (downloaded once into build/kernel-test). About a minute.
test-kernels: $(APP) $(BPF_TEST_BINS) arm64
	$(Q)scripts/kernel-test/run.sh $(APP) $(BPF_TEST_BINS)
	$(Q)scripts/kernel-test/run-arm64.sh $(ARM64_APP)

# Deployment tier, offline: the Kubernetes manifests render and validate against the API
# schemas; the systemd unit verifies and rates exposure <= 3.0. No root; ~20 s (first run
# installs the validator's npm packages into build/deploy-check).
test-deploy: $(APP)
	$(Q)tests/deploy/check-manifests.sh $(APP)
	$(Q)tests/deploy/check-systemd.sh $(APP)

# --- fuzzing (libFuzzer; clang with libclang-rt) ----------------------------------------------
# One target per pure input path; seeds in tests/fuzz/corpus/<target>, new inputs in
# build/fuzz/corpus/<target>, crashes in build/fuzz/. `make fuzz` runs each FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst %,$(OUTPUT)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_LIB_OBJS := $(patsubst src/%.c,$(OUTPUT)/fuzz/obj/%.o,$(LIB_SRCS))

$(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

$(OUTPUT)/fuzz/obj/%.o: src/%.c | $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(APP_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer -c $< -o $@

$(OUTPUT)/fuzz/libfee-fuzz.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(OUTPUT)/fuzz/libfee-fuzz.a | $(OUTPUT)/fuzz
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(APP_CFLAGS) $(FUZZ_FLAGS) -Itests/fuzz -Itests/unit $< $(CONN_SIM_USE) \
		$(OUTPUT)/fuzz/libfee-fuzz.a -lyaml -lpcre2-8 -ljson-c -lz -lm -lcurl -lcrypto -o $@

.PHONY: fuzz test-fuzz
fuzz: $(FUZZ_BINS)
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
		mkdir -p $(OUTPUT)/fuzz/corpus/$$t; \
		if ! $(OUTPUT)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=2048 \
			-print_final_stats=1 -artifact_prefix=$(OUTPUT)/fuzz/$$t- \
			$(OUTPUT)/fuzz/corpus/$$t tests/fuzz/corpus/$$t >$(OUTPUT)/fuzz/$$t.log 2>&1; \
		then tail -40 $(OUTPUT)/fuzz/$$t.log; exit 1; fi; \
		grep -E 'number_of_executed_units|new_units_added' $(OUTPUT)/fuzz/$$t.log; \
	done

# The CI's share: each target for a short while.
test-fuzz:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_TEST_SECONDS:-12}

# --- demo and benchmarks -----------------------------------------------------------------
.PHONY: demo bench bench-kernels
demo:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

bench: $(APP)
	$(Q)scripts/bench/overhead.sh

# What each hook mode costs nginx on Debian's 6.1 under qemu, nginx and wrk both in the
# guest, as requests/s ratios (~15 min). BENCH_BEFORE=path/to/another/flask_ebpf_exporter
# adds that binary's fentry and kprobe modes to the same run; BENCH_ICOUNT=0 counts
# instructions instead of TCG's time (qemu -icount; scripts/kernel-test/bench.sh); BENCH_BOUND=1
# adds the least exact design (scripts/bench/bound/) as a setting, checked each round.
bench-kernels: $(APP)
	$(Q)scripts/kernel-test/bench.sh $(APP) $(BENCH_BEFORE)

# --- static binary and image (issue 15) ---------------------------------------------------
# `make static`: every library linked from its static archive where Debian ships one (libbpf,
# libelf, zlib, libyaml, PCRE2, libmicrohttpd with GnuTLS and its crypto libraries, ...);
# glibc and GnuTLS's p11-kit stay dynamic (scripts/build/static-link-flags.sh says why).
# `make image`: that binary in an OCI image from scratch (buildah), tagged with VERSION;
# `make image-archive`: the same as an OCI archive, build/flask-ebpf-exporter-VERSION.oci.tar.
IMAGE_ARCHIVE := $(OUTPUT)/flask-ebpf-exporter-$(VERSION).oci.tar
.PHONY: static image image-archive
static: $(STATIC_APP)

# libcurl (`top URL`'s scrapes and the Kubernetes API client) has no static closure in
# Debian, so it is linked dynamically (KUBE_DYNAMIC_LIBS above); image.sh copies it in.
STATIC_LIBS := $(filter-out -lcurl -lcrypto,$(LIBS))
$(STATIC_APP): $(OUTPUT)/obj/main.o $(OUTPUT)/libfee.a \
		scripts/build/static-link-flags.sh
	$(call msg,LINK-STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(OUTPUT)/obj/main.o $(OUTPUT)/libfee.a \
		$$(scripts/build/static-link-flags.sh $(STATIC_LIBS) 2>/dev/null) \
		$(KUBE_DYNAMIC_LIBS) -o $@.debug
	$(Q)strip -o $@ $@.debug

image: $(STATIC_APP)
	$(Q)scripts/build/image.sh $(STATIC_APP) $(VERSION)

image-archive: $(STATIC_APP)
	$(Q)scripts/build/image.sh $(STATIC_APP) $(VERSION) $(IMAGE_ARCHIVE)

# --- aarch64 (issue 15) ---------------------------------------------------------------------
# `make arm64`: the exporter and its BPF objects cross-built for aarch64 in build/arm64/ with
# Debian's cross compiler and arm64 multiarch libraries (scripts/install-deps.sh), against
# vmlinux/arm64/vmlinux.h. make test-kernels boots it on Debian's arm64 kernel (about 2 min).
ARM64_APP := $(OUTPUT)/arm64/flask_ebpf_exporter
.PHONY: arm64 vmlinux-arm64
arm64:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/arm64 ARCH=arm64 \
		VMLINUX_DIR=vmlinux/arm64 CC=aarch64-linux-gnu-gcc $(ARM64_APP)

# Regenerate vmlinux/arm64/vmlinux.h from Debian's current arm64 kernel (vmlinux/README.md).
vmlinux-arm64:
	$(Q)image=$$(scripts/kernel-test/guest-kernel.sh $(OUTPUT)/kernel-test/kernels arm64) && \
		scripts/kernel-test/btf-from-image.py "$$image" $(OUTPUT)/arm64.btf && \
		$(BPFTOOL) btf dump file $(OUTPUT)/arm64.btf format c > vmlinux/arm64/vmlinux.h

# --- maintenance ------------------------------------------------------------------------
.PHONY: vmlinux clean format-check check-includes check-bench-builds lint
# Regenerate the checked-in vmlinux.h from the running kernel's BTF (see vmlinux/README.md).
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# Source hygiene, in make test: the formatting, the include graph (no cycle between files,
# modules or src/ folders; no include against the layers util, http < config < capture,
# targets, metrics < serve < main.c), and the benchmarks' run-time builds.
lint: format-check check-includes check-bench-builds

# The benchmarks' programs built at run time (the empty floor, the split prototype and the
# least exact design of docs/kernel-daemon-split.md) include bpf/ headers and tests/conn_sim:
# build them here too, so a change there cannot break them unseen until the next benchmark
# run.
check-bench-builds:
	$(call msg,BENCH,build)
	$(Q)mkdir -p $(OUTPUT)/bench
	$(Q)bash -c 'source scripts/lib/common.sh && build_floor $(OUTPUT)/bench && build_split $(OUTPUT)/bench && build_bound $(OUTPUT)/bench'

check-includes:
	$(call msg,INCLUDES,check)
	$(Q)$(PYTHON) scripts/check-includes.py

format-check:
	$(call msg,FORMAT,check)
	$(Q)clang-format --dry-run --Werror $(wildcard src/*.c src/*/*.c src/*/*.h src/*/*/*.c bpf/*.c bpf/*.h \
		include/*.h tests/unit/*.h tests/unit/*/*.c tests/bpf/*.c tests/bpf/*.h \
		tests/fuzz/*.c tests/fuzz/*.h tests/conn_sim/*.c tests/conn_sim/*.h tests/kube/*.c \
		scripts/bench/split/*.c scripts/bench/split/*.h scripts/bench/bound/*.c scripts/bench/bound/*.h)

clean:
	$(Q)rm -rf $(OUTPUT)

# Every dependency file: BPF, daemon, sanitizer, fuzz and test objects and binaries.
-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
