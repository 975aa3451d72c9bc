# SPDX-License-Identifier: GPL-2.0
#
# hakmem_slab: build, check and test entry points.
#
#   make setup    install every Debian package the project needs (root)
#   make          build hakmem_slab.ko, hakmem_bench.ko and hakmem_stress.ko
#                 against Debian's kernel headers (KVER/KDIR below);
#                 C=1 runs sparse
#   make check    checkpatch --strict on every .c/.h, kernel-doc of the API,
#                 sparse (C=2) and W=1
#   make kunit    KUnit suites under UML (KASAN, lockdep, fault injection)
#   make test     KUnit under UML, KUnit on x86_64 under QEMU (SMP,
#                 preemption, atomic-sleep checks; hakmem_slab_irq once
#                 more with preempt=voluntary), tools/vm-smoke.sh and
#                 tools/vm-stress.sh (4-CPU SMP stress with CPU hotplug)
#   make kunit-x86_64 / kunit-x86_64-kasan   one x86_64 KUnit run
#   make bench    tools/bench.sh
#   make utest    userspace tests of the core (tools/testing/hakmem: TSan
#                 stress, libFuzzer with ASan/UBSan, instruction counts)
#   make clean
#
# Kbuild (not this file) lists the objects; it is also what a kernel tree
# reads when the repository is linked in as drivers/hakmem_slab.

SHELL := /bin/bash

# The running kernel may have no headers: build against the newest Debian
# kernel whose headers are installed (linux-headers-amd64), e.g.
# make KVER=6.1.0-56-amd64.
KVER ?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		sed 's|^/usr/src/linux-headers-||' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build

# Kbuild symbols for the out-of-tree build (no Kconfig there).  The KUnit
# suites need a KUnit kernel: tools/kunit.sh builds them in tree.
KCONFIG_SYMS := CONFIG_HAKMEM_SLAB=m CONFIG_HAKMEM_BENCH=m CONFIG_HAKMEM_STRESS=m
KBUILD := $(MAKE) -C $(KDIR) M=$(CURDIR) $(KCONFIG_SYMS)

# Scripts below run their own make (kunit.py, the VM scripts): do not leak
# this make's flags (C=1, -j job server, ...) into them.
RUN := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES

.PHONY: all modules clean setup check checkpatch kerneldoc sparse kunit kunit-uml \
	kunit-x86_64 kunit-x86_64-kasan test bench ktree help check-kdir utest

all: modules

check-kdir:
	@if [ -z "$(KVER)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel headers at '$(KDIR)' (KVER='$(KVER)')." >&2; \
		echo "error: run 'make setup' (installs linux-headers-amd64) or pass KVER=/KDIR=." >&2; \
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

check: checkpatch kerneldoc sparse

# The API's kernel-doc (Documentation/hakmem_slab.rst includes it): every
# warning fails.
kerneldoc:
	@set -eu; tree=$$($(RUN) tools/ktree.sh); \
	out=$$(perl "$$tree/scripts/kernel-doc" -none -v hakmem_slab.h 2>&1 | \
		grep -i 'warning' || true); \
	if [ -n "$$out" ]; then \
		echo "$$out"; echo "kernel-doc: FAILED" >&2; exit 1; \
	fi; \
	echo "kernel-doc: clean"

# checkpatch exits non-zero only on ERROR/WARNING; --strict CHECKs count too.
checkpatch:
	@set -eu; tree=$$($(RUN) tools/ktree.sh); \
	files=$$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h'); \
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

# Every suite runs even when an earlier one fails; the exit status and the
# last lines tell which failed.
test:
	@failed=; \
	$(RUN) tools/kunit.sh uml || failed+=" kunit-uml"; \
	$(RUN) tools/kunit.sh x86_64 || failed+=" kunit-x86_64"; \
	$(RUN) tools/kunit.sh x86_64-voluntary hakmem_slab_irq || \
		failed+=" kunit-x86_64-voluntary"; \
	$(RUN) tools/vm-smoke.sh || failed+=" vm-smoke"; \
	$(RUN) tools/vm-stress.sh -n || failed+=" vm-stress"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "make test: all suites passed"

bench:
	$(RUN) tools/bench.sh

# hakmem_slab.c built in userspace against a kernel shim; no kernel needed.
utest:
	$(MAKE) -C tools/testing/hakmem check

help:
	@sed -n '3,21p' Makefile | sed 's/^# \{0,1\}//'
