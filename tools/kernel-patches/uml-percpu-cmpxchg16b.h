/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fair SLUB baseline of tools/bench-uml.sh (-b fair): give UML on
 * x86_64 the this_cpu_cmpxchg_double() that arch/x86 has.
 *
 * UML takes its per-CPU operations from asm-generic/percpu.h, whose
 * this_cpu_cmpxchg_double() masks "interrupts" around a plain C compare
 * and store.  In UML those are signals, and raw_local_irq_save() and
 * raw_local_irq_restore() are out-of-line calls (um_set_signals() twice,
 * unblock_signals() when one was pending): SLUB's lockless fast paths
 * (slab_alloc_node(), do_slab_free()) pay three calls per operation that
 * they do not pay on x86, where arch/x86/include/asm/percpu.h implements
 * it as one cmpxchg16b without a lock prefix.
 *
 * This header defines this_cpu_cmpxchg_double_8() and
 * raw_cpu_cmpxchg_double_8() as arch/x86's percpu_cmpxchg16b_double()
 * does, less the %gs prefix (UML 6.1 is uniprocessor: the per-CPU
 * pointer is the variable's address) and less the alternative for CPUs
 * without CX16 (tools/bench-uml.sh checks the host CPU has it).  One
 * instruction is atomic against a signal handler on the same thread,
 * which is all this_cpu_*() promises; SLUB allocates kmem_cache_cpu
 * aligned to 16 bytes, as cmpxchg16b needs.
 *
 * It is not a patch to the shared kernel tree: tools/bench-uml.sh copies
 * it into the fair build's own directory and force-includes it there
 * (KCPPFLAGS="-include ..."), before asm-generic/percpu.h, whose
 * #ifndef this_cpu_cmpxchg_double_8 then keeps this one.  No other build
 * of the tree sees it.  Everything else (slab-level cmpxchg_double(),
 * which needs CONFIG_HAVE_CMPXCHG_DOUBLE, and every other per-CPU
 * operation) stays UML's own.
 */
#ifndef _HAKMEM_UML_PERCPU_CMPXCHG16B_H
#define _HAKMEM_UML_PERCPU_CMPXCHG16B_H

#if !defined(__ASSEMBLY__) && !defined(LINKER_SCRIPT)

#if !defined(CONFIG_UML) || !defined(CONFIG_X86_64)
#error "uml-percpu-cmpxchg16b.h is for the x86_64 UML bench kernel only"
#endif
#ifdef CONFIG_SMP
#error "uml-percpu-cmpxchg16b.h: no %gs in UML, so uniprocessor only"
#endif

#define uml_percpu_cmpxchg16b_double(pcp1, pcp2, o1, o2, n1, n2)	\
({									\
	bool __ret;							\
	typeof(pcp1) __o1 = (o1), __n1 = (n1);				\
	typeof(pcp2) __o2 = (o2), __n2 = (n2);				\
	typeof(pcp1) *__p1 = raw_cpu_ptr(&(pcp1));			\
	typeof(pcp2) *__p2 = raw_cpu_ptr(&(pcp2));			\
	asm volatile("cmpxchg16b %1\n\tsetz %0"				\
		     : "=a" (__ret), "+m" (*__p1), "+m" (*__p2),	\
		       "+d" (__o2)					\
		     : "b" (__n1), "c" (__n2), "a" (__o1));		\
	__ret;								\
})

#define raw_cpu_cmpxchg_double_8	uml_percpu_cmpxchg16b_double
#define this_cpu_cmpxchg_double_8	uml_percpu_cmpxchg16b_double

#endif /* !__ASSEMBLY__ && !LINKER_SCRIPT */
#endif /* _HAKMEM_UML_PERCPU_CMPXCHG16B_H */
