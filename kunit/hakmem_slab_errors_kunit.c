// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_errors: bad frees are reported, counted and ignored.
 *
 * Each case checks that the bad call did not crash, made exactly one report
 * and moved exactly the right counter by one, did not free anything, did
 * not touch the memory it was given, and that the cache still works.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

/*
 * Free @ptr (not an object of @s) to @s and check that it is reported as
 * @item, that the @size bytes at @ptr are untouched and that nothing was
 * freed.
 */
static void hakmem_test_bad_free(struct kunit *test, struct hakmem_cache *s,
				 void *ptr, size_t size,
				 enum hakmem_stat_item item)
{
	unsigned long inuse = hakmem_test_inuse(s);
	struct hakmem_test_stats st;

	hakmem_test_fill(ptr, size, 0xbad);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, ptr);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, item);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST) +
			hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), inuse);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(ptr, size, 0xbad));
}

/*
 * Free @obj of @s, already free, and check that it is reported once as a
 * double free and that it frees nothing; @st is the snapshot from before.
 */
static void hakmem_test_double_free(struct kunit *test, struct hakmem_cache *s,
				    void *obj, struct hakmem_test_stats *st)
{
	unsigned long inuse = hakmem_test_inuse(s);

	hakmem_test_snap(s, st);
	hakmem_cache_free(s, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), inuse);
}

static void hakmem_cache_free_reports_kmalloc_pointer(struct kunit *test)
{
	struct hakmem_cache *s;
	void *obj, *foreign;

	s = hakmem_test_create_param(test, "hakmem_test_err_kmalloc", 256);
	obj = hakmem_test_alloc(test, s);
	foreign = kunit_kmalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);

	hakmem_test_bad_free(test, s, foreign, 256, HAKMEM_ERR_INVALID);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

/* A stack buffer of the caller's frame, so the compiler keeps it there. */
static noinline void hakmem_test_free_stack(struct kunit *test,
					    struct hakmem_cache *s)
{
	u64 buf[16];

	hakmem_test_bad_free(test, s, &buf[4], 64, HAKMEM_ERR_INVALID);
}

static void hakmem_cache_free_reports_stack_pointer(struct kunit *test)
{
	struct hakmem_cache *s;
	void *obj;

	s = hakmem_test_create_param(test, "hakmem_test_err_stack", 64);
	obj = hakmem_test_alloc(test, s);
	hakmem_test_free_stack(test, s);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

static void hakmem_test_vfree_action(void *p)
{
	vfree(p);
}

static void hakmem_cache_free_reports_vmalloc_pointer(struct kunit *test)
{
	struct hakmem_cache *s;
	void *obj, *v;

	s = hakmem_test_create_param(test, "hakmem_test_err_vmalloc", 128);
	obj = hakmem_test_alloc(test, s);
	v = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	hakmem_test_add_action(test, hakmem_test_vfree_action, v);

	hakmem_test_bad_free(test, s, v, PAGE_SIZE, HAKMEM_ERR_INVALID);
	hakmem_test_bad_free(test, s, v + 256, 256, HAKMEM_ERR_INVALID);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

/* A pointer into a hakmem_kmalloc() allocation from the page allocator. */
static void hakmem_cache_free_reports_large_kmalloc_pointer(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj, *big;

	s = hakmem_test_create(test, "hakmem_test_err_large", 128, 0, 0,
			       NULL);
	obj = hakmem_test_alloc(test, s);
	big = hakmem_kmalloc(16 * 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);

	hakmem_test_fill(big, 16 * 1024, 1);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, big);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	/* not an object of any cache: invalid or wrong cache, once */
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ERR_INVALID) +
			hakmem_test_delta(s, &st, HAKMEM_ERR_WRONG_CACHE), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_errors_total(s), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(big, 16 * 1024, 1));
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
	hakmem_kfree(big);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

static void hakmem_cache_free_reports_interior_pointer(struct kunit *test)
{
	static const unsigned int offsets[] = { 8, 16, 100, 248 };
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	size_t i;
	u8 *obj;

	s = hakmem_test_create_param(test, "hakmem_test_err_interior", 256);
	obj = hakmem_test_alloc(test, s);
	hakmem_test_fill(obj, 256, 7);

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		hakmem_test_snap(s, &st);
		hakmem_cache_free(s, obj + offsets[i]);
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_take_reports(), 1,
				    "offset %u", offsets[i]);
		hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_HEADER);
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(obj, 256, 7));
	}

	/* the object is still live and is freed once, without complaint */
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, obj);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);
}

static void hakmem_test_wrong_cache(struct kunit *test, unsigned int size_b)
{
	enum hakmem_header_mode mode = hakmem_test_mode(test);
	struct hakmem_test_stats sta, stb;
	struct hakmem_cache *a, *b;
	void *obj, *other;

	a = hakmem_test_create_mode(test, "hakmem_test_err_cache_a", 128, 0,
				    0, NULL, mode);
	b = hakmem_test_create_mode(test, "hakmem_test_err_cache_b", size_b,
				    0, 0, NULL, mode);
	obj = hakmem_test_alloc(test, a);
	other = hakmem_test_alloc(test, b);
	hakmem_test_fill(obj, 128, 3);

	hakmem_test_snap(a, &sta);
	hakmem_test_snap(b, &stb);
	hakmem_cache_free(b, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, b, &stb, HAKMEM_ERR_WRONG_CACHE);
	hakmem_test_expect_errors(test, a, &sta, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(a), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(b), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(obj, 128, 3));

	/* the object still belongs to a */
	hakmem_cache_free(a, obj);
	hakmem_test_expect_errors(test, a, &sta, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(a), 0);
	hakmem_cache_free(b, other);
	hakmem_test_exercise(test, a);
	hakmem_test_exercise(test, b);
}

static void hakmem_cache_free_reports_wrong_cache(struct kunit *test)
{
	hakmem_test_wrong_cache(test, 128);
}

static void hakmem_cache_free_reports_wrong_cache_size(struct kunit *test)
{
	hakmem_test_wrong_cache(test, 512);
}

/* free a; free a */
static void hakmem_cache_free_reports_immediate_double_free(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *a, *b;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_param(test, "hakmem_test_err_double", 64);
	a = hakmem_test_alloc(test, s);
	b = hakmem_test_alloc(test, s);
	hakmem_cache_free(s, a);
	hakmem_test_double_free(test, s, a, &st);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
	hakmem_cache_free(s, b);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	/* a is handed out once only */
	hakmem_test_exercise(test, s);
}

/* In HAKMEM_HEADER_FULL mode every double free is caught. */
static void hakmem_cache_free_reports_any_double_free_in_full_mode(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	const size_t n = 1000;
	void *a, *b;
	size_t i;
	void **p;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_double_full", 64, 0,
				    0, NULL, HAKMEM_HEADER_FULL);
	p = hakmem_test_ptrs(test, n);

	/* alloc a, b; free a; free b; free a */
	a = hakmem_test_alloc(test, s);
	b = hakmem_test_alloc(test, s);
	hakmem_cache_free(s, a);
	hakmem_cache_free(s, b);
	hakmem_test_double_free(test, s, a, &st);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);

	/*
	 * And once many other frees have flushed a out of the per-CPU stack
	 * to its page (which keeps objects in use: every other one is).
	 */
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	a = p[n / 2 + 1];
	for (i = 1; i < n; i += 2) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	hakmem_test_double_free(test, s, a, &st);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), n / 2);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, p, n);
	hakmem_test_exercise(test, s);
}

/*
 * A free of an object of the heap's older segment goes straight to its page
 * once the per-CPU stack is half full.  A light-mode double free of such an
 * object, after its whole page came back, is caught there: reported, and
 * not counted as a free.
 */
static void hakmem_cache_free_rejects_late_double_free_of_older_segment(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache_info info;
	unsigned long seg_size, page_mask;
	struct hakmem_cache *s;
	size_t i, n, max, first_new = 0;
	void **p;
	void *a;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_double_old", 64,
				    0, 0, NULL, HAKMEM_HEADER_LIGHT);
	info = hakmem_test_info(s);
	page_mask = ~((PAGE_SIZE << info.slab_order) - 1);
	max = 3 * (PAGE_SIZE << info.segment_order) / info.size;
	p = hakmem_test_ptrs(test, max);

	/* fill the first segment, then 300 objects of a second one */
	for (n = 0; n < max; n++) {
		p[n] = hakmem_test_alloc(test, s);
		if (!first_new &&
		    hakmem_test_seg_base(p[n], &seg_size) !=
		    hakmem_test_seg_base(p[0], &seg_size))
			first_new = n;
		if (first_new && n == first_new + 300)
			break;
	}
	KUNIT_ASSERT_NE(test, first_new, 0);
	KUNIT_ASSERT_LT(test, n, max);
	n++;

	/* half fill the per-CPU stack with objects of the new segment */
	for (i = first_new; i < first_new + 200; i++) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	/* give a's whole page back: each free goes straight to it */
	a = p[0];
	for (i = 0; i < first_new; i++) {
		if (((unsigned long)p[i] & page_mask) !=
		    ((unsigned long)a & page_mask))
			continue;
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);

	hakmem_test_double_free(test, s, a, &st);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST) +
			hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_all(test, s, p, n);
}

/*
 * In HAKMEM_HEADER_FULL mode, a double free of an object whose page has
 * become empty (and was given back to its segment, which other objects keep)
 * is a double free too.
 */
static void hakmem_cache_free_reports_double_free_on_empty_page(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	unsigned int shift;
	size_t i, n;
	void **p;
	void *a;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_double_page", 64,
				    0, 0, NULL, HAKMEM_HEADER_FULL);
	shift = PAGE_SHIFT + hakmem_test_info(s).slab_order;
	n = 4 * hakmem_test_objs_per_slab(s);
	p = hakmem_test_alloc_objs(test, s, n);

	/* free all objects of a's page, and flush them to it */
	a = p[0];
	for (i = 0; i < n; i++) {
		if ((unsigned long)p[i] >> shift != (unsigned long)a >> shift)
			continue;
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_GE(test, hakmem_test_info(s).segments, 1);

	hakmem_test_double_free(test, s, a, &st);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_all(test, s, p, n);
	hakmem_test_exercise(test, s);
}

/*
 * Destroying a cache with live objects reports them once and keeps their
 * memory: the leaked objects stay usable (KASAN would catch it otherwise)
 * and are leaked on purpose.
 */
static void hakmem_cache_destroy_reports_leaked_objects(struct kunit *test)
{
	enum hakmem_header_mode mode = hakmem_test_mode(test);
	struct hakmem_cache *s;
	const size_t n = 10;
	size_t i;
	void **p;

	s = hakmem_test_create_mode(test, mode == HAKMEM_HEADER_FULL ?
				    "hakmem_test_leak_full" :
				    "hakmem_test_leak_light",
				    200, 0, 0, NULL, mode);
	p = hakmem_test_alloc_objs(test, s, n);
	for (i = 0; i < n; i += 2)
		hakmem_cache_free(s, p[i]);

	hakmem_test_destroy(test, s);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	for (i = 1; i < n; i += 2) {
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(p[i], 200, i));
		hakmem_test_fill(p[i], 200, i + 1000);
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(p[i], 200, i + 1000));
	}
}

static noinline void hakmem_test_kfree_stack(struct kunit *test)
{
	u64 buf[16];

	hakmem_test_fill(&buf[4], 64, 5);
	hakmem_kfree(&buf[4]);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(&buf[4], 64, 5));
}

/* The report of hakmem_kfree() is counted on the global statistics. */
static void hakmem_kfree_reports_foreign_pointer(struct kunit *test)
{
	void *foreign, *v;

	foreign = kunit_kmalloc(test, 128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	hakmem_test_fill(foreign, 128, 1);
	hakmem_kfree(foreign);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(foreign, 128, 1));

	v = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	hakmem_test_add_action(test, hakmem_test_vfree_action, v);
	hakmem_test_fill(v, PAGE_SIZE, 2);
	hakmem_kfree(v);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(v, PAGE_SIZE, 2));

	hakmem_test_kfree_stack(test);
	KUNIT_EXPECT_TRUE(test, hakmem_test_kmalloc_one(test, 128,
							GFP_KERNEL));
}

static void hakmem_ksize_returns_zero_for_foreign_pointer(struct kunit *test)
{
	void *foreign = kunit_kmalloc(test, 128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(foreign), 0);
	/* whether that is reported is not specified */
	hakmem_test_take_reports();
}

static void hakmem_kfree_reports_interior_pointer(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *c;
	u8 *p;

	c = hakmem_kmalloc_cache(256);
	KUNIT_ASSERT_NOT_NULL(test, c);
	p = hakmem_kmalloc(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_test_fill(p, 256, 9);
	hakmem_test_snap(c, &st);
	hakmem_kfree(p + 16);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, c, &st, HAKMEM_ERR_HEADER);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(p, 256, 9));
	KUNIT_EXPECT_EQ(test, hakmem_ksize(p), hakmem_cache_size(c));
	hakmem_kfree(p);
	hakmem_test_expect_errors(test, c, &st, HAKMEM_ERR_HEADER);
}

static void hakmem_kfree_reports_double_free(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *c;
	unsigned long inuse;
	void *p;

	hakmem_test_pin_cpu(test);
	c = hakmem_kmalloc_cache(128);
	KUNIT_ASSERT_NOT_NULL(test, c);
	inuse = hakmem_test_inuse(c);
	p = hakmem_kmalloc(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_kfree(p);
	hakmem_test_snap(c, &st);
	hakmem_kfree(p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, c, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(c), inuse);
	hakmem_test_exercise(test, c);
}

/*
 * hakmem_kfree() remembers the segments it proved; once the segment is
 * given back, a free of a pointer into it must be looked up again and
 * reported, even while its memory still holds a valid-looking header.
 */
static void hakmem_kfree_reports_pointer_into_freed_segment(struct kunit *test)
{
	struct hakmem_cache *s;
	void *p;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create(test, "hakmem_test_err_seg_gone", 128, 0, 0,
			       NULL);
	p = hakmem_test_alloc(test, s);
	hakmem_kfree(p);	/* proves the segment */
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_cache_shrink(s);
	KUNIT_ASSERT_EQ(test, hakmem_test_info(s).segments, 0);
	hakmem_kfree(p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);
}

static struct kunit_case hakmem_errors_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_kmalloc_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_stack_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_vmalloc_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_free_reports_large_kmalloc_pointer),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_interior_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_wrong_cache,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_wrong_cache_size,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_immediate_double_free,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_free_reports_any_double_free_in_full_mode),
	KUNIT_CASE(hakmem_cache_free_reports_double_free_on_empty_page),
	KUNIT_CASE(hakmem_cache_free_rejects_late_double_free_of_older_segment),
	KUNIT_CASE_PARAM(hakmem_cache_destroy_reports_leaked_objects,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_kfree_reports_foreign_pointer),
	KUNIT_CASE(hakmem_ksize_returns_zero_for_foreign_pointer),
	KUNIT_CASE(hakmem_kfree_reports_interior_pointer),
	KUNIT_CASE(hakmem_kfree_reports_double_free),
	KUNIT_CASE(hakmem_kfree_reports_pointer_into_freed_segment),
	{}
};

static struct kunit_suite hakmem_errors_suite = {
	.name = "hakmem_slab_errors",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_errors_cases,
};

kunit_test_suite(hakmem_errors_suite);
