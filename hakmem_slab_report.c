// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_slab diagnostics: error reports, the debug checks of debug caches
 * (poison, red zone, tracks), hakmem_cache_validate() and the leak report
 * of hakmem_cache_destroy().  None of it is on a fast path: the allocator
 * core (hakmem_slab.c) calls in here from its slow paths only.
 */

#include "hakmem_slab_internal.h"

/* === Error reports ======================================================== */

#if IS_ENABLED(CONFIG_HAKMEM_SLAB_KUNIT_TEST)
/*
 * Lets KUnit tests count reports, as lib/slub_kunit.c does, but without a
 * lock: reports are made with the guard held (preemption disabled) and under
 * raw locks, where KUnit's resource lookup (a spinlock_t) may not be taken
 * on PREEMPT_RT.  The test that counts registers itself
 * (hakmem_test_errors_begin()); reports made in its task count.
 */
static struct kunit *hk_kunit_test;
static atomic_t hk_kunit_errors = ATOMIC_INIT(0);

void hk_add_kunit_error(void)
{
	struct kunit *test = current->kunit_test;

	if (likely(!test) || READ_ONCE(hk_kunit_test) != test)
		return;
	atomic_inc(&hk_kunit_errors);
}

void hakmem_test_errors_begin(struct kunit *test)
{
	atomic_set(&hk_kunit_errors, 0);
	WRITE_ONCE(hk_kunit_test, test);
}
EXPORT_SYMBOL_GPL(hakmem_test_errors_begin);

int hakmem_test_errors_take(void)
{
	return atomic_xchg(&hk_kunit_errors, 0);
}
EXPORT_SYMBOL_GPL(hakmem_test_errors_take);

void hakmem_test_errors_end(void)
{
	WRITE_ONCE(hk_kunit_test, NULL);
}
EXPORT_SYMBOL_GPL(hakmem_test_errors_end);
#endif

static DEFINE_RATELIMIT_STATE(hk_report_rs, 5 * HZ, 10);

/*
 * Report one bad event: one line naming the cache, the problem, the object
 * and the caller, counted in the cache's error counter.
 */
void hk_report(struct hakmem_cache *s, enum hakmem_stat_item item,
	       const void *obj, unsigned long caller, const char *what)
{
	if (s)
		hk_stat_unguarded(s, item, 1);
	else
		atomic_long_inc(&hk_orphan_errors);
	hk_add_kunit_error();
	if (!__ratelimit(&hk_report_rs))
		return;
	pr_err("BUG hakmem_slab %s: %s: object 0x%p, caller %pS\n",
	       s ? s->name : "(kmalloc)", what, obj, (void *)caller);
}

/*
 * Classify and report a free that failed the header check.  @seg is the
 * object's segment, already proven.
 */
void hk_report_bad_free(struct hakmem_cache *s, struct hk_segment *seg,
			void *obj, unsigned long caller)
{
	struct hk_hdr *h = hk_hdr(obj);

	if (!hk_obj_on_boundary(seg->cache, seg, obj)) {
		hk_report(s, HAKMEM_ERR_HEADER, obj, caller,
			  "free of a pointer inside an object");
		return;
	}
	if (h->tag == seg->cache->tag && h->state == HK_STATE_FREE) {
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller, "double free");
		return;
	}
	if (h->tag == seg->cache->tag && h->state == HK_STATE_DEAD) {
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller,
			  "double free (the object's slab is free)");
		return;
	}
	hk_report(s, HAKMEM_ERR_HEADER, obj, caller,
		  "object header overwritten (tag/state mismatch)");
}

/* === Debug checks ========================================================= */

static u8 *hk_redzone(struct hakmem_cache *s, void *obj)
{
	return (u8 *)obj + s->red_off;
}

static struct hk_track *hk_track(struct hakmem_cache *s, void *obj,
				 enum hk_track_item item)
{
	return (struct hk_track *)((char *)obj + s->track_off) + item;
}

static void hk_set_track(struct hakmem_cache *s, void *obj,
			 enum hk_track_item item, unsigned long caller)
{
	struct hk_track *t;

	if (!(s->flags & SLAB_STORE_USER))
		return;
	t = hk_track(s, obj, item);
	t->addr = caller;
	t->when = jiffies;
	t->cpu = raw_smp_processor_id();
	t->pid = current->pid;
}

static void hk_print_track(struct hakmem_cache *s, void *obj,
			   enum hk_track_item item)
{
	struct hk_track *t;

	if (!(s->flags & SLAB_STORE_USER))
		return;
	t = hk_track(s, obj, item);
	if (!t->addr)
		return;
	pr_err("%s by %pS on cpu %d pid %d, %lu jiffies ago\n",
	       item == HK_TRACK_ALLOC ? "Allocated" : "Freed",
	       (void *)t->addr, t->cpu, t->pid, jiffies - t->when);
}

/* The first byte in [start, start + bytes) that is not @value, or NULL. */
static u8 *hk_find_bad(u8 *start, unsigned int bytes, u8 value)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (start[i] != value)
			return start + i;
	return NULL;
}

/*
 * A SLUB-style report of a damaged object: the BUG line, where the damage
 * is, the bytes around it, and the tracks.
 */
static void hk_report_damage(struct hakmem_cache *s, enum hakmem_stat_item item,
			     void *obj, u8 *bad, u8 expected,
			     unsigned long caller, const char *what)
{
	u8 *from;

	hk_report(s, item, obj, caller, what);
	if (!__ratelimit(&hk_report_rs))
		return;
	pr_err("INFO: 0x%p-0x%p @offset=%td: first byte 0x%02x instead of 0x%02x\n",
	       bad, bad, bad - (u8 *)obj, *bad, expected);
	hk_print_track(s, obj, HK_TRACK_ALLOC);
	hk_print_track(s, obj, HK_TRACK_FREE);
	from = max(bad - 16, (u8 *)obj - s->obj_off);
	print_hex_dump(KERN_ERR, "Bytes ", DUMP_PREFIX_OFFSET, 16, 1, from,
		       min_t(long, 48, (u8 *)obj - s->obj_off + s->size - from),
		       true);
}

static void hk_poison(struct hakmem_cache *s, void *obj)
{
	memset(obj, POISON_FREE, s->object_size - 1);
	((u8 *)obj)[s->object_size - 1] = POISON_END;
}

/* Check and repair the red zone; @value is what it should hold. */
static void hk_check_redzone(struct hakmem_cache *s, void *obj, u8 value,
			     unsigned long caller)
{
	u8 *bad = hk_find_bad(hk_redzone(s, obj), s->red_size, value);

	if (!bad)
		return;
	hk_report_damage(s, HAKMEM_ERR_REDZONE, obj, bad, value, caller,
			 "red zone overwritten (write past the end of the object)");
	memset(hk_redzone(s, obj), value, s->red_size);
}

/* Check the poison of a free object; repair it. */
static void hk_check_poison(struct hakmem_cache *s, void *obj,
			    unsigned long caller)
{
	u8 *bad = hk_find_bad(obj, s->object_size - 1, POISON_FREE);
	u8 expected = POISON_FREE;

	if (!bad && ((u8 *)obj)[s->object_size - 1] != POISON_END) {
		bad = (u8 *)obj + s->object_size - 1;
		expected = POISON_END;
	}
	if (!bad)
		return;
	hk_report_damage(s, HAKMEM_ERR_POISON, obj, bad, expected, caller,
			 "poison overwritten (write after free)");
	hk_poison(s, obj);
}

/* A slot of a debug cache is carved: it starts as a free object. */
void hk_debug_carve(struct hakmem_cache *s, void *obj)
{
	if (s->poison)
		hk_poison(s, obj);
	if (s->red_size)
		memset(hk_redzone(s, obj), SLUB_RED_INACTIVE, s->red_size);
	if (s->flags & SLAB_STORE_USER)
		memset(hk_track(s, obj, HK_TRACK_ALLOC), 0,
		       2 * sizeof(struct hk_track));
}

noinline void hk_debug_alloc(struct hakmem_cache *s, void *obj,
				    unsigned long caller)
{
	if (s->poison)
		hk_check_poison(s, obj, caller);
	if (s->red_size) {
		hk_check_redzone(s, obj, SLUB_RED_INACTIVE, caller);
		memset(hk_redzone(s, obj), SLUB_RED_ACTIVE, s->red_size);
	}
	hk_set_track(s, obj, HK_TRACK_ALLOC, caller);
}

/*
 * The header says "free" before the red zone and the poison change, so that
 * a validate pass that reads the old header also read the old red zone
 * (hk_validate_live()): a free in progress is never reported as damage.
 */
noinline void hk_debug_free(struct hakmem_cache *s, void *obj,
				   unsigned long caller)
{
	if (s->red_size)
		hk_check_redzone(s, obj, SLUB_RED_ACTIVE, caller);
	WRITE_ONCE(*(u64 *)hk_hdr(obj), s->hdr_free);
	smp_wmb();	/* header, then red zone: see hk_validate_live() */
	if (s->red_size)
		memset(hk_redzone(s, obj), SLUB_RED_INACTIVE, s->red_size);
	if (s->poison)
		hk_poison(s, obj);
	hk_set_track(s, obj, HK_TRACK_FREE, caller);
}

/* === Validation =========================================================== */

struct hk_validate {
	raw_spinlock_t lock;	/* the CPUs' passes share map and errors */
	unsigned long *map;	/* one bit a slot of the slab being checked */
	int errors;
	int counted;		/* of them, reported in a KUnit test's task */
};

/*
 * One problem found.  The per-CPU passes run in workers, which KUnit's
 * resource lookup cannot see: hakmem_cache_validate() counts the rest for
 * the caller.
 */
static void hk_validate_error(struct hk_validate *v)
{
	v->errors++;
#if IS_ENABLED(CONFIG_KUNIT)
	if (current->kunit_test)
		v->counted++;
#endif
}

static void hk_bad(struct hakmem_cache *s, struct hk_validate *v,
		   struct hk_segment *seg, struct hk_slab *slab, const char *what)
{
	hk_validate_error(v);
	hk_add_kunit_error();
	pr_err("BUG hakmem_slab %s: validate: segment %lx slab %td: %s\n",
	       s->name, seg->base, slab ? slab - seg->slabs : -1, what);
}

/*
 * Red zone and poison of a free object of a debug cache, on its slab's free
 * list: the validating owner owns it, and repairs what it reports.
 */
static void hk_validate_free(struct hakmem_cache *s, struct hk_validate *v,
			     void *obj)
{
	u8 *bad;

	if (s->red_size) {
		bad = hk_find_bad(hk_redzone(s, obj), s->red_size,
				  SLUB_RED_INACTIVE);
		if (bad) {
			hk_report_damage(s, HAKMEM_ERR_REDZONE, obj, bad,
					 SLUB_RED_INACTIVE, _RET_IP_,
					 "validate: red zone overwritten");
			memset(hk_redzone(s, obj), SLUB_RED_INACTIVE,
			       s->red_size);
			hk_validate_error(v);
		}
	}
	if (s->poison &&
	    (hk_find_bad(obj, s->object_size - 1, POISON_FREE) ||
	     ((u8 *)obj)[s->object_size - 1] != POISON_END)) {
		hk_check_poison(s, obj, _RET_IP_);
		hk_validate_error(v);
	}
}

/*
 * The red zone of an object that is not on its slab's free list: in use, or
 * being freed by another CPU or an interrupt, or on a remote list.  Only an
 * object whose header says "allocated" before and after the red zone was
 * read is checked (hk_debug_free() writes the header first); it is reported
 * and not repaired, since its user owns it.
 */
static void hk_validate_live(struct hakmem_cache *s, struct hk_validate *v,
			     void *obj)
{
	u64 *hdr = (u64 *)hk_hdr(obj);
	u8 *bad;

	if (!s->red_size || READ_ONCE(*hdr) != s->hdr_alloc)
		return;
	/* The header, then the red zone, then the header again: pairs with
	 * the smp_wmb() of hk_debug_free() between its header and red zone.
	 */
	smp_rmb();
	bad = hk_find_bad(hk_redzone(s, obj), s->red_size, SLUB_RED_ACTIVE);
	smp_rmb();	/* as above */
	if (!bad || READ_ONCE(*hdr) != s->hdr_alloc)
		return;
	hk_report_damage(s, HAKMEM_ERR_REDZONE, obj, bad, SLUB_RED_ACTIVE,
			 _RET_IP_, "validate: red zone overwritten");
	hk_validate_error(v);
}

static void hk_validate_slab(struct hakmem_cache *s, struct hk_validate *v,
			     struct hk_segment *seg, struct hk_slab *slab)
{
	unsigned long start = hk_slab_addr(s, seg, slab) + s->obj_off;
	unsigned int nfree = 0, i;
	void *obj;

	if (slab->carved > seg->objs_per_slab) {
		hk_bad(s, v, seg, slab, "more objects carved than fit");
		return;
	}
	bitmap_zero(v->map, s->objs_per_slab);
	for (obj = slab->freelist; obj; obj = hk_get_link(s, obj)) {
		unsigned long off = (unsigned long)obj - start;

		if ((unsigned long)obj < start || off % s->size ||
		    off / s->size >= slab->carved) {
			hk_bad(s, v, seg, slab, "free list points outside the slab");
			return;
		}
		if (__test_and_set_bit(off / s->size, v->map)) {
			hk_bad(s, v, seg, slab, "free list has a loop");
			return;
		}
		nfree++;
	}
	if (nfree + slab->inuse != slab->carved)
		hk_bad(s, v, seg, slab, "free + in use != carved");
	for (i = 0; i < slab->carved; i++) {
		struct hk_hdr h, *hp = hk_hdr((void *)(start + i * s->size));
		u64 raw = READ_ONCE(*(u64 *)hp);

		memcpy(&h, &raw, sizeof(h));
		/* Light mode: "free" on a free list or (in flight) a remote one. */
		if (h.tag != s->tag ||
		    (h.state != HK_STATE_FREE &&
		     h.state != (s->full_mode ? HK_STATE_ALLOC : HK_STATE_LIGHT))) {
			hk_bad(s, v, seg, slab, "object header overwritten");
			return;
		}
		if (test_bit(i, v->map) && h.state != HK_STATE_FREE)
			hk_bad(s, v, seg, slab, "free object marked allocated");
		if (!s->debug)
			continue;
		if (test_bit(i, v->map))
			hk_validate_free(s, v, hp + 1);
		else
			hk_validate_live(s, v, hp + 1);
	}
}

static void hk_validate_seg(struct hakmem_cache *s, struct hk_validate *v,
			    struct hk_heap *h, struct hk_segment *seg)
{
	unsigned int i, used = 0;

	if (seg->heap != h || seg->cache != s)
		hk_bad(s, v, seg, NULL, "segment has the wrong owner");
	for (i = 0; i < seg->nr_slabs; i++) {
		struct hk_slab *slab = &seg->slabs[i];
		bool is_free = test_bit(i, &seg->free_map);
		bool partial = test_bit(i, &seg->partial_map);
		bool dense = test_bit(i, &seg->dense_map);

		if (is_free != hk_slab_is(slab, HK_SLAB_FREE) ||
		    partial != hk_slab_is(slab, HK_SLAB_PARTIAL) ||
		    (dense && !partial) ||
		    (partial && hk_slab_dense(seg, slab) && !dense)) {
			hk_bad(s, v, seg, slab, "bitmaps disagree with the slab");
			continue;
		}
		if (slab->state == HK_SLAB_FREE) {
			if (slab->inuse || slab->carved)
				hk_bad(s, v, seg, slab, "free slab has objects");
			continue;
		}
		used++;
		hk_validate_slab(s, v, seg, slab);
	}
	if (used != seg->used)
		hk_bad(s, v, seg, NULL, "count of used slabs is wrong");
}

static void hk_validate_heap(struct hakmem_cache *s, struct hk_heap *h,
			     struct hk_validate *v)
{
	struct hk_segment *seg;

	lockdep_assert_held(&v->lock);
	hk_assert_owner(s, h);
	if (h->seg)
		hk_validate_seg(s, v, h, h->seg);
	list_for_each_entry(seg, &h->avail, list)
		hk_validate_seg(s, v, h, seg);
	list_for_each_entry(seg, &h->full, list) {
		if (!seg->full)
			hk_bad(s, v, seg, NULL, "full-list segment not full");
		hk_validate_seg(s, v, h, seg);
	}
}

void hk_cpu_validate(struct hakmem_cache *s, struct hk_cpu *c,
		     struct hk_validate *v)
{
	unsigned long flags;

	hk_cpu_flush(s, c, 0);
	hk_heap_collect(s, &c->heap, c);
	/* irqsave: the depot's pass takes it under the IRQ-safe depot lock. */
	raw_spin_lock_irqsave(&v->lock, flags);
	hk_validate_heap(s, &c->heap, v);
	raw_spin_unlock_irqrestore(&v->lock, flags);
}

int hakmem_cache_validate(struct hakmem_cache *s)
{
	struct hk_validate v = { };
	unsigned long flags;
	int node;

	raw_spin_lock_init(&v.lock);
	v.map = bitmap_zalloc(s->objs_per_slab, GFP_KERNEL);
	if (!v.map)
		return -ENOMEM;
	hk_on_each_cpu(s, HK_OP_FLUSH, NULL);
	hk_on_each_cpu(s, HK_OP_VALIDATE, &v);
	spin_lock_irqsave(&s->depot_lock, flags);
	hk_heap_collect(s, &s->depot, NULL);
	raw_spin_lock(&v.lock);
	hk_validate_heap(s, &s->depot, &v);
	raw_spin_unlock(&v.lock);
	spin_unlock_irqrestore(&s->depot_lock, flags);
	for (node = 0; s->node_heaps && node < nr_node_ids; node++) {
		struct hk_node_heap *n = &s->node_heaps[node];

		spin_lock_irqsave(&n->lock, flags);
		hk_heap_collect(s, &n->heap, NULL);
		raw_spin_lock(&v.lock);
		hk_validate_heap(s, &n->heap, &v);
		raw_spin_unlock(&v.lock);
		spin_unlock_irqrestore(&n->lock, flags);
	}
	bitmap_free(v.map);
	while (v.counted++ < v.errors)
		hk_add_kunit_error();
	return v.errors;
}
EXPORT_SYMBOL_GPL(hakmem_cache_validate);

/* === Leak reports ========================================================= */

/* Is @obj on its slab's free list? */
static bool hk_on_freelist(struct hakmem_cache *s, struct hk_slab *slab,
			   void *obj)
{
	void *f;

	for (f = slab->freelist; f; f = hk_get_link(s, f))
		if (f == obj)
			return true;
	return false;
}

/* Show up to *@budget objects of a slab that are still in use. */
static void hk_report_slab_leaks(struct hakmem_cache *s, struct hk_segment *seg,
				 struct hk_slab *slab, int *budget)
{
	unsigned long start = hk_slab_addr(s, seg, slab) + s->obj_off;
	unsigned int i;

	for (i = 0; i < slab->carved && *budget > 0; i++) {
		void *obj = (void *)(start + i * s->size);

		if (hk_on_freelist(s, slab, obj))
			continue;
		pr_err("BUG hakmem_slab %s: object 0x%p still in use at destroy\n",
		       s->name, obj);
		(*budget)--;
	}
}

/* Count (and show the first few of) the objects a heap still has in use. */
unsigned long hk_report_leaks_heap(struct hakmem_cache *s, struct hk_heap *h,
				   int *budget)
{
	struct list_head *lists[] = { &h->avail, &h->full };
	struct hk_segment *seg;
	unsigned long n = 0;
	unsigned int l, i;

	for (l = 0; l < ARRAY_SIZE(lists); l++) {
		list_for_each_entry(seg, lists[l], list) {
			for (i = 0; i < seg->nr_slabs; i++) {
				struct hk_slab *slab = &seg->slabs[i];

				n += slab->inuse;
				if (slab->inuse)
					hk_report_slab_leaks(s, seg, slab, budget);
			}
		}
	}
	return n;
}
