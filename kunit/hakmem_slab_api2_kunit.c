// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the rest of the kmem_cache/kmalloc interface: node
 * placement, the kmalloc family (kzalloc, kcalloc, kmalloc_array, krealloc,
 * kfree_sensitive), RCU frees and usercopy regions, each at its edges (0,
 * NULL, overflow, shrinking, the grace period).
 *
 * Node placement is checked on every node with normal memory: one on UML
 * and on plain x86_64, two under tools/kunit.sh x86_64-numa.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

#define HK_API2_NODE_OBJS	300

struct hk_api2_obj {
	u64 a[4];
	struct rcu_head rcu;
	u64 b[2];
};

static unsigned long hk_api2_class_inuse(size_t size)
{
	return hakmem_test_inuse(hakmem_kmalloc_cache(size));
}

static bool hk_api2_all(const void *p, u8 value, size_t from, size_t to)
{
	const u8 *b = p;
	size_t i;

	for (i = from; i < to; i++)
		if (b[i] != value)
			return false;
	return true;
}

/* kmalloc(0) and its family: ZERO_SIZE_PTR, which every free takes. */
static void hakmem_kmalloc_zero_size_returns_zero_size_ptr(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, hakmem_kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_kzalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_kmalloc_node(0, GFP_KERNEL, 0),
			    ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_kmalloc_array(0, 8, GFP_KERNEL),
			    ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_kcalloc(8, 0, GFP_KERNEL),
			    ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(ZERO_SIZE_PTR), (size_t)0);
	hakmem_kfree(ZERO_SIZE_PTR);
	hakmem_kfree_sensitive(ZERO_SIZE_PTR);
	hakmem_kfree_sensitive(NULL);
	hakmem_kfree_rcu_mightsleep(ZERO_SIZE_PTR);
}

/* n * size that overflows: NULL, nothing allocated. */
static void hakmem_kmalloc_array_overflow_returns_null(struct kunit *test)
{
	unsigned long before = hk_api2_class_inuse(8);
	void *p;

	KUNIT_EXPECT_NULL(test, hakmem_kmalloc_array(SIZE_MAX / 2 + 1, 2,
						     GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_kmalloc_array(2, SIZE_MAX, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_kcalloc(SIZE_MAX / 8 + 1, 8,
					       GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(8), before);

	p = hakmem_kmalloc_array(10, 24, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, hakmem_ksize(p), (size_t)240);
	hakmem_kfree(p);
}

/* kzalloc() and kcalloc() zero the whole usable size. */
static void hakmem_kzalloc_dirty_object_comes_zeroed(struct kunit *test)
{
	void *p = hakmem_kmalloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xa5, hakmem_ksize(p));
	hakmem_kfree(p);
	p = hakmem_kzalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, hk_api2_all(p, 0, 0, hakmem_ksize(p)));
	memset(p, 0xa5, hakmem_ksize(p));
	hakmem_kfree(p);
	p = hakmem_kcalloc(4, 25, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, hk_api2_all(p, 0, 0, hakmem_ksize(p)));
	hakmem_kfree(p);
	/* A large one, from the page allocator. */
	p = hakmem_kzalloc(3 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, hk_api2_all(p, 0, 0, 3 * PAGE_SIZE));
	hakmem_kfree(p);
}

/* krealloc(NULL or ZERO_SIZE_PTR, n) is kmalloc(n). */
static void hakmem_krealloc_null_allocates(struct kunit *test)
{
	void *p = hakmem_krealloc(NULL, 40, GFP_KERNEL);
	void *q = hakmem_krealloc(ZERO_SIZE_PTR, 10, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(p), (size_t)48);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(q), (size_t)16);
	hakmem_kfree(p);
	hakmem_kfree(q);
}

/* krealloc(p, 0) frees p and returns ZERO_SIZE_PTR. */
static void hakmem_krealloc_zero_size_frees(struct kunit *test)
{
	unsigned long before = hk_api2_class_inuse(100);
	void *p = hakmem_kmalloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(100), before + 1);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_krealloc(p, 0, GFP_KERNEL),
			    ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(100), before);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_krealloc(NULL, 0, GFP_KERNEL),
			    ZERO_SIZE_PTR);
}

/* A size the object already holds keeps the object, smaller or not. */
static void hakmem_krealloc_same_class_returns_same_pointer(struct kunit *test)
{
	u8 *p = hakmem_kmalloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x3c, 100);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_krealloc(p, 128, GFP_KERNEL),
			    (void *)p);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_krealloc(p, 97, GFP_KERNEL),
			    (void *)p);
	KUNIT_EXPECT_TRUE(test, hk_api2_all(p, 0x3c, 0, 97));
	KUNIT_EXPECT_PTR_EQ(test, hakmem_krealloc(p, 1, GFP_KERNEL),
			    (void *)p);
	KUNIT_EXPECT_EQ(test, p[0], 0x3c);
	/* From 6.11, with init_on_alloc, the spare bytes are zeroed. */
	KUNIT_EXPECT_TRUE(test, hk_api2_all(p, HK_KREALLOC_ZERO_SPARE &&
					    want_init_on_alloc(GFP_KERNEL) ?
					    0 : 0x3c, 1, 97));
	hakmem_kfree(p);
}

/* Growth copies the usable size into a new object and frees the old one. */
static void hakmem_krealloc_growth_copies_and_frees(struct kunit *test)
{
	unsigned long before = hk_api2_class_inuse(128);
	u8 *p = hakmem_kmalloc(100, GFP_KERNEL);
	u8 *q, *r;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 128; i++)
		p[i] = i;
	q = hakmem_krealloc(p, 1000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(q), (size_t)1024);
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(128), before);
	for (i = 0; i < 128; i++)
		if (q[i] != i)
			break;
	KUNIT_EXPECT_EQ(test, i, 128U);
	/* To the page allocator and back. */
	r = hakmem_krealloc(q, 5 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(r), 8 * PAGE_SIZE);
	for (i = 0; i < 128; i++)
		if (r[i] != i)
			break;
	KUNIT_EXPECT_EQ(test, i, 128U);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_krealloc(r, 6 * PAGE_SIZE, GFP_KERNEL),
			    (void *)r);
	hakmem_kfree(r);
}

/*
 * __GFP_ZERO: growth zeroes what the copy does not cover; a kept object's
 * spare bytes are zeroed from 6.11 on, as krealloc() does there.
 */
static void hakmem_krealloc_gfp_zero_zeroes_new_bytes(struct kunit *test)
{
	u8 *p = hakmem_kzalloc(100, GFP_KERNEL);
	u8 *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x77, 100);
	q = hakmem_krealloc(p, 600, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, hk_api2_all(q, 0x77, 0, 100));
	KUNIT_EXPECT_TRUE(test, hk_api2_all(q, 0, 100, hakmem_ksize(q)));
	memset(q, 0x77, hakmem_ksize(q));
	KUNIT_ASSERT_PTR_EQ(test, hakmem_krealloc(q, 520, GFP_KERNEL | __GFP_ZERO),
			    (void *)q);
	KUNIT_EXPECT_TRUE(test, hk_api2_all(q, 0x77, 0, 520));
	KUNIT_EXPECT_TRUE(test, hk_api2_all(q, HK_KREALLOC_ZERO_SPARE ? 0 : 0x77,
					    520, hakmem_ksize(q)));
	hakmem_kfree(q);
}

/* A pointer inside an object is reported, and nothing changes. */
static void hakmem_krealloc_reports_interior_pointer(struct kunit *test)
{
	unsigned long before = hk_api2_class_inuse(100);
	u8 *p = hakmem_kmalloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, hakmem_krealloc(p + 8, 200, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(100), before + 1);
	hakmem_kfree(p);
}

/*
 * kfree_sensitive() clears the whole usable size: the next allocation from
 * the class gets the same slot, and no byte of it (but the free-list link
 * word) kept the secret.
 */
static void hakmem_kfree_sensitive_clears_usable_size(struct kunit *test)
{
	u8 *p = hakmem_kmalloc(100, GFP_KERNEL);
	u8 *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xee, hakmem_ksize(p));
	hakmem_kfree_sensitive(p);
	q = hakmem_kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	if (q == p)
		KUNIT_EXPECT_TRUE(test, hk_api2_all(q, 0, sizeof(void *),
						    hakmem_ksize(q)));
	else
		kunit_info(test, "slot not reused; nothing to check");
	hakmem_kfree(q);
}

/*
 * hakmem_cache_free_rcu(): the object stays allocated and intact while a
 * reader that may have seen it runs, and is freed after the grace period.
 */
static void hakmem_cache_free_rcu_frees_after_grace_period(struct kunit *test)
{
	struct hakmem_cache *s = hakmem_test_create(test, "hakmem_test_api2_rcu",
						    sizeof(struct hk_api2_obj),
						    0, 0, NULL);
	struct hk_api2_obj *o = hakmem_cache_alloc(s, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, o);
	for (i = 0; i < ARRAY_SIZE(o->a); i++)
		o->a[i] = 0x1111 * (i + 1);
	o->b[0] = 0xb0;
	o->b[1] = 0xb1;
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1UL);

	rcu_read_lock();
	hakmem_cache_free_rcu(s, o, rcu);
	/* No grace period can end inside the read-side section. */
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1UL);
	for (i = 0; i < ARRAY_SIZE(o->a); i++)
		KUNIT_EXPECT_EQ(test, o->a[i], 0x1111ULL * (i + 1));
	KUNIT_EXPECT_EQ(test, o->b[0], 0xb0ULL);
	KUNIT_EXPECT_EQ(test, o->b[1], 0xb1ULL);
	rcu_read_unlock();

	rcu_barrier();
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	/* NULL is a no-op. */
	o = NULL;
	hakmem_cache_free_rcu(s, o, rcu);
}

/* hakmem_kfree_rcu(): the same for hakmem_kmalloc() memory, small and large. */
static void hakmem_kfree_rcu_frees_after_grace_period(struct kunit *test)
{
	size_t size = sizeof(struct hk_api2_obj);
	unsigned long before = hk_api2_class_inuse(size);
	struct hk_api2_obj *o = hakmem_kmalloc(size, GFP_KERNEL);
	struct hk_api2_obj *big = hakmem_kmalloc(4 * PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_ASSERT_NOT_NULL(test, big);
	o->a[0] = 42;
	rcu_read_lock();
	hakmem_kfree_rcu(o, rcu);
	hakmem_kfree_rcu(big, rcu);
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(size), before + 1);
	KUNIT_EXPECT_EQ(test, o->a[0], 42ULL);
	rcu_read_unlock();
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(size), before);
}

/* The headless form waits for a grace period itself. */
static void hakmem_kfree_rcu_mightsleep_frees_at_once(struct kunit *test)
{
	unsigned long before = hk_api2_class_inuse(64);
	void *p = hakmem_kmalloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_kfree_rcu_mightsleep(p);
	KUNIT_EXPECT_EQ(test, hk_api2_class_inuse(64), before);
}

/* An RCU free to the wrong cache is reported and frees nothing. */
static void hakmem_cache_free_rcu_reports_wrong_cache(struct kunit *test)
{
	struct hakmem_cache *s = hakmem_test_create(test, "hakmem_test_err_rcu_a",
						    sizeof(struct hk_api2_obj),
						    0, 0, NULL);
	struct hakmem_cache *t = hakmem_test_create(test, "hakmem_test_err_rcu_b",
						    sizeof(struct hk_api2_obj),
						    0, 0, NULL);
	struct hk_api2_obj *o = hakmem_cache_alloc(s, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, o);
	hakmem_cache_free_rcu(t, o, rcu);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1UL);
	hakmem_cache_free(s, o);
}

/* Destroy waits for the RCU frees still pending: no leak is reported. */
static void hakmem_cache_destroy_waits_for_rcu_frees(struct kunit *test)
{
	struct hakmem_cache *s = hakmem_test_create(test,
						    "hakmem_test_api2_rcu_destroy",
						    sizeof(struct hk_api2_obj),
						    0, 0, NULL);
	struct hk_api2_obj *o[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(o); i++) {
		o[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		if (!o[i])
			break;
	}
	while (i--)
		hakmem_cache_free_rcu(s, o[i], rcu);
	hakmem_test_destroy(test, s);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
}

/* The info of a 64-byte cache asking for a usercopy region. */
static struct hakmem_cache_info hk_api2_usercopy(struct kunit *test,
						 const char *name,
						 unsigned int useroffset,
						 unsigned int usersize)
{
	struct hakmem_cache *s;

	s = hakmem_cache_create_usercopy(name, 64, 0, 0, useroffset, usersize,
					 NULL);
	return hakmem_test_info(hakmem_test_adopt(test, s));
}

/* The usercopy region is kept as SLUB keeps it, or dropped if it is bad. */
static void hakmem_cache_create_usercopy_keeps_valid_region(struct kunit *test)
{
	bool hardened = IS_ENABLED(CONFIG_HARDENED_USERCOPY);
	struct hakmem_cache *s;
	struct hakmem_cache_info info;

	info = hk_api2_usercopy(test, "hakmem_test_api2_uc", 8, 16);
	KUNIT_EXPECT_EQ(test, info.useroffset, hardened ? 8U : 0U);
	KUNIT_EXPECT_EQ(test, info.usersize, hardened ? 16U : 0U);

	/* The region ends past the object: fail closed. */
	info = hk_api2_usercopy(test, "hakmem_test_api2_uc_bad", 60, 8);
	KUNIT_EXPECT_EQ(test, info.useroffset, 0U);
	KUNIT_EXPECT_EQ(test, info.usersize, 0U);

	/* An offset without a size. */
	info = hk_api2_usercopy(test, "hakmem_test_api2_uc_nosize", 8, 0);
	KUNIT_EXPECT_EQ(test, info.useroffset, 0U);
	KUNIT_EXPECT_EQ(test, info.usersize, 0U);

	/* The kmalloc caches: the whole object, as kmalloc()'s. */
	info = hakmem_test_info(hakmem_kmalloc_cache(64));
	KUNIT_EXPECT_EQ(test, info.usersize, hardened ? 64U : 0U);

	/* hakmem_cache_create(): none. */
	s = hakmem_test_create(test, "hakmem_test_api2_uc_none", 64, 0, 0, NULL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).usersize, 0U);
}

/* SLAB_ACCOUNT is refused at create, with a pr_err() naming it. */
static void hakmem_cache_create_refuses_slab_account(struct kunit *test)
{
	struct hakmem_cache *s;

	if (!SLAB_ACCOUNT)
		kunit_skip(test, "SLAB_ACCOUNT is 0 without CONFIG_MEMCG_KMEM");
	s = hakmem_cache_create("hakmem_test_err_account", 64, 0, SLAB_ACCOUNT,
				NULL);
	KUNIT_EXPECT_NULL(test, s);
	hakmem_cache_destroy(s);
}

/* __GFP_ACCOUNT allocates (charged only for large sizes), never fails. */
static void hakmem_kmalloc_gfp_account_allocates(struct kunit *test)
{
	struct hakmem_cache *s = hakmem_test_create(test, "hakmem_test_api2_acct",
						    64, 0, 0, NULL);
	void *p = hakmem_kmalloc(64, GFP_KERNEL_ACCOUNT);
	void *big = hakmem_kmalloc(3 * PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	void *o = hakmem_cache_alloc(s, GFP_KERNEL_ACCOUNT);

	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, big);
	KUNIT_EXPECT_NOT_NULL(test, o);
	hakmem_kfree(p);
	hakmem_kfree(big);
	hakmem_cache_free(s, o);
}

/* SLAB_NO_USER_FLAGS keeps the debug= parameter off, as slub_debug=. */
static void hakmem_cache_create_no_user_flags_skips_debug_param(struct kunit *test)
{
	struct hakmem_cache *s, *t;

	hakmem_test_debug_param(test, SLAB_POISON);
	s = hakmem_test_create(test, "hakmem_test_api2_user", 64, 0, 0, NULL);
	t = hakmem_test_create(test, "hakmem_test_api2_nouser", 64, 0,
			       SLAB_NO_USER_FLAGS, NULL);
	KUNIT_EXPECT_TRUE(test, hakmem_test_info(s).flags & SLAB_POISON);
	KUNIT_EXPECT_FALSE(test, hakmem_test_info(t).flags & SLAB_POISON);
}

/* NUMA_NO_NODE and a node that does not exist are no constraint. */
static void hakmem_cache_alloc_node_no_node_takes_normal_path(struct kunit *test)
{
	struct hakmem_cache *s = hakmem_test_create(test, "hakmem_test_api2_nonode",
						    64, 0, 0, NULL);
	void *p = hakmem_cache_alloc_node(s, GFP_KERNEL, NUMA_NO_NODE);
	void *q = hakmem_cache_alloc_node(s, GFP_KERNEL, MAX_NUMNODES + 3);
	void *r = hakmem_kmalloc_node(64, GFP_KERNEL, -5);
	void *big = hakmem_kmalloc_node(3 * PAGE_SIZE, GFP_KERNEL,
					MAX_NUMNODES + 3);

	KUNIT_ASSERT_NOT_NULL(test, big);
	hakmem_kfree(big);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ALLOC_LOCKED), 0ULL);
	hakmem_cache_free(s, p);
	hakmem_cache_free(s, q);
	hakmem_kfree(r);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0UL);
}

/*
 * Every node with normal memory: objects (and large hakmem_kmalloc_node()
 * memory) come from that node's pages, frees from this CPU give them back,
 * and the cache validates and shrinks to nothing.
 */
static void hakmem_cache_alloc_node_places_on_each_node(struct kunit *test)
{
	struct hakmem_cache *s = hakmem_test_create(test, "hakmem_test_api2_node",
						    192, 0, 0, NULL);
	void **p = hakmem_test_ptrs(test, HK_API2_NODE_OBJS);
	unsigned int i, nodes = 0;
	int node;

	kunit_info(test, "hakmem_numa: %u nodes with normal memory, this CPU on node %d",
		   num_node_state(N_NORMAL_MEMORY), numa_mem_id());
	for_each_node_state(node, N_NORMAL_MEMORY) {
		unsigned int wrong = 0;
		void *big, *small;

		nodes++;
		for (i = 0; i < HK_API2_NODE_OBJS; i++) {
			p[i] = hakmem_cache_alloc_node(s, GFP_KERNEL, node);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
			wrong += page_to_nid(virt_to_page(p[i])) != node;
		}
		KUNIT_EXPECT_EQ_MSG(test, wrong, 0U, "node %d", node);
		small = hakmem_kmalloc_node(500, GFP_KERNEL, node);
		big = hakmem_kmalloc_node(3 * PAGE_SIZE, GFP_KERNEL, node);
		KUNIT_ASSERT_NOT_NULL(test, small);
		KUNIT_ASSERT_NOT_NULL(test, big);
		KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(small)), node);
		KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(big)), node);
		hakmem_kfree(small);
		hakmem_kfree(big);
		KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
		for (i = 0; i < HK_API2_NODE_OBJS; i++)
			hakmem_cache_free(s, p[i]);
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0UL);
		KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	}
	KUNIT_EXPECT_GE(test, nodes, 1U);
	hakmem_cache_shrink(s);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0UL);
}

static struct kunit_case hakmem_api2_cases[] = {
	KUNIT_CASE(hakmem_kmalloc_zero_size_returns_zero_size_ptr),
	KUNIT_CASE(hakmem_kmalloc_array_overflow_returns_null),
	KUNIT_CASE(hakmem_kzalloc_dirty_object_comes_zeroed),
	KUNIT_CASE(hakmem_krealloc_null_allocates),
	KUNIT_CASE(hakmem_krealloc_zero_size_frees),
	KUNIT_CASE(hakmem_krealloc_same_class_returns_same_pointer),
	KUNIT_CASE(hakmem_krealloc_growth_copies_and_frees),
	KUNIT_CASE(hakmem_krealloc_gfp_zero_zeroes_new_bytes),
	KUNIT_CASE(hakmem_krealloc_reports_interior_pointer),
	KUNIT_CASE(hakmem_kfree_sensitive_clears_usable_size),
	KUNIT_CASE(hakmem_cache_free_rcu_frees_after_grace_period),
	KUNIT_CASE(hakmem_kfree_rcu_frees_after_grace_period),
	KUNIT_CASE(hakmem_kfree_rcu_mightsleep_frees_at_once),
	KUNIT_CASE(hakmem_cache_free_rcu_reports_wrong_cache),
	KUNIT_CASE(hakmem_cache_destroy_waits_for_rcu_frees),
	KUNIT_CASE(hakmem_cache_create_usercopy_keeps_valid_region),
	KUNIT_CASE(hakmem_cache_create_refuses_slab_account),
	KUNIT_CASE(hakmem_kmalloc_gfp_account_allocates),
	KUNIT_CASE(hakmem_cache_create_no_user_flags_skips_debug_param),
	KUNIT_CASE(hakmem_cache_alloc_node_no_node_takes_normal_path),
	KUNIT_CASE(hakmem_cache_alloc_node_places_on_each_node),
	{}
};

static struct kunit_suite hakmem_api2_suite = {
	.name = "hakmem_slab_api2",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_api2_cases,
};

kunit_test_suite(hakmem_api2_suite);
