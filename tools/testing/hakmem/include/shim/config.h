/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel configuration the userspace build of hakmem_slab.c sees
 * (passed with -include).  Close to Debian's amd64 kernel: SMP, jump
 * labels, preemptible RCU, no lockdep, no KUnit.  Fault injection is on
 * unless SHIM_NO_FAULT_INJECTION (the instruction-count build, as Debian).
 */
#ifndef _SHIM_CONFIG_H
#define _SHIM_CONFIG_H

#define __KERNEL__ 1
#define CONFIG_SMP 1
#define CONFIG_64BIT 1
#define CONFIG_X86_64 1
#define CONFIG_JUMP_LABEL 1
#define CONFIG_PREEMPT_RCU 1
#define CONFIG_PREEMPT_DYNAMIC 1
#define CONFIG_NUMA 1
#define CONFIG_DEBUG_FS 1
#ifndef SHIM_NO_FAULT_INJECTION
#define CONFIG_FAULT_INJECTION 1
#endif
#define CONFIG_NR_CPUS 8
/*
 * Not set: CONFIG_KUNIT, CONFIG_LOCKDEP, CONFIG_DEBUG_ATOMIC_SLEEP,
 * CONFIG_HAKMEM_SLAB_KUNIT_TEST, CONFIG_FAULT_INJECTION_DEBUG_FS.
 */

#endif /* _SHIM_CONFIG_H */
