/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shim: atomics and barriers (C11/GCC builtins, so that TSan sees them),
 * the per-thread "CPU" (per-CPU data, preemption, interrupts, RCU), the
 * task, the emulated interrupt points.
 */
#ifndef _SHIM_SCHED_H
#define _SHIM_SCHED_H

#include <shim/types.h>

/* --- READ_ONCE / WRITE_ONCE / barriers --- */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define mb()			smp_mb()
#define rmb()			smp_rmb()
#define wmb()			smp_wmb()
#define smp_mb__before_atomic()	smp_mb()
#define smp_mb__after_atomic()	smp_mb()
#define smp_store_mb(var, val)	__atomic_store_n(&(var), (val), __ATOMIC_SEQ_CST)
#define cpu_relax()		__builtin_ia32_pause()

/* --- atomics (the kernel's ordering: plain ops relaxed, value-returning
 * ops fully ordered) --- */
typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { s64 counter; } atomic64_t;
#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }

#define __SHIM_ATOMIC(pfx, T)						\
static __always_inline T pfx##_read(const pfx##_t *v)			\
{ return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }		\
static __always_inline T pfx##_read_acquire(const pfx##_t *v)		\
{ return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }		\
static __always_inline void pfx##_set(pfx##_t *v, T i)			\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_set_release(pfx##_t *v, T i)		\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }		\
static __always_inline void pfx##_add(T i, pfx##_t *v)			\
{ __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_sub(T i, pfx##_t *v)			\
{ __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_inc(pfx##_t *v) { pfx##_add(1, v); }	\
static __always_inline void pfx##_dec(pfx##_t *v) { pfx##_sub(1, v); }	\
static __always_inline T pfx##_add_return(T i, pfx##_t *v)		\
{ return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline T pfx##_sub_return(T i, pfx##_t *v)		\
{ return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline T pfx##_fetch_add(T i, pfx##_t *v)		\
{ return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline T pfx##_fetch_sub(T i, pfx##_t *v)		\
{ return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline T pfx##_inc_return(pfx##_t *v)			\
{ return pfx##_add_return(1, v); }					\
static __always_inline T pfx##_dec_return(pfx##_t *v)			\
{ return pfx##_sub_return(1, v); }					\
static __always_inline bool pfx##_dec_and_test(pfx##_t *v)		\
{ return pfx##_sub_return(1, v) == 0; }				\
static __always_inline bool pfx##_inc_and_test(pfx##_t *v)		\
{ return pfx##_add_return(1, v) == 0; }				\
static __always_inline bool pfx##_sub_and_test(T i, pfx##_t *v)	\
{ return pfx##_sub_return(i, v) == 0; }				\
static __always_inline T pfx##_xchg(pfx##_t *v, T n)			\
{ return __atomic_exchange_n(&v->counter, n, __ATOMIC_SEQ_CST); }	\
static __always_inline T pfx##_cmpxchg(pfx##_t *v, T o, T n)		\
{ __atomic_compare_exchange_n(&v->counter, &o, n, false,		\
			      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);	\
  return o; }								\
static __always_inline bool pfx##_try_cmpxchg(pfx##_t *v, T *o, T n)	\
{ return __atomic_compare_exchange_n(&v->counter, o, n, false,		\
				     __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); } \
static __always_inline bool pfx##_add_unless(pfx##_t *v, T a, T u)	\
{ T c = pfx##_read(v);							\
  do { if (c == u) return false; } while (!pfx##_try_cmpxchg(v, &c, c + a)); \
  return true; }							\
static __always_inline bool pfx##_inc_not_zero(pfx##_t *v)		\
{ return pfx##_add_unless(v, 1, 0); }					\
static __always_inline void pfx##_or(T i, pfx##_t *v)			\
{ __atomic_fetch_or(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_and(T i, pfx##_t *v)			\
{ __atomic_fetch_and(&v->counter, i, __ATOMIC_RELAXED); }

__SHIM_ATOMIC(atomic, int)
__SHIM_ATOMIC(atomic_long, long)
__SHIM_ATOMIC(atomic64, s64)

#define xchg(p, n)		__atomic_exchange_n(p, n, __ATOMIC_SEQ_CST)
#define cmpxchg(p, o, n) ({						\
	typeof(*(p)) __o = (o);						\
	__atomic_compare_exchange_n(p, &__o, n, false, __ATOMIC_SEQ_CST, \
				    __ATOMIC_RELAXED);			\
	__o; })
#define try_cmpxchg(p, po, n)						\
	__atomic_compare_exchange_n(p, po, n, false, __ATOMIC_SEQ_CST,	\
				    __ATOMIC_RELAXED)
#define cmpxchg_relaxed(p, o, n) ({					\
	typeof(*(p)) __o = (o);						\
	__atomic_compare_exchange_n(p, &__o, n, false, __ATOMIC_RELAXED, \
				    __ATOMIC_RELAXED);			\
	__o; })

/* --- refcount_t, as an atomic --- */
typedef struct { atomic_t refs; } refcount_t;
#define REFCOUNT_INIT(n)	{ .refs = ATOMIC_INIT(n) }
static inline void refcount_set(refcount_t *r, int n) { atomic_set(&r->refs, n); }
static inline unsigned int refcount_read(const refcount_t *r) { return atomic_read(&r->refs); }
static inline void refcount_inc(refcount_t *r) { atomic_inc(&r->refs); }
static inline bool refcount_dec_and_test(refcount_t *r) { return atomic_dec_and_test(&r->refs); }
static inline bool refcount_inc_not_zero(refcount_t *r) { return atomic_inc_not_zero(&r->refs); }

/* --- the per-thread CPU and task --- */
#define NR_CPUS		CONFIG_NR_CPUS
#define nr_cpu_ids	((unsigned int)NR_CPUS)

#define PF_MEMALLOC	0x00000800	/* in reclaim: never set here */

struct kunit;
struct task_struct {
	int pid;
	char comm[16];
	struct kunit *kunit_test;	/* always NULL: no KUnit */
	unsigned int flags;
};

struct shim_thread {
	int cpu;			/* the CPU id this thread runs as */
	unsigned long pcpu_off;		/* shim_pcpu_offset[cpu] */
	int preempt_count;		/* preempt_disable, spinlocks, irq */
	int irq_off;			/* local_irq_save depth */
	int hardirq;			/* in an emulated interrupt */
	int rcu_nesting;		/* rcu_read_lock depth */
	int reader;			/* sum of the above: an RCU reader */
	int servicing;			/* running queued work */
	int need_resched;		/* should_resched() answer */
	int slot;			/* index in the RCU registry, or -1 */
	struct task_struct task;
};

extern __thread struct shim_thread shim_self
	__attribute__((tls_model("initial-exec")));
extern unsigned long shim_pcpu_offset[NR_CPUS];

#define current			(&shim_self.task)
#define raw_smp_processor_id()	((unsigned int)shim_self.cpu)
#define smp_processor_id()	((unsigned int)shim_self.cpu)
#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()
#define task_pid_nr(t)		((t)->pid)

/* Warnings and checks the shim makes (might_sleep in atomic context). */
void shim_warn(const char *file, int line, const char *what);

/* RCU reader tracking: entered and left on the first/last nesting level. */
#ifdef SHIM_FAST
#define SHIM_TRACK_READERS	0
#else
#define SHIM_TRACK_READERS	1
#endif
void shim_rcu_reader_enter(void);
void shim_rcu_reader_exit(void);

static __always_inline void shim_reader_inc(void)
{
	if (SHIM_TRACK_READERS && shim_self.reader++ == 0)
		shim_rcu_reader_enter();
}

static __always_inline void shim_reader_dec(void)
{
	if (SHIM_TRACK_READERS && --shim_self.reader == 0)
		shim_rcu_reader_exit();
}

/*
 * Emulated interrupts: a harness may arm a handler that runs (as a hardirq
 * on this CPU) at the next interrupt point with interrupts enabled.  The
 * points are the shim calls the core makes: preempt_enable(),
 * local_irq_restore() (so spin_unlock_irqrestore()) and the llist ops.
 */
#ifdef SHIM_FAST
static __always_inline void shim_irq_point(void) { }
#else
extern __thread int shim_irq_armed __attribute__((tls_model("initial-exec")));
void shim_irq_fire(void);
static __always_inline void shim_irq_point(void)
{
	if (unlikely(shim_irq_armed) && !shim_self.irq_off &&
	    !shim_self.hardirq && --shim_irq_armed == 0)
		shim_irq_fire();
}
#endif

/* --- preemption, interrupts --- */
static __always_inline void preempt_disable(void)
{
	shim_self.preempt_count++;
	shim_reader_inc();
	barrier();
}

static __always_inline void preempt_enable(void)
{
	barrier();
	shim_reader_dec();
	shim_self.preempt_count--;
	shim_irq_point();
}
#define preempt_enable_no_resched()	preempt_enable()
#define preempt_disable_notrace()	preempt_disable()
#define preempt_enable_notrace()	preempt_enable()
#define preempt_count()			(shim_self.preempt_count)
#define migrate_disable()		preempt_disable()
#define migrate_enable()		preempt_enable()
#define in_hardirq()			(shim_self.hardirq != 0)
#define in_irq()			in_hardirq()
#define in_softirq()			0
#define in_serving_softirq()		0
#define in_nmi()			0
#define in_interrupt()			(shim_self.hardirq != 0)
#define in_task()			(!in_interrupt())
#define irqs_disabled()			(shim_self.irq_off != 0)
#define in_atomic()			(shim_self.preempt_count != 0 || irqs_disabled())
#define preemptible()			(!in_atomic())

static __always_inline void shim_irq_disable(void)
{
	shim_self.irq_off++;
	shim_reader_inc();
	barrier();
}

static __always_inline void shim_irq_enable(void)
{
	barrier();
	shim_reader_dec();
	shim_self.irq_off--;
	shim_irq_point();
}
#define local_irq_disable()		shim_irq_disable()
#define local_irq_enable()		shim_irq_enable()
#define local_irq_save(flags)		do { (flags) = 0; shim_irq_disable(); } while (0)
#define local_irq_restore(flags)	do { (void)(flags); shim_irq_enable(); } while (0)
#define local_bh_disable()		preempt_disable()
#define local_bh_enable()		preempt_enable()

/* might_sleep(): a real check of the context. */
#define might_sleep() do {						\
	if (unlikely(in_atomic() || in_interrupt()))			\
		shim_warn(__FILE__, __LINE__,				\
			  "sleeping function called from invalid context"); \
} while (0)
#define might_sleep_if(cond)	do { if (cond) might_sleep(); } while (0)
#define cant_sleep()		do { } while (0)
#define might_fault()		do { } while (0)
#define lockdep_assert_preemption_disabled() do {			\
	if (!in_atomic())						\
		shim_warn(__FILE__, __LINE__, "preemption not disabled"); \
} while (0)
#define lockdep_assert_irqs_disabled() do {				\
	if (!irqs_disabled())						\
		shim_warn(__FILE__, __LINE__, "irqs not disabled");	\
} while (0)

/* A sleep point: run queued work for this CPU, maybe migrate (harness). */
void shim_sleep_point(void);
static inline int should_resched(int preempt_offset)
{
	return shim_self.preempt_count == preempt_offset &&
	       unlikely(shim_self.need_resched);
}
static inline int __cond_resched(void)
{
	if (shim_self.preempt_count)
		return 0;
	shim_self.need_resched = 0;
	shim_sleep_point();
	return 1;
}
#define cond_resched()		({ might_sleep(); __cond_resched(); })
#define need_resched()		(shim_self.need_resched != 0)
#define schedule()		shim_sleep_point()
void msleep(unsigned int msecs);
void usleep_range(unsigned long min, unsigned long max);
void udelay(unsigned long usecs);
#define ndelay(n)		udelay(1)
#define mdelay(n)		udelay((n) * 1000)

/* --- per-CPU data: one copy a CPU id, at shim_pcpu_offset[cpu] --- */
#define SHIM_PCPU_SECTION	"shim_percpu"
#define DEFINE_PER_CPU(type, name)					\
	__attribute__((section(SHIM_PCPU_SECTION))) __typeof__(type) name
#define DEFINE_PER_CPU_ALIGNED(type, name)				\
	DEFINE_PER_CPU(type, name) ____cacheline_aligned
#define DEFINE_PER_CPU_SHARED_ALIGNED(type, name) DEFINE_PER_CPU_ALIGNED(type, name)
#define DECLARE_PER_CPU(type, name)	extern __typeof__(type) name
#define per_cpu_ptr(ptr, cpu)						\
	((typeof(ptr))((unsigned long)(ptr) + shim_pcpu_offset[(cpu)]))
#define this_cpu_ptr(ptr)						\
	((typeof(ptr))((unsigned long)(ptr) + shim_self.pcpu_off))
#define raw_cpu_ptr(ptr)	this_cpu_ptr(ptr)
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), cpu))
#define get_cpu_ptr(ptr)	({ preempt_disable(); this_cpu_ptr(ptr); })
#define put_cpu_ptr(ptr)	do { (void)(ptr); preempt_enable(); } while (0)
#define get_cpu_var(var)	(*get_cpu_ptr(&(var)))
#define put_cpu_var(var)	preempt_enable()
#define __this_cpu_read(pcp)	(*this_cpu_ptr(&(pcp)))
#define __this_cpu_write(pcp, v) (*this_cpu_ptr(&(pcp)) = (v))
#define __this_cpu_add(pcp, v)	(*this_cpu_ptr(&(pcp)) += (v))
#define __this_cpu_sub(pcp, v)	(*this_cpu_ptr(&(pcp)) -= (v))
#define __this_cpu_inc(pcp)	__this_cpu_add(pcp, 1)
#define __this_cpu_dec(pcp)	__this_cpu_sub(pcp, 1)
#define this_cpu_read(pcp)	__this_cpu_read(pcp)
#define this_cpu_write(pcp, v)	__this_cpu_write(pcp, v)
#define this_cpu_add(pcp, v)	__this_cpu_add(pcp, v)
#define this_cpu_sub(pcp, v)	__this_cpu_sub(pcp, v)
#define this_cpu_inc(pcp)	__this_cpu_inc(pcp)
#define this_cpu_dec(pcp)	__this_cpu_dec(pcp)
#define raw_cpu_read(pcp)	__this_cpu_read(pcp)
#define raw_cpu_write(pcp, v)	__this_cpu_write(pcp, v)
#define raw_cpu_inc(pcp)	__this_cpu_inc(pcp)
#define this_cpu_cmpxchg(pcp, o, n) ({					\
	typeof(pcp) *__p = this_cpu_ptr(&(pcp)), __o = *__p;		\
	if (__o == (o))							\
		*__p = (n);						\
	__o; })

void *__alloc_percpu(size_t size, size_t align);
void *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);
void free_percpu(void *ptr);
#define alloc_percpu(type)						\
	((type *)__alloc_percpu(sizeof(type), __alignof__(type)))
#define alloc_percpu_gfp(type, gfp)					\
	((type *)__alloc_percpu_gfp(sizeof(type), __alignof__(type), gfp))

/* --- CPU masks: all CPU ids are possible; the harness sets online --- */
extern unsigned long shim_cpu_online_mask;
#define cpu_possible(cpu)	((unsigned int)(cpu) < NR_CPUS)
#define cpu_present(cpu)	cpu_possible(cpu)
#define cpu_online(cpu)							\
	((__atomic_load_n(&shim_cpu_online_mask, __ATOMIC_ACQUIRE) >> (cpu)) & 1)
#define cpu_active(cpu)		cpu_online(cpu)
#define for_each_possible_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)
#define for_each_present_cpu(cpu)	for_each_possible_cpu(cpu)
#define for_each_online_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)			\
		if (!cpu_online(cpu)) { } else
#define num_possible_cpus()	NR_CPUS
#define num_online_cpus()	((unsigned int)__builtin_popcountl(	\
	__atomic_load_n(&shim_cpu_online_mask, __ATOMIC_ACQUIRE)))

/* --- NUMA: one node --- */
#define NUMA_NO_NODE		(-1)
#define MAX_NUMNODES		1
#define nr_node_ids		1
#define numa_node_id()		0
#define numa_mem_id()		0
#define cpu_to_node(cpu)	((void)(cpu), 0)
#define cpu_to_mem(cpu)		((void)(cpu), 0)
#define num_online_nodes()	1
#define node_online(n)		((n) == 0)
enum node_states { N_POSSIBLE, N_ONLINE, N_NORMAL_MEMORY, N_HIGH_MEMORY,
		   N_MEMORY, N_CPU, NR_NODE_STATES };
#define node_state(n, st)	((void)(st), (n) == 0)
#define for_each_node(n)	for ((n) = 0; (n) < 1; (n)++)
#define for_each_online_node(n)	for_each_node(n)
#define for_each_node_state(n, s) for_each_node(n)

#endif /* _SHIM_SCHED_H */
