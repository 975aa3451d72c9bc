// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic cost guard: the fast paths' instructions per operation,
 * counted by callgrind around the timed loop only (client requests), with a
 * fixed seed.  Run by insn.sh; without valgrind it prints ns per op.
 *
 *   bench pair N    hakmem_cache_alloc + hakmem_cache_free of one 256 B
 *                   object, N times (op: one alloc+free)
 *   bench batch N   32 allocations then 32 frees, N times (op: one object's
 *                   alloc+free)
 *   bench ws400 N   hakmem_kmalloc/hakmem_kfree over a 400-slot working set,
 *                   random sizes 16..1024, N replacements (op: one
 *                   kfree+kmalloc)
 *   bench bulkK N   hakmem_cache_alloc_bulk then hakmem_cache_free_bulk of
 *                   K objects (K = 1, 8, 32 or 128), N times (op: one
 *                   object's alloc+free)
 *   bench fifo N    a FIFO queue of 10000 live 256 B objects, as the
 *                   module's fifo: allocate at the tail, free the head, N
 *                   times (op: one alloc+free)
 *   bench scatter N N objects of 256 B, nine in ten freed at random, then as
 *                   many allocated again, then all freed, as the module's
 *                   mem-scatter (op: one alloc or free); also prints the
 *                   cache's pages at the peak and after the refill
 *
 * More rows of tools/hakmem_bench.c that leave the fast paths:
 *
 *   bench sweepM N  hakmem_kmalloc + hakmem_kfree, the size stepping by 8
 *                   through kmalloc-sweep's range that ends at M (64, 256,
 *                   1024 or 4096), N times (op: one kmalloc+kfree)
 *   bench fill N    N 256 B objects allocated from a new cache, then all
 *                   freed (op: one allocation or one free, 2N in all)
 *   bench shuffle N 512 256 B objects allocated, then freed in the order
 *                   (i * k + c) mod 512, k odd, new each round; N / 512
 *                   rounds (op: one object's alloc+free)
 *
 *   bench pair-inline N   pair through hakmem_cache_alloc_inline() and
 *                   hakmem_cache_free_inline() (hakmem_slab_inline.h)
 *   bench floor N   pair through a bare per-CPU array of 64 pointers
 *                   popped and pushed inline with preemption disabled, as
 *                   the module's floor yardstick (zeroes with -init)
 *
 * A name ending in "-init" (pair-init, bulk8-init, ...) runs its benchmark
 * with init_on_alloc=1 (Debian's default): every allocation zeroes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#include "../../../hakmem_slab_inline.h"
#include "harness.h"
#include "shim.h"

#define WS	400
#define FIFO	10000

static inline unsigned long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000UL + ts.tv_nsec;
}

static unsigned int rnd_state = 12345;

static unsigned int rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static noinline void run_pair(struct hakmem_cache *s, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		void *p = hakmem_cache_alloc(s, GFP_KERNEL);

		WRITE_ONCE(*(char *)p, 1);	/* touch it, as a user would */
		hakmem_cache_free(s, p);
	}
}

static noinline void run_pair_inline(struct hakmem_cache *s, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		void *p = hakmem_cache_alloc_inline(s, GFP_KERNEL);

		WRITE_ONCE(*(char *)p, 1);
		hakmem_cache_free_inline(s, p);
	}
}

/* The module's floor (tools/hakmem_bench.c): no header, guard or counter. */
struct floor {
	unsigned int count;
	void *slot[64];
};

static DEFINE_PER_CPU(struct floor, floor_cpu);
static unsigned int floor_size;		/* bytes zeroed on allocation */

static noinline void run_floor(long n)
{
	struct floor *f;
	long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = NULL;
		preempt_disable();
		f = this_cpu_ptr(&floor_cpu);
		if (likely(f->count))
			p = f->slot[--f->count];
		preempt_enable();
		if (unlikely(!p))
			abort();
		if (floor_size)
			memset(p, 0, floor_size);
		WRITE_ONCE(*(char *)p, 1);
		preempt_disable();
		f = this_cpu_ptr(&floor_cpu);
		if (likely(f->count < 64))
			f->slot[f->count++] = p;
		preempt_enable();
	}
}

static noinline void run_batch(struct hakmem_cache *s, long n)
{
	void *p[32];
	long i;
	int j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < 32; j++)
			p[j] = hakmem_cache_alloc(s, GFP_KERNEL);
		for (j = 0; j < 32; j++)
			hakmem_cache_free(s, p[j]);
	}
}

#define BULK_MAX	128

static noinline void run_bulk(struct hakmem_cache *s, long n, size_t k)
{
	void *p[BULK_MAX];
	long i;

	for (i = 0; i < n; i++) {
		if (hakmem_cache_alloc_bulk(s, GFP_KERNEL, k, p) != k)
			harness_fail("bench", "bulk allocation failed");
		WRITE_ONCE(*(char *)p[0], 1);	/* touch one, as a user would */
		hakmem_cache_free_bulk(s, k, p);
	}
}

static noinline void run_fifo(struct hakmem_cache *s, void **q, long n)
{
	unsigned int head = 0;
	long i;

	for (i = 0; i < n; i++) {
		void *p = hakmem_cache_alloc(s, GFP_KERNEL);

		WRITE_ONCE(*(char *)p, 1);
		hakmem_cache_free(s, q[head]);
		q[head] = p;
		if (++head == FIFO)
			head = 0;
	}
}

static unsigned long cache_pages(struct hakmem_cache *s)
{
	struct hakmem_cache_info info;

	hakmem_cache_get_info(s, &info);
	return info.pages;
}

/* Return: operations (allocations and frees). */
static noinline long run_scatter(struct hakmem_cache *s, void **p, long n,
				 unsigned long *pages)
{
	long i, ops = 2 * n;

	for (i = 0; i < n; i++)
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
	pages[0] = cache_pages(s);
	for (i = 0; i < n; i++) {
		if (rnd() % 10) {
			hakmem_cache_free(s, p[i]);
			p[i] = NULL;
			ops += 2;
		}
	}
	for (i = 0; i < n; i++)
		if (!p[i])
			p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
	pages[1] = cache_pages(s);
	for (i = 0; i < n; i++)
		hakmem_cache_free(s, p[i]);
	return ops;
}

/* kmalloc-sweep's ranges, as bench_sweep_max[] in tools/hakmem_bench.c. */
static const unsigned int sweep_max[] = { 64, 256, 1024, 4096 };

static noinline void run_sweep(unsigned int lo, unsigned int hi, long n)
{
	unsigned int size = lo;
	long i;

	for (i = 0; i < n; i++) {
		void *p = hakmem_kmalloc(size, GFP_KERNEL);

		WRITE_ONCE(*(char *)p, 1);
		hakmem_kfree(p);
		size += 8;
		if (size > hi)
			size = lo;
	}
}

static noinline void run_fill_alloc(struct hakmem_cache *s, void **p, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		if (!p[i])
			harness_fail("bench", "fill: allocation failed");
		WRITE_ONCE(*(char *)p[i], 1);
	}
}

static noinline void run_fill_free(struct hakmem_cache *s, void **p, long n)
{
	long i;

	for (i = 0; i < n; i++)
		hakmem_cache_free(s, p[i]);
}

#define SHUFFLE_NR	512

static noinline void run_shuffle(struct hakmem_cache *s, void **p, long rounds)
{
	unsigned int i, step, off;
	long r;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < SHUFFLE_NR; i++) {
			p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
			WRITE_ONCE(*(char *)p[i], 1);
		}
		step = rnd() | 1;
		off = rnd();
		for (i = 0; i < SHUFFLE_NR; i++)
			hakmem_cache_free(s, p[(i * step + off) & (SHUFFLE_NR - 1)]);
	}
}

struct ws_step {
	unsigned short slot, size;
};

static noinline void run_ws(void **slots, const struct ws_step *st, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		hakmem_kfree(slots[st[i].slot]);
		slots[st[i].slot] = hakmem_kmalloc(st[i].size, GFP_KERNEL);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "pair";
	long n = argc > 2 ? atol(argv[2]) : 1000000, ops;
	struct hakmem_cache *s;
	unsigned long t0, t1;
	struct ws_step *steps = NULL;
	unsigned long pages[2] = { 0, 0 };
	void *slots[WS], **q;
	char base[32];
	size_t len;
	long i;

	shim_quiet = 1;
	/* Before the cache is created: it reads init_on_alloc then. */
	snprintf(base, sizeof(base), "%s", mode);
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, "-init")) {
		base[len - 5] = 0;
		shim_init_on_alloc = 1;
	}
	/*
	 * No idle-reclaim work: the shim would look for due works at every
	 * might_alloc(), which the kernel does not, and count it.
	 */
	harness_reclaim_ms = "0";
	harness_boot(1024, NULL);
	s = hakmem_cache_create("bench-256", 256, 0, 0, NULL);
	if (!s)
		harness_fail("bench", "cannot create the cache");

	if (!strcmp(base, "pair")) {
		run_pair(s, 10000);			/* warm up */
		ops = n;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_pair(s, n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
	} else if (!strcmp(base, "pair-inline")) {
		run_pair_inline(s, 10000);		/* warm up */
		ops = n;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_pair_inline(s, n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
	} else if (!strcmp(base, "floor")) {
		q = malloc(sizeof(*q));
		q[0] = hakmem_cache_alloc(s, GFP_KERNEL);
		floor_size = shim_init_on_alloc ? 256 : 0;
		preempt_disable();
		this_cpu_ptr(&floor_cpu)->slot[0] = q[0];
		this_cpu_ptr(&floor_cpu)->count = 1;
		preempt_enable();
		run_floor(10000);			/* warm up */
		ops = n;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_floor(n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
		hakmem_cache_free(s, q[0]);
		free(q);
	} else if (!strcmp(base, "batch")) {
		run_batch(s, 1000);
		ops = n * 32;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_batch(s, n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
	} else if (!strcmp(base, "ws400")) {
		steps = malloc((n + 20000) * sizeof(*steps));
		for (i = 0; i < n + 20000; i++) {
			steps[i].slot = rnd() % WS;
			steps[i].size = 16 + rnd() % (1024 - 16 + 1);
		}
		for (i = 0; i < WS; i++)
			slots[i] = hakmem_kmalloc(16 + rnd() % 1009, GFP_KERNEL);
		run_ws(slots, steps, 20000);		/* warm up */
		ops = n;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_ws(slots, steps + 20000, n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
		for (i = 0; i < WS; i++)
			hakmem_kfree(slots[i]);
	} else if (!strncmp(base, "bulk", 4) && atol(base + 4) > 0 &&
		   atol(base + 4) <= BULK_MAX) {
		size_t k = atol(base + 4);

		run_bulk(s, 1000, k);			/* warm up */
		ops = n * k;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_bulk(s, n, k);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
	} else if (!strcmp(base, "fifo")) {
		q = malloc(FIFO * sizeof(*q));
		for (i = 0; i < FIFO; i++)
			q[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		run_fifo(s, q, 20000);			/* warm up */
		ops = n;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_fifo(s, q, n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
		for (i = 0; i < FIFO; i++)
			hakmem_cache_free(s, q[i]);
		free(q);
	} else if (!strcmp(base, "scatter")) {
		q = malloc(n * sizeof(*q));
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		ops = run_scatter(s, q, n, pages);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
		printf("scatter pages_peak=%lu pages_refilled=%lu\n",
		       pages[0], pages[1]);
		free(q);
	} else if (!strncmp(base, "sweep", 5)) {
		unsigned int hi = atol(base + 5), lo = 8;

		for (i = 0; i < (long)ARRAY_SIZE(sweep_max); i++) {
			if (sweep_max[i] == hi)
				break;
			lo = sweep_max[i] + 8;
		}
		if (i == (long)ARRAY_SIZE(sweep_max))
			goto usage;
		run_sweep(lo, hi, 20000);		/* warm up */
		ops = n;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_sweep(lo, hi, n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
	} else if (!strcmp(base, "fill")) {
		struct hakmem_cache *f = hakmem_cache_create("bench-fill", 256,
							     0, 0, NULL);
		unsigned long t2, t3;

		q = malloc(n * sizeof(*q));
		if (!f || !q)
			harness_fail("bench", "fill: no cache or array");
		ops = 2 * n;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_fill_alloc(f, q, n);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_TOGGLE_COLLECT;
		t2 = now_ns();
		run_fill_free(f, q, n);
		t3 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
		printf("fill alloc_ns=%.2f free_ns=%.2f\n",
		       (double)(t1 - t0) / n, (double)(t3 - t2) / n);
		t1 += t3 - t2;
		/* Not destroyed: nothing runs the works it would wait for. */
		free(q);
	} else if (!strcmp(base, "shuffle")) {
		void *p[SHUFFLE_NR];
		long rounds = n / SHUFFLE_NR > 0 ? n / SHUFFLE_NR : 1;

		run_shuffle(s, p, 40);			/* warm up */
		ops = rounds * SHUFFLE_NR;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = now_ns();
		run_shuffle(s, p, rounds);
		t1 = now_ns();
		CALLGRIND_TOGGLE_COLLECT;
	} else {
usage:
		fprintf(stderr, "usage: %s MODE[-init] [N]; MODE: pair|batch|ws400|bulkK|fifo|\n"
			"       scatter|sweepM|fill|shuffle|pair-inline|floor\n", argv[0]);
		return 2;
	}
	printf("%s ops=%ld ns_per_op=%.2f\n", mode, ops, (double)(t1 - t0) / ops);
	if (shim_nr_bug_lines || shim_nr_warnings)
		harness_fail("bench", "%lu reports, %lu warnings", shim_nr_bug_lines,
			     shim_nr_warnings);
	free(steps);
	return 0;
}
