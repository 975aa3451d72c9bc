/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shim: the kernel API families hakmem_slab.c uses, for a userspace build.
 * Every header under include/linux, include/asm and include/kunit includes this
 * file.  The runtime is in ../../shim*.c; the knobs a harness turns are in
 * ../../shim.h.
 */
#ifndef _SHIM_KERNEL_H
#define _SHIM_KERNEL_H

#include <stdarg.h>
#include <stdio.h>
#include <shim/types.h>
#include <shim/sched.h>
#include <shim/list.h>

/* ===== printk, WARN, BUG ================================================= */
#define KERN_EMERG	"\0010"
#define KERN_ALERT	"\0011"
#define KERN_CRIT	"\0012"
#define KERN_ERR	"\0013"
#define KERN_WARNING	"\0014"
#define KERN_NOTICE	"\0015"
#define KERN_INFO	"\0016"
#define KERN_DEBUG	"\0017"
#define KERN_CONT	"\001c"
#define KERN_DEFAULT	""
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

__printf(1, 2) int printk(const char *fmt, ...);
int vprintk(const char *fmt, va_list args);
#define pr_emerg(fmt, ...)	printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)	printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)	printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)	printk(KERN_CONT fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)	do { if (0) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__); } while (0)
#define pr_devel(fmt, ...)	pr_debug(fmt, ##__VA_ARGS__)
#define pr_err_once(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	pr_warn(fmt, ##__VA_ARGS__)
#define pr_info_once(fmt, ...)	pr_info(fmt, ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)	pr_warn(fmt, ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...)	pr_info(fmt, ##__VA_ARGS__)

enum { DUMP_PREFIX_NONE, DUMP_PREFIX_ADDRESS, DUMP_PREFIX_OFFSET };
void print_hex_dump(const char *level, const char *prefix_str, int prefix_type,
		    int rowsize, int groupsize, const void *buf, size_t len,
		    bool ascii);
#define print_hex_dump_bytes(p, t, b, l) print_hex_dump(KERN_DEBUG, p, t, 16, 1, b, l, true)
void dump_stack(void);

void shim_warn_fmt(const char *file, int line, const char *fmt, ...);
__noreturn void shim_bug(const char *file, int line, const char *what);
__noreturn __printf(1, 2) void panic(const char *fmt, ...);

#define WARN(cond, fmt...) ({						\
	int __ret_warn_on = !!(cond);					\
	if (unlikely(__ret_warn_on))					\
		shim_warn_fmt(__FILE__, __LINE__, fmt);			\
	unlikely(__ret_warn_on); })
#define WARN_ON(cond) ({						\
	int __ret_warn_on = !!(cond);					\
	if (unlikely(__ret_warn_on))					\
		shim_warn(__FILE__, __LINE__, "WARN_ON(" #cond ")");	\
	unlikely(__ret_warn_on); })
#define WARN_ONCE(cond, fmt...) ({					\
	static bool __warned;						\
	int __ret_warn_once = !!(cond);					\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		shim_warn_fmt(__FILE__, __LINE__, fmt);			\
	}								\
	unlikely(__ret_warn_once); })
#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	int __ret_warn_once = !!(cond);					\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		shim_warn(__FILE__, __LINE__, "WARN_ON_ONCE(" #cond ")"); \
	}								\
	unlikely(__ret_warn_once); })
#define BUG()			shim_bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(cond)	do { if (unlikely(cond)) shim_bug(__FILE__, __LINE__, "BUG_ON(" #cond ")"); } while (0)
#define VM_BUG_ON(cond)		BUG_ON(cond)
#define VM_WARN_ON(cond)	((void)WARN_ON(cond))
#define VM_WARN_ON_ONCE(cond)	((void)WARN_ON_ONCE(cond))

/* ===== ratelimit ========================================================= */
#define HZ		250
extern int shim_ratelimit_real;	/* 0 (default): __ratelimit() always allows */
struct ratelimit_state {
	int interval;
	int burst;
	int printed;
	int missed;
	unsigned long begin;
	int lock;
};
#define RATELIMIT_STATE_INIT(name, i, b) { .interval = (i), .burst = (b) }
#define DEFINE_RATELIMIT_STATE(name, i, b)				\
	struct ratelimit_state name = RATELIMIT_STATE_INIT(name, i, b)
#define DEFAULT_RATELIMIT_INTERVAL	(5 * HZ)
#define DEFAULT_RATELIMIT_BURST		10
int ___ratelimit(struct ratelimit_state *rs, const char *func);
#define __ratelimit(state)	___ratelimit(state, __func__)
static inline void ratelimit_state_init(struct ratelimit_state *rs, int i, int b)
{
	memset(rs, 0, sizeof(*rs));
	rs->interval = i;
	rs->burst = b;
}
#define printk_ratelimit()	1

/* ===== jiffies, time, random ============================================= */
unsigned long shim_jiffies(void);
#define jiffies			shim_jiffies()
#define INITIAL_JIFFIES		0UL
#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)
#define msecs_to_jiffies(m)	((unsigned long)(m) * HZ / 1000)
#define jiffies_to_msecs(j)	((unsigned int)((j) * 1000 / HZ))
#define usecs_to_jiffies(u)	((unsigned long)(u) * HZ / 1000000)
#define NSEC_PER_SEC		1000000000L
#define NSEC_PER_MSEC		1000000L
#define NSEC_PER_USEC		1000L
#define USEC_PER_SEC		1000000L
#define MSEC_PER_SEC		1000L
u64 ktime_get_ns(void);
#define ktime_get_mono_fast_ns() ktime_get_ns()
#define local_clock()		ktime_get_ns()
#define sched_clock()		ktime_get_ns()

u32 get_random_u32(void);
u64 get_random_u64(void);
#define get_random_long()	((unsigned long)get_random_u64())
#define get_random_int()	get_random_u32()
static inline u32 get_random_u32_below(u32 ceil)
{
	return (u32)(((u64)get_random_u32() * ceil) >> 32);
}
#define prandom_u32_max(c)	get_random_u32_below(c)
#define prandom_u32()		get_random_u32()
void get_random_bytes(void *buf, size_t len);

/* ===== locks ============================================================= */
/*
 * Spinlocks are test-and-set locks on C11 atomics (TSan sees acquire and
 * release); they disable "preemption" as the kernel's do.  Every lock records
 * its owner, so that lockdep_assert_held() is a real check.
 */
typedef struct raw_spinlock {
	int locked;
	struct shim_thread *owner;
} raw_spinlock_t;
typedef raw_spinlock_t spinlock_t;
typedef struct { int readers; int writer; struct shim_thread *owner; } rwlock_t;

#define __RAW_SPIN_LOCK_UNLOCKED(name)	{ 0, NULL }
#define __SPIN_LOCK_UNLOCKED(name)	{ 0, NULL }
#define DEFINE_SPINLOCK(x)		spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x)		raw_spinlock_t x = __RAW_SPIN_LOCK_UNLOCKED(x)
#define __RW_LOCK_UNLOCKED(x)		{ 0, 0, NULL }
#define DEFINE_RWLOCK(x)		rwlock_t x = __RW_LOCK_UNLOCKED(x)

void shim_spin_lock_slow(raw_spinlock_t *lock);
static inline void shim_spin_acquire(raw_spinlock_t *lock)
{
	if (unlikely(__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE)))
		shim_spin_lock_slow(lock);
	__atomic_store_n(&lock->owner, &shim_self, __ATOMIC_RELAXED);
}
static inline int shim_spin_tryacquire(raw_spinlock_t *lock)
{
	if (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		return 0;
	__atomic_store_n(&lock->owner, &shim_self, __ATOMIC_RELAXED);
	return 1;
}
static inline void shim_spin_release(raw_spinlock_t *lock)
{
	if (unlikely(__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != &shim_self))
		shim_warn(__FILE__, __LINE__, "spin_unlock of a lock this thread does not hold");
	__atomic_store_n(&lock->owner, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}
static inline void raw_spin_lock_init(raw_spinlock_t *lock)
{
	lock->locked = 0;
	lock->owner = NULL;
}
#define spin_lock_init(l)	raw_spin_lock_init(l)
static inline void raw_spin_lock(raw_spinlock_t *l) { preempt_disable(); shim_spin_acquire(l); }
static inline void raw_spin_unlock(raw_spinlock_t *l) { shim_spin_release(l); preempt_enable(); }
static inline int raw_spin_trylock(raw_spinlock_t *l)
{
	preempt_disable();
	if (shim_spin_tryacquire(l))
		return 1;
	preempt_enable();
	return 0;
}
static inline void raw_spin_lock_irq(raw_spinlock_t *l) { shim_irq_disable(); raw_spin_lock(l); }
static inline void raw_spin_unlock_irq(raw_spinlock_t *l) { raw_spin_unlock(l); shim_irq_enable(); }
#define raw_spin_lock_irqsave(l, flags)					\
	do { local_irq_save(flags); raw_spin_lock(l); } while (0)
#define raw_spin_unlock_irqrestore(l, flags)				\
	do { raw_spin_unlock(l); local_irq_restore(flags); } while (0)
#define raw_spin_trylock_irqsave(l, flags) ({				\
	int __r; local_irq_save(flags); __r = raw_spin_trylock(l);	\
	if (!__r) local_irq_restore(flags); __r; })
#define raw_spin_is_locked(l)	(__atomic_load_n(&(l)->locked, __ATOMIC_RELAXED) != 0)
#define spin_lock(l)		raw_spin_lock(l)
#define spin_unlock(l)		raw_spin_unlock(l)
#define spin_trylock(l)		raw_spin_trylock(l)
#define spin_lock_irq(l)	raw_spin_lock_irq(l)
#define spin_unlock_irq(l)	raw_spin_unlock_irq(l)
#define spin_lock_bh(l)		raw_spin_lock(l)
#define spin_unlock_bh(l)	raw_spin_unlock(l)
#define spin_lock_irqsave(l, f)	raw_spin_lock_irqsave(l, f)
#define spin_unlock_irqrestore(l, f) raw_spin_unlock_irqrestore(l, f)
#define spin_trylock_irqsave(l, f) raw_spin_trylock_irqsave(l, f)
#define spin_is_locked(l)	raw_spin_is_locked(l)
#define spin_lock_nested(l, s)	raw_spin_lock(l)
#define assert_spin_locked(l)	lockdep_assert_held(l)
#define assert_raw_spin_locked(l) lockdep_assert_held(l)

/* rwlock_t: a spinning reader-writer lock (readers not owner-tracked). */
void read_lock(rwlock_t *l);
void read_unlock(rwlock_t *l);
void write_lock(rwlock_t *l);
void write_unlock(rwlock_t *l);
#define rwlock_init(l)		do { (l)->readers = 0; (l)->writer = 0; (l)->owner = NULL; } while (0)
#define read_lock_irqsave(l, f)	do { local_irq_save(f); read_lock(l); } while (0)
#define read_unlock_irqrestore(l, f) do { read_unlock(l); local_irq_restore(f); } while (0)
#define write_lock_irqsave(l, f) do { local_irq_save(f); write_lock(l); } while (0)
#define write_unlock_irqrestore(l, f) do { write_unlock(l); local_irq_restore(f); } while (0)
#define write_lock_irq(l)	do { local_irq_disable(); write_lock(l); } while (0)
#define write_unlock_irq(l)	do { write_unlock(l); local_irq_enable(); } while (0)

/* Sleeping locks: while waiting, the thread runs its CPU's queued work. */
struct mutex {
	int locked;
	struct shim_thread *owner;
};
#define __MUTEX_INITIALIZER(name)	{ 0, NULL }
#define DEFINE_MUTEX(name)		struct mutex name = __MUTEX_INITIALIZER(name)
#define mutex_init(m)			do { (m)->locked = 0; (m)->owner = NULL; } while (0)
#define mutex_destroy(m)		do { } while (0)
void mutex_lock(struct mutex *m);
int mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
#define mutex_lock_nested(m, s)		mutex_lock(m)
#define mutex_lock_interruptible(m)	(mutex_lock(m), 0)
#define mutex_lock_killable(m)		(mutex_lock(m), 0)
#define mutex_is_locked(m)		(__atomic_load_n(&(m)->locked, __ATOMIC_RELAXED) != 0)

struct rw_semaphore {
	int readers;		/* >0 readers, -1 writer */
	int writer_waiting;
	struct shim_thread *owner;
};
#define __RWSEM_INITIALIZER(name)	{ 0, 0, NULL }
#define DECLARE_RWSEM(name)		struct rw_semaphore name = __RWSEM_INITIALIZER(name)
#define init_rwsem(s)			do { (s)->readers = 0; (s)->writer_waiting = 0; (s)->owner = NULL; } while (0)
void down_read(struct rw_semaphore *s);
int down_read_trylock(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
void down_write(struct rw_semaphore *s);
int down_write_trylock(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);

/* CPU hotplug lock (the harness's hotplug takes it for writing). */
extern struct rw_semaphore shim_cpu_hotplug_lock;
#define cpus_read_lock()	down_read(&shim_cpu_hotplug_lock)
#define cpus_read_unlock()	up_read(&shim_cpu_hotplug_lock)
#define cpus_read_trylock()	down_read_trylock(&shim_cpu_hotplug_lock)
#define get_online_cpus()	cpus_read_lock()
#define put_online_cpus()	cpus_read_unlock()
#define lockdep_assert_cpus_held() lockdep_assert_held(&shim_cpu_hotplug_lock)

void shim_assert_owner(const void *lock, const char *what, const char *file,
		       int line);
void shim_assert_rwsem(const void *lock, const char *what, const char *file,
		       int line);
#define lockdep_assert_held(l)						\
	_Generic((l), struct rw_semaphore *: shim_assert_rwsem,		\
		 default: shim_assert_owner)((l), #l, __FILE__, __LINE__)
#define lockdep_assert_held_write(l)	lockdep_assert_held(l)
#define lockdep_assert_held_read(l)	do { } while (0)
#define lockdep_assert_held_once(l)	lockdep_assert_held(l)
#define lockdep_assert_not_held(l)	do { } while (0)
#define lockdep_assert(c)		WARN_ON(!(c))
#define lockdep_set_class(l, k)		do { } while (0)
#define lockdep_is_held(l)		(__atomic_load_n(&(l)->owner, __ATOMIC_RELAXED) == &shim_self)
#define lock_is_held(l)			1
struct lock_class_key { int dummy; };

/* local_lock_t: per-CPU, so preemption off is exclusion. */
typedef struct { int dummy; } local_lock_t;
typedef struct { int acquired; } local_trylock_t;
#define INIT_LOCAL_LOCK(l)		{ 0 }
#define INIT_LOCAL_TRYLOCK(l)		{ 0 }
#define local_lock_init(l)		do { } while (0)
#define local_trylock_init(l)		do { } while (0)
#define local_lock(l)			do { (void)(l); preempt_disable(); } while (0)
#define local_unlock(l)			do { (void)(l); preempt_enable(); } while (0)
#define local_lock_irq(l)		do { (void)(l); local_irq_disable(); } while (0)
#define local_unlock_irq(l)		do { (void)(l); local_irq_enable(); } while (0)
#define local_lock_irqsave(l, f)	do { (void)(l); local_irq_save(f); } while (0)
#define local_unlock_irqrestore(l, f)	do { (void)(l); local_irq_restore(f); } while (0)
#define local_trylock(l) ({						\
	local_trylock_t *__l; preempt_disable(); __l = this_cpu_ptr(l);	\
	__l->acquired ? (preempt_enable(), 0) : (__l->acquired = 1, 1); })
#define local_trylock_irqsave(l, f) ({					\
	local_trylock_t *__l; local_irq_save(f); __l = this_cpu_ptr(l);	\
	__l->acquired ? (local_irq_restore(f), 0) : (__l->acquired = 1, 1); })
#define local_lock_nested_bh(l)		do { } while (0)
#define local_unlock_nested_bh(l)	do { } while (0)

/* ===== RCU =============================================================== */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};
#define callback_head rcu_head
typedef void (*rcu_callback_t)(struct rcu_head *head);
static inline void rcu_read_lock(void)
{
	shim_self.rcu_nesting++;
	shim_reader_inc();
	barrier();
}
static inline void rcu_read_unlock(void)
{
	barrier();
	shim_reader_dec();
	shim_self.rcu_nesting--;
}
#define rcu_read_lock_bh()	rcu_read_lock()
#define rcu_read_unlock_bh()	rcu_read_unlock()
#define rcu_read_lock_sched()	preempt_disable()
#define rcu_read_unlock_sched()	preempt_enable()
#define rcu_read_lock_held()	(shim_self.reader != 0)
#define rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_CONSUME)
#define rcu_dereference_raw(p)	rcu_dereference(p)
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_access_pointer(p)	READ_ONCE(p)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)	WRITE_ONCE(p, v)
void call_rcu(struct rcu_head *head, rcu_callback_t func);
void synchronize_rcu(void);
void rcu_barrier(void);
#define synchronize_rcu_expedited()	synchronize_rcu()
#define kfree_rcu(ptr, field)	call_rcu(&(ptr)->field, shim_kfree_rcu_cb)
void shim_kfree_rcu_cb(struct rcu_head *head);

/* ===== static keys ======================================================= */
struct static_key {
	int enabled;
};
struct static_key_true {
	struct static_key key;
};
struct static_key_false {
	struct static_key key;
};
#define STATIC_KEY_INIT_TRUE	{ .enabled = 1 }
#define STATIC_KEY_INIT_FALSE	{ .enabled = 0 }
#define DEFINE_STATIC_KEY_TRUE(name)	struct static_key_true name = { STATIC_KEY_INIT_TRUE }
#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name = { STATIC_KEY_INIT_FALSE }
#define DECLARE_STATIC_KEY_TRUE(name)	extern struct static_key_true name
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name
#define DEFINE_STATIC_KEY_TRUE_RO(name)	DEFINE_STATIC_KEY_TRUE(name)
#define DEFINE_STATIC_KEY_FALSE_RO(name) DEFINE_STATIC_KEY_FALSE(name)
#define static_key_enabled(x)	(__atomic_load_n(&(x)->key.enabled, __ATOMIC_RELAXED) > 0)
#define static_branch_likely(x)	likely(static_key_enabled(x))
#define static_branch_unlikely(x) unlikely(static_key_enabled(x))
#define static_branch_enable(x)	__atomic_store_n(&(x)->key.enabled, 1, __ATOMIC_RELAXED)
#define static_branch_disable(x) __atomic_store_n(&(x)->key.enabled, 0, __ATOMIC_RELAXED)
#define static_branch_inc(x)	__atomic_fetch_add(&(x)->key.enabled, 1, __ATOMIC_RELAXED)
#define static_branch_dec(x)	__atomic_fetch_sub(&(x)->key.enabled, 1, __ATOMIC_RELAXED)
#define static_branch_enable_cpuslocked(x)	static_branch_enable(x)
#define static_branch_disable_cpuslocked(x)	static_branch_disable(x)

/* ===== the page allocator ================================================ */
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr)	ALIGN(addr, PAGE_SIZE)
#define PAGE_ALIGNED(addr)	IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)
#define MAX_ORDER		11
#define MAX_PAGE_ORDER		(MAX_ORDER - 1)
#define NR_PAGE_ORDERS		MAX_ORDER
#define PAGE_ALLOC_COSTLY_ORDER	3

/* gfp.h, 6.1's bit values */
#define ___GFP_DMA		0x01u
#define ___GFP_HIGHMEM		0x02u
#define ___GFP_DMA32		0x04u
#define ___GFP_MOVABLE		0x08u
#define ___GFP_RECLAIMABLE	0x10u
#define ___GFP_HIGH		0x20u
#define ___GFP_IO		0x40u
#define ___GFP_FS		0x80u
#define ___GFP_ZERO		0x100u
#define ___GFP_ATOMIC		0x200u
#define ___GFP_DIRECT_RECLAIM	0x400u
#define ___GFP_KSWAPD_RECLAIM	0x800u
#define ___GFP_WRITE		0x1000u
#define ___GFP_NOWARN		0x2000u
#define ___GFP_RETRY_MAYFAIL	0x4000u
#define ___GFP_NOFAIL		0x8000u
#define ___GFP_NORETRY		0x10000u
#define ___GFP_MEMALLOC		0x20000u
#define ___GFP_COMP		0x40000u
#define ___GFP_NOMEMALLOC	0x80000u
#define ___GFP_HARDWALL		0x100000u
#define ___GFP_THISNODE		0x200000u
#define ___GFP_ACCOUNT		0x400000u
#define ___GFP_ZEROTAGS		0x800000u
#define __GFP_DMA		((__force gfp_t)___GFP_DMA)
#define __GFP_HIGHMEM		((__force gfp_t)___GFP_HIGHMEM)
#define __GFP_DMA32		((__force gfp_t)___GFP_DMA32)
#define __GFP_MOVABLE		((__force gfp_t)___GFP_MOVABLE)
#define __GFP_RECLAIMABLE	((__force gfp_t)___GFP_RECLAIMABLE)
#define __GFP_HIGH		((__force gfp_t)___GFP_HIGH)
#define __GFP_IO		((__force gfp_t)___GFP_IO)
#define __GFP_FS		((__force gfp_t)___GFP_FS)
#define __GFP_ZERO		((__force gfp_t)___GFP_ZERO)
#define __GFP_ATOMIC		((__force gfp_t)___GFP_ATOMIC)
#define __GFP_DIRECT_RECLAIM	((__force gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_KSWAPD_RECLAIM	((__force gfp_t)___GFP_KSWAPD_RECLAIM)
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define __GFP_WRITE		((__force gfp_t)___GFP_WRITE)
#define __GFP_NOWARN		((__force gfp_t)___GFP_NOWARN)
#define __GFP_RETRY_MAYFAIL	((__force gfp_t)___GFP_RETRY_MAYFAIL)
#define __GFP_NOFAIL		((__force gfp_t)___GFP_NOFAIL)
#define __GFP_NORETRY		((__force gfp_t)___GFP_NORETRY)
#define __GFP_MEMALLOC		((__force gfp_t)___GFP_MEMALLOC)
#define __GFP_COMP		((__force gfp_t)___GFP_COMP)
#define __GFP_NOMEMALLOC	((__force gfp_t)___GFP_NOMEMALLOC)
#define __GFP_HARDWALL		((__force gfp_t)___GFP_HARDWALL)
#define __GFP_THISNODE		((__force gfp_t)___GFP_THISNODE)
#define __GFP_ACCOUNT		((__force gfp_t)___GFP_ACCOUNT)
#define __GFP_ZEROTAGS		((__force gfp_t)___GFP_ZEROTAGS)
#define GFP_ATOMIC		(__GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER		(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA			__GFP_DMA
#define GFP_DMA32		__GFP_DMA32
#define GFP_HIGHUSER		(GFP_USER | __GFP_HIGHMEM)
#define GFP_TRANSHUGE_LIGHT	((GFP_HIGHUSER | __GFP_MOVABLE | __GFP_COMP | \
				  __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_DIRECT_RECLAIM);
}
#define gfp_has_io_fs(g)	(((g) & (__GFP_IO | __GFP_FS)) == (__GFP_IO | __GFP_FS))
#define fs_reclaim_acquire(g)	do { } while (0)
#define fs_reclaim_release(g)	do { } while (0)
/* might_alloc(): may sleep if the gfp allows it (a real context check). */
#define might_alloc(gfp)	might_sleep_if(gfpflags_allow_blocking(gfp))

#define PG_head		0
#define PG_slab		1
#define PG_reserved	2
#define PG_buddy	3	/* shim: free in the fake buddy allocator */
struct page {
	unsigned long flags;
	union {
		struct {
			struct list_head lru;
			void *mapping;
			unsigned long index;
			unsigned long private;
		};
		struct rcu_head rcu_head;
	};
	unsigned int order;	/* compound order (head), buddy order (free) */
	atomic_t _refcount;
	atomic_t _mapcount;
	void *shim_owner;	/* unused by the shim; free for a harness */
};

extern struct page *shim_mem_map;
extern unsigned long shim_arena_start, shim_arena_end;
#define virt_to_page(addr)						\
	(&shim_mem_map[((unsigned long)(addr) - shim_arena_start) >> PAGE_SHIFT])
#define page_to_virt(page)						\
	((void *)(shim_arena_start + ((unsigned long)((page) - shim_mem_map) << PAGE_SHIFT)))
#define page_address(page)	page_to_virt(page)
#define lowmem_page_address(page) page_to_virt(page)
#define virt_addr_valid(addr)						\
	((unsigned long)(addr) >= shim_arena_start &&			\
	 (unsigned long)(addr) < shim_arena_end)
#define page_to_pfn(page)	((unsigned long)((page) - shim_mem_map))
#define pfn_to_page(pfn)	(&shim_mem_map[(pfn)])
#define virt_to_pfn(addr)	page_to_pfn(virt_to_page(addr))
#define pfn_valid(pfn)		((pfn) < ((shim_arena_end - shim_arena_start) >> PAGE_SHIFT))
#define __pa(x)			((unsigned long)(x) - shim_arena_start)
#define __va(x)			((void *)((unsigned long)(x) + shim_arena_start))
#define virt_to_phys(x)		__pa(x)
#define page_private(page)	((page)->private)
#define set_page_private(page, v) ((page)->private = (v))
#define PageHead(page)		test_bit(PG_head, &(page)->flags)
#define PageCompound(page)	PageHead(page)
#define PageTail(page)		0
#define PageSlab(page)		test_bit(PG_slab, &(page)->flags)
#define __SetPageSlab(page)	__set_bit(PG_slab, &(page)->flags)
#define __ClearPageSlab(page)	__clear_bit(PG_slab, &(page)->flags)
#define PageReserved(page)	test_bit(PG_reserved, &(page)->flags)
#define compound_head(page)	(page)
#define compound_order(page)	(PageHead(page) ? (page)->order : 0U)
#define compound_nr(page)	(1UL << compound_order(page))
#define page_size(page)		(PAGE_SIZE << compound_order(page))
#define page_shift(page)	(PAGE_SHIFT + compound_order(page))
#define page_count(page)	atomic_read(&(page)->_refcount)
#define get_page(page)		atomic_inc(&(page)->_refcount)
#define page_ref_count(page)	page_count(page)
#define page_to_nid(page)	0
#define virt_to_head_page(x)	compound_head(virt_to_page(x))

static inline __attribute__((const)) int get_order(unsigned long size)
{
	if (size <= PAGE_SIZE)
		return 0;
	return fls64(size - 1) - PAGE_SHIFT;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
#define alloc_pages_node(nid, gfp, order)	((void)(nid), alloc_pages(gfp, order))
#define __alloc_pages_node(nid, gfp, order)	alloc_pages_node(nid, gfp, order)
#define alloc_page(gfp)				alloc_pages(gfp, 0)
#define __free_page(page)			__free_pages(page, 0)
#define __get_free_page(gfp)			__get_free_pages(gfp, 0)
#define free_page(addr)				free_pages(addr, 0)
#define get_zeroed_page(gfp)			__get_free_pages((gfp) | __GFP_ZERO, 0)
#define put_page(page)				__free_pages(page, compound_order(page))
#define alloc_pages_exact(size, gfp)	((void *)__get_free_pages(gfp, get_order(size)))
#define free_pages_exact(p, size)	free_pages((unsigned long)(p), get_order(size))

/* init_on_alloc / init_on_free (the harness sets them). */
extern int shim_init_on_alloc, shim_init_on_free;
static inline bool want_init_on_alloc(gfp_t flags)
{
	return shim_init_on_alloc || (flags & __GFP_ZERO);
}
static inline bool want_init_on_free(void)
{
	return shim_init_on_free;
}

/* ===== kmalloc and friends (malloc) ====================================== */
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
#define ARCH_KMALLOC_MINALIGN	8
#define ARCH_SLAB_MINALIGN	8
#define KMALLOC_MAX_SIZE	(1UL << 30)

#define SLAB_CONSISTENCY_CHECKS	((__force slab_flags_t)0x00000100U)
#define SLAB_RED_ZONE		((__force slab_flags_t)0x00000400U)
#define SLAB_POISON		((__force slab_flags_t)0x00000800U)
#define SLAB_KMALLOC		((__force slab_flags_t)0x00001000U)
#define SLAB_HWCACHE_ALIGN	((__force slab_flags_t)0x00002000U)
#define SLAB_CACHE_DMA		((__force slab_flags_t)0x00004000U)
#define SLAB_CACHE_DMA32	((__force slab_flags_t)0x00008000U)
#define SLAB_STORE_USER		((__force slab_flags_t)0x00010000U)
#define SLAB_PANIC		((__force slab_flags_t)0x00040000U)
#define SLAB_TYPESAFE_BY_RCU	((__force slab_flags_t)0x00080000U)
#define SLAB_MEM_SPREAD		((__force slab_flags_t)0x00100000U)
#define SLAB_TRACE		((__force slab_flags_t)0x00200000U)
#define SLAB_DEBUG_OBJECTS	((__force slab_flags_t)0x00400000U)
#define SLAB_NOLEAKTRACE	((__force slab_flags_t)0x00800000U)
#define SLAB_FAILSLAB		((__force slab_flags_t)0x02000000U)
#define SLAB_ACCOUNT		((__force slab_flags_t)0x04000000U)
#define SLAB_KASAN		((__force slab_flags_t)0x08000000U)
#define SLAB_NO_USER_FLAGS	((__force slab_flags_t)0x10000000U)
#define SLAB_RECLAIM_ACCOUNT	((__force slab_flags_t)0x00020000U)
#define SLAB_TEMPORARY		SLAB_RECLAIM_ACCOUNT
#define SLAB_NO_MERGE		((__force slab_flags_t)0x01000000U)

#define POISON_INUSE		0x5a
#define POISON_FREE		0x6b
#define POISON_END		0xa5
#define SLUB_RED_INACTIVE	0xbb
#define SLUB_RED_ACTIVE		0xcc
#define POISON_POINTER_DELTA	0

extern int shim_kmalloc_fail_every;	/* 0: never; k: every k-th fails */
void *kmalloc(size_t size, gfp_t gfp);
void *kmalloc_node(size_t size, gfp_t gfp, int node);
void *kzalloc(size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
void *krealloc(const void *p, size_t size, gfp_t gfp);
void kfree(const void *p);
void kfree_sensitive(const void *p);
size_t ksize(const void *p);
char *kstrdup(const char *s, gfp_t gfp);
char *kstrndup(const char *s, size_t max, gfp_t gfp);
const char *kstrdup_const(const char *s, gfp_t gfp);
void kfree_const(const void *p);
void *kmemdup(const void *src, size_t len, gfp_t gfp);
#define kzalloc_node(s, g, n)	kzalloc(s, g)
#define kmalloc_array(n, s, g)	kmalloc((n) * (s), g)
#define kmalloc_array_node(n, s, g, nid) kmalloc((n) * (s), g)
#define kcalloc_node(n, s, g, nid) kcalloc(n, s, g)
#define kvmalloc(s, g)		kmalloc(s, g)
#define kvzalloc(s, g)		kzalloc(s, g)
#define kvmalloc_node(s, g, n)	kmalloc(s, g)
#define kvcalloc(n, s, g)	kcalloc(n, s, g)
#define kvfree(p)		kfree(p)
#define vmalloc(s)		kmalloc(s, GFP_KERNEL)
#define vzalloc(s)		kzalloc(s, GFP_KERNEL)
#define vfree(p)		kfree(p)

/* The kernel's own kmem_cache (malloc), should the core use one. */
struct kmem_cache;
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *s);
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *s, void *p);
#define kmem_cache_alloc_node(s, g, n)	kmem_cache_alloc(s, g)
#define KMEM_CACHE(__struct, __flags)					\
	kmem_cache_create(#__struct, sizeof(struct __struct),		\
			  __alignof__(struct __struct), (__flags), NULL)

/* ===== fault injection ==================================================== */
struct fault_attr {
	unsigned long probability;	/* percent */
	unsigned long interval;
	atomic_t times;			/* -1: no limit */
	atomic_t space;
	unsigned long verbose;
	bool task_filter;
	unsigned long count;		/* shim: calls seen */
	unsigned long fails;		/* shim: failures injected */
};
#define FAULT_ATTR_INITIALIZER {					\
	.interval = 1, .times = ATOMIC_INIT(1), .space = ATOMIC_INIT(0) }
#define DECLARE_FAULT_ATTR(name) struct fault_attr name = FAULT_ATTR_INITIALIZER
bool should_fail(struct fault_attr *attr, ssize_t size);
int setup_fault_attr(struct fault_attr *attr, char *str);
struct dentry;
struct dentry *fault_create_debugfs_attr(const char *name, struct dentry *parent,
					 struct fault_attr *attr);

/* ===== workqueues ======================================================== */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);
struct work_struct {
	int state;			/* 0 idle, 1 queued, 2 running */
	int cpu;
	struct list_head entry;
	work_func_t func;
	unsigned long seq_done;
	unsigned long due;		/* jiffies: not run before */
};
struct delayed_work {
	struct work_struct work;
};
struct workqueue_struct {
	const char *name;
	unsigned int flags;
};
#define WORK_CPU_UNBOUND	NR_CPUS
#define WQ_UNBOUND		(1 << 1)
#define WQ_FREEZABLE		(1 << 2)
#define WQ_MEM_RECLAIM		(1 << 3)
#define WQ_HIGHPRI		(1 << 4)
#define WQ_CPU_INTENSIVE	(1 << 5)
#define WQ_PERCPU		(1 << 8)
#define __INIT_WORK(w, f)	do { (w)->state = 0; (w)->func = (f); INIT_LIST_HEAD(&(w)->entry); } while (0)
#define INIT_WORK(w, f)		__INIT_WORK(w, f)
#define INIT_WORK_ONSTACK(w, f)	__INIT_WORK(w, f)
#define destroy_work_on_stack(w) do { } while (0)
#define INIT_DELAYED_WORK(dw, f) __INIT_WORK(&(dw)->work, f)
#define INIT_DEFERRABLE_WORK(dw, f) __INIT_WORK(&(dw)->work, f)
#define DECLARE_WORK(n, f)	struct work_struct n = { .func = (f), .entry = LIST_HEAD_INIT((n).entry) }
#define to_delayed_work(w)	container_of(w, struct delayed_work, work)
extern struct workqueue_struct *system_wq, *system_highpri_wq,
	*system_long_wq, *system_unbound_wq, *system_freezable_wq,
	*system_power_efficient_wq, *system_percpu_wq, *system_dfl_wq;
bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work);
bool shim_queue_work_after(int cpu, struct workqueue_struct *wq,
			   struct work_struct *work, unsigned long delay);
bool flush_work(struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
void flush_workqueue(struct workqueue_struct *wq);
struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...);
void destroy_workqueue(struct workqueue_struct *wq);
#define create_singlethread_workqueue(n) alloc_workqueue(n, WQ_UNBOUND, 1)
#define alloc_ordered_workqueue(n, f, ...) alloc_workqueue(n, WQ_UNBOUND | (f), 1)
#define queue_work(wq, w)	queue_work_on(WORK_CPU_UNBOUND, wq, w)
#define schedule_work(w)	queue_work(system_wq, w)
#define schedule_work_on(c, w)	queue_work_on(c, system_wq, w)
#define queue_delayed_work_on(c, wq, dw, d) shim_queue_work_after(c, wq, &(dw)->work, d)
#define queue_delayed_work(wq, dw, d)	shim_queue_work_after(WORK_CPU_UNBOUND, wq, &(dw)->work, d)
#define schedule_delayed_work(dw, d)	shim_queue_work_after(WORK_CPU_UNBOUND, system_wq, &(dw)->work, d)
#define mod_delayed_work(wq, dw, d)	shim_queue_work_after(WORK_CPU_UNBOUND, wq, &(dw)->work, d)
#define cancel_delayed_work_sync(dw)	cancel_work_sync(&(dw)->work)
#define cancel_delayed_work(dw)		cancel_work_sync(&(dw)->work)
#define flush_delayed_work(dw)		flush_work(&(dw)->work)
#define flush_scheduled_work()		flush_workqueue(system_wq)
#define work_pending(w)		(__atomic_load_n(&(w)->state, __ATOMIC_ACQUIRE) == 1)
#define delayed_work_pending(dw) work_pending(&(dw)->work)
int schedule_on_each_cpu(work_func_t func);

/* ===== CPU hotplug ======================================================= */
enum cpuhp_state {
	CPUHP_INVALID = -1,
	CPUHP_OFFLINE = 0,
	CPUHP_BP_PREPARE_DYN = 40,
	CPUHP_BP_PREPARE_DYN_END = 60,
	CPUHP_AP_ONLINE_DYN = 200,
	CPUHP_AP_ONLINE_DYN_END = 230,
	CPUHP_ONLINE = 240,
};
int __cpuhp_setup_state(enum cpuhp_state state, const char *name, bool invoke,
			int (*startup)(unsigned int cpu),
			int (*teardown)(unsigned int cpu), bool multi);
void __cpuhp_remove_state(enum cpuhp_state state, bool invoke);
#define cpuhp_setup_state(st, n, up, down)	__cpuhp_setup_state(st, n, true, up, down, false)
#define cpuhp_setup_state_nocalls(st, n, up, down) __cpuhp_setup_state(st, n, false, up, down, false)
#define cpuhp_setup_state_cpuslocked(st, n, up, down) __cpuhp_setup_state(st, n, true, up, down, false)
#define cpuhp_setup_state_nocalls_cpuslocked(st, n, up, down) __cpuhp_setup_state(st, n, false, up, down, false)
#define cpuhp_remove_state(st)			__cpuhp_remove_state(st, true)
#define cpuhp_remove_state_nocalls(st)		__cpuhp_remove_state(st, false)
#define cpuhp_remove_state_nocalls_cpuslocked(st) __cpuhp_remove_state(st, false)

/* ===== shrinkers (6.1 and the 6.7+ API) ================================== */
#define SHRINK_STOP		(~0UL)
#define SHRINK_EMPTY		(~0UL - 1)
#define DEFAULT_SEEKS		2
#define SHRINKER_NUMA_AWARE	(1 << 2)
#define SHRINKER_MEMCG_AWARE	(1 << 3)
struct shrink_control {
	gfp_t gfp_mask;
	int nid;
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
	void *memcg;
};
struct shrinker {
	unsigned long (*count_objects)(struct shrinker *, struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *, struct shrink_control *sc);
	long batch;
	int seeks;
	unsigned int flags;
	void *private_data;
	struct list_head list;
	const char *name;
	bool shim_allocated;
};
__printf(2, 3) int register_shrinker(struct shrinker *s, const char *fmt, ...);
void unregister_shrinker(struct shrinker *s);
__printf(2, 3) struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...);
void shrinker_register(struct shrinker *s);
void shrinker_free(struct shrinker *s);

/* ===== files, seq_file, debugfs ========================================== */
struct module;
#define THIS_MODULE		((struct module *)NULL)
struct inode {
	void *i_private;
};
struct file {
	void *private_data;
	struct inode *f_inode;
	loff_t f_pos;
};
#define file_inode(f)		((f)->f_inode)
typedef unsigned short umode_t;
struct seq_operations;
struct file_operations {
	struct module *owner;
	int (*open)(struct inode *, struct file *);
	ssize_t (*read)(struct file *, char __user *, size_t, loff_t *);
	ssize_t (*write)(struct file *, const char __user *, size_t, loff_t *);
	loff_t (*llseek)(struct file *, loff_t, int);
	int (*release)(struct inode *, struct file *);
};
struct seq_file {
	char *buf;
	size_t size;
	size_t count;
	size_t from;
	loff_t index;
	void *private;
	int (*show)(struct seq_file *m, void *v);
	const struct seq_operations *op;
};
struct seq_operations {
	void *(*start)(struct seq_file *m, loff_t *pos);
	void (*stop)(struct seq_file *m, void *v);
	void *(*next)(struct seq_file *m, void *v, loff_t *pos);
	int (*show)(struct seq_file *m, void *v);
};
__printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...);
void seq_puts(struct seq_file *m, const char *s);
void seq_putc(struct seq_file *m, char c);
#define seq_write(m, d, l)	seq_printf(m, "%.*s", (int)(l), (const char *)(d))
int single_open(struct file *file, int (*show)(struct seq_file *, void *), void *data);
int single_release(struct inode *inode, struct file *file);
int seq_open(struct file *file, const struct seq_operations *op);
int seq_release(struct inode *inode, struct file *file);
ssize_t seq_read(struct file *file, char __user *buf, size_t size, loff_t *ppos);
loff_t seq_lseek(struct file *file, loff_t offset, int whence);
loff_t noop_llseek(struct file *file, loff_t offset, int whence);
#define DEFINE_SHOW_ATTRIBUTE(__name)					\
static int __name ## _open(struct inode *inode, struct file *file)	\
{									\
	return single_open(file, __name ## _show, inode->i_private);	\
}									\
static const struct file_operations __name ## _fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= __name ## _open,				\
	.read		= seq_read,					\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}
#define DEFINE_SEQ_ATTRIBUTE(__name)					\
static int __name ## _open(struct inode *inode, struct file *file)	\
{									\
	int ret = seq_open(file, &__name ## _sops);			\
	if (!ret && inode->i_private) {					\
		struct seq_file *seq_f = file->private_data;		\
		seq_f->private = inode->i_private;			\
	}								\
	return ret;							\
}									\
static const struct file_operations __name ## _fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= __name ## _open,				\
	.read		= seq_read,					\
	.llseek		= seq_lseek,					\
	.release	= seq_release,					\
}

struct dentry {
	char name[64];
	struct dentry *parent;
	const struct file_operations *fops;
	void *data;
	struct list_head list;
};
struct dentry *debugfs_create_dir(const char *name, struct dentry *parent);
struct dentry *debugfs_create_file(const char *name, umode_t mode,
				   struct dentry *parent, void *data,
				   const struct file_operations *fops);
#define debugfs_create_file_unsafe debugfs_create_file
void debugfs_remove_recursive(struct dentry *d);
#define debugfs_remove(d)	debugfs_remove_recursive(d)
#define debugfs_create_u32(n, m, p, v)	((void)(v))
#define debugfs_create_u64(n, m, p, v)	((void)(v))
#define debugfs_create_ulong(n, m, p, v) ((void)(v))
#define debugfs_create_bool(n, m, p, v)	((void)(v))
#define debugfs_create_atomic_t(n, m, p, v) ((void)(v))
struct dentry *debugfs_lookup(const char *name, struct dentry *parent);

unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);
unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);
ssize_t simple_read_from_buffer(void __user *to, size_t count, loff_t *ppos,
				const void *from, size_t available);

/* ===== strings, sysfs, kstrto ============================================ */
int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
int kstrtoll(const char *s, unsigned int base, long long *res);
int kstrtoul(const char *s, unsigned int base, unsigned long *res);
int kstrtol(const char *s, unsigned int base, long *res);
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
int kstrtoint(const char *s, unsigned int base, int *res);
int kstrtobool(const char *s, bool *res);
int kstrtouint_from_user(const char __user *s, size_t count, unsigned int base,
			 unsigned int *res);
int kstrtoul_from_user(const char __user *s, size_t count, unsigned int base,
		       unsigned long *res);
int kstrtobool_from_user(const char __user *s, size_t count, bool *res);
bool sysfs_streq(const char *s1, const char *s2);
__printf(2, 3) int sysfs_emit(char *buf, const char *fmt, ...);
__printf(3, 4) int sysfs_emit_at(char *buf, int at, const char *fmt, ...);
#define scnprintf		snprintf
#define vscnprintf		vsnprintf
__printf(2, 3) char *kasprintf(gfp_t gfp, const char *fmt, ...);
size_t strscpy(char *dest, const char *src, size_t count);
#define strscpy_pad		strscpy
int match_string(const char * const *array, size_t n, const char *string);
#define sysfs_match_string(_a, _s) match_string(_a, ARRAY_SIZE(_a), _s)
#define memzero_explicit(p, n)	memset(p, 0, n)
static inline void *memset64(u64 *s, u64 v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = v;
	return s;
}
void *memchr_inv(const void *start, int c, size_t bytes);

/* ===== module, params, init ============================================== */
struct kernel_param;
struct kernel_param_ops {
	unsigned int flags;
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buffer, const struct kernel_param *kp);
	void (*free)(void *arg);
};
struct kernel_param {
	const char *name;
	const struct kernel_param_ops *ops;
	unsigned short perm;
	void *arg;
	struct kernel_param *shim_next;
};
extern const struct kernel_param_ops param_ops_charp, param_ops_uint,
	param_ops_int, param_ops_ulong, param_ops_long, param_ops_bool,
	param_ops_ushort, param_ops_short, param_ops_byte, param_ops_invbool,
	param_ops_bint;
void shim_param_register(struct kernel_param *kp);
#define __shim_module_param(name_, ops_, arg_, perm_)			\
	static struct kernel_param __shim_kp_##name_ = {		\
		.name = #name_, .ops = (ops_), .perm = (perm_), .arg = (arg_) }; \
	static void __attribute__((constructor)) __shim_kp_reg_##name_(void) \
	{ shim_param_register(&__shim_kp_##name_); }
#define module_param_cb(name, ops, arg, perm) __shim_module_param(name, ops, arg, perm)
#define module_param_named(name, value, type, perm)			\
	__shim_module_param(name, &param_ops_##type, &(value), perm)
#define module_param(name, type, perm)	module_param_named(name, name, type, perm)
#define module_param_unsafe(name, type, perm) module_param(name, type, perm)
#define module_param_named_unsafe(n, v, t, p) module_param_named(n, v, t, p)
#define core_param(n, v, t, p)		module_param_named(n, v, t, p)
#define MODULE_PARM_DESC(name, desc)
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_VERSION(x)
#define MODULE_ALIAS(x)
#define MODULE_SOFTDEP(x)
#define MODULE_IMPORT_NS(x)
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#define VISIBLE_IF_KUNIT	static
/* module_init/exit: the harness calls them (shim_module_init()). */
#define module_init(fn)		int (*const shim_module_init_fn)(void) = fn
#define module_exit(fn)		void (*const shim_module_exit_fn)(void) = fn
#define late_initcall(fn)	module_init(fn)
#define subsys_initcall(fn)	module_init(fn)
#define __setup(str, fn)
#define early_param(str, fn)

/* ===== KUnit bits (no KUnit: current->kunit_test is NULL) ================= */
struct kunit {
	const char *name;
};
struct kunit_resource {
	void *data;
	const char *name;
};
static inline struct kunit_resource *kunit_find_named_resource(struct kunit *t,
								const char *n)
{
	return NULL;
}
static inline void kunit_put_resource(struct kunit_resource *r) { }
static inline struct kunit *kunit_get_current_test(void) { return NULL; }
#define kunit_fail_current_test(fmt, ...) do { } while (0)

/* ===== misc ============================================================== */
#define nr_free_pages()		(0UL)
#define totalram_pages()	(1UL << 18)
#define IS_BUILTIN_MODULE	0
#define kmemleak_not_leak(p)	do { } while (0)
#define kmemleak_ignore(p)	do { } while (0)
#define kasan_poison(p, s)	do { } while (0)
#define add_taint(a, b)		do { } while (0)
#define TAINT_BAD_PAGE		5
#define LOCKDEP_NOW_UNRELIABLE	0

#endif /* _SHIM_KERNEL_H */
