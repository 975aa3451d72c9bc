// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_stress: many objects, random patterns, several
 * threads.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

struct hakmem_test_many {
	unsigned int size;
	unsigned int count;
	enum hakmem_header_mode mode;
};

static const struct hakmem_test_many hakmem_test_manys[] = {
	{ 256, 20000, HAKMEM_HEADER_FULL },
	{ 256, 20000, HAKMEM_HEADER_LIGHT },
	{ 8, 5000, HAKMEM_HEADER_FULL },
	{ 8, 5000, HAKMEM_HEADER_LIGHT },
	{ 1024, 4000, HAKMEM_HEADER_FULL },
	{ 8192, 600, HAKMEM_HEADER_LIGHT },
	{ HAKMEM_MAX_OBJECT_SIZE, 300, HAKMEM_HEADER_FULL },
};

static void hakmem_test_many_desc(const struct hakmem_test_many *m,
				  char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u x %u bytes, %s", m->count,
		 m->size, hakmem_test_mode_name(m->mode));
}

KUNIT_ARRAY_PARAM(hakmem_test_many, hakmem_test_manys, hakmem_test_many_desc);

/*
 * Thousands of objects over many pages and segments, each stamped with its
 * index, all checked once all are allocated; distinct and not overlapping.
 * Once all are freed and the cache is shrunk, it holds no segment.
 */
static void hakmem_cache_alloc_handles_many_objects(struct kunit *test)
{
	const struct hakmem_test_many *m = test->param_value;
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	size_t i;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_many", m->size, 0, 0,
				    NULL, m->mode);
	p = hakmem_test_ptrs(test, m->count);
	for (i = 0; i < m->count; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "object %zu", i);
		hakmem_test_fill(p[i], m->size, i);
		if (!(i % 1024))
			cond_resched();
	}
	hakmem_test_check_all(test, p, m->count, m->size);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, m->count);
	KUNIT_EXPECT_GE(test, info.objects_total, m->count);
	KUNIT_EXPECT_GE(test, info.pages * PAGE_SIZE,
			(unsigned long)m->count * m->size);
	KUNIT_EXPECT_GE(test, info.segments, 1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_expect_disjoint(test, p, m->count, m->size);

	hakmem_test_free_all(test, s, p, m->count);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.segments, 0);
	KUNIT_EXPECT_EQ(test, info.pages, 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/* A random mix of allocations and frees over a working set. */
static void hakmem_cache_alloc_free_random_keeps_contents(struct kunit *test)
{
	const size_t nslots = 4096, iters = 200000;
	const unsigned int size = 96;
	struct hakmem_cache *s;
	size_t i, idx, bad = 0;
	struct rnd_state rnd;
	u32 *seeds;
	void **p;

	s = hakmem_test_create_param(test, "hakmem_test_random", size);
	p = hakmem_test_ptrs(test, nslots);
	seeds = kunit_kcalloc(test, nslots, sizeof(*seeds), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seeds);
	prandom_seed_state(&rnd, 42);

	for (i = 0; i < iters; i++) {
		idx = prandom_u32_state(&rnd) % nslots;
		if (p[idx]) {
			if (!hakmem_test_check(p[idx], size, seeds[idx]))
				bad++;
			hakmem_cache_free(s, p[idx]);
			p[idx] = NULL;
			continue;
		}
		p[idx] = hakmem_test_alloc(test, s);
		seeds[idx] = i;
		hakmem_test_fill(p[idx], size, i);
		if (!(i % 4096))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	for (idx = 0; idx < nslots; idx++) {
		if (p[idx] && !hakmem_test_check(p[idx], size, seeds[idx]))
			bad++;
		hakmem_cache_free(s, p[idx]);
		p[idx] = NULL;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/* A 400-slot working set of random sizes, some beyond the size classes. */
static void hakmem_kmalloc_random_sizes_keep_contents(struct kunit *test)
{
	const size_t nslots = 400, iters = 100000;
	struct hakmem_test_classes *classes;
	size_t idx, n, bad = 0;
	struct rnd_state rnd;
	size_t *sizes;
	u32 r, *seeds;
	void **p;

	classes = hakmem_test_snap_classes(test);
	p = hakmem_test_ptrs(test, nslots);
	seeds = kunit_kcalloc(test, nslots, sizeof(*seeds), GFP_KERNEL);
	sizes = kunit_kcalloc(test, nslots, sizeof(*sizes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seeds);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	prandom_seed_state(&rnd, 7);

	for (n = 0; n < iters; n++) {
		r = prandom_u32_state(&rnd);
		idx = r % nslots;
		if (p[idx]) {
			if (!hakmem_test_check(p[idx], sizes[idx], seeds[idx]))
				bad++;
			hakmem_kfree(p[idx]);
			p[idx] = NULL;
			continue;
		}
		r = prandom_u32_state(&rnd);
		if (!(r % 64))
			sizes[idx] = 1 + (r >> 8) % (64 * 1024);
		else
			sizes[idx] = 1 + (r >> 8) % 2048;
		seeds[idx] = n;
		p[idx] = hakmem_kmalloc(sizes[idx],
					r & 1 ? GFP_KERNEL : GFP_ATOMIC);
		KUNIT_ASSERT_NOT_NULL(test, p[idx]);
		hakmem_test_fill(p[idx], sizes[idx], n);
		if (!(n % 4096))
			cond_resched();
	}
	for (idx = 0; idx < nslots; idx++) {
		if (p[idx] && !hakmem_test_check(p[idx], sizes[idx],
						 seeds[idx]))
			bad++;
		hakmem_kfree(p[idx]);
		p[idx] = NULL;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	hakmem_test_expect_classes(test, classes);
}

/*
 * Threads (one per CPU, at least two) allocate, stamp and swap objects
 * through a shared table, so most objects are freed by another thread than
 * the one that allocated them, on SMP from another CPU.
 */
#define HAKMEM_TEST_THREADS_MAX		4
#define HAKMEM_TEST_THREAD_SLOTS	256
#define HAKMEM_TEST_THREAD_ITERS	20000

struct hakmem_test_slot {
	spinlock_t lock;	/* protects obj and seed */
	void *obj;
	u32 seed;
};

struct hakmem_test_shared {
	struct hakmem_cache *s;
	unsigned int size;
	struct hakmem_test_slot slots[HAKMEM_TEST_THREAD_SLOTS];
	atomic_t bad;
	atomic_t failed;
};

struct hakmem_test_worker {
	struct hakmem_test_shared *shared;
	struct completion done;
	unsigned int id;
	bool started;
};

static int hakmem_test_worker_fn(void *arg)
{
	struct hakmem_test_worker *w = arg;
	struct hakmem_test_shared *sh = w->shared;
	struct hakmem_test_slot *slot;
	struct rnd_state rnd;
	void *obj, *old;
	u32 seed, old_seed;
	unsigned int i;

	prandom_seed_state(&rnd, w->id + 1);
	for (i = 0; i < HAKMEM_TEST_THREAD_ITERS; i++) {
		seed = (w->id << 24) | i;

		/* one object allocated and freed right away */
		obj = hakmem_cache_alloc(sh->s, GFP_KERNEL);
		if (obj) {
			hakmem_test_fill(obj, sh->size, ~seed);
			if (!hakmem_test_check(obj, sh->size, ~seed))
				atomic_inc(&sh->bad);
			hakmem_cache_free(sh->s, obj);
		}

		/* and one swapped into the table */
		obj = hakmem_cache_alloc(sh->s, GFP_KERNEL);
		if (!obj) {
			atomic_inc(&sh->failed);
			continue;
		}
		hakmem_test_fill(obj, sh->size, seed);
		slot = &sh->slots[prandom_u32_state(&rnd) %
				  HAKMEM_TEST_THREAD_SLOTS];
		spin_lock(&slot->lock);
		old = slot->obj;
		old_seed = slot->seed;
		slot->obj = obj;
		slot->seed = seed;
		spin_unlock(&slot->lock);
		if (old) {
			if (!hakmem_test_check(old, sh->size, old_seed))
				atomic_inc(&sh->bad);
			hakmem_cache_free(sh->s, old);
		}
		if (!(i % 64))
			cond_resched();
	}
	complete(&w->done);
	return 0;
}

static void hakmem_cache_alloc_free_across_threads(struct kunit *test)
{
	struct hakmem_test_worker *workers;
	struct hakmem_test_shared *sh;
	unsigned int i, nr, started = 0;
	struct task_struct *task;
	size_t bad = 0;

	sh = kunit_kzalloc(test, sizeof(*sh), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sh);
	sh->s = hakmem_test_create_param(test, "hakmem_test_threads", 160);
	sh->size = 160;
	for (i = 0; i < HAKMEM_TEST_THREAD_SLOTS; i++)
		spin_lock_init(&sh->slots[i].lock);
	nr = clamp_t(unsigned int, num_online_cpus(), 2,
		     HAKMEM_TEST_THREADS_MAX);
	workers = kunit_kcalloc(test, nr, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);

	/* No assertion may abort the case until the threads are done. */
	for (i = 0; i < nr; i++) {
		workers[i].shared = sh;
		workers[i].id = i;
		init_completion(&workers[i].done);
		task = kthread_run(hakmem_test_worker_fn, &workers[i],
				   "hakmem_kunit/%u", i);
		workers[i].started = !IS_ERR(task);
		if (workers[i].started)
			started++;
	}
	for (i = 0; i < nr; i++)
		if (workers[i].started)
			wait_for_completion(&workers[i].done);

	KUNIT_EXPECT_EQ(test, started, nr);
	for (i = 0; i < HAKMEM_TEST_THREAD_SLOTS; i++) {
		if (!sh->slots[i].obj)
			continue;
		if (!hakmem_test_check(sh->slots[i].obj, sh->size,
				       sh->slots[i].seed))
			bad++;
		hakmem_cache_free(sh->s, sh->slots[i].obj);
		sh->slots[i].obj = NULL;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->failed), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(sh->s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(sh->s), 0);
	/* reports from the threads are not counted by the kunit resource */
	KUNIT_EXPECT_EQ(test, hakmem_test_errors_total(sh->s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(sh->s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(sh->s).segments, 0);
}

static struct kunit_case hakmem_stress_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_handles_many_objects,
			 hakmem_test_many_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_free_random_keeps_contents,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_kmalloc_random_sizes_keep_contents),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_free_across_threads,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_stress_suite = {
	.name = "hakmem_slab_stress",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_stress_cases,
};

kunit_test_suite(hakmem_stress_suite);
