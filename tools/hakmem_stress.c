// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_stress: the SMP stress test of hakmem_slab.
 *
 * Loading the module runs one test and blocks until it is done:
 *
 *   insmod hakmem_stress.ko [ops=N] [sizes=64,256,1024] [rcu=1] ...
 *
 * The test creates two caches per size, one per header mode (full and
 * light); with rcu=1 they are SLAB_TYPESAFE_BY_RCU caches with a constructor
 * that writes a per-cache type word into every object.  First a fast
 * allocation from each cache, blocking and not, must take a reschedule left
 * pending where SLUB's would (the preemption model's rule).  Then:
 *
 * - One worker kthread per online CPU (unbound: they migrate, and survive
 *   CPU hotplug) allocates from random caches into a per-worker array of
 *   live slots and frees from it in random order, in waves that fill the
 *   array to 7/8 and empty it to 1/8, so that pages and segments fill up
 *   and empty out.  Every object is stamped with a pattern derived from its
 *   address and a unique allocation stamp; the pattern is checked before
 *   every free, and the holder also checks that the stamp is still its own
 *   (an object handed out twice is caught at once).  Half of the objects
 *   taken out of the array are handed to another worker (llist inbox) and
 *   freed there, so most of those frees are remote.  The workers share
 *   ops/2 allocations; each allocation is freed, so at least ops
 *   allocations and frees are done in all.
 * - An hrtimer per worker (timer_us) frees, checks and allocates one object
 *   of every cache with GFP_ATOMIC in hardirq context, often interrupting a
 *   worker inside hakmem_slab on the same CPU; half of the timer's objects
 *   go to a worker's inbox instead of being freed in the callback.
 * - A maintenance kthread calls hakmem_cache_shrink() on one cache every
 *   shrink_ms milliseconds, and hakmem_cache_validate() every fourth time.
 * - With rcu=1, reader kthreads (readers) pick random live slots of the
 *   workers under rcu_read_lock(), check the type word of the objects they
 *   find, and keep checking them for read_hold_us in the same read-side
 *   section, while many of those objects are freed, reused or have their
 *   segment released: the memory must still be an object of that cache
 *   (type-stable) and its segment must not be back in the page allocator
 *   (PageBuddy() of its first page; with page_poison=1 a freed segment
 *   also loses the type word at once).
 *
 * At the end the workers are stopped, the inboxes drained and every object
 * freed (pattern checked).  With rcu=1, a release check follows for every
 * cache: one task fills several segments, then frees every object inside
 * one read-side section and checks them all again there: segments released
 * by those frees must keep their memory (type word and whole pattern) until
 * the section ends, and at least one segment must have been released.
 *
 * Then, for every cache: hakmem_cache_validate() must find nothing; after
 * hakmem_cache_shrink(), hakmem_cache_get_info() must show no object in use
 * and no segment; every HAKMEM_ERR_* (err_*) counter must be 0; free_remote must be
 * > 0 when more than one worker ran.  A summary line with the counters is
 * printed per cache, then the cache is destroyed.
 *
 * Result: insmod returns 0 whether the test passes or fails (and an error
 * only for bad parameters or no memory), so that the module stays loaded and
 * the result stays readable.  The verdict is the last console line,
 *
 *   hakmem_stress: PASS normal|rcu: <summary>
 *   hakmem_stress: FAIL normal|rcu: <first problem> (<n> problems)
 *
 * and /sys/kernel/debug/hakmem_stress/result holds the same report (without
 * the "hakmem_stress: " prefix), its first line being the PASS or FAIL line;
 * it reads "RUNNING" while the test runs.  The first pattern mismatch, bad
 * type word, failed check or timeout stops the workers early.
 *
 * Messages avoid the words the project's log scanner (tools/logscan.sh)
 * treats as kernel errors, so that a PASS run leaves a clean log.
 */

#define pr_fmt(fmt) "hakmem_stress: " fmt

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/page-flags.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "hakmem_slab.h"
#include "kunit/hakmem_slab_resched.h"

/* === Configuration ======================================================== */

#define STRESS_MAX_SIZES	4
#define STRESS_MAX_CACHES	(2 * STRESS_MAX_SIZES)	/* fits the 3 tag bits */
#define STRESS_CACHE_MASK	7UL
#define STRESS_MAX_WORKERS	256
#define STRESS_MAX_READERS	64
#define STRESS_MIN_LIVE		16
#define STRESS_MAX_LIVE		65536
#define STRESS_READ_BATCH	32	/* slots read per read-side section */
#define STRESS_READ_RECHECK_US	50	/* held objects checked this often */
#define STRESS_MAX_HOLD_US	100000
#define STRESS_MAX_REPORTS	8	/* detailed failure reports */
#define STRESS_RESULT_SIZE	8192
#define STRESS_WHY_LEN		200
#define STRESS_NAME_LEN		32
#define STRESS_PROGRESS_SECS	20
#define STRESS_RESCHED_MASK	63	/* cond_resched() every 64 iterations */

/* Object layout: the first word is ours for the inbox link. */
struct stress_obj {
	struct llist_node node;	/* link while on a worker's inbox */
	u64 type;		/* stress_type(cache): ctor (rcu) or at alloc */
	u64 stamp;		/* unique: count << 24 | stamper << 8 | cache */
	u64 body[];		/* stress_pattern() words up to the size */
};

#define STRESS_MIN_SIZE		(sizeof(struct stress_obj) + sizeof(u64))
#define STRESS_TYPE_MAGIC	0x5354524553530000ULL	/* "STRESS\0\0" */
#define STRESS_PAT_MUL		0x9e3779b97f4a7c15ULL
#define STRESS_PAT_STEP		0xc2b2ae3d27d4eb4fULL
#define STRESS_STAMP_TIMER	0x8000U			/* stamper: a timer */
#define STRESS_STAMP_MAIN	0xffffU			/* stamper: the end checks */
#define STRESS_RELEASE_SEGMENTS	8	/* segments the release check fills */

/* === Module parameters ==================================================== */

static unsigned long ops = 10000000;
module_param(ops, ulong, 0444);
MODULE_PARM_DESC(ops, "operations (allocations + frees) the workers do in all, at least (default 10000000)");

static unsigned int sizes[STRESS_MAX_SIZES] = { 64, 256, 1024 };
static int nr_sizes = 3;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "object sizes, one cache per size and header mode (default 64,256,1024; at most 4)");

static bool rcu;
module_param(rcu, bool, 0444);
MODULE_PARM_DESC(rcu, "SLAB_TYPESAFE_BY_RCU caches with a constructor, and RCU readers (default 0)");

static unsigned int workers;
module_param(workers, uint, 0444);
MODULE_PARM_DESC(workers, "worker kthreads (default 0: one per online CPU)");

static unsigned int live = 512;
module_param(live, uint, 0444);
MODULE_PARM_DESC(live, "live-object slots per worker (default 512)");

static unsigned int readers = 2;
module_param(readers, uint, 0444);
MODULE_PARM_DESC(readers, "RCU reader kthreads with rcu=1 (default 2)");

static unsigned int read_hold_us = 1000;
module_param(read_hold_us, uint, 0444);
MODULE_PARM_DESC(read_hold_us, "how long each rcu read-side section holds the objects it found, rechecking them, in microseconds (default 1000)");

static unsigned int timer_us = 500;
module_param(timer_us, uint, 0444);
MODULE_PARM_DESC(timer_us, "period of each worker's GFP_ATOMIC hrtimer in microseconds, 0 for none (default 500)");

static unsigned int shrink_ms = 100;
module_param(shrink_ms, uint, 0444);
MODULE_PARM_DESC(shrink_ms, "period of the concurrent shrink (and validate) in milliseconds, 0 for none (default 100)");

static unsigned int max_seconds = 600;
module_param(max_seconds, uint, 0444);
MODULE_PARM_DESC(max_seconds, "stop and fail if the workers have not finished after this long (default 600)");

static unsigned long seed;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "random seed (default 0: a random one, printed)");

/* === Data ================================================================= */

struct stress_cache {
	struct hakmem_cache *s;
	unsigned int size;
	unsigned int words;		/* pattern words in the body */
	enum hakmem_header_mode mode;
	char name[STRESS_NAME_LEN];
};

struct stress_run;

struct stress_worker {
	struct stress_run *run;
	struct task_struct *task;
	unsigned int id;
	u64 rnd;
	/* Published with WRITE_ONCE(): object | cache index, 0 when empty. */
	unsigned long *live;
	u64 *stamp;			/* the stamp of each live object */
	unsigned int nr_live;
	struct llist_head inbox;
	u64 stamps;
	unsigned long allocs;		/* allocations (the budget counts these) */
	unsigned long frees;		/* frees, of own and received objects */
	unsigned long handed;		/* objects handed to another worker */
	unsigned long nomem;		/* GFP_KERNEL allocations that failed */

	/* The hrtimer and what it alone touches. */
	struct hrtimer timer ____cacheline_aligned_in_smp;
	ktime_t period;
	u64 trnd;
	u64 tstamps;
	void *tobj[STRESS_MAX_CACHES];
	u64 tstamp[STRESS_MAX_CACHES];
	unsigned long tfires;
	unsigned long tallocs;
	unsigned long tfrees;
	unsigned long thanded;
	unsigned long tnomem;
} ____cacheline_aligned_in_smp;

struct stress_reader {
	struct stress_run *run;
	struct task_struct *task;
	u64 rnd;
	unsigned long reads;		/* slots read */
	unsigned long checks;		/* object checks (first and later looks) */
	unsigned long stale;		/* objects freed or replaced while held */
	unsigned long released;		/* checks with hakmem_ksize() == 0 */
} ____cacheline_aligned_in_smp;

struct stress_run {
	bool rcu;
	bool init_on_alloc;		/* non-ctor objects come zeroed */
	unsigned int nr_caches;
	struct stress_cache caches[STRESS_MAX_CACHES];
	unsigned long seg_mask;		/* ~(hakmem segment size - 1) */
	unsigned int nr_workers;
	struct stress_worker *workers;
	unsigned int nr_live;
	unsigned long budget;		/* allocations per worker */
	atomic_t running;		/* workers not done */
	struct completion all_done;
	bool stop;			/* workers: stop early; others: stop */
	unsigned int nr_readers;
	struct stress_reader *readers;
	struct task_struct *maint;
	unsigned long shrinks;
	unsigned long validates;
	unsigned long final_frees;	/* freed by the main thread at the end */
	u64 seed;

	spinlock_t fail_lock;		/* protects why and nr_fail */
	unsigned int nr_fail;
	char why[STRESS_WHY_LEN];
};

static struct dentry *stress_dir;
static DEFINE_MUTEX(stress_result_mutex);
static char *stress_result;		/* the report; under stress_result_mutex */
static size_t stress_result_len;

/* === Helpers ============================================================== */

static u64 stress_rand(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static u64 stress_seed(u64 base, unsigned int n)
{
	u64 s = (base + n + 1) * STRESS_PAT_MUL;

	return s ?: 1;
}

static u64 stress_type(unsigned int cache)
{
	return STRESS_TYPE_MAGIC | cache;
}

/* The first pattern word; word i is this plus i * STRESS_PAT_STEP. */
static u64 stress_pattern(const void *obj, u64 stamp)
{
	u64 x = ((unsigned long)obj ^ stamp) * STRESS_PAT_MUL;

	return x ^ (x >> 29) ^ stamp;
}

/* Where an object is in its segment: for reports, without the address. */
static unsigned long stress_off(struct stress_run *run, const void *o)
{
	return (unsigned long)o & ~run->seg_mask;
}

static u64 stress_stamp(u64 *count, unsigned int stamper, unsigned int cache)
{
	return ++*count << 24 | (u64)stamper << 8 | cache;
}

static unsigned int stress_cache_of(u64 stamp)
{
	return stamp & 0xff;
}

static void stress_report_add(bool bad, const char *fmt, ...) __printf(2, 3);

/* One line of the report: console (pr_err() if @bad) and debugfs result. */
static void stress_report_add(bool bad, const char *fmt, ...)
{
	char line[384];
	va_list args;

	va_start(args, fmt);
	vscnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	if (bad)
		pr_err("%s\n", line);
	else
		pr_info("%s\n", line);
	mutex_lock(&stress_result_mutex);
	if (stress_result)
		stress_result_len += scnprintf(stress_result + stress_result_len,
					       STRESS_RESULT_SIZE - stress_result_len,
					       "%s\n", line);
	mutex_unlock(&stress_result_mutex);
}

static void stress_fail(struct stress_run *run, const char *fmt, ...)
	__printf(2, 3);

/*
 * Record a problem: the first one becomes the FAIL reason; the first few
 * are printed.  Any context.  Stops the workers.
 */
static void stress_fail(struct stress_run *run, const char *fmt, ...)
{
	char buf[STRESS_WHY_LEN];
	unsigned long flags;
	unsigned int n;
	va_list args;

	va_start(args, fmt);
	vscnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	spin_lock_irqsave(&run->fail_lock, flags);
	n = run->nr_fail++;
	if (!n)
		strscpy(run->why, buf, sizeof(run->why));
	spin_unlock_irqrestore(&run->fail_lock, flags);
	WRITE_ONCE(run->stop, true);
	if (n < STRESS_MAX_REPORTS)
		pr_err("FAIL: %s\n", buf);
}

static unsigned int stress_nr_fail(struct stress_run *run)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&run->fail_lock, flags);
	n = run->nr_fail;
	spin_unlock_irqrestore(&run->fail_lock, flags);
	return n;
}

/* === Objects ============================================================== */

/* Constructors of the rcu caches: the type word, never changed by users. */
#define STRESS_DEFINE_CTOR(n)						\
	static void stress_ctor##n(void *p)				\
	{								\
		((struct stress_obj *)p)->type = stress_type(n);	\
	}

STRESS_DEFINE_CTOR(0)
STRESS_DEFINE_CTOR(1)
STRESS_DEFINE_CTOR(2)
STRESS_DEFINE_CTOR(3)
STRESS_DEFINE_CTOR(4)
STRESS_DEFINE_CTOR(5)
STRESS_DEFINE_CTOR(6)
STRESS_DEFINE_CTOR(7)

static void (*const stress_ctors[STRESS_MAX_CACHES])(void *) = {
	stress_ctor0, stress_ctor1, stress_ctor2, stress_ctor3,
	stress_ctor4, stress_ctor5, stress_ctor6, stress_ctor7,
};

static void stress_dump(struct stress_run *run, struct stress_cache *sc,
			struct stress_obj *o)
{
	if (stress_nr_fail(run) > STRESS_MAX_REPORTS)
		return;
	print_hex_dump(KERN_ERR, "hakmem_stress: object ", DUMP_PREFIX_OFFSET,
		       16, 8, o, min_t(unsigned int, sc->size, 64), false);
}

/* A fresh object: what must hold before we stamp it. */
static bool stress_check_fresh(struct stress_run *run, unsigned int cache,
			       struct stress_obj *o, const char *who)
{
	struct stress_cache *sc = &run->caches[cache];
	u8 *bad;

	if (run->rcu) {
		if (likely(o->type == stress_type(cache)))
			return true;
		stress_fail(run,
			    "%s: %s allocated object %p (segment offset %#lx) with type word %#llx instead of %#llx (constructor state lost)",
			    sc->name, who, o, stress_off(run, o), o->type,
			    stress_type(cache));
		stress_dump(run, sc, o);
		return false;
	}
	if (!run->init_on_alloc)
		return true;
	bad = memchr_inv(o, 0, sc->size);
	if (likely(!bad))
		return true;
	stress_fail(run,
		    "%s: %s allocated object %p (segment offset %#lx) not zeroed (init_on_alloc): byte %td is %#x",
		    sc->name, who, o, stress_off(run, o), bad - (u8 *)o, *bad);
	stress_dump(run, sc, o);
	return false;
}

static void stress_write(struct stress_run *run, unsigned int cache,
			 struct stress_obj *o, u64 stamp)
{
	unsigned int i, words = run->caches[cache].words;
	u64 p = stress_pattern(o, stamp);

	if (!run->rcu)
		o->type = stress_type(cache);
	o->stamp = stamp;
	for (i = 0; i < words; i++, p += STRESS_PAT_STEP)
		o->body[i] = p;
}

/* Is an object we hold still the allocation we stamped? */
static bool stress_check_held(struct stress_run *run, unsigned int cache,
			      struct stress_obj *o, u64 expect, const char *who)
{
	struct stress_cache *sc = &run->caches[cache];

	if (likely(o->stamp == expect))
		return true;
	stress_fail(run,
		    "%s: %s: object %p (segment offset %#lx) handed out again while held: stamp %#llx instead of %#llx",
		    sc->name, who, o, stress_off(run, o), o->stamp, expect);
	stress_dump(run, sc, o);
	return false;
}

/*
 * Check an object's stamp and pattern before freeing it; @expect is the
 * stamp we wrote, or 0 if the object came from someone else.
 */
static bool stress_check(struct stress_run *run, unsigned int cache,
			 struct stress_obj *o, u64 expect, const char *who)
{
	struct stress_cache *sc = &run->caches[cache];
	u64 stamp = o->stamp, p;
	unsigned int i;

	if (expect && !stress_check_held(run, cache, o, expect, who))
		return false;
	if (unlikely(stress_cache_of(stamp) != cache ||
		     o->type != stress_type(cache))) {
		stress_fail(run,
			    "%s: %s: object %p (segment offset %#lx) overwritten: stamp %#llx type %#llx (want cache %u, type %#llx)",
			    sc->name, who, o, stress_off(run, o), stamp, o->type,
			    cache, stress_type(cache));
		stress_dump(run, sc, o);
		return false;
	}
	p = stress_pattern(o, stamp);
	for (i = 0; i < sc->words; i++, p += STRESS_PAT_STEP) {
		if (likely(o->body[i] == p))
			continue;
		stress_fail(run,
			    "%s: %s: object %p (segment offset %#lx) overwritten at byte %zu: %#llx instead of %#llx (stamp %#llx)",
			    sc->name, who, o, stress_off(run, o),
			    offsetof(struct stress_obj, body) + i * sizeof(u64),
			    o->body[i], p, stamp);
		stress_dump(run, sc, o);
		return false;
	}
	return true;
}

/*
 * Check and free one object.  A damaged object is freed all the same: the
 * allocator's own checks may then say more.
 */
static void stress_free(struct stress_run *run, struct stress_obj *o,
			const char *who)
{
	unsigned int cache = stress_cache_of(o->stamp);

	if (cache >= run->nr_caches) {
		stress_fail(run,
			    "%s: object %p (segment offset %#lx) with stamp %#llx names no cache; not freed",
			    who, o, stress_off(run, o), o->stamp);
		return;
	}
	stress_check(run, cache, o, 0, who);
	hakmem_cache_free(run->caches[cache].s, o);
}

/* === Workers ============================================================== */

static struct stress_worker *stress_pick_other(struct stress_run *run,
					       unsigned int self, u64 r)
{
	unsigned int i = reciprocal_scale((u32)r, run->nr_workers - 1);

	return &run->workers[i >= self ? i + 1 : i];
}

static unsigned long stress_drain_inbox(struct stress_run *run,
					struct llist_head *inbox,
					const char *who)
{
	struct stress_obj *o, *next;
	struct llist_node *list;
	unsigned long n = 0;

	list = llist_del_all(inbox);
	llist_for_each_entry_safe(o, next, list, node) {
		stress_free(run, o, who);
		n++;
	}
	return n;
}

static void stress_alloc_slot(struct stress_worker *w, unsigned int slot,
			      unsigned int cache)
{
	struct stress_run *run = w->run;
	struct stress_obj *o;
	u64 stamp;

	o = hakmem_cache_alloc(run->caches[cache].s, GFP_KERNEL);
	if (unlikely(!o)) {
		w->nomem++;
		return;
	}
	w->allocs++;
	stress_check_fresh(run, cache, o, "worker");
	stamp = stress_stamp(&w->stamps, w->id, cache);
	stress_write(run, cache, o, stamp);
	w->stamp[slot] = stamp;
	WRITE_ONCE(w->live[slot], (unsigned long)o | cache);
	w->nr_live++;
}

/* Take an object out of its slot; free it here or hand it to another. */
static void stress_release_slot(struct stress_worker *w, unsigned int slot,
				bool hand)
{
	struct stress_run *run = w->run;
	unsigned long v = w->live[slot];
	struct stress_obj *o = (void *)(v & ~STRESS_CACHE_MASK);
	unsigned int cache = v & STRESS_CACHE_MASK;

	/* Unpublish before the free: rcu readers may still hold it. */
	WRITE_ONCE(w->live[slot], 0);
	w->nr_live--;
	if (hand && run->nr_workers > 1) {
		/* The receiver checks the pattern; we know the stamp. */
		stress_check_held(run, cache, o, w->stamp[slot], "worker");
		llist_add(&o->node,
			  &stress_pick_other(run, w->id, stress_rand(&w->rnd))->inbox);
		w->handed++;
		return;
	}
	stress_check(run, cache, o, w->stamp[slot], "worker");
	hakmem_cache_free(run->caches[cache].s, o);
	w->frees++;
}

static enum hrtimer_restart stress_timer_fn(struct hrtimer *t)
{
	struct stress_worker *w = container_of(t, struct stress_worker, timer);
	struct stress_run *run = w->run;
	bool hand = (w->tfires++ & 1) && run->nr_workers > 1;
	unsigned int c;

	for (c = 0; c < run->nr_caches; c++) {
		struct hakmem_cache *s = run->caches[c].s;
		struct stress_obj *o = w->tobj[c];

		if (o) {
			stress_check(run, c, o, w->tstamp[c], "timer");
			if (hand) {
				struct stress_worker *to;

				to = &run->workers[reciprocal_scale((u32)stress_rand(&w->trnd),
								    run->nr_workers)];
				llist_add(&o->node, &to->inbox);
				w->thanded++;
			} else {
				hakmem_cache_free(s, o);
				w->tfrees++;
			}
		}
		o = hakmem_cache_alloc(s, GFP_ATOMIC);
		w->tobj[c] = o;
		if (!o) {
			w->tnomem++;
			continue;
		}
		w->tallocs++;
		stress_check_fresh(run, c, o, "timer");
		w->tstamp[c] = stress_stamp(&w->tstamps,
					    STRESS_STAMP_TIMER | w->id, c);
		stress_write(run, c, o, w->tstamp[c]);
	}
	hrtimer_forward_now(t, w->period);
	return HRTIMER_RESTART;
}

static void stress_timer_stop(struct stress_worker *w)
{
	struct stress_run *run = w->run;
	unsigned int c;

	if (!timer_us)
		return;
	hrtimer_cancel(&w->timer);
	for (c = 0; c < run->nr_caches; c++) {
		if (!w->tobj[c])
			continue;
		stress_check(run, c, w->tobj[c], w->tstamp[c], "timer");
		hakmem_cache_free(run->caches[c].s, w->tobj[c]);
		w->tobj[c] = NULL;
		w->tfrees++;
	}
}

static int stress_worker_fn(void *arg)
{
	struct stress_worker *w = arg;
	struct stress_run *run = w->run;
	unsigned int nr = run->nr_live, high = nr - nr / 8, low = nr / 8;
	unsigned long iter = 0;
	bool growing = true;
	unsigned int i;

	if (timer_us)
		hrtimer_start(&w->timer, w->period, HRTIMER_MODE_REL);
	while (w->allocs < run->budget && !READ_ONCE(run->stop)) {
		u64 r = stress_rand(&w->rnd);
		unsigned int slot = reciprocal_scale((u32)r, nr);
		u32 r2 = r >> 32;
		bool act = !(r2 & 3);		/* one in four */

		if (!llist_empty(&w->inbox))
			w->frees += stress_drain_inbox(run, &w->inbox, "worker");
		if (!w->live[slot]) {
			if (growing || act)
				stress_alloc_slot(w, slot,
						  reciprocal_scale(r2, run->nr_caches));
		} else if (!growing || act) {
			stress_release_slot(w, slot, r2 & 4);
		}
		if (w->nr_live >= high)
			growing = false;
		else if (w->nr_live <= low)
			growing = true;
		if (!(++iter & STRESS_RESCHED_MASK))
			cond_resched();
	}
	stress_timer_stop(w);
	for (i = 0; i < nr; i++) {
		if (w->live[i])
			stress_release_slot(w, i, false);
		if (!(i & STRESS_RESCHED_MASK))
			cond_resched();
	}
	w->frees += stress_drain_inbox(run, &w->inbox, "worker");
	if (atomic_dec_and_test(&run->running))
		complete(&run->all_done);
	return 0;
}

/* === RCU readers ========================================================== */

/*
 * Check, inside a read-side section, an object that was allocated when the
 * section began.  It may have been freed and reused since, but its memory
 * must still be an object of its cache, in a segment not given back to the
 * page allocator.  Return: false on a failure.
 */
static bool stress_typesafe_check(struct stress_run *run, unsigned int cache,
				  struct stress_obj *o, const char *who)
{
	struct page *head;
	u64 type;

	type = READ_ONCE(o->type);
	if (unlikely(type != stress_type(cache))) {
		stress_fail(run,
			    "%s: %s: object %p (segment offset %#lx) has type word %#llx instead of %#llx inside a read-side section (not type-stable)",
			    run->caches[cache].name, who, o,
			    stress_off(run, o), type, stress_type(cache));
		return false;
	}
	/* Segments have several sizes: the object's own page. */
	head = virt_to_page(o);
	if (unlikely(PageBuddy(head))) {
		stress_fail(run,
			    "%s: %s: segment of object %p is free in the page allocator inside a read-side section",
			    run->caches[cache].name, who, o);
		return false;
	}
	return true;
}

/* A reader's check of an object found in a published slot. */
static void stress_read_check(struct stress_reader *rd, unsigned long v,
			      const char *who)
{
	struct stress_obj *o = (void *)(v & ~STRESS_CACHE_MASK);

	rd->checks++;
	stress_typesafe_check(rd->run, v & STRESS_CACHE_MASK, o, who);
	/* Its page was released (and maybe carved again), or its segment. */
	if (!hakmem_ksize(o))
		rd->released++;
}

static int stress_reader_fn(void *arg)
{
	struct stress_reader *rd = arg;
	struct stress_run *run = rd->run;
	u64 hold = (u64)read_hold_us * NSEC_PER_USEC;
	unsigned long *slot[STRESS_READ_BATCH];
	unsigned long seen[STRESS_READ_BATCH];
	unsigned int i, n;

	while (!READ_ONCE(run->stop) && !kthread_should_stop()) {
		u64 end;

		rcu_read_lock();
		for (i = 0, n = 0; i < STRESS_READ_BATCH; i++) {
			u64 r = stress_rand(&rd->rnd);
			struct stress_worker *w;
			unsigned long v;

			w = &run->workers[reciprocal_scale((u32)r,
							   run->nr_workers)];
			slot[n] = &w->live[reciprocal_scale((u32)(r >> 32),
							    run->nr_live)];
			v = READ_ONCE(*slot[n]);
			rd->reads++;
			if (!v)
				continue;
			stress_read_check(rd, v, "rcu reader, first look");
			seen[n++] = v;
		}
		/*
		 * Keep looking for a while in the same section: many of these
		 * objects are freed, reused, or in a released segment by now.
		 */
		end = ktime_get_ns() + hold;
		do {
			if (hold)
				udelay(STRESS_READ_RECHECK_US);
			for (i = 0; i < n; i++)
				stress_read_check(rd, seen[i],
						  "rcu reader, later look");
		} while (ktime_get_ns() < end && !READ_ONCE(run->stop));
		for (i = 0; i < n; i++)
			if (READ_ONCE(*slot[i]) != seen[i])
				rd->stale++;
		rcu_read_unlock();
		cond_resched();
	}
	return 0;
}

/*
 * The release check of an rcu cache, run alone at the end: after a shrink,
 * fill several new segments on one CPU, then inside one read-side section
 * free every object and look at each again.  The frees empty segments, and
 * those beyond the few the cache keeps are released (hakmem_cache_get_info()
 * counts fewer segments), but their memory must stay an object of the cache
 * until the section ends; and the free objects of such a cache keep their
 * contents (hakmem_slab keeps its link word outside the object), so the
 * whole pattern must still be there.  At least one segment must have been
 * released, or nothing was tested.
 */
static void stress_release_check(struct stress_run *run, unsigned int cache)
{
	struct stress_cache *sc = &run->caches[cache];
	unsigned long i, n, max, base, before, after;
	unsigned int nfail = stress_nr_fail(run);
	struct hakmem_cache_info info;
	struct stress_obj **objs;
	u64 stamps = 0;

	hakmem_cache_shrink(sc->s);
	hakmem_cache_get_info(sc->s, &info);
	base = info.segments;
	max = (base + STRESS_RELEASE_SEGMENTS + 1) *
	      ((PAGE_SIZE << info.segment_order) / info.size + 1);
	objs = kvmalloc_array(max, sizeof(*objs), GFP_KERNEL);
	if (!objs) {
		stress_fail(run, "%s: release check: no memory for %lu pointers",
			    sc->name, max);
		return;
	}
	/* One CPU: the frees go back to their pages, not to remote lists. */
	migrate_disable();
	for (n = 0; n < max; n++) {
		struct stress_obj *o = hakmem_cache_alloc(sc->s, GFP_KERNEL);

		if (!o)
			break;
		stress_check_fresh(run, cache, o, "release check");
		stress_write(run, cache, o,
			     stress_stamp(&stamps, STRESS_STAMP_MAIN, cache));
		objs[n] = o;
		if (n % 64 == 63) {
			hakmem_cache_get_info(sc->s, &info);
			if (info.segments >= base + STRESS_RELEASE_SEGMENTS) {
				n++;
				break;
			}
		}
	}
	hakmem_cache_get_info(sc->s, &info);
	before = info.segments;
	rcu_read_lock();
	for (i = 0; i < n; i++) {
		stress_check(run, cache, objs[i], 0, "release check");
		hakmem_cache_free(sc->s, objs[i]);
	}
	hakmem_cache_get_info(sc->s, &info);
	after = info.segments;
	for (i = 0; i < n; i++)
		if (!stress_typesafe_check(run, cache, objs[i],
					   "release check, freed") ||
		    !stress_check(run, cache, objs[i], 0,
				  "release check, freed"))
			break;
	rcu_read_unlock();
	migrate_enable();
	kvfree(objs);
	if (stress_nr_fail(run) != nfail)
		return;
	if (after >= before)
		stress_fail(run,
			    "%s: release check: freeing %lu objects on %lu segments released no segment; type stability not tested",
			    sc->name, n, before);
	else
		stress_report_add(false,
				  "release check %s: %lu objects on %lu segments freed in one read-side section, %lu segments released meanwhile; memory intact",
				  sc->name, n, before, before - after);
}

/* === Maintenance: concurrent shrink and validate ========================== */

static int stress_maint_fn(void *arg)
{
	struct stress_run *run = arg;
	unsigned long n = 0;

	while (!READ_ONCE(run->stop) && !kthread_should_stop()) {
		struct stress_cache *sc = &run->caches[n % run->nr_caches];

		schedule_timeout_interruptible(msecs_to_jiffies(shrink_ms));
		if (READ_ONCE(run->stop) || kthread_should_stop())
			break;
		if (!(n & 3)) {
			int bad = hakmem_cache_validate(sc->s);

			run->validates++;
			if (bad)
				stress_fail(run,
					    "%s: hakmem_cache_validate() during the run found %d problems",
					    sc->name, bad);
		}
		hakmem_cache_shrink(sc->s);
		run->shrinks++;
		n++;
	}
	return 0;
}

/* === The run ============================================================== */

static int stress_create_caches(struct stress_run *run)
{
	static const enum hakmem_header_mode modes[] = {
		HAKMEM_HEADER_FULL, HAKMEM_HEADER_LIGHT,
	};
	struct hakmem_cache_info info;
	unsigned int m;
	int i;

	for (i = 0; i < nr_sizes; i++) {
		for (m = 0; m < ARRAY_SIZE(modes); m++) {
			unsigned int c = run->nr_caches;
			struct stress_cache *sc = &run->caches[c];

			sc->size = sizes[i];
			sc->words = (sc->size - sizeof(struct stress_obj)) /
				    sizeof(u64);
			sc->mode = modes[m];
			snprintf(sc->name, sizeof(sc->name), "stress%s-%u-%s",
				 run->rcu ? "-rcu" : "", sc->size,
				 sc->mode == HAKMEM_HEADER_FULL ? "full" : "light");
			sc->s = hakmem_cache_create_mode(sc->name, sc->size, 0,
							 run->rcu ? SLAB_TYPESAFE_BY_RCU : 0,
							 run->rcu ? stress_ctors[c] : NULL,
							 sc->mode);
			if (!sc->s)
				return -ENOMEM;
			run->nr_caches++;
		}
	}
	hakmem_cache_get_info(run->caches[0].s, &info);
	run->seg_mask = ~((PAGE_SIZE << info.segment_order) - 1);
	return 0;
}

/*
 * Before the workers start: a fast allocation from each cache takes a
 * pending reschedule where SLUB's would (kunit/hakmem_slab_resched.h).
 * On a kernel like Debian's (preemptible RCU, no lockdep) this is the one
 * test of the inline preemption point of hakmem_slab.c's fast path: the
 * KUnit kernels build the whole might_alloc() instead.
 */
static void stress_check_resched(struct stress_run *run)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_NOWAIT };
	unsigned int c, g;
	int taken;
	bool want;

	for (c = 0; c < run->nr_caches; c++) {
		for (g = 0; g < ARRAY_SIZE(gfps); g++) {
			taken = hakmem_resched_check(run->caches[c].s, gfps[g]);
			want = hakmem_resched_expected(gfps[g]);
			if (taken != want)
				stress_fail(run, "%s: gfp %pGg: reschedule taken %d, want %d (%s)",
					    run->caches[c].name, &gfps[g],
					    taken, want, hakmem_resched_model());
		}
	}
	if (!stress_nr_fail(run))
		pr_info("pending reschedules: taken as expected (%s), %u caches\n",
			hakmem_resched_model(), run->nr_caches);
}

static void stress_destroy_caches(struct stress_run *run)
{
	unsigned int c;

	for (c = 0; c < run->nr_caches; c++) {
		hakmem_cache_destroy(run->caches[c].s);
		run->caches[c].s = NULL;
	}
}

/* The checks at the end, one cache at a time; then destroy it. */
static void stress_check_cache(struct stress_run *run, struct stress_cache *sc,
			       bool expect_remote)
{
	struct hakmem_cache_info info;
	u64 stat[HAKMEM_NR_STATS];
	unsigned int i;
	u64 err = 0;
	int bad;

	bad = hakmem_cache_validate(sc->s);
	if (bad)
		stress_fail(run, "%s: hakmem_cache_validate() found %d problems",
			    sc->name, bad);
	hakmem_cache_shrink(sc->s);
	hakmem_cache_get_info(sc->s, &info);
	for (i = 0; i < HAKMEM_NR_STATS; i++)
		stat[i] = hakmem_cache_stat(sc->s, i);
	/* Every error counter, whatever it is: err_invalid, err_header... */
	for (i = 0; i < HAKMEM_NR_STATS; i++) {
		if (strncmp(hakmem_stat_names[i], "err_", 4))
			continue;
		err += stat[i];
		if (stat[i])
			stress_fail(run, "%s: %s = %llu", sc->name,
				    hakmem_stat_names[i], stat[i]);
	}
	if (info.objects_inuse)
		stress_fail(run, "%s: %lu objects in use after every object was freed",
			    sc->name, info.objects_inuse);
	if (info.segments)
		stress_fail(run, "%s: %lu segments left after hakmem_cache_shrink()",
			    sc->name, info.segments);
	if (expect_remote && !stat[HAKMEM_FREE_REMOTE])
		stress_fail(run, "%s: free_remote is 0 although objects were freed on other CPUs",
			    sc->name);
	stress_report_add(false,
			  "cache %s: alloc_fast=%llu alloc_slow=%llu alloc_locked=%llu free_fast=%llu free_slow=%llu free_remote=%llu segment_alloc=%llu segment_free=%llu segment_fail=%llu shrink=%llu err_total=%llu inuse=%lu segments=%lu",
			  sc->name, stat[HAKMEM_ALLOC_FAST],
			  stat[HAKMEM_ALLOC_SLOW], stat[HAKMEM_ALLOC_LOCKED],
			  stat[HAKMEM_FREE_FAST], stat[HAKMEM_FREE_SLOW],
			  stat[HAKMEM_FREE_REMOTE], stat[HAKMEM_SEGMENT_ALLOC],
			  stat[HAKMEM_SEGMENT_FREE], stat[HAKMEM_SEGMENT_FAIL],
			  stat[HAKMEM_SHRINK], err, info.objects_inuse,
			  info.segments);
	hakmem_cache_destroy(sc->s);
	sc->s = NULL;
}

static int stress_start_threads(struct stress_run *run)
{
	unsigned int i;

	for (i = 0; i < run->nr_workers; i++) {
		struct stress_worker *w = &run->workers[i];

		w->task = kthread_create(stress_worker_fn, w, "hakmem_stress/%u",
					 i);
		if (IS_ERR(w->task)) {
			int ret = PTR_ERR(w->task);

			w->task = NULL;
			return ret;
		}
		get_task_struct(w->task);
	}
	for (i = 0; i < run->nr_readers; i++) {
		struct stress_reader *rd = &run->readers[i];

		rd->task = kthread_create(stress_reader_fn, rd,
					  "hakmem_stress_rd/%u", i);
		if (IS_ERR(rd->task)) {
			int ret = PTR_ERR(rd->task);

			rd->task = NULL;
			return ret;
		}
		get_task_struct(rd->task);
	}
	if (shrink_ms) {
		run->maint = kthread_create(stress_maint_fn, run,
					    "hakmem_stress_maint");
		if (IS_ERR(run->maint)) {
			int ret = PTR_ERR(run->maint);

			run->maint = NULL;
			return ret;
		}
		get_task_struct(run->maint);
	}
	return 0;
}

static void stress_wake_threads(struct stress_run *run)
{
	unsigned int i;

	for (i = 0; i < run->nr_workers; i++)
		wake_up_process(run->workers[i].task);
	for (i = 0; i < run->nr_readers; i++)
		wake_up_process(run->readers[i].task);
	if (run->maint)
		wake_up_process(run->maint);
}

/* kthread_stop() whether or not the thread has returned (we hold a ref). */
static void stress_stop_thread(struct task_struct **task)
{
	if (!*task)
		return;
	kthread_stop(*task);
	put_task_struct(*task);
	*task = NULL;
}

static unsigned long stress_allocs(struct stress_run *run)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < run->nr_workers; i++)
		n += READ_ONCE(run->workers[i].allocs);
	return n;
}

/* Wait for the workers without looking hung; print progress. */
static void stress_wait(struct stress_run *run, u64 t0)
{
	unsigned long next = jiffies + STRESS_PROGRESS_SECS * HZ;
	unsigned long limit = jiffies + (unsigned long)max_seconds * HZ;

	while (!wait_for_completion_timeout(&run->all_done, HZ)) {
		if (max_seconds && time_after(jiffies, limit) &&
		    !READ_ONCE(run->stop))
			stress_fail(run,
				    "workers did not finish within %u s (%lu of %lu allocations done)",
				    max_seconds, stress_allocs(run),
				    run->budget * run->nr_workers);
		if (time_after(jiffies, next)) {
			pr_info("progress: %lu of %lu allocations, %llu s, %u CPUs online\n",
				stress_allocs(run),
				run->budget * run->nr_workers,
				div_u64(ktime_get_ns() - t0, NSEC_PER_SEC),
				num_online_cpus());
			next += STRESS_PROGRESS_SECS * HZ;
		}
	}
}

static void stress_summary(struct stress_run *run, u64 ns)
{
	unsigned long allocs = 0, frees = run->final_frees, handed = 0;
	unsigned long tallocs = 0, tfrees = 0, thanded = 0, tfires = 0;
	unsigned long nomem = 0, tnomem = 0, reads = 0, checks = 0, stale = 0;
	unsigned long released = 0;
	unsigned int i, nfail;

	for (i = 0; i < run->nr_workers; i++) {
		struct stress_worker *w = &run->workers[i];

		allocs += w->allocs;
		frees += w->frees;
		handed += w->handed;
		nomem += w->nomem;
		tfires += w->tfires;
		tallocs += w->tallocs;
		tfrees += w->tfrees;
		thanded += w->thanded;
		tnomem += w->tnomem;
	}
	for (i = 0; i < run->nr_readers; i++) {
		reads += run->readers[i].reads;
		checks += run->readers[i].checks;
		stale += run->readers[i].stale;
		released += run->readers[i].released;
	}
	if (allocs + tallocs != frees + tfrees)
		stress_fail(run, "accounting: %lu allocations but %lu frees",
			    allocs + tallocs, frees + tfrees);
	if (!stress_nr_fail(run) && allocs + frees < ops)
		stress_fail(run, "only %lu operations done, %lu asked",
			    allocs + frees, ops);
	if (run->rcu && run->nr_readers && !checks)
		stress_fail(run, "the rcu readers checked no object");

	stress_report_add(false,
			  "workers: %lu allocs, %lu frees, %lu handed to another worker, %lu GFP_KERNEL failures; timers: %lu runs, %lu allocs, %lu frees, %lu handed, %lu GFP_ATOMIC failures",
			  allocs, frees, handed, nomem, tfires, tallocs, tfrees,
			  thanded, tnomem);
	stress_report_add(false,
			  "concurrent: %lu shrinks, %lu validates; rcu readers: %lu slot reads, %lu object checks, %lu objects freed or replaced while held, %lu checks of objects in released pages",
			  run->shrinks, run->validates, reads, checks, stale,
			  released);

	nfail = stress_nr_fail(run);
	if (nfail)
		stress_report_add(true, "FAIL %s: %s (%u problems)",
				  run->rcu ? "rcu" : "normal", run->why, nfail);
	else
		stress_report_add(false,
				  "PASS %s: %lu ops by %u workers on %u caches in %llu.%03llu s, %lu remote-handed, %lu in hardirq, %lu rcu checks",
				  run->rcu ? "rcu" : "normal", allocs + frees,
				  run->nr_workers, run->nr_caches,
				  div_u64(ns, NSEC_PER_SEC),
				  div_u64(ns % NSEC_PER_SEC, NSEC_PER_MSEC),
				  handed + thanded, tallocs + tfrees, checks);
}

static void stress_free_run(struct stress_run *run)
{
	if (run->workers) {
		unsigned int i;

		for (i = 0; i < run->nr_workers; i++) {
			kvfree(run->workers[i].live);
			kvfree(run->workers[i].stamp);
		}
		kvfree(run->workers);
	}
	kfree(run->readers);
	kfree(run);
}

static int stress_run_test(void)
{
	struct stress_run *run;
	unsigned int i, c, len;
	char list[48];
	u64 t0;
	int ret;

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	spin_lock_init(&run->fail_lock);
	init_completion(&run->all_done);
	run->rcu = rcu;
	run->init_on_alloc = want_init_on_alloc(GFP_KERNEL);
	run->seed = seed ?: get_random_u64();
	run->nr_live = live;
	run->nr_workers = min_t(unsigned int, workers ?: num_online_cpus(),
				STRESS_MAX_WORKERS);
	run->nr_readers = rcu ? readers : 0;
	run->budget = DIV_ROUND_UP(DIV_ROUND_UP(ops, 2), run->nr_workers);

	ret = -ENOMEM;
	run->workers = kvcalloc(run->nr_workers, sizeof(*run->workers),
				GFP_KERNEL);
	if (!run->workers)
		goto out_free;
	for (i = 0; i < run->nr_workers; i++) {
		struct stress_worker *w = &run->workers[i];

		w->run = run;
		w->id = i;
		w->rnd = stress_seed(run->seed, i);
		w->trnd = stress_seed(run->seed, i + STRESS_MAX_WORKERS);
		init_llist_head(&w->inbox);
		w->live = kvcalloc(run->nr_live, sizeof(*w->live), GFP_KERNEL);
		w->stamp = kvcalloc(run->nr_live, sizeof(*w->stamp),
				    GFP_KERNEL);
		if (!w->live || !w->stamp)
			goto out_free;
		hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		w->timer.function = stress_timer_fn;
		w->period = ns_to_ktime((u64)timer_us * NSEC_PER_USEC);
	}
	if (run->nr_readers) {
		run->readers = kcalloc(run->nr_readers, sizeof(*run->readers),
				       GFP_KERNEL);
		if (!run->readers)
			goto out_free;
		for (i = 0; i < run->nr_readers; i++) {
			run->readers[i].run = run;
			run->readers[i].rnd = stress_seed(run->seed,
							  i + 2 * STRESS_MAX_WORKERS);
		}
	}
	ret = stress_create_caches(run);
	if (ret)
		goto out_caches;
	stress_check_resched(run);
	atomic_set(&run->running, run->nr_workers);
	ret = stress_start_threads(run);
	if (ret)
		goto out_threads;

	for (c = 0, len = 0; c < run->nr_caches; c += 2)
		len += scnprintf(list + len, sizeof(list) - len, "%s%u",
				 c ? "," : "", run->caches[c].size);
	pr_info("start: %s caches of sizes %s, %u workers, %lu allocations each, %u live slots, %u readers, timer %u us, shrink %u ms, seed %#llx, %u CPUs online\n",
		run->rcu ? "rcu" : "normal", list, run->nr_workers,
		run->budget, run->nr_live, run->nr_readers, timer_us,
		shrink_ms, run->seed, num_online_cpus());

	t0 = ktime_get_ns();
	stress_wake_threads(run);
	stress_wait(run, t0);
	t0 = ktime_get_ns() - t0;

	/* Everyone else stops; then the inboxes hold what is left. */
	WRITE_ONCE(run->stop, true);
	for (i = 0; i < run->nr_readers; i++)
		stress_stop_thread(&run->readers[i].task);
	stress_stop_thread(&run->maint);
	for (i = 0; i < run->nr_workers; i++)
		stress_stop_thread(&run->workers[i].task);
	for (i = 0; i < run->nr_workers; i++)
		run->final_frees += stress_drain_inbox(run,
						       &run->workers[i].inbox,
						       "final");

	if (run->rcu && !stress_nr_fail(run))
		for (c = 0; c < run->nr_caches; c++)
			stress_release_check(run, c);
	for (c = 0; c < run->nr_caches; c++)
		stress_check_cache(run, &run->caches[c],
				   run->nr_workers > 1 && num_online_cpus() > 1);
	stress_summary(run, t0);
	stress_free_run(run);
	return 0;

out_threads:
	/* No worker ran: stopping a never-woken kthread does not run it. */
	for (i = 0; i < run->nr_readers; i++)
		stress_stop_thread(&run->readers[i].task);
	stress_stop_thread(&run->maint);
	for (i = 0; i < run->nr_workers; i++)
		stress_stop_thread(&run->workers[i].task);
out_caches:
	stress_destroy_caches(run);
out_free:
	stress_free_run(run);
	return ret;
}

/* === debugfs and module init ============================================= */

static int stress_result_show(struct seq_file *m, void *v)
{
	mutex_lock(&stress_result_mutex);
	if (stress_result_len)
		seq_write(m, stress_result, stress_result_len);
	else
		seq_puts(m, "RUNNING\n");
	mutex_unlock(&stress_result_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stress_result);

/* The verdict goes first in the result file: move the last line up. */
static void stress_result_finish(void)
{
	char *last, *copy;
	size_t n;

	mutex_lock(&stress_result_mutex);
	if (stress_result_len < 2)
		goto out;
	stress_result[stress_result_len - 1] = '\0';
	last = strrchr(stress_result, '\n');
	stress_result[stress_result_len - 1] = '\n';
	if (!last)
		goto out;
	last++;
	n = stress_result + stress_result_len - last;
	copy = kmemdup(last, n, GFP_KERNEL);
	if (!copy)
		goto out;
	memmove(stress_result + n, stress_result, last - stress_result);
	memcpy(stress_result, copy, n);
	kfree(copy);
out:
	mutex_unlock(&stress_result_mutex);
}

static int stress_check_params(void)
{
	int i;

	if (!ops || !nr_sizes || nr_sizes > STRESS_MAX_SIZES) {
		pr_err("ops must be > 0, and 1 to %d sizes given\n",
		       STRESS_MAX_SIZES);
		return -EINVAL;
	}
	for (i = 0; i < nr_sizes; i++) {
		if (sizes[i] < STRESS_MIN_SIZE ||
		    sizes[i] > HAKMEM_MAX_OBJECT_SIZE) {
			pr_err("size %u out of range (%zu to %u)\n", sizes[i],
			       STRESS_MIN_SIZE, HAKMEM_MAX_OBJECT_SIZE);
			return -EINVAL;
		}
	}
	if (live < STRESS_MIN_LIVE || live > STRESS_MAX_LIVE ||
	    readers > STRESS_MAX_READERS || workers > STRESS_MAX_WORKERS ||
	    read_hold_us > STRESS_MAX_HOLD_US) {
		pr_err("live must be %u to %u, readers at most %u, workers at most %u, read_hold_us at most %u\n",
		       STRESS_MIN_LIVE, STRESS_MAX_LIVE, STRESS_MAX_READERS,
		       STRESS_MAX_WORKERS, STRESS_MAX_HOLD_US);
		return -EINVAL;
	}
	return 0;
}

static int __init hakmem_stress_init(void)
{
	int ret;

	ret = stress_check_params();
	if (ret)
		return ret;
	stress_result = kzalloc(STRESS_RESULT_SIZE, GFP_KERNEL);
	if (!stress_result)
		return -ENOMEM;
	stress_dir = debugfs_create_dir("hakmem_stress", NULL);
	debugfs_create_file("result", 0444, stress_dir, NULL,
			    &stress_result_fops);
	ret = stress_run_test();
	if (ret) {
		pr_err("could not set the test up (%d)\n", ret);
		debugfs_remove_recursive(stress_dir);
		kfree(stress_result);
		stress_result = NULL;
		return ret;
	}
	stress_result_finish();
	return 0;
}

static void __exit hakmem_stress_exit(void)
{
	debugfs_remove_recursive(stress_dir);
	kfree(stress_result);
	stress_result = NULL;
}

module_init(hakmem_stress_init);
module_exit(hakmem_stress_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hakmem_slab SMP stress test");
