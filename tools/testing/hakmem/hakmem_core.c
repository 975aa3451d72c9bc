// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator core, unchanged, in the userspace build: hakmem_slab.c is
 * included here so that its static functions stay static and the file is
 * not touched.  module_init()/module_exit() in the shim record the init and
 * exit functions for shim_module_init()/shim_module_exit().
 */
#include "../../../hakmem_slab.c"
