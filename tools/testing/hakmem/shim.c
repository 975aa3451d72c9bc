// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel shim's runtime: CPU ids and per-CPU areas, RCU, locks, the
 * page allocator (a buddy allocator over a reserved arena with a struct page
 * array), kmalloc (malloc), workqueues run by the CPU threads themselves,
 * hotplug and shrinker registries, printk, debugfs and seq_file, module
 * parameters.  See README.rst for what it does not model.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include <shim/kernel.h>
#include "shim.h"

static_assert(SHIM_NR_CPUS == NR_CPUS);

__thread struct shim_thread shim_self __attribute__((tls_model("initial-exec"))) = {
	.slot = -1,
};
unsigned long shim_pcpu_offset[NR_CPUS];
unsigned long shim_cpu_online_mask = (1UL << NR_CPUS) - 1;
static bool shim_single;
static int shim_next_pid = 1;

static __noreturn void shim_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "shim: FATAL: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void shim_yield(unsigned int *spins)
{
	if (++*spins < 64)
		cpu_relax();
	else
		sched_yield();
}

/* ===== printk, warnings ================================================== */
unsigned long shim_nr_printk, shim_nr_bug_lines, shim_nr_warnings;
int shim_quiet;
void (*shim_printk_hook)(int level, const char *msg);

int vprintk(const char *fmt, va_list args)
{
	char buf[1024];
	int level = 4, n;
	const char *p = buf;

	n = vsnprintf(buf, sizeof(buf), fmt, args);
	if (p[0] == '\001' && p[1]) {
		level = p[1] == 'c' ? -1 : p[1] - '0';
		p += 2;
	}
	__atomic_fetch_add(&shim_nr_printk, 1, __ATOMIC_RELAXED);
	if (strstr(p, "BUG hakmem_slab"))
		__atomic_fetch_add(&shim_nr_bug_lines, 1, __ATOMIC_RELAXED);
	if (shim_printk_hook)
		shim_printk_hook(level, p);
	if (!shim_quiet)
		fprintf(stderr, "[cpu%d] %s", shim_self.cpu, p);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void print_hex_dump(const char *level, const char *prefix_str, int prefix_type,
		    int rowsize, int groupsize, const void *buf, size_t len,
		    bool ascii)
{
	const unsigned char *b = buf;
	size_t i, j;

	for (i = 0; i < len; i += rowsize) {
		char line[256];
		int n = snprintf(line, sizeof(line), "%s%s%s%04zx: ", level,
				 prefix_str, "", i);

		for (j = i; j < i + rowsize && j < len && n < 200; j++)
			n += snprintf(line + n, sizeof(line) - n, "%02x ", b[j]);
		printk("%s\n", line);
	}
}

void dump_stack(void)
{
}

void shim_warn(const char *file, int line, const char *what)
{
	__atomic_fetch_add(&shim_nr_warnings, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "[cpu%d] WARNING: %s:%d: %s\n", shim_self.cpu,
			file, line, what);
}

void shim_warn_fmt(const char *file, int line, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	shim_warn(file, line, buf);
}

void shim_bug(const char *file, int line, const char *what)
{
	shim_fatal("kernel BUG at %s:%d: %s", file, line, what);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "Kernel panic: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

/* ===== ratelimit ========================================================= */
int shim_ratelimit_real;

int ___ratelimit(struct ratelimit_state *rs, const char *func)
{
	unsigned long now;
	int ret;

	if (!shim_ratelimit_real || !rs->interval)
		return 1;
	while (__atomic_exchange_n(&rs->lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	now = jiffies;
	if (!rs->begin)
		rs->begin = now;
	if (time_after(now, rs->begin + rs->interval)) {
		rs->begin = now;
		rs->printed = 0;
		rs->missed = 0;
	}
	if (rs->burst && rs->burst > rs->printed) {
		rs->printed++;
		ret = 1;
	} else {
		rs->missed++;
		ret = 0;
	}
	__atomic_store_n(&rs->lock, 0, __ATOMIC_RELEASE);
	return ret;
}

/* ===== time, random ====================================================== */
u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

unsigned long shim_jiffies(void)
{
	return (unsigned long)(ktime_get_ns() / (NSEC_PER_SEC / HZ));
}

static __thread u64 shim_rand_state;

u64 get_random_u64(void)
{
	u64 x = shim_rand_state;

	if (!x)
		x = 0x9e3779b97f4a7c15ULL ^ ((u64)(shim_self.cpu + 1) << 32) ^
		    (u64)(uintptr_t)&shim_self;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	shim_rand_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void shim_srand(unsigned long long seed)
{
	shim_rand_state = seed ? seed : 1;
}

u32 get_random_u32(void)
{
	return (u32)(get_random_u64() >> 32);
}

void get_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len--)
		*p++ = (unsigned char)get_random_u32();
}

/* ===== per-CPU areas ===================================================== */
#define SHIM_PCPU_UNIT	(64UL << 20)
extern char __start_shim_percpu[] __attribute__((weak));
extern char __stop_shim_percpu[] __attribute__((weak));
static char *shim_pcpu_base;		/* NR_CPUS units */
static unsigned long shim_pcpu_static;	/* bytes of static per-CPU data */
static unsigned long shim_pcpu_next;
static pthread_mutex_t shim_pcpu_lock = PTHREAD_MUTEX_INITIALIZER;
struct shim_pcpu_chunk {
	unsigned long off, size;
	bool used;
};
static struct shim_pcpu_chunk *shim_pcpu_chunks;
static unsigned int shim_pcpu_nr, shim_pcpu_cap;

/*
 * The address per-CPU pointers are relative to: the static section's start
 * rounded down to a page, so that a dynamic chunk's pointer is as aligned as
 * its offset (UBSan checks the alignment of s->cpu->field even where only
 * its address is taken, as this_cpu_add() does).
 */
static unsigned long shim_pcpu_template(void)
{
	return __start_shim_percpu ?
		ALIGN_DOWN((unsigned long)__start_shim_percpu, 4096UL) :
		(unsigned long)shim_pcpu_base;
}

static void shim_pcpu_init(void)
{
	unsigned long tmpl, lead = 0;
	int cpu;

	shim_pcpu_base = mmap(NULL, NR_CPUS * SHIM_PCPU_UNIT,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (shim_pcpu_base == MAP_FAILED)
		shim_fatal("cannot map the per-CPU areas");
	tmpl = shim_pcpu_template();
	if (__start_shim_percpu) {
		lead = (unsigned long)__start_shim_percpu - tmpl;
		shim_pcpu_static = __stop_shim_percpu - __start_shim_percpu;
	}
	shim_pcpu_next = ALIGN(lead + shim_pcpu_static, 4096UL);
	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		char *unit = shim_pcpu_base + cpu * SHIM_PCPU_UNIT;

		if (shim_pcpu_static)
			memcpy(unit + lead, __start_shim_percpu, shim_pcpu_static);
		shim_pcpu_offset[cpu] = (unsigned long)unit - tmpl;
	}
}

void *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)
{
	unsigned long off = 0;
	unsigned int i;
	int cpu;

	if (align < 8)
		align = 8;
	size = ALIGN(size, align);
	pthread_mutex_lock(&shim_pcpu_lock);
	for (i = 0; i < shim_pcpu_nr; i++) {
		struct shim_pcpu_chunk *c = &shim_pcpu_chunks[i];

		if (!c->used && c->size == size && IS_ALIGNED(c->off, align)) {
			c->used = true;
			off = c->off;
			break;
		}
	}
	if (i == shim_pcpu_nr) {
		off = ALIGN(shim_pcpu_next, align);
		if (off + size > SHIM_PCPU_UNIT) {
			pthread_mutex_unlock(&shim_pcpu_lock);
			return NULL;
		}
		shim_pcpu_next = off + size;
		if (shim_pcpu_nr == shim_pcpu_cap) {
			shim_pcpu_cap = shim_pcpu_cap ? 2 * shim_pcpu_cap : 64;
			shim_pcpu_chunks = realloc(shim_pcpu_chunks,
						   shim_pcpu_cap * sizeof(*shim_pcpu_chunks));
		}
		shim_pcpu_chunks[shim_pcpu_nr++] = (struct shim_pcpu_chunk){
			.off = off, .size = size, .used = true };
	}
	pthread_mutex_unlock(&shim_pcpu_lock);
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		memset(shim_pcpu_base + cpu * SHIM_PCPU_UNIT + off, 0, size);
	return (void *)(shim_pcpu_template() + off);
}

void *__alloc_percpu(size_t size, size_t align)
{
	return __alloc_percpu_gfp(size, align, GFP_KERNEL);
}

void free_percpu(void *ptr)
{
	unsigned long off;
	unsigned int i;

	if (!ptr)
		return;
	off = (unsigned long)ptr - shim_pcpu_template();
	pthread_mutex_lock(&shim_pcpu_lock);
	for (i = 0; i < shim_pcpu_nr; i++) {
		if (shim_pcpu_chunks[i].off == off && shim_pcpu_chunks[i].used) {
			shim_pcpu_chunks[i].used = false;
			break;
		}
	}
	pthread_mutex_unlock(&shim_pcpu_lock);
	if (i == shim_pcpu_nr)
		shim_fatal("free_percpu(%p): not allocated", ptr);
}

/* ===== threads, CPU ids, RCU ============================================= */
#define SHIM_MAX_THREADS 32
struct shim_rcu_slot {
	unsigned long ctr;	/* 0: quiescent; else the gp it entered in */
	int used;
};
static struct shim_rcu_slot shim_rcu_slots[SHIM_MAX_THREADS];
static unsigned long shim_rcu_gp = 1;

void shim_rcu_reader_enter(void)
{
	if (shim_self.slot >= 0)
		__atomic_store_n(&shim_rcu_slots[shim_self.slot].ctr,
				 __atomic_load_n(&shim_rcu_gp, __ATOMIC_ACQUIRE),
				 __ATOMIC_SEQ_CST);
}

void shim_rcu_reader_exit(void)
{
	if (shim_self.slot >= 0)
		__atomic_store_n(&shim_rcu_slots[shim_self.slot].ctr, 0,
				 __ATOMIC_RELEASE);
}

void shim_set_cpu(int cpu)
{
	if (cpu < 0 || cpu >= NR_CPUS)
		shim_fatal("bad cpu id %d", cpu);
	shim_self.cpu = cpu;
	shim_self.pcpu_off = shim_pcpu_offset[cpu];
}

int shim_cpu(void)
{
	return shim_self.cpu;
}

void shim_thread_attach(int cpu)
{
	int i;

	shim_set_cpu(cpu);
	shim_self.task.pid = __atomic_fetch_add(&shim_next_pid, 1, __ATOMIC_RELAXED);
	snprintf(shim_self.task.comm, sizeof(shim_self.task.comm), "cpu%d", cpu);
	shim_rand_state = 0x243f6a8885a308d3ULL * (u64)(cpu + 1);
	for (i = 0; i < SHIM_MAX_THREADS; i++) {
		int expected = 0;

		if (__atomic_compare_exchange_n(&shim_rcu_slots[i].used, &expected, 1,
						false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED)) {
			shim_self.slot = i;
			return;
		}
	}
	shim_fatal("too many threads");
}

void shim_thread_detach(void)
{
	if (shim_self.slot >= 0) {
		__atomic_store_n(&shim_rcu_slots[shim_self.slot].ctr, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&shim_rcu_slots[shim_self.slot].used, 0, __ATOMIC_RELEASE);
		shim_self.slot = -1;
	}
}

void shim_set_single_thread(bool on)
{
	shim_single = on;
}

void shim_set_need_resched(int on)
{
	shim_self.need_resched = on;
}

void synchronize_rcu(void)
{
	unsigned long g;
	int i;

	might_sleep();
	g = __atomic_add_fetch(&shim_rcu_gp, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < SHIM_MAX_THREADS; i++) {
		unsigned int spins = 0;
		unsigned long c;

		if (i == shim_self.slot)
			continue;
		while ((c = __atomic_load_n(&shim_rcu_slots[i].ctr, __ATOMIC_ACQUIRE)) &&
		       c < g)
			shim_yield(&spins);
	}
}

struct shim_rcu_list {
	pthread_mutex_t lock;
	struct rcu_head *head, **tail;
	unsigned long queued, done;
};
static struct shim_rcu_list shim_rcu = {
	.lock = PTHREAD_MUTEX_INITIALIZER, .tail = &shim_rcu.head,
};

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	head->func = func;
	head->next = NULL;
	pthread_mutex_lock(&shim_rcu.lock);
	*shim_rcu.tail = head;
	shim_rcu.tail = &head->next;
	shim_rcu.queued++;
	pthread_mutex_unlock(&shim_rcu.lock);
}

void shim_kfree_rcu_cb(struct rcu_head *head)
{
	/* kfree_rcu() of an object whose rcu_head is its first member */
	kfree(head);
}

/* One batch: take the queued callbacks, wait a grace period, run them. */
static bool shim_rcu_batch(void)
{
	struct rcu_head *list, *next;

	pthread_mutex_lock(&shim_rcu.lock);
	list = shim_rcu.head;
	shim_rcu.head = NULL;
	shim_rcu.tail = &shim_rcu.head;
	pthread_mutex_unlock(&shim_rcu.lock);
	if (!list)
		return false;
	synchronize_rcu();
	for (; list; list = next) {
		next = list->next;
		list->func(list);
	}
	return true;
}

void rcu_barrier(void)
{
	might_sleep();
	while (shim_rcu_batch())
		;
}

void shim_rcu_flush(void)
{
	rcu_barrier();
}

static pthread_t shim_rcu_tid;
static int shim_rcu_stop;

static void *shim_rcu_thread(void *arg)
{
	shim_thread_attach(NR_CPUS - 1);
	shim_thread_detach();	/* not a reader */
	while (!__atomic_load_n(&shim_rcu_stop, __ATOMIC_ACQUIRE)) {
		if (!shim_rcu_batch())
			usleep(500);
	}
	return NULL;
}

void shim_rcu_thread_start(void)
{
	shim_rcu_stop = 0;
	pthread_create(&shim_rcu_tid, NULL, shim_rcu_thread, NULL);
}

void shim_rcu_thread_stop(void)
{
	__atomic_store_n(&shim_rcu_stop, 1, __ATOMIC_RELEASE);
	pthread_join(shim_rcu_tid, NULL);
	rcu_barrier();
}

/* ===== interrupts, sleep points ========================================== */
__thread int shim_irq_armed __attribute__((tls_model("initial-exec")));
static __thread void (*shim_irq_fn)(void *);
static __thread void *shim_irq_arg;
__thread unsigned long shim_irqs_fired;
__thread void (*shim_sleep_hook)(void);

void shim_irq_arm(int n, void (*fn)(void *), void *arg)
{
	shim_irq_fn = fn;
	shim_irq_arg = arg;
	shim_irq_armed = n > 0 ? n : 1;
}

void shim_irq_disarm(void)
{
	shim_irq_armed = 0;
}

void shim_irq_fire(void)
{
	shim_irq_armed = 0;
	shim_self.hardirq++;
	shim_self.preempt_count++;
	shim_reader_inc();
	shim_irq_fn(shim_irq_arg);
	shim_reader_dec();
	shim_self.preempt_count--;
	shim_self.hardirq--;
	shim_irqs_fired++;
}

static void shim_service_works(void);

void shim_sleep_point(void)
{
	if (shim_self.preempt_count || shim_self.irq_off || shim_self.hardirq ||
	    shim_self.reader)
		return;
	shim_service_works();
	if (shim_sleep_hook && !shim_self.servicing)
		shim_sleep_hook();
}

void shim_poll(void)
{
	if (shim_self.preempt_count || shim_self.reader)
		shim_fatal("shim_poll() inside an atomic section (count %d)",
			   shim_self.preempt_count);
	shim_service_works();
	if (shim_single)
		shim_rcu_batch();
}

void msleep(unsigned int msecs)
{
	might_sleep();
	shim_sleep_point();
	usleep(msecs * 1000);
}

void usleep_range(unsigned long min, unsigned long max)
{
	might_sleep();
	shim_sleep_point();
	usleep(min);
}

void udelay(unsigned long usecs)
{
	u64 end = ktime_get_ns() + usecs * 1000;

	while (ktime_get_ns() < end)
		cpu_relax();
}

/* ===== locks ============================================================= */
struct shim_owned {
	int word;
	struct shim_thread *owner;
};
static_assert(offsetof(raw_spinlock_t, owner) == offsetof(struct shim_owned, owner));
static_assert(offsetof(struct mutex, owner) == offsetof(struct shim_owned, owner));
static_assert(offsetof(rwlock_t, owner) == offsetof(struct shim_owned, owner));

void shim_assert_owner(const void *lock, const char *what, const char *file,
		       int line)
{
	const struct shim_owned *l = lock;

	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != &shim_self)
		shim_warn_fmt(file, line, "lockdep_assert_held(%s): not held", what);
}

void shim_assert_rwsem(const void *lock, const char *what, const char *file,
		       int line)
{
	const struct rw_semaphore *s = lock;

	if (__atomic_load_n(&s->readers, __ATOMIC_RELAXED) == 0)
		shim_warn_fmt(file, line, "lockdep_assert_held(%s): not held", what);
}

void shim_spin_lock_slow(raw_spinlock_t *lock)
{
	unsigned int spins = 0;

	do {
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			shim_yield(&spins);
	} while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE));
}

void read_lock(rwlock_t *l)
{
	unsigned int spins = 0;

	preempt_disable();
	for (;;) {
		int r = __atomic_load_n(&l->readers, __ATOMIC_RELAXED);

		if (r >= 0 && !__atomic_load_n(&l->writer, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&l->readers, &r, r + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		shim_yield(&spins);
	}
}

void read_unlock(rwlock_t *l)
{
	__atomic_fetch_sub(&l->readers, 1, __ATOMIC_RELEASE);
	preempt_enable();
}

void write_lock(rwlock_t *l)
{
	unsigned int spins = 0;

	preempt_disable();
	__atomic_fetch_add(&l->writer, 1, __ATOMIC_RELAXED);
	for (;;) {
		int r = 0;

		if (__atomic_compare_exchange_n(&l->readers, &r, -1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		shim_yield(&spins);
	}
	__atomic_fetch_sub(&l->writer, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner, &shim_self, __ATOMIC_RELAXED);
}

void write_unlock(rwlock_t *l)
{
	__atomic_store_n(&l->owner, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&l->readers, 0, __ATOMIC_RELEASE);
	preempt_enable();
}

/* While a sleeping lock waits, this CPU's queued work runs (a kworker). */
static void shim_block(unsigned int *spins)
{
	shim_sleep_point();
	shim_yield(spins);
}

int mutex_trylock(struct mutex *m)
{
	int expected = 0;

	if (!__atomic_compare_exchange_n(&m->locked, &expected, 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(&m->owner, &shim_self, __ATOMIC_RELAXED);
	return 1;
}

void mutex_lock(struct mutex *m)
{
	unsigned int spins = 0;

	might_sleep();
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == &shim_self)
		shim_fatal("mutex_lock: recursive locking (deadlock)");
	while (!mutex_trylock(m))
		shim_block(&spins);
}

void mutex_unlock(struct mutex *m)
{
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != &shim_self)
		shim_warn(__FILE__, __LINE__, "mutex_unlock of a mutex this thread does not hold");
	__atomic_store_n(&m->owner, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&m->locked, 0, __ATOMIC_RELEASE);
}

int down_read_trylock(struct rw_semaphore *s)
{
	int r = __atomic_load_n(&s->readers, __ATOMIC_RELAXED);

	if (r < 0 || __atomic_load_n(&s->writer_waiting, __ATOMIC_RELAXED))
		return 0;
	return __atomic_compare_exchange_n(&s->readers, &r, r + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void down_read(struct rw_semaphore *s)
{
	unsigned int spins = 0;

	might_sleep();
	while (!down_read_trylock(s))
		shim_block(&spins);
}

void up_read(struct rw_semaphore *s)
{
	__atomic_fetch_sub(&s->readers, 1, __ATOMIC_RELEASE);
}

int down_write_trylock(struct rw_semaphore *s)
{
	int r = 0;

	if (!__atomic_compare_exchange_n(&s->readers, &r, -1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(&s->owner, &shim_self, __ATOMIC_RELAXED);
	return 1;
}

void down_write(struct rw_semaphore *s)
{
	unsigned int spins = 0;

	might_sleep();
	__atomic_fetch_add(&s->writer_waiting, 1, __ATOMIC_RELAXED);
	while (!down_write_trylock(s))
		shim_block(&spins);
	__atomic_fetch_sub(&s->writer_waiting, 1, __ATOMIC_RELAXED);
}

void up_write(struct rw_semaphore *s)
{
	__atomic_store_n(&s->owner, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&s->readers, 0, __ATOMIC_RELEASE);
}

struct rw_semaphore shim_cpu_hotplug_lock = __RWSEM_INITIALIZER(shim_cpu_hotplug_lock);

/* ===== the page allocator ================================================ */
struct page *shim_mem_map;
unsigned long shim_arena_start, shim_arena_end;
static unsigned long shim_arena_pages;
static struct list_head shim_free_area[MAX_ORDER];
static pthread_mutex_t shim_zone_lock = PTHREAD_MUTEX_INITIALIZER;
struct shim_page_fail shim_page_fail = { .max_order = -1 };
unsigned long shim_pages_allocated, shim_page_allocs, shim_page_failures;
int shim_init_on_alloc, shim_init_on_free;
#ifdef SHIM_FAST
static const int shim_protect_free;
#else
static const int shim_protect_free = 1;
#endif

static void shim_arena_init(unsigned long mib)
{
	unsigned long align = PAGE_SIZE << (MAX_ORDER - 1);
	unsigned long size = mib << 20, i;
	char *p;
	int o;

	p = mmap(NULL, size + align, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		shim_fatal("cannot reserve a %lu MiB arena", mib);
	shim_arena_start = ALIGN((unsigned long)p, align);
	shim_arena_end = shim_arena_start + size;
	shim_arena_pages = size >> PAGE_SHIFT;
	if (!shim_protect_free)
		mprotect((void *)shim_arena_start, size, PROT_READ | PROT_WRITE);
	shim_mem_map = calloc(shim_arena_pages, sizeof(struct page));
	if (!shim_mem_map)
		shim_fatal("no memory for the struct pages");
	for (o = 0; o < MAX_ORDER; o++)
		INIT_LIST_HEAD(&shim_free_area[o]);
	for (i = 0; i < shim_arena_pages; i += 1UL << (MAX_ORDER - 1)) {
		struct page *pg = &shim_mem_map[i];

		pg->order = MAX_ORDER - 1;
		__set_bit(PG_buddy, &pg->flags);
		list_add_tail(&pg->lru, &shim_free_area[MAX_ORDER - 1]);
	}
}

static bool shim_page_should_fail(gfp_t gfp, unsigned int order)
{
	unsigned long n;

	if (gfp & __GFP_NOFAIL)
		return false;
	n = __atomic_add_fetch(&shim_page_allocs, 1, __ATOMIC_RELAXED);
	if (shim_page_fail.max_order >= 0 && (int)order > shim_page_fail.max_order)
		return true;
	if (shim_page_fail.fragmented && order > 0)
		return true;
	if (shim_page_fail.every && n % shim_page_fail.every == 0)
		return true;
	return false;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = NULL;
	unsigned int o;

	might_alloc(gfp);
	if (gfpflags_allow_blocking(gfp))
		shim_sleep_point();
	if (order >= MAX_ORDER)
		return NULL;
	if (shim_page_should_fail(gfp, order)) {
		__atomic_fetch_add(&shim_page_failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	pthread_mutex_lock(&shim_zone_lock);
	for (o = order; o < MAX_ORDER; o++) {
		if (!list_empty(&shim_free_area[o])) {
			page = list_first_entry(&shim_free_area[o], struct page, lru);
			list_del(&page->lru);
			break;
		}
	}
	if (page) {
		while (o > order) {
			struct page *buddy;

			o--;
			buddy = page + (1UL << o);
			buddy->order = o;
			__set_bit(PG_buddy, &buddy->flags);
			list_add(&buddy->lru, &shim_free_area[o]);
		}
		page->flags = 0;
		page->order = order;
		page->private = 0;
		atomic_set(&page->_refcount, 1);
		if (order && (gfp & __GFP_COMP))
			__set_bit(PG_head, &page->flags);
		shim_pages_allocated += 1UL << order;
	}
	pthread_mutex_unlock(&shim_zone_lock);
	if (!page) {
		if (gfp & __GFP_NOFAIL)
			shim_fatal("arena exhausted with __GFP_NOFAIL (order %u)", order);
		__atomic_fetch_add(&shim_page_failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	if (shim_protect_free)
		mprotect(page_address(page), PAGE_SIZE << order, PROT_READ | PROT_WRITE);
	if ((gfp & __GFP_ZERO) || shim_init_on_alloc)
		memset(page_address(page), 0, PAGE_SIZE << order);
	return page;
}

void __free_pages(struct page *page, unsigned int order)
{
	unsigned long idx = page - shim_mem_map;

	if (idx >= shim_arena_pages || !IS_ALIGNED(idx, 1UL << order))
		shim_fatal("__free_pages(%p, %u): not an arena page", page, order);
	if (test_bit(PG_buddy, &page->flags))
		shim_fatal("__free_pages(%p, %u): already free", page, order);
	if (page->order != order)
		shim_fatal("__free_pages(%p, %u): allocated with order %u",
			   page, order, page->order);
	if (shim_init_on_free)
		memset(page_address(page), 0, PAGE_SIZE << order);
	if (shim_protect_free) {
		madvise(page_address(page), PAGE_SIZE << order, MADV_DONTNEED);
		mprotect(page_address(page), PAGE_SIZE << order, PROT_NONE);
	}
	pthread_mutex_lock(&shim_zone_lock);
	shim_pages_allocated -= 1UL << order;
	page->flags = 0;
	while (order < MAX_ORDER - 1) {
		unsigned long bidx = idx ^ (1UL << order);
		struct page *buddy = &shim_mem_map[bidx];

		if (!test_bit(PG_buddy, &buddy->flags) || buddy->order != order)
			break;
		list_del(&buddy->lru);
		__clear_bit(PG_buddy, &buddy->flags);
		idx &= ~(1UL << order);
		order++;
	}
	page = &shim_mem_map[idx];
	page->order = order;
	__set_bit(PG_buddy, &page->flags);
	list_add(&page->lru, &shim_free_area[order]);
	pthread_mutex_unlock(&shim_zone_lock);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		__free_pages(virt_to_page(addr), order);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	return page ? (unsigned long)page_address(page) : 0;
}

void *shim_alloc_foreign_pages(unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOFAIL | __GFP_COMP, order);

	return page_address(page);
}

void shim_free_foreign_pages(void *p, unsigned int order)
{
	__free_pages(virt_to_page(p), order);
}

/* ===== kmalloc =========================================================== */
int shim_kmalloc_fail_every;
static unsigned long shim_kmalloc_calls;

void *kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	might_alloc(gfp);
	if (gfpflags_allow_blocking(gfp))
		shim_sleep_point();
	if (!size)
		return ZERO_SIZE_PTR;
	if (shim_kmalloc_fail_every && !(gfp & __GFP_NOFAIL) &&
	    __atomic_add_fetch(&shim_kmalloc_calls, 1, __ATOMIC_RELAXED) %
	    shim_kmalloc_fail_every == 0)
		return NULL;
	p = malloc(size);
	if (p && ((gfp & __GFP_ZERO) || shim_init_on_alloc))
		memset(p, 0, size);
	return p;
}

void *kmalloc_node(size_t size, gfp_t gfp, int node)
{
	return kmalloc(size, gfp);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size, gfp);
}

void *krealloc(const void *p, size_t size, gfp_t gfp)
{
	if (ZERO_OR_NULL_PTR(p))
		return kmalloc(size, gfp);
	return realloc((void *)p, size);
}

void kfree(const void *p)
{
	if (!ZERO_OR_NULL_PTR(p))
		free((void *)p);
}

void kfree_sensitive(const void *p)
{
	kfree(p);
}

size_t ksize(const void *p)
{
	return ZERO_OR_NULL_PTR(p) ? 0 : malloc_usable_size((void *)p);
}

char *kstrdup(const char *s, gfp_t gfp)
{
	char *p;

	if (!s)
		return NULL;
	p = kmalloc(strlen(s) + 1, gfp);
	if (p)
		strcpy(p, s);
	return p;
}

char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	size_t n = strnlen(s, max);
	char *p = kmalloc(n + 1, gfp);

	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

const char *kstrdup_const(const char *s, gfp_t gfp)
{
	return kstrdup(s, gfp);
}

void kfree_const(const void *p)
{
	kfree(p);
}

void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}

struct kmem_cache {
	unsigned int size, align;
	void (*ctor)(void *);
};

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *))
{
	struct kmem_cache *s = calloc(1, sizeof(*s));

	s->size = size;
	s->align = align < 8 ? 8 : align;
	s->ctor = ctor;
	return s;
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	free(s);
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	void *p;

	might_alloc(gfp);
	p = aligned_alloc(s->align, ALIGN(s->size, s->align));
	if (p && s->ctor)
		s->ctor(p);
	if (p && (gfp & __GFP_ZERO))
		memset(p, 0, s->size);
	return p;
}

void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmem_cache_alloc(s, gfp | __GFP_ZERO);
}

void kmem_cache_free(struct kmem_cache *s, void *p)
{
	free(p);
}

/* ===== fault injection =================================================== */
bool should_fail(struct fault_attr *attr, ssize_t size)
{
	unsigned long n = __atomic_add_fetch(&attr->count, 1, __ATOMIC_RELAXED);

	if (!attr->probability || atomic_read(&attr->times) == 0)
		return false;
	if (attr->interval > 1 && n % attr->interval)
		return false;
	if (attr->probability < 100 && get_random_u32_below(100) >= attr->probability)
		return false;
	if (atomic_read(&attr->times) > 0)
		atomic_dec(&attr->times);
	__atomic_fetch_add(&attr->fails, 1, __ATOMIC_RELAXED);
	return true;
}

/* As lib/fault-inject.c's: "<interval>,<probability>,<space>,<times>"; 1 if ok. */
int setup_fault_attr(struct fault_attr *attr, char *str)
{
	unsigned long probability, interval;
	int times, space;

	if (sscanf(str, "%lu,%lu,%d,%d", &interval, &probability, &space,
		   &times) < 4)
		return 0;
	attr->probability = probability;
	attr->interval = interval;
	atomic_set(&attr->times, times);
	atomic_set(&attr->space, space);
	return 1;
}

struct dentry *fault_create_debugfs_attr(const char *name, struct dentry *parent,
					 struct fault_attr *attr)
{
	return debugfs_create_dir(name, parent);
}

/* ===== workqueues ======================================================== */
static struct workqueue_struct shim_wqs[8] = {
	{ "events" }, { "events_highpri" }, { "events_long" },
	{ "events_unbound" }, { "events_freezable" }, { "events_power_efficient" },
	{ "events_percpu" }, { "events_dfl" },
};
struct workqueue_struct *system_wq = &shim_wqs[0];
struct workqueue_struct *system_highpri_wq = &shim_wqs[1];
struct workqueue_struct *system_long_wq = &shim_wqs[2];
struct workqueue_struct *system_unbound_wq = &shim_wqs[3];
struct workqueue_struct *system_freezable_wq = &shim_wqs[4];
struct workqueue_struct *system_power_efficient_wq = &shim_wqs[5];
struct workqueue_struct *system_percpu_wq = &shim_wqs[6];
struct workqueue_struct *system_dfl_wq = &shim_wqs[7];

struct shim_workq {
	pthread_mutex_t lock;
	struct list_head list;
	int nr;
};
static struct shim_workq shim_workq[NR_CPUS];

bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work)
{
	return shim_queue_work_after(cpu, wq, work, 0);
}

/* A delayed work: queued now, run by its CPU's poll once @delay has passed. */
bool shim_queue_work_after(int cpu, struct workqueue_struct *wq,
			   struct work_struct *work, unsigned long delay)
{
	int expected = 0;
	struct shim_workq *q;

	if (cpu == WORK_CPU_UNBOUND || cpu < 0 || cpu >= NR_CPUS)
		cpu = shim_self.cpu;
	if (!__atomic_compare_exchange_n(&work->state, &expected, 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return false;
	work->cpu = cpu;
	work->due = jiffies + delay;
	q = &shim_workq[cpu];
	pthread_mutex_lock(&q->lock);
	list_add_tail(&work->entry, &q->list);
	__atomic_store_n(&q->nr, q->nr + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&q->lock);
	return true;
}

/* Run the work queued for @cpu, as @cpu. */
static void shim_run_queue(int cpu)
{
	struct shim_workq *q = &shim_workq[cpu];
	int saved = shim_self.cpu;
	/* Each pass runs what is due now, not what the works queue again. */
	int budget = __atomic_load_n(&q->nr, __ATOMIC_ACQUIRE);

	while (budget-- > 0 && __atomic_load_n(&q->nr, __ATOMIC_ACQUIRE)) {
		struct work_struct *w = NULL, *pos;
		unsigned long now = jiffies;

		pthread_mutex_lock(&q->lock);
		list_for_each_entry(pos, &q->list, entry) {
			if ((long)(now - pos->due) < 0)
				continue;
			w = pos;
			list_del_init(&w->entry);
			__atomic_store_n(&q->nr, q->nr - 1, __ATOMIC_RELEASE);
			__atomic_store_n(&w->state, 2, __ATOMIC_RELAXED);
			break;
		}
		pthread_mutex_unlock(&q->lock);
		if (!w)
			break;
		if (cpu != saved)
			shim_set_cpu(cpu);
		w->func(w);
		if (shim_self.preempt_count || shim_self.reader)
			shim_fatal("work %p left preemption disabled", w->func);
		if (cpu != saved)
			shim_set_cpu(saved);
		__atomic_store_n(&w->state, 0, __ATOMIC_RELEASE);
	}
}

static void shim_service_works(void)
{
	int cpu;

	if (shim_self.servicing || !shim_mem_map)
		return;
	shim_self.servicing = 1;
	if (shim_single) {
		for (cpu = 0; cpu < NR_CPUS; cpu++)
			shim_run_queue(cpu);
	} else {
		shim_run_queue(shim_self.cpu);
	}
	shim_self.servicing = 0;
}

bool flush_work(struct work_struct *work)
{
	unsigned int spins = 0;
	bool waited = false;

	might_sleep();
	while (__atomic_load_n(&work->state, __ATOMIC_ACQUIRE)) {
		waited = true;
		/*
		 * From inside a work item, a queued one that only this thread
		 * runs (its CPU's, or any in single mode) runs here, nested, as
		 * a kernel worker pool runs it on another worker while this one
		 * waits (hk_shrink_work flushes per-CPU works).
		 */
		if (shim_self.servicing &&
		    (shim_single || work->cpu == shim_self.cpu) &&
		    __atomic_load_n(&work->state, __ATOMIC_ACQUIRE) == 1)
			shim_run_queue(work->cpu);
		shim_block(&spins);
	}
	return waited;
}

bool cancel_work_sync(struct work_struct *work)
{
	struct shim_workq *q;
	bool removed = false;

	if (__atomic_load_n(&work->state, __ATOMIC_ACQUIRE) == 1) {
		q = &shim_workq[work->cpu];
		pthread_mutex_lock(&q->lock);
		if (__atomic_load_n(&work->state, __ATOMIC_RELAXED) == 1) {
			list_del_init(&work->entry);
			__atomic_store_n(&q->nr, q->nr - 1, __ATOMIC_RELEASE);
			__atomic_store_n(&work->state, 0, __ATOMIC_RELEASE);
			removed = true;
		}
		pthread_mutex_unlock(&q->lock);
	}
	flush_work(work);
	return removed;
}

void flush_workqueue(struct workqueue_struct *wq)
{
	unsigned int spins = 0;
	int cpu;

	for (cpu = 0; cpu < NR_CPUS; cpu++)
		while (__atomic_load_n(&shim_workq[cpu].nr, __ATOMIC_ACQUIRE))
			shim_block(&spins);
}

struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...)
{
	struct workqueue_struct *wq = calloc(1, sizeof(*wq));

	wq->name = fmt;
	wq->flags = flags;
	return wq;
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	flush_workqueue(wq);
	free(wq);
}

struct shim_each_cpu_work {
	struct work_struct work;
};

int schedule_on_each_cpu(work_func_t func)
{
	static struct shim_each_cpu_work works[NR_CPUS];
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		INIT_WORK(&works[cpu].work, func);
		queue_work_on(cpu, system_wq, &works[cpu].work);
	}
	for_each_online_cpu(cpu)
		flush_work(&works[cpu].work);
	cpus_read_unlock();
	return 0;
}

/* ===== CPU hotplug ======================================================= */
struct shim_cpuhp {
	int state;
	const char *name;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
};
static struct shim_cpuhp shim_cpuhp[16];
static int shim_cpuhp_nr, shim_cpuhp_dyn;

int __cpuhp_setup_state(enum cpuhp_state state, const char *name, bool invoke,
			int (*startup)(unsigned int cpu),
			int (*teardown)(unsigned int cpu), bool multi)
{
	int id = state, cpu;

	if (shim_cpuhp_nr == ARRAY_SIZE(shim_cpuhp))
		return -ENOSPC;
	if (state == CPUHP_BP_PREPARE_DYN || state == CPUHP_AP_ONLINE_DYN)
		id = state + ++shim_cpuhp_dyn;
	if (invoke && startup) {
		for_each_online_cpu(cpu)
			startup(cpu);
	}
	shim_cpuhp[shim_cpuhp_nr++] = (struct shim_cpuhp){ id, name, startup, teardown };
	return state == CPUHP_BP_PREPARE_DYN || state == CPUHP_AP_ONLINE_DYN ? id : 0;
}

void __cpuhp_remove_state(enum cpuhp_state state, bool invoke)
{
	int i, cpu;

	for (i = 0; i < shim_cpuhp_nr; i++) {
		if (shim_cpuhp[i].state != (int)state)
			continue;
		if (invoke && shim_cpuhp[i].teardown) {
			for_each_online_cpu(cpu)
				shim_cpuhp[i].teardown(cpu);
		}
		memmove(&shim_cpuhp[i], &shim_cpuhp[i + 1],
			(shim_cpuhp_nr - i - 1) * sizeof(shim_cpuhp[0]));
		shim_cpuhp_nr--;
		return;
	}
}

void shim_cpu_down(int cpu)
{
	int i;

	down_write(&shim_cpu_hotplug_lock);
	__atomic_fetch_and(&shim_cpu_online_mask, ~(1UL << cpu), __ATOMIC_SEQ_CST);
	for (i = shim_cpuhp_nr - 1; i >= 0; i--)
		if (shim_cpuhp[i].teardown)
			shim_cpuhp[i].teardown(cpu);
	up_write(&shim_cpu_hotplug_lock);
}

void shim_cpu_up(int cpu)
{
	int i;

	down_write(&shim_cpu_hotplug_lock);
	for (i = 0; i < shim_cpuhp_nr; i++)
		if (shim_cpuhp[i].startup)
			shim_cpuhp[i].startup(cpu);
	__atomic_fetch_or(&shim_cpu_online_mask, 1UL << cpu, __ATOMIC_SEQ_CST);
	up_write(&shim_cpu_hotplug_lock);
}

unsigned long shim_online_mask(void)
{
	return __atomic_load_n(&shim_cpu_online_mask, __ATOMIC_ACQUIRE);
}

void shim_set_online_mask(unsigned long mask)
{
	__atomic_store_n(&shim_cpu_online_mask, mask, __ATOMIC_RELEASE);
}

/* ===== shrinkers ========================================================= */
static LIST_HEAD(shim_shrinkers);
static DEFINE_MUTEX(shim_shrinker_mutex);

int register_shrinker(struct shrinker *s, const char *fmt, ...)
{
	s->name = fmt;
	mutex_lock(&shim_shrinker_mutex);
	list_add_tail(&s->list, &shim_shrinkers);
	mutex_unlock(&shim_shrinker_mutex);
	return 0;
}

void unregister_shrinker(struct shrinker *s)
{
	mutex_lock(&shim_shrinker_mutex);
	list_del(&s->list);
	mutex_unlock(&shim_shrinker_mutex);
}

struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	struct shrinker *s = calloc(1, sizeof(*s));

	if (s) {
		s->flags = flags;
		s->name = fmt;
		s->seeks = DEFAULT_SEEKS;
		s->shim_allocated = true;
		INIT_LIST_HEAD(&s->list);
	}
	return s;
}

void shrinker_register(struct shrinker *s)
{
	register_shrinker(s, "%s", s->name);
}

void shrinker_free(struct shrinker *s)
{
	if (!s)
		return;
	if (!list_empty(&s->list) && s->list.next)
		unregister_shrinker(s);
	free(s);
}

unsigned long shim_shrink_count(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct shrinker *s;
	unsigned long n = 0, c;

	mutex_lock(&shim_shrinker_mutex);
	list_for_each_entry(s, &shim_shrinkers, list) {
		c = s->count_objects(s, &sc);
		if (c != SHRINK_EMPTY)
			n += c;
	}
	mutex_unlock(&shim_shrinker_mutex);
	return n;
}

unsigned long shim_shrink_scan(unsigned long nr)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct shrinker *s;
	unsigned long freed = 0, c;

	mutex_lock(&shim_shrinker_mutex);
	list_for_each_entry(s, &shim_shrinkers, list) {
		c = s->count_objects(s, &sc);
		if (!c || c == SHRINK_EMPTY)
			continue;
		sc.nr_to_scan = min(nr, c);
		sc.nr_scanned = sc.nr_to_scan;
		c = s->scan_objects(s, &sc);
		if (c != SHRINK_STOP)
			freed += c;
	}
	mutex_unlock(&shim_shrinker_mutex);
	return freed;
}

/* ===== seq_file, debugfs ================================================= */
void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(m->buf + m->count, m->size - m->count, fmt, ap);
		va_end(ap);
		if (n >= 0 && m->count + n < m->size) {
			m->count += n;
			return;
		}
		m->size = m->size ? 2 * m->size + n : 4096 + n;
		m->buf = realloc(m->buf, m->size);
	}
}

void seq_puts(struct seq_file *m, const char *s)
{
	seq_printf(m, "%s", s);
}

void seq_putc(struct seq_file *m, char c)
{
	seq_printf(m, "%c", c);
}

int single_open(struct file *file, int (*show)(struct seq_file *, void *), void *data)
{
	struct seq_file *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->show = show;
	m->private = data;
	file->private_data = m;
	return 0;
}

int seq_open(struct file *file, const struct seq_operations *op)
{
	struct seq_file *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->op = op;
	file->private_data = m;
	return 0;
}

static void shim_seq_fill(struct seq_file *m)
{
	if (m->buf)
		return;
	m->size = 4096;
	m->buf = malloc(m->size);
	m->buf[0] = 0;
	if (m->show) {
		m->show(m, NULL);
	} else {
		loff_t pos = 0;
		void *v = m->op->start(m, &pos);

		while (v && !IS_ERR(v)) {
			m->op->show(m, v);
			v = m->op->next(m, v, &pos);
		}
		m->op->stop(m, v);
	}
}

ssize_t seq_read(struct file *file, char __user *buf, size_t size, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	size_t n;

	shim_seq_fill(m);
	if ((size_t)*ppos >= m->count)
		return 0;
	n = min(size, m->count - (size_t)*ppos);
	memcpy(buf, m->buf + *ppos, n);
	*ppos += n;
	return n;
}

int single_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	free(m->buf);
	free(m);
	return 0;
}

int seq_release(struct inode *inode, struct file *file)
{
	return single_release(inode, file);
}

loff_t seq_lseek(struct file *file, loff_t offset, int whence)
{
	return offset;
}

loff_t noop_llseek(struct file *file, loff_t offset, int whence)
{
	return file->f_pos;
}

static LIST_HEAD(shim_dentries);
static pthread_mutex_t shim_debugfs_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dentry *shim_dentry_new(const char *name, struct dentry *parent,
				      const struct file_operations *fops, void *data)
{
	struct dentry *d = calloc(1, sizeof(*d));

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->parent = parent;
	d->fops = fops;
	d->data = data;
	pthread_mutex_lock(&shim_debugfs_lock);
	list_add_tail(&d->list, &shim_dentries);
	pthread_mutex_unlock(&shim_debugfs_lock);
	return d;
}

struct dentry *debugfs_create_dir(const char *name, struct dentry *parent)
{
	if (IS_ERR(parent))
		return parent;
	return shim_dentry_new(name, parent, NULL, NULL);
}

struct dentry *debugfs_create_file(const char *name, umode_t mode,
				   struct dentry *parent, void *data,
				   const struct file_operations *fops)
{
	if (IS_ERR(parent))
		return parent;
	return shim_dentry_new(name, parent, fops, data);
}

static bool shim_dentry_under(struct dentry *d, struct dentry *root)
{
	for (; d; d = d->parent)
		if (d == root)
			return true;
	return false;
}

void debugfs_remove_recursive(struct dentry *root)
{
	struct dentry *d, *n;

	if (IS_ERR_OR_NULL(root))
		return;
	pthread_mutex_lock(&shim_debugfs_lock);
	/* Children first: they point at their parents. */
	for (;;) {
		bool removed = false;

		list_for_each_entry_safe(d, n, &shim_dentries, list) {
			if (d != root && shim_dentry_under(d, root)) {
				bool leaf = true;
				struct dentry *c;

				list_for_each_entry(c, &shim_dentries, list)
					if (c->parent == d)
						leaf = false;
				if (leaf) {
					list_del(&d->list);
					free(d);
					removed = true;
				}
			}
		}
		if (!removed)
			break;
	}
	list_del(&root->list);
	free(root);
	pthread_mutex_unlock(&shim_debugfs_lock);
}

static bool shim_dentry_path_is(struct dentry *d, const char *path)
{
	char buf[256], tmp[256];

	buf[0] = 0;
	for (; d; d = d->parent) {
		snprintf(tmp, sizeof(tmp), "%s%s%s", d->name, buf[0] ? "/" : "", buf);
		strcpy(buf, tmp);
	}
	return !strcmp(buf, path);
}

struct dentry *debugfs_lookup(const char *name, struct dentry *parent)
{
	struct dentry *d, *found = NULL;

	pthread_mutex_lock(&shim_debugfs_lock);
	list_for_each_entry(d, &shim_dentries, list)
		if (d->parent == parent && !strcmp(d->name, name))
			found = d;
	pthread_mutex_unlock(&shim_debugfs_lock);
	return found;
}

static struct dentry *shim_debugfs_find(const char *path)
{
	struct dentry *d, *found = NULL;

	pthread_mutex_lock(&shim_debugfs_lock);
	list_for_each_entry(d, &shim_dentries, list)
		if (d->fops && shim_dentry_path_is(d, path))
			found = d;
	pthread_mutex_unlock(&shim_debugfs_lock);
	return found;
}

long shim_debugfs_read(const char *path, char *buf, size_t size)
{
	struct dentry *d = shim_debugfs_find(path);
	struct inode inode = { 0 };
	struct file file = { 0 };
	loff_t pos = 0;
	long n = 0, r;

	if (!d || !d->fops->read)
		return -1;
	inode.i_private = d->data;
	file.f_inode = &inode;
	if (d->fops->open && d->fops->open(&inode, &file))
		return -1;
	while (size > 1 && (r = d->fops->read(&file, buf + n, size - 1, &pos)) > 0) {
		n += r;
		size -= r;
	}
	buf[n] = 0;
	if (d->fops->release)
		d->fops->release(&inode, &file);
	return n;
}

long shim_debugfs_write(const char *path, const char *val)
{
	struct dentry *d = shim_debugfs_find(path);
	struct inode inode = { 0 };
	struct file file = { 0 };
	loff_t pos = 0;
	long r;

	if (!d || !d->fops->write)
		return -1;
	inode.i_private = d->data;
	file.f_inode = &inode;
	if (d->fops->open && d->fops->open(&inode, &file))
		return -1;
	r = d->fops->write(&file, val, strlen(val), &pos);
	if (d->fops->release)
		d->fops->release(&inode, &file);
	return r;
}

unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}

ssize_t simple_read_from_buffer(void __user *to, size_t count, loff_t *ppos,
				const void *from, size_t available)
{
	size_t n;

	if ((size_t)*ppos >= available)
		return 0;
	n = min(count, available - (size_t)*ppos);
	memcpy(to, (const char *)from + *ppos, n);
	*ppos += n;
	return n;
}

/* ===== strings =========================================================== */
int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -ERANGE;
	if (end == s || (*end && !(*end == '\n' && !end[1])))
		return -EINVAL;
	*res = v;
	return 0;
}

int kstrtoll(const char *s, unsigned int base, long long *res)
{
	unsigned long long v;
	int neg = *s == '-', r;

	r = kstrtoull(s + neg, base, &v);
	if (r)
		return r;
	if (v > (unsigned long long)LLONG_MAX + neg)
		return -ERANGE;
	*res = neg ? -(long long)v : (long long)v;
	return 0;
}

int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	int r = kstrtoull(s, base, &v);

	if (!r)
		*res = v;
	return r;
}

int kstrtol(const char *s, unsigned int base, long *res)
{
	long long v;
	int r = kstrtoll(s, base, &v);

	if (!r)
		*res = v;
	return r;
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int r = kstrtoull(s, base, &v);

	if (r)
		return r;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = v;
	return 0;
}

int kstrtoint(const char *s, unsigned int base, int *res)
{
	long long v;
	int r = kstrtoll(s, base, &v);

	if (r)
		return r;
	if (v > INT_MAX || v < INT_MIN)
		return -ERANGE;
	*res = v;
	return 0;
}

int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*res = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*res = false;
			return 0;
		}
	}
	return -EINVAL;
}

int kstrtouint_from_user(const char __user *s, size_t count, unsigned int base,
			 unsigned int *res)
{
	char buf[32];

	count = min(count, sizeof(buf) - 1);
	memcpy(buf, s, count);
	buf[count] = 0;
	return kstrtouint(buf, base, res);
}

int kstrtoul_from_user(const char __user *s, size_t count, unsigned int base,
		       unsigned long *res)
{
	char buf[32];

	count = min(count, sizeof(buf) - 1);
	memcpy(buf, s, count);
	buf[count] = 0;
	return kstrtoul(buf, base, res);
}

int kstrtobool_from_user(const char __user *s, size_t count, bool *res)
{
	char buf[8];

	count = min(count, sizeof(buf) - 1);
	memcpy(buf, s, count);
	buf[count] = 0;
	return kstrtobool(buf, res);
}

bool sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	if (*s1 == '\n' && !s1[1] && !*s2)
		return true;
	return false;
}

int sysfs_emit(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PAGE_SIZE, fmt, ap);
	va_end(ap);
	return n;
}

int sysfs_emit_at(char *buf, int at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + at, PAGE_SIZE - at, fmt, ap);
	va_end(ap);
	return n;
}

char *kasprintf(gfp_t gfp, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	return p;
}

size_t strscpy(char *dest, const char *src, size_t count)
{
	size_t n = strnlen(src, count);

	if (!count)
		return -E2BIG;
	if (n == count) {
		memcpy(dest, src, count - 1);
		dest[count - 1] = 0;
		return -E2BIG;
	}
	memcpy(dest, src, n + 1);
	return n;
}

int match_string(const char * const *array, size_t n, const char *string)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (array[i] && !strcmp(array[i], string))
			return i;
	return -EINVAL;
}

void *memchr_inv(const void *start, int c, size_t bytes)
{
	const unsigned char *p = start;
	size_t i;

	for (i = 0; i < bytes; i++)
		if (p[i] != (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

/* ===== bitmaps =========================================================== */
unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset)
{
	for (; offset < size; offset++)
		if (test_bit(offset, addr))
			return offset;
	return size;
}

unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long offset)
{
	for (; offset < size; offset++)
		if (!test_bit(offset, addr))
			return offset;
	return size;
}

unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits)
{
	unsigned int i, w = 0;

	for (i = 0; i < nbits; i++)
		w += test_bit(i, src);
	return w;
}

void bitmap_set(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len--)
		__set_bit(start++, map);
}

void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len--)
		__clear_bit(start++, map);
}

unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags)
{
	return kmalloc(BITS_TO_LONGS(nbits) * sizeof(unsigned long), flags);
}

unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)
{
	return kzalloc(BITS_TO_LONGS(nbits) * sizeof(unsigned long), flags);
}

void bitmap_free(const unsigned long *bitmap)
{
	kfree(bitmap);
}

/* ===== module parameters, init =========================================== */
static struct kernel_param *shim_params;

void shim_param_register(struct kernel_param *kp)
{
	kp->shim_next = shim_params;
	shim_params = kp;
}

int shim_param_set(const char *name, const char *val)
{
	struct kernel_param *kp;

	for (kp = shim_params; kp; kp = kp->shim_next)
		if (!strcmp(kp->name, name))
			return kp->ops->set(val, kp);
	return -ENOENT;
}

#define SHIM_PARAM_INT(type, T, conv)					\
static int shim_set_##type(const char *val, const struct kernel_param *kp) \
{									\
	long long v;							\
	int r = kstrtoll(val, 0, &v);					\
	if (r)								\
		return r;						\
	*(T *)kp->arg = (T)v;						\
	return 0;							\
}									\
static int shim_get_##type(char *buf, const struct kernel_param *kp)	\
{									\
	return sprintf(buf, conv "\n", *(T *)kp->arg);			\
}									\
const struct kernel_param_ops param_ops_##type = {			\
	.set = shim_set_##type, .get = shim_get_##type };

SHIM_PARAM_INT(uint, unsigned int, "%u")
SHIM_PARAM_INT(int, int, "%d")
SHIM_PARAM_INT(ulong, unsigned long, "%lu")
SHIM_PARAM_INT(long, long, "%ld")
SHIM_PARAM_INT(ushort, unsigned short, "%hu")
SHIM_PARAM_INT(short, short, "%hd")
SHIM_PARAM_INT(byte, unsigned char, "%hhu")

static int shim_set_bool(const char *val, const struct kernel_param *kp)
{
	return kstrtobool(val ? val : "1", kp->arg);
}

static int shim_get_bool(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%c\n", *(bool *)kp->arg ? 'Y' : 'N');
}

const struct kernel_param_ops param_ops_bool = { .set = shim_set_bool, .get = shim_get_bool };
const struct kernel_param_ops param_ops_bint = { .set = shim_set_bool, .get = shim_get_bool };
const struct kernel_param_ops param_ops_invbool = { .set = shim_set_bool, .get = shim_get_bool };

static int shim_set_charp(const char *val, const struct kernel_param *kp)
{
	*(char **)kp->arg = strdup(val);
	return 0;
}

static int shim_get_charp(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%s\n", *(char **)kp->arg);
}

const struct kernel_param_ops param_ops_charp = { .set = shim_set_charp, .get = shim_get_charp };

extern int (*const shim_module_init_fn)(void) __attribute__((weak));
extern void (*const shim_module_exit_fn)(void) __attribute__((weak));

int shim_module_init(void)
{
	return &shim_module_init_fn ? shim_module_init_fn() : -ENOENT;
}

void shim_module_exit(void)
{
	if (&shim_module_exit_fn)
		shim_module_exit_fn();
}

void shim_init(unsigned long arena_mib)
{
	int cpu;

	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		pthread_mutex_init(&shim_workq[cpu].lock, NULL);
		INIT_LIST_HEAD(&shim_workq[cpu].list);
	}
	shim_pcpu_init();
	shim_arena_init(arena_mib);
	if (getenv("SHIM_VERBOSE"))
		shim_quiet = 0;
}
