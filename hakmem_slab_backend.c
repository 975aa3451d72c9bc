// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_slab backend mode: hakmem_slab serves the kernel's own slab caches
 * (kmem_cache_*(), kmalloc()) in place of SLUB, cache by cache.
 *
 * Built only into a Linux 6.12 tree patched with tools/kernel-patches/6.12
 * (CONFIG_HAKMEM_SLAB_BACKEND, which needs CONFIG_HAKMEM_SLAB=y and the
 * patch's HAVE_HAKMEM_SLAB_BACKEND).  The patch calls the functions below
 * from mm/slub.c, mm/slab_common.c and mm/usercopy.c; the design is in
 * Documentation/hakmem_slab.rst, "Backend mode".
 *
 * A served kmem_cache points at its hakmem cache (kmem_cache.hakmem, set
 * once under slab_mutex and read locklessly); an object is hakmem's when
 * its base page has the page type PGTY_hakmem (is_hakmem_address()), so
 * that frees route by address, whichever allocator a cache used when the
 * object was allocated.
 *
 * Locking: hk_backend_offer() runs under slab_mutex (process context),
 * which nests outside hk_caches_mutex; hakmem_cache_destroy() and
 * hakmem_cache_shrink() are called with no slab lock held, since they take
 * cpus_read_lock().  The allocation and free hooks add no lock to hakmem's
 * own paths.
 */

#define pr_fmt(fmt) "hakmem_slab: backend: " fmt

#include <linux/glob.h>
#include <linux/hakmem_backend.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* mm/slab.h: struct kmem_cache, slab_caches, slab_mutex (-I mm, Kbuild). */
#include "slab.h"

#include "hakmem_slab.h"
#include "hakmem_slab_backend.h"

DEFINE_STATIC_KEY_FALSE(hakmem_backend_key);

enum hk_backend_mode {
	HK_BACKEND_OFF,
	HK_BACKEND_ON,
	HK_BACKEND_LIST,
};

static enum hk_backend_mode hk_backend_mode __ro_after_init;
/* hakmem.backend=LIST: comma-separated glob_match() patterns. */
static char hk_backend_list[256] __ro_after_init;
/* Set under slab_mutex once the initcall has adopted the existing caches. */
static bool hk_backend_ready;
static unsigned int hk_backend_served, hk_backend_declined;

static int __init hk_backend_setup(char *str)
{
	if (!str)
		return -EINVAL;
	if (!strcmp(str, "off")) {
		hk_backend_mode = HK_BACKEND_OFF;
	} else if (!strcmp(str, "on")) {
		hk_backend_mode = HK_BACKEND_ON;
	} else {
		hk_backend_mode = HK_BACKEND_LIST;
		strscpy(hk_backend_list, str, sizeof(hk_backend_list));
	}
	return 0;
}
early_param("hakmem.backend", hk_backend_setup);

/* Whether hakmem.backend= names @name. */
static bool hk_backend_listed(const char *name)
{
	const char *p = hk_backend_list;
	char pat[64];
	size_t len;

	if (hk_backend_mode == HK_BACKEND_ON)
		return true;
	while (*p) {
		len = strcspn(p, ",");
		if (len && len < sizeof(pat)) {
			memcpy(pat, p, len);
			pat[len] = '\0';
			if (glob_match(pat, name))
				return true;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/*
 * The flags hakmem is given.  SLAB_TYPESAFE_BY_RCU: its segments go back
 * to the page allocator only after a grace period, and a cache with the
 * flag keeps its free-list link outside the object, whose contents a free
 * leaves as they are; the ctor runs once per slot.  The others that SLUB
 * has by now (SLAB_HWCACHE_ALIGN) are in s->align already.
 */
#define HK_BACKEND_FLAGS	(SLAB_RECLAIM_ACCOUNT | SLAB_TYPESAFE_BY_RCU)

/* Why hakmem does not serve @s yet, or NULL if it can. */
static const char *hk_backend_decline(struct kmem_cache *s)
{
	if (s == kmem_cache || !strcmp(s->name, "kmem_cache_node"))
		return "SLUB's own metadata";
	if (s == hk_cache_cachep)
		return "hakmem's own metadata (struct hakmem_cache)";
	if (s->flags & SLAB_ACCOUNT)
		return "SLAB_ACCOUNT (no memcg charging yet)";
	if (s->flags & (SLAB_CACHE_DMA | SLAB_CACHE_DMA32))
		return "SLAB_CACHE_DMA (segments ignore the zone)";
	if (s->flags & SLAB_NOLEAKTRACE)
		return "SLAB_NOLEAKTRACE (kmemleak's own)";
	if (s->flags & (SLAB_DEBUG_FLAGS | SLAB_TRACE))
		return "slab_debug flags";
	if (s->object_size > HAKMEM_MAX_OBJECT_SIZE)
		return "object size above HAKMEM_MAX_OBJECT_SIZE";
	if (s->align > HAKMEM_MAX_ALIGN)
		return "alignment above HAKMEM_MAX_ALIGN";
	return NULL;
}

/*
 * kmalloc() guarantees natural alignment: a power-of-two size is aligned to
 * itself, any other size to its largest power-of-two divisor
 * (Documentation/core-api/memory-allocation.rst).  SLUB has it from its
 * layout; hakmem, whose header precedes each object, must ask for it, and
 * pays for it with padding (see "Backend mode", "Not yet").
 */
static unsigned int hk_backend_align(struct kmem_cache *s)
{
	unsigned int natural = 1U << __ffs(s->object_size);

	if (!(s->flags & SLAB_KMALLOC))
		return s->align;
	return max_t(unsigned int, s->align, min_t(unsigned int, natural,
						   PAGE_SIZE));
}

/* Under slab_mutex: give @s a hakmem cache unless declined. */
static void hk_backend_offer(struct kmem_cache *s)
{
	struct hakmem_cache *hc;
	unsigned int align;
	const char *why;

	lockdep_assert_held(&slab_mutex);
	if (s->hakmem || !hk_backend_listed(s->name))
		return;
	why = hk_backend_decline(s);
	if (!why) {
		align = hk_backend_align(s);
		hc = hakmem_cache_create_usercopy(s->name, s->object_size,
						  align,
						  s->flags & HK_BACKEND_FLAGS,
						  s->useroffset, s->usersize,
						  s->ctor);
		if (hc) {
			/* The cache, then the pointer: readers take no lock. */
			smp_store_release(&s->hakmem, hc);
			hk_backend_served++;
			pr_info("%s: served (object %u, align %u)\n", s->name,
				s->object_size, align);
			return;
		}
		why = "hakmem_cache_create() failed";
	}
	hk_backend_declined++;
	pr_info("%s: declined: %s\n", s->name, why);
}

void hakmem_backend_cache_created(struct kmem_cache *s)
{
	if (hk_backend_ready)
		hk_backend_offer(s);
}

void hakmem_backend_cache_destroy(struct kmem_cache *s)
{
	struct hakmem_cache *hc = READ_ONCE(s->hakmem);

	if (!hc)
		return;
	WRITE_ONCE(s->hakmem, NULL);
	hakmem_cache_destroy(hc);
}

void hakmem_backend_cache_shrink(struct kmem_cache *s)
{
	struct hakmem_cache *hc = READ_ONCE(s->hakmem);

	if (hc)
		hakmem_cache_shrink(hc);
}

void *hakmem_backend_alloc(struct kmem_cache *s, gfp_t flags, int node)
{
	return hakmem_cache_alloc_node(READ_ONCE(s->hakmem), flags, node);
}

int hakmem_backend_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size,
			      void **p)
{
	return hakmem_cache_alloc_bulk(READ_ONCE(s->hakmem), flags, size, p);
}

/*
 * A free of an address in a hakmem segment.  With the cache the caller
 * named, hakmem checks that the object is that cache's; kfree() (@s NULL)
 * and a cache hakmem does not serve (any more) find the cache by address.
 */
void hakmem_backend_free(struct kmem_cache *s, void *obj)
{
	struct hakmem_cache *hc = s ? READ_ONCE(s->hakmem) : NULL;

	if (hc)
		hakmem_cache_free(hc, obj);
	else
		hakmem_kfree(obj);
}

size_t hakmem_backend_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	size_t i, n = 0;

	for (i = 0; i < size; i++) {
		if (is_hakmem_address(p[i]))
			hakmem_backend_free(s, p[i]);
		else
			p[n++] = p[i];
	}
	return n;
}

size_t hakmem_backend_ksize(const void *obj)
{
	return hakmem_ksize(obj);
}

#ifdef CONFIG_HARDENED_USERCOPY
/*
 * As __check_heap_object() for a SLUB object.  check_heap_object() has
 * checked virt_addr_valid(@ptr) already (38 instructions a copy, 1% of the
 * walk workload's, QEMU -icount).
 */
void hakmem_backend_check_heap_object(const void *ptr, unsigned long n,
				      bool to_user)
{
	struct hakmem_obj o;

	if (!hk_obj_find_valid(ptr, &o))
		usercopy_abort("hakmem object header", NULL, to_user, 0, n);
	if (o.offset >= o.useroffset &&
	    o.offset - o.useroffset <= o.usersize &&
	    n <= o.useroffset - o.offset + o.usersize)
		return;
	usercopy_abort("hakmem object", o.name, to_user, o.offset, n);
}
#endif

/*
 * What kmem_dump_obj() prints of a SLUB object (without its stacks), on
 * a line of its own rather than continuing the caller's.
 */
bool hakmem_backend_dump_obj(void *obj)
{
	struct hakmem_obj o;

	if (!hakmem_obj_find(obj, &o)) {
		pr_info("%p: in a hakmem_slab segment, not in an object\n", obj);
		return false;
	}
	pr_info("%p: slab %s start %p pointer offset %lu size %u\n", obj,
		o.name, o.start, o.offset, o.object_size);
	return true;
}

/*
 * After hakmem_slab's own initcall (link order, Kbuild): adopt every cache
 * that exists by now, and offer hakmem each one created from now on.
 */
static int __init hk_backend_init(void)
{
	struct kmem_cache *s;

	if (hk_backend_mode == HK_BACKEND_OFF) {
		pr_info("off: SLUB serves every cache (hakmem.backend=on|LIST)\n");
		return 0;
	}
	if (!hakmem_kmalloc_cache(8)) {
		pr_err("hakmem_slab did not initialize: SLUB serves every cache\n");
		return 0;
	}
	/* Before slab_mutex: it takes cpus_read_lock(). */
	static_branch_enable(&hakmem_backend_key);
	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list)
		hk_backend_offer(s);
	hk_backend_ready = true;
	mutex_unlock(&slab_mutex);
	pr_info("%s: %u caches served, %u declined\n",
		hk_backend_mode == HK_BACKEND_ON ? "on" : hk_backend_list,
		hk_backend_served, hk_backend_declined);
	return 0;
}
device_initcall(hk_backend_init);

/*
 * hakmem.backend_test (with hakmem.backend=on): at late_initcall, check the
 * hooks on hakmem objects that a boot's workloads need not reach, and
 * print "selftest: passed" or the first check that failed.
 */
static bool hk_backend_test __initdata;

static int __init hk_backend_test_setup(char *str)
{
	hk_backend_test = true;
	return 0;
}
early_param("hakmem.backend_test", hk_backend_test_setup);

static bool __init hk_test_failed(bool ok, const char *what, int line)
{
	if (!ok)
		pr_err("selftest: FAILED: %s (line %d)\n", what, line);
	return !ok;
}

#define HK_FAILED(cond)	hk_test_failed(cond, #cond, __LINE__)

static unsigned long __init hk_backend_inuse(struct kmem_cache *c)
{
	struct hakmem_cache_info info;

	hakmem_cache_get_info(READ_ONCE(c->hakmem), &info);
	return info.objects_inuse;
}

/*
 * A cache created after the initcall (SLAB_NO_MERGE: a cache of its own,
 * which only this test uses, so its counts are exact): the bulk calls,
 * kfree_bulk() of its objects mixed with SLUB's, ksize(), kmem_dump_obj()
 * and kmem_cache_destroy().
 */
static int __init hk_backend_test_cache(void)
{
	struct kmem_cache *c;
	unsigned long inuse;
	void *p[8], *q;
	int i;

	c = kmem_cache_create("hakmem_backend_test", 200, 0, SLAB_NO_MERGE,
			      NULL);
	if (HK_FAILED(c && READ_ONCE(c->hakmem)))
		return -EINVAL;
	q = kmem_cache_alloc(c, GFP_KERNEL);
	if (HK_FAILED(q && is_hakmem_address(q)) ||
	    HK_FAILED(ksize(q) >= 200) || HK_FAILED(kmem_dump_obj(q)))
		return -EINVAL;
	kmem_cache_free(c, q);
	inuse = hk_backend_inuse(c);
	if (HK_FAILED(kmem_cache_alloc_bulk(c, GFP_KERNEL, ARRAY_SIZE(p), p) ==
		      ARRAY_SIZE(p)))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(p); i++)
		if (HK_FAILED(is_hakmem_address(p[i])))
			return -EINVAL;
	if (HK_FAILED(hk_backend_inuse(c) == inuse + ARRAY_SIZE(p)))
		return -EINVAL;
	kmem_cache_free_bulk(c, ARRAY_SIZE(p), p);
	if (HK_FAILED(hk_backend_inuse(c) == inuse))
		return -EINVAL;
	/* kfree_bulk(): hakmem's objects and SLUB's in one array. */
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = i & 1 ? kmalloc_node_slub(200, GFP_KERNEL, NUMA_NO_NODE) :
			       kmem_cache_alloc(c, GFP_KERNEL);
		if (HK_FAILED(p[i] && is_hakmem_address(p[i]) == !(i & 1)))
			return -EINVAL;
	}
	if (HK_FAILED(hk_backend_inuse(c) == inuse + ARRAY_SIZE(p) / 2))
		return -EINVAL;
	kfree_bulk(ARRAY_SIZE(p), p);
	if (HK_FAILED(hk_backend_inuse(c) == inuse))
		return -EINVAL;
	kmem_cache_destroy(c);
	return 0;
}

/* kmalloc() objects: alignment, ksize(), krealloc(), hardened usercopy. */
static int __init hk_backend_test_kmalloc(void)
{
	void *q, *r;

	q = kmalloc(50, GFP_KERNEL);
	if (HK_FAILED(q && is_hakmem_address(q)) ||
	    HK_FAILED(IS_ALIGNED((unsigned long)q, 64)) ||
	    HK_FAILED(ksize(q) == 64)) {
		kfree(q);
		return -EINVAL;
	}
	/* A copy inside the object's usercopy region passes (or BUG()s). */
	check_object_size(q, 64, true);
	memset(q, 0x5a, 50);
	r = krealloc(q, 1000, GFP_KERNEL);
	if (HK_FAILED(r && is_hakmem_address(r) && ksize(r) == 1024) ||
	    HK_FAILED(!memchr_inv(r, 0x5a, 50))) {
		kfree(r ? r : q);
		return -EINVAL;
	}
	q = krealloc(r, 20, GFP_KERNEL);
	kfree(q);
	if (HK_FAILED(q == r))
		return -EINVAL;
	return 0;
}

#define HK_TEST_CTOR	0x5a5a5a5a5a5a5a5aUL
#define HK_TEST_LIVE	0x1234567812345678UL

static void __init hk_backend_test_ctor(void *obj)
{
	unsigned long *p = obj;

	p[0] = HK_TEST_CTOR;
	p[7] = HK_TEST_CTOR;
}

/*
 * An SLAB_TYPESAFE_BY_RCU cache with a ctor, created after the initcall:
 * served, its objects constructed, and a freed object keeps its contents
 * (as a reader under rcu_read_lock() may look at it) and, allocated again
 * from the same slot, is not constructed again.
 */
static int __init hk_backend_test_rcu(void)
{
	struct kmem_cache *c;
	unsigned long *q, *r;
	bool kept;

	c = kmem_cache_create("hakmem_backend_test_rcu", 64, 0,
			      SLAB_TYPESAFE_BY_RCU | SLAB_NO_MERGE,
			      hk_backend_test_ctor);
	if (HK_FAILED(c && READ_ONCE(c->hakmem)))
		return -EINVAL;
	q = kmem_cache_alloc(c, GFP_KERNEL);
	if (HK_FAILED(q && is_hakmem_address(q)) ||
	    HK_FAILED(q[0] == HK_TEST_CTOR && q[7] == HK_TEST_CTOR))
		return -EINVAL;
	q[0] = HK_TEST_LIVE;
	q[7] = HK_TEST_LIVE;
	rcu_read_lock();
	kmem_cache_free(c, q);
	kept = READ_ONCE(q[0]) == HK_TEST_LIVE && READ_ONCE(q[7]) == HK_TEST_LIVE;
	rcu_read_unlock();
	if (HK_FAILED(kept))
		return -EINVAL;
	/* The same slot as it was freed; any other one constructed. */
	r = kmem_cache_alloc(c, GFP_KERNEL);
	if (HK_FAILED(r && is_hakmem_address(r)) ||
	    HK_FAILED(r[0] == (r == q ? HK_TEST_LIVE : HK_TEST_CTOR)))
		return -EINVAL;
	kmem_cache_free(c, r);
	kmem_cache_destroy(c);
	return 0;
}

static int __init hk_backend_selftest(void)
{
	if (!hk_backend_test)
		return 0;
	if (hk_backend_mode != HK_BACKEND_ON || !hk_backend_ready) {
		pr_info("selftest: skipped (needs hakmem.backend=on)\n");
		return 0;
	}
	if (!hk_backend_test_cache() && !hk_backend_test_rcu() &&
	    !hk_backend_test_kmalloc())
		pr_info("selftest: passed\n");
	return 0;
}
late_initcall(hk_backend_selftest);
