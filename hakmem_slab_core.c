// SPDX-License-Identifier: GPL-2.0
/*
 * Kbuild links hakmem_slab.ko from hakmem_slab_core.o, hakmem_slab_report.o
 * and hakmem_slab_debugfs.o, and a composite object cannot have a part of
 * its own name: the core is compiled through this file, whose only line
 * includes it.  Diagnostics, debug info and sparse name hakmem_slab.c and
 * its lines.  Edit hakmem_slab.c, not this file.
 */
#include "hakmem_slab.c"
