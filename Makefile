# SPDX-License-Identifier: GPL-2.0
#
# hakmem_slab: build, check and test entry points.
#
#   make setup    install every Debian package the project needs (root)
#   make          build hakmem_slab.ko, hakmem_bench.ko and hakmem_stress.ko
#                 against a Debian kernel's headers: KERNEL=6.1 (default),
#                 6.1-rt, 6.12 or 6.12-rt (or KVER=/KDIR=); C=1 runs sparse
#   make check    checkpatch --strict on every .c/.h, kernel-doc of the API,
#                 shellcheck on the scripts, docutils on every .rst, and
#                 sparse (C=2) with W=1 on each of the four kernels (KERNELS=)
#   make kunit    KUnit suites under UML (KASAN, lockdep, fault injection)
#   make test     KUnit on Linux 6.1 under UML and on x86_64 under QEMU
#                 (SMP, preemption, atomic-sleep checks; hakmem_slab_irq
#                 once more with preempt=voluntary), KUnit on 6.12 under
#                 UML and on x86_64 with PREEMPT_RT; KUnit on a two-node
#                 x86_64 guest with kmemleak; tools/vm-smoke.sh (with
#                 the renamed lib/test_meminit.c) and tools/vm-stress.sh
#                 (4-CPU SMP stress with CPU hotplug)
#                 on each of $(KERNELS); tools/vm-churn.sh (destroy vs
#                 debugfs vs hotplug, 2 minutes); make utest; make
#                 backend-test
#   make kunit-x86_64 / kunit-x86_64-kasan / kunit-x86_64-numa
#                 one x86_64 KUnit run (numa: two nodes, kmemleak)
#   make bench    tools/bench.sh (QEMU columns of 6.1, 6.12 and 6.12-rt;
#                 KERNELS=6.1 for fewer); appends its summary to
#                 results/history.md
#   make bench-quick  the pipeline end to end in a few minutes: UML and one
#                 TCG boot of 6.1, a few workloads (BENCH_WORKLOADS=), into
#                 results/quick, not into the history
#   make utest    userspace tests of the core (tools/testing/hakmem: TSan
#                 stress, libFuzzer with ASan/UBSan, instruction counts)
#   make backend-kernel  backend mode (work in progress): Linux 6.12 patched
#                 with tools/kernel-patches/6.12, hakmem built in, a small
#                 x86_64 bzImage (tools/backend-kernel.sh)
#   make backend-boot    boot it with SLUB and with hakmem.backend=$(BACKEND)
#                 (default on), tools/sysload in each: a first check, not
#                 the benchmark (tools/backend-boot.sh)
#   make backend-test    the short form of the debug boots (part of make
#                 test): the backend-mode kernel with KASAN, lockdep and
#                 DEBUG_ATOMIC_SLEEP, and with lockdep and DEBUG_ATOMIC_SLEEP
#                 on PREEMPT_RT, each booted with hakmem.backend=on and its
#                 self-test, every workload at a tenth of its operations,
#                 no report in the log (tools/backend-boot.sh -s -d, -s -r)
#   make bench-kernel    the backend-mode benchmark: BOOTS (3) TCG boots
#                 each of SLUB and hakmem.backend=$(BACKEND), every
#                 tools/sysload workload, hakmem/SLUB ratios and memory
#                 held, into results/kernel-* (tools/bench-kernel.sh)
#   make clean
#
# Kbuild (not this file) lists the objects; it is also what a kernel tree
# reads when the repository is linked in as drivers/hakmem_slab.

SHELL := /bin/bash

# The running kernel may have no headers: build against a Debian kernel
# named explicitly (tools/kver.sh: never "the newest installed", which is
# the -rt flavour when both are there), e.g. make KERNEL=6.12-rt, or
# make KVER=6.1.0-57-amd64.
KERNEL ?= 6.1
KERNELS ?= 6.1 6.1-rt 6.12 6.12-rt
KVER ?= $(shell tools/kver.sh $(KERNEL) 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

# Kbuild symbols for the out-of-tree build (no Kconfig there).  The KUnit
# suites need a KUnit kernel: tools/kunit.sh builds them in tree.
KCONFIG_SYMS := CONFIG_HAKMEM_SLAB=m CONFIG_HAKMEM_BENCH=m CONFIG_HAKMEM_STRESS=m \
		CONFIG_HAKMEM_CHURN=m
KBUILD := $(MAKE) -C $(KDIR) M=$(CURDIR) $(KCONFIG_SYMS)

# Scripts below run their own make (kunit.py, the VM scripts): do not leak
# this make's flags (C=1, -j job server, ...) into them.
RUN := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES

.PHONY: all modules clean setup check checkpatch kerneldoc rstcheck sparse sparse-all shellcheck kunit kunit-uml \
	kunit-x86_64 kunit-x86_64-kasan kunit-x86_64-numa test bench bench-quick ktree help check-kdir utest \
	backend-kernel backend-boot backend-test bench-kernel

all: modules

check-kdir:
	@if [ -z "$(KVER)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel headers at '$(KDIR)' (KERNEL='$(KERNEL)', KVER='$(KVER)')." >&2; \
		tools/kver.sh $(KERNEL) >/dev/null || true; \
		echo "error: run 'make setup' or pass KERNEL=, KVER= or KDIR=." >&2; \
		exit 1; \
	fi

modules: check-kdir
	$(KBUILD) modules

clean:
	@if [ -d "$(KDIR)" ]; then \
		$(KBUILD) clean; \
	else \
		find . -path ./.git -prune -o \( -name '*.o' -o -name '*.ko' \
			-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
			-o -name '*.a' \) -type f -print0 | xargs -0r rm -f; \
		rm -f modules.order Module.symvers; \
	fi

setup:
	$(RUN) tools/setup.sh

# The kernel tree (for checkpatch.pl and kunit.py), extracted once into
# $HAKMEM_CACHE; prints its path.
ktree:
	@$(RUN) tools/ktree.sh

check: checkpatch kerneldoc shellcheck rstcheck sparse-all

# Every .rst parses with docutils, without a warning (Sphinx's kernel-doc
# directive is accepted and skipped: make kerneldoc checks what it includes).
# python3 first; Debian's own when python3 is another installation (pyenv,
# a venv) without docutils: make setup installs python3-docutils for it.
rstcheck:
	@py=python3; $$py -c 'import docutils' 2>/dev/null || py=/usr/bin/python3; \
	git ls-files --cached --others --exclude-standard -- '*.rst' | \
		xargs -r $$py tools/rst-check.py

# Sparse and W=1 on every supported kernel, one after another (the objects
# of each build replace the last one's).
sparse-all:
	@set -e; for k in $(KERNELS); do \
		v=$$(tools/kver.sh $$k); \
		echo "=== sparse: $$k ($$v)"; \
		$(MAKE) --no-print-directory KERNEL=$$k KVER=$$v \
			KDIR=/lib/modules/$$v/build sparse; \
	done

shellcheck:
	@set -eu; files=$$(git ls-files --cached --others --exclude-standard -- \
		'*.sh' .ci/run tools/hakmem-slabinfo | \
		xargs -r grep -l '^#!.*\(ba\)\{0,1\}sh' 2>/dev/null || true); \
	shellcheck -x $$files && echo "shellcheck: clean"

# The API's kernel-doc (Documentation/hakmem_slab.rst includes it): every
# warning fails.
kerneldoc:
	@set -eu; tree=$$($(RUN) tools/ktree.sh); \
	out=$$(perl "$$tree/scripts/kernel-doc" -none -v hakmem_slab.h hakmem_slab_inline.h 2>&1 | \
		grep -i 'warning' || true); \
	if [ -n "$$out" ]; then \
		echo "$$out"; echo "kernel-doc: FAILED" >&2; exit 1; \
	fi; \
	echo "kernel-doc: clean"

# checkpatch exits non-zero only on ERROR/WARNING; --strict CHECKs count too.
checkpatch:
	@set -eu; tree=$$($(RUN) tools/ktree.sh); \
	files=$$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' \
		':!tools/testing'); \
	[ -n "$$files" ] || { echo "checkpatch: no .c/.h files"; exit 0; }; \
	out=$$(perl "$$tree/scripts/checkpatch.pl" --no-tree --strict \
		--show-types --color=never -f $$files 2>&1) || true; \
	echo "$$out"; \
	if echo "$$out" | grep -Eq '^(ERROR|WARNING|CHECK):'; then \
		echo "checkpatch: FAILED (ERROR/WARNING/CHECK above)" >&2; exit 1; \
	fi; \
	echo "checkpatch: clean"

# Sparse on every source (C=2) with W=1 compiler warnings; any warning
# fails (the compiler's already do, through -Werror in Kbuild).  The KUnit
# objects are compiled and checked too (against the same headers: Debian's
# kernel has no KUnit, so they are not linked into a module here).
sparse: check-kdir
	@set -eu; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	{ $(KBUILD) C=2 W=1 modules && \
	  $(KBUILD) CONFIG_HAKMEM_SLAB_KUNIT_TEST=m C=2 W=1 hakmem_slab_kunit.o; \
	} 2>&1 | tee "$$log"; \
	rc=$${PIPESTATUS[0]}; \
	if [ "$$rc" -ne 0 ]; then \
		echo "sparse: FAILED: the C=2 W=1 build failed (warnings are errors)" >&2; \
		exit 1; \
	fi; \
	if grep -Eq '(warning|error):' "$$log"; then \
		echo "sparse: FAILED, warnings:" >&2; \
		grep -E '(warning|error):' "$$log" >&2; exit 1; \
	fi; \
	echo "sparse: clean"

kunit kunit-uml:
	$(RUN) tools/kunit.sh uml

kunit-x86_64:
	$(RUN) tools/kunit.sh x86_64

kunit-x86_64-kasan:
	$(RUN) tools/kunit.sh x86_64-kasan

kunit-x86_64-numa:
	$(RUN) tools/kunit.sh x86_64-numa

# Every suite runs even when an earlier one fails; the exit status and the
# last lines tell which failed.  Each suite's output is also kept in
# results/test-SUITE.log and the failed ones are listed in
# results/test-failed.txt, so that .ci/run can end with what went wrong.
test:
	@mkdir -p results; rm -f results/test-*.log results/test-failed.txt; \
	failed=; \
	suite() { \
		local name=$$1; shift; \
		$(RUN) "$$@" 2>&1 | tee "results/test-$$name.log"; \
		[ "$${PIPESTATUS[0]}" = 0 ] && return; \
		failed+=" $$name"; echo "$$name" >> results/test-failed.txt; \
	}; \
	suite kunit-uml tools/kunit.sh uml; \
	suite kunit-x86_64 tools/kunit.sh x86_64; \
	suite kunit-x86_64-voluntary tools/kunit.sh x86_64-voluntary hakmem_slab_irq; \
	suite kunit-6.12-uml tools/kunit.sh 6.12-uml; \
	suite kunit-6.12-x86_64-rt tools/kunit.sh 6.12-x86_64-rt; \
	suite kunit-x86_64-numa tools/kunit.sh x86_64-numa; \
	for k in $(KERNELS); do \
		suite vm-smoke-$$k env KERNEL=$$k tools/vm-smoke.sh; \
		suite vm-stress-$$k env KERNEL=$$k tools/vm-stress.sh -n \
			-o results/vm-stress-$$k; \
	done; \
	suite vm-churn env KERNEL=6.1 tools/vm-churn.sh; \
	suite utest $(MAKE) --no-print-directory utest; \
	suite backend-boot-debug tools/backend-boot.sh -s -d; \
	suite backend-boot-debug-rt tools/backend-boot.sh -s -r; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "make test: all suites passed"

# make bench: the QEMU columns of 6.1, 6.12 and 6.12-rt (tools/bench.sh's
# default; KERNELS=6.1 make bench for 6.1 only; KERNELS of the Makefile
# itself is for make test).
bench:
	$(RUN) $(if $(filter command line,$(origin KERNELS)),KERNELS="$(KERNELS)") \
		tools/bench.sh

# The whole pipeline (both environments, modules, CSV checks, summary,
# plots) on a few workloads: a check of the benchmark, not a measurement.
BENCH_QUICK_WORKLOADS ?= loop,pair,shuffle,remote-free,mem-many
bench-quick:
	$(RUN) KERNELS=6.1 BOOTS=1 SMP_WIDE=0 INIT_ON_ALLOC=1 BENCH_HISTORY=0 \
		BENCH_WORKLOADS=$(or $(BENCH_WORKLOADS),$(BENCH_QUICK_WORKLOADS)) \
		tools/bench.sh -o results/quick

# Backend mode (Documentation/hakmem_slab.rst, "Backend mode").
backend-kernel:
	$(RUN) tools/backend-kernel.sh

backend-boot:
	$(RUN) tools/backend-boot.sh "$(BACKEND)"

# Both debug kernels even when the first fails (make test runs them too).
backend-test:
	@failed=; \
	$(RUN) tools/backend-boot.sh -s -d || failed+=" backend-boot-debug"; \
	$(RUN) tools/backend-boot.sh -s -r || failed+=" backend-boot-debug-rt"; \
	if [ -n "$$failed" ]; then echo "make backend-test: FAILED:$$failed" >&2; exit 1; fi

BOOTS ?= 3
bench-kernel:
	$(RUN) tools/bench-kernel.sh -n "$(BOOTS)" $(BACKEND)

# hakmem_slab.c built in userspace against a kernel shim; no kernel needed.
utest:
	$(MAKE) -C tools/testing/hakmem check

help:
	@sed -n '3,/^$$/p' Makefile | sed 's/^# \{0,1\}//'
