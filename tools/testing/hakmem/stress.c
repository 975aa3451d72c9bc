// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-threaded stress for ThreadSanitizer: six "CPU" threads allocate and
 * free on shared caches and the kmalloc classes, hand objects to each other
 * (remote frees), take emulated interrupts and shrink; a controller thread
 * (CPU 6) hotplugs the CPU threads (park, shim_cpu_down() runs the core's
 * teardown callback, shim_cpu_up(), unpark), validates, runs the shrinker,
 * and creates, feeds and destroys extra caches.  CPU 7 stays offline.
 *
 * Checks: TSan (run with halt_on_error=1), no object handed out while live
 * (shadow set), contents intact at free (patterns), validate finds nothing,
 * no "BUG hakmem_slab" report, no err_* counter, no kernel warning, and at
 * the end every object is freed and every cache destroyed cleanly.
 *
 *   stress [seconds]          default 20 (or STRESS_SECONDS)
 *   STRESS_RACY_STATS=1       also read debugfs slabinfo while running
 *                             (the per-CPU counters are plain; see README)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../../hakmem_slab.h"
#include "harness.h"
#include "shim.h"

#define NR_WORKERS	6
#define CTRL_CPU	6
#define MAX_LOCAL	384
#define INBOX		512

enum { K_LIGHT, K_FULL, K_RCU, K_KMALLOC, K_EXTRA, K_NR };

static struct hakmem_cache *caches[K_NR];
static const unsigned int csize[K_NR] = { 192, 512, 100, 0, 72 };

struct obj {
	void *p;
	struct hakmem_cache *s;	/* NULL for kmalloc */
	int kind;
	unsigned int size;
};

static __thread unsigned int seed_ctr;

struct inbox {
	pthread_mutex_t lock;
	struct obj o[INBOX];
	int n;
};

struct worker {
	int cpu;
	pthread_t tid;
	struct obj local[MAX_LOCAL];
	int n;
	struct obj irq_pool[8];
	int irq_n;
	unsigned int rnd;
	unsigned long ops, remote_sent, irqs;
	int park_req;		/* controller: please park */
	int parked;		/* worker: parked */
};

static struct worker workers[NR_WORKERS];
static struct inbox inboxes[NR_WORKERS];
static int stop_sending, finished, release_workers;
static int phase_stop;
static long extra_outstanding;

static unsigned int rnd(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void obj_new(struct obj *o, int kind, unsigned int size, gfp_t gfp)
{
	unsigned int seed = ++seed_ctr * 0x5bd1e995u;
	void *p;

	o->s = kind == K_KMALLOC ? NULL : caches[kind];
	if (kind == K_KMALLOC)
		p = hakmem_kmalloc(size, gfp);
	else
		p = hakmem_cache_alloc(o->s, gfp);
	o->p = p;
	o->kind = kind;
	o->size = kind == K_KMALLOC ? size : csize[kind];
	if (!p)
		harness_fail("alloc", "allocation failed (kind %d size %u)", kind, size);
	seed ^= (unsigned int)(uintptr_t)p;
	if (!shadow_insert(p, o->size, seed, kind))
		harness_fail("handed-out-twice", "object %p (kind %d) handed out while live",
			     p, kind);
	pattern_fill(p, o->size, seed);
}

static void obj_free(struct obj *o)
{
	struct shadow_obj so;
	long bad;

	if (!shadow_remove(o->p, &so))
		harness_fail("harness", "freeing %p which is not live", o->p);
	bad = pattern_check(o->p, so.size, so.seed);
	if (bad >= 0)
		harness_fail("corruption", "object %p (kind %d, %u bytes) damaged at %ld",
			     o->p, o->kind, so.size, bad);
	/* a quarter of the cache objects go back through hakmem_kfree() */
	if (!o->s || (((uintptr_t)o->p >> 4) & 3) == 0)
		hakmem_kfree(o->p);
	else
		hakmem_cache_free(o->s, o->p);
	if (o->kind == K_EXTRA)
		__atomic_fetch_sub(&extra_outstanding, 1, __ATOMIC_RELEASE);
	o->p = NULL;
}

static bool inbox_put(int to, struct obj *o)
{
	struct inbox *ib = &inboxes[to];
	bool ok = false;

	pthread_mutex_lock(&ib->lock);
	if (ib->n < INBOX) {
		ib->o[ib->n++] = *o;
		ok = true;
	}
	pthread_mutex_unlock(&ib->lock);
	return ok;
}

static int inbox_take(int me, struct obj *out, int max)
{
	struct inbox *ib = &inboxes[me];
	int n;

	pthread_mutex_lock(&ib->lock);
	n = ib->n < max ? ib->n : max;
	ib->n -= n;
	memcpy(out, ib->o + ib->n, n * sizeof(*out));
	pthread_mutex_unlock(&ib->lock);
	return n;
}

static void irq_handler(void *arg)
{
	struct worker *w = arg;

	w->irqs++;
	if (w->irq_n && (rnd(&w->rnd) & 1)) {
		obj_free(&w->irq_pool[--w->irq_n]);
	} else if (w->irq_n < 8) {
		int kind = rnd(&w->rnd) % 4;

		obj_new(&w->irq_pool[w->irq_n++], kind, 8 + rnd(&w->rnd) % 600, GFP_ATOMIC);
	}
}

static unsigned int pick_size(struct worker *w)
{
	unsigned int r = rnd(&w->rnd);

	if (r % 512 == 0)
		return 8193 + r % 12000;	/* large: the page allocator */
	return 1 + r % (r & 0x100 ? 1024 : 256);
}

static void worker_op(struct worker *w)
{
	unsigned int r = rnd(&w->rnd);
	struct obj tmp[32];
	int i, n;

	switch (r % 16) {
	case 0: case 1: case 2: case 3: case 4:	/* alloc */
		if (w->n < MAX_LOCAL) {
			int kind = rnd(&w->rnd) % 4;

			obj_new(&w->local[w->n++], kind, pick_size(w),
				(r >> 8) & 1 ? GFP_KERNEL : GFP_ATOMIC);
		}
		break;
	case 5: case 6: case 7:			/* free a random local */
		if (w->n) {
			i = rnd(&w->rnd) % w->n;
			obj_free(&w->local[i]);
			w->local[i] = w->local[--w->n];
		}
		break;
	case 8: case 9:				/* remote free: give away */
		if (w->n && !__atomic_load_n(&stop_sending, __ATOMIC_ACQUIRE)) {
			int to = rnd(&w->rnd) % NR_WORKERS;

			i = rnd(&w->rnd) % w->n;
			if (to != w->cpu && inbox_put(to, &w->local[i])) {
				w->local[i] = w->local[--w->n];
				w->remote_sent++;
			}
		}
		break;
	case 10: case 11:			/* free what others gave */
		n = inbox_take(w->cpu, tmp, 32);
		for (i = 0; i < n; i++)
			obj_free(&tmp[i]);
		break;
	case 12: {				/* bulk */
		struct hakmem_cache *s = caches[r % 2 ? K_LIGHT : K_FULL];
		void *p[16];
			int kind = r % 2 ? K_LIGHT : K_FULL;

		n = 1 + rnd(&w->rnd) % 16;
		if (hakmem_cache_alloc_bulk(s, GFP_KERNEL, n, p) != n)
			harness_fail("alloc", "bulk allocation failed");
		for (i = 0; i < n; i++) {
			if (!shadow_insert(p[i], csize[kind], 0, kind))
				harness_fail("handed-out-twice",
					     "bulk object %p handed out while live", p[i]);
			pattern_fill(p[i], csize[kind], 0);
		}
		for (i = 0; i < n; i++) {
			struct shadow_obj so;

			if (!shadow_remove(p[i], &so) || pattern_check(p[i], so.size, 0) >= 0)
				harness_fail("corruption", "bulk object %p", p[i]);
		}
		hakmem_cache_free_bulk(s, n, p);
		break;
	}
	case 13:				/* an interrupt during the next op */
		shim_irq_arm(1 + rnd(&w->rnd) % 6, irq_handler, w);
		worker_op(w);
		break;
	case 14:
		if (rnd(&w->rnd) % 256 == 0)
			hakmem_cache_shrink(caches[rnd(&w->rnd) % 3]);
		break;
	case 15:
		if (rnd(&w->rnd) % 64 == 0)
			shim_set_need_resched(1);
		break;
	}
	w->ops++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct obj tmp[32];
	int i, n;

	shim_thread_attach(w->cpu);
	w->rnd = 0x9e3779b9u * (w->cpu + 1);
	while (!__atomic_load_n(&phase_stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&w->park_req, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&w->parked, 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&w->park_req, __ATOMIC_ACQUIRE)) {
				shim_poll();
				usleep(100);
			}
			__atomic_store_n(&w->parked, 0, __ATOMIC_RELEASE);
		}
		for (i = 0; i < 32; i++) {
			worker_op(w);
			shim_irq_disarm();
			shim_poll();
		}
	}
	/* Wind down: nobody sends any more; free all we hold. */
	__atomic_fetch_add(&finished, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < NR_WORKERS)
		shim_poll();
	while (w->irq_n)
		obj_free(&w->irq_pool[--w->irq_n]);
	while (w->n)
		obj_free(&w->local[--w->n]);
	while ((n = inbox_take(w->cpu, tmp, 32)))
		for (i = 0; i < n; i++)
			obj_free(&tmp[i]);
	__atomic_fetch_add(&finished, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&release_workers, __ATOMIC_ACQUIRE)) {
		shim_poll();
		usleep(100);
	}
	shim_thread_detach();
	return NULL;
}

static void ctrl_wait(unsigned int us)
{
	unsigned int i;

	for (i = 0; i < us / 100; i++) {
		shim_poll();
		usleep(100);
	}
}

static void check_clean(struct hakmem_cache *s, const char *what)
{
	int n = hakmem_cache_validate(s), i;

	if (n)
		harness_fail("validate", "%s: %d problems", what, n);
	for (i = HAKMEM_ERR_INVALID; i <= HAKMEM_ERR_REDZONE; i++)
		if (hakmem_cache_stat(s, i))
			harness_fail("err-counter", "%s: %s = %llu", what, hakmem_stat_names[i],
				     (unsigned long long)hakmem_cache_stat(s, i));
}

/* An extra cache: objects go to the workers, who free them; destroy. */
static void extra_cache_round(unsigned int *seed, int round)
{
	bool odd = round % 2;
	char name[32];
	int i, n = 64;

	snprintf(name, sizeof(name), "stress-extra-%d", round);
	caches[K_EXTRA] = hakmem_cache_create_mode(name, csize[K_EXTRA], 0,
						   odd ? SLAB_HWCACHE_ALIGN : 0, NULL,
						   odd ? HAKMEM_HEADER_FULL : HAKMEM_HEADER_LIGHT);
	if (!caches[K_EXTRA])
		harness_fail("create", "cannot create %s", name);
	for (i = 0; i < n; i++) {
		struct obj o;

		obj_new(&o, K_EXTRA, 0, GFP_KERNEL);
		__atomic_fetch_add(&extra_outstanding, 1, __ATOMIC_RELAXED);
		while (!inbox_put(rnd(seed) % NR_WORKERS, &o))
			ctrl_wait(200);
	}
	/* wait for the workers to free them all (parked ones: later) */
	for (i = 0; i < 20000 && __atomic_load_n(&extra_outstanding, __ATOMIC_ACQUIRE); i++)
		ctrl_wait(100);
	if (__atomic_load_n(&extra_outstanding, __ATOMIC_ACQUIRE))
		return;		/* some in a parked worker's inbox: keep it */
	check_clean(caches[K_EXTRA], name);
	{
		unsigned long b = shim_nr_bug_lines;

		hakmem_cache_destroy(caches[K_EXTRA]);
		if (shim_nr_bug_lines != b)
			harness_fail("destroy", "%s: destroy reported live objects", name);
	}
	caches[K_EXTRA] = NULL;
}

int main(int argc, char **argv)
{
	const char *env = getenv("STRESS_SECONDS");
	int seconds = argc > 1 ? atoi(argv[1]) : env ? atoi(env) : 20;
	bool racy_stats = !!getenv("STRESS_RACY_STATS");
	unsigned int seed = 42;
	unsigned long hotplugs = 0, validates = 0, shrinks = 0, extras = 0, ops = 0;
	time_t end;
	int i, round = 0;
	char buf[8192];

	shim_quiet = 0;
	shadow_init();
	shim_set_online_mask((1UL << (CTRL_CPU + 1)) - 1);	/* 0..6; 7 offline */
	harness_boot(1024, NULL);
	shim_set_cpu(CTRL_CPU);
	shim_rcu_thread_start();
	caches[K_LIGHT] = hakmem_cache_create_mode("stress-light", csize[K_LIGHT], 0, 0,
						   NULL, HAKMEM_HEADER_LIGHT);
	caches[K_FULL] = hakmem_cache_create_mode("stress-full", csize[K_FULL], 0, 0,
						  NULL, HAKMEM_HEADER_FULL);
	caches[K_RCU] = hakmem_cache_create("stress-rcu", csize[K_RCU], 0,
					    SLAB_TYPESAFE_BY_RCU, NULL);
	if (!caches[K_LIGHT] || !caches[K_FULL] || !caches[K_RCU])
		harness_fail("create", "cannot create the caches");
	for (i = 0; i < NR_WORKERS; i++)
		pthread_mutex_init(&inboxes[i].lock, NULL);
	for (i = 0; i < NR_WORKERS; i++) {
		workers[i].cpu = i;
		pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]);
	}

	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		int c = rnd(&seed) % NR_WORKERS;
		struct worker *w = &workers[c];

		/* hotplug one CPU thread */
		__atomic_store_n(&w->park_req, 1, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&w->parked, __ATOMIC_ACQUIRE))
			ctrl_wait(100);
		shim_cpu_down(c);
		hotplugs++;
		ctrl_wait(2000);
		check_clean(caches[rnd(&seed) % 3], "while a CPU is offline");
		validates++;
		shim_cpu_up(c);
		__atomic_store_n(&w->park_req, 0, __ATOMIC_RELEASE);

		hakmem_cache_shrink(caches[rnd(&seed) % 3]);
		shrinks++;
		shim_shrink_scan(64);
		if (racy_stats)
			shim_debugfs_read("hakmem_slab/slabinfo", buf, sizeof(buf));
		if (!caches[K_EXTRA]) {
			extra_cache_round(&seed, round++);
			extras++;
		} else if (!__atomic_load_n(&extra_outstanding, __ATOMIC_ACQUIRE)) {
			check_clean(caches[K_EXTRA], "extra");
			hakmem_cache_destroy(caches[K_EXTRA]);
			caches[K_EXTRA] = NULL;
		}
		ctrl_wait(5000);
	}

	/* Stop: no more sends; workers free everything they hold. */
	__atomic_store_n(&stop_sending, 1, __ATOMIC_RELEASE);
	ctrl_wait(1000);
	__atomic_store_n(&phase_stop, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < 2 * NR_WORKERS)
		ctrl_wait(100);
	__atomic_store_n(&release_workers, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NR_WORKERS; i++) {
		pthread_join(workers[i].tid, NULL);
		ops += workers[i].ops;
	}
	/* The worker CPUs go offline: their state is drained by the callback. */
	for (i = 0; i < NR_WORKERS; i++)
		shim_cpu_down(i);
	if (caches[K_EXTRA]) {
		check_clean(caches[K_EXTRA], "extra");
		hakmem_cache_destroy(caches[K_EXTRA]);
		caches[K_EXTRA] = NULL;
	}
	if (shadow_count())
		harness_fail("harness", "%lu objects still live at the end", shadow_count());
	for (i = 0; i < K_NR; i++)
		if (caches[i] && i != K_KMALLOC)
			check_clean(caches[i], "final");
	for (i = 8; i <= 8192; i *= 2)
		check_clean(hakmem_kmalloc_cache(i), "kmalloc");
	if (shim_debugfs_read("hakmem_slab/slabinfo", buf, sizeof(buf)) < 0)
		harness_fail("debugfs", "no slabinfo");
	{
		unsigned long locked = 0, remote = 0;

		for (i = 0; i < 3; i++) {
			locked += hakmem_cache_stat(caches[i], HAKMEM_ALLOC_LOCKED);
			remote += hakmem_cache_stat(caches[i], HAKMEM_FREE_REMOTE);
		}
		printf("caches: %lu nested (depot) allocations, %lu remote frees counted\n",
		       locked, remote);
	}
	for (i = 0; i < K_NR; i++)
		if (caches[i] && i != K_KMALLOC)
			hakmem_cache_destroy(caches[i]);
	shim_module_exit();
	shim_rcu_thread_stop();
	if (shim_nr_bug_lines || shim_nr_warnings)
		harness_fail("reports", "%lu BUG reports, %lu warnings", shim_nr_bug_lines,
			     shim_nr_warnings);
	for (i = 0; i < NR_WORKERS; i++) {
		printf("cpu%d: %lu ops, %lu remote frees, %lu interrupts\n", i,
		       workers[i].ops, workers[i].remote_sent, workers[i].irqs);
	}
	printf("stress: PASS: %d s, %lu ops, %lu hotplugs, %lu validates, %lu shrinks, ",
	       seconds, ops, hotplugs, validates, shrinks);
	printf("%lu extra caches, %lu pages live at exit\n", extras, shim_pages_allocated);
	return 0;
}
