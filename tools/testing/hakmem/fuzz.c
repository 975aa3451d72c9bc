// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target (clang -fsanitize=fuzzer,address,undefined): the input
 * decodes to a sequence of API operations and misuses on a few caches and
 * the kmalloc classes, on several emulated CPU ids (single-threaded: the CPU
 * id is switched between operations, so that frees are remote).
 *
 * Checks: no object is handed out while live (shadow set), contents survive
 * (patterns), zeroing (__GFP_ZERO, init_on_alloc, init_on_free), ctor state,
 * validate finds nothing, every misuse is reported exactly once ("BUG
 * hakmem_slab" lines) and no other report or warning appears.
 *
 * Misuse classes the current core is known to get wrong are not issued
 * (their check is skipped) when named in HAKMEM_FUZZ_SKIP (comma separated;
 * "none" for none); the default is HAKMEM_FUZZ_KNOWN below.  A failed check
 * prints "CHECK FAILED [class]" and aborts, so libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../hakmem_slab.h"
#include "harness.h"
#include "shim.h"

/* The classes the core is known to fail: none since the fixes of the review. */
#define HAKMEM_FUZZ_KNOWN	"none"

enum misuse_class {
	M_DF_NOW,		/* double free, immediate, full header */
	M_DF_NOW_LIGHT,		/* the same, light header */
	M_DF_LATE_FULL,		/* double free after other ops, full header */
	M_DF_LATE_LIGHT,	/* the same, light header */
	M_WRONG_CACHE,
	M_INTERIOR,		/* aligned pointer inside an object */
	M_INTERIOR_UNALIGNED,
	M_FOREIGN_MALLOC,
	M_FOREIGN_STACK,
	M_TINY_PTR,		/* 0x1000 and friends */
	M_FOREIGN_PAGE,		/* arena pages that are not hakmem's */
	M_DESTROY_LIVE,
	M_INIT_FREE_LINK,	/* not a misuse: init_on_free zeroing check */
	M_NOFAIL,		/* not a misuse: __GFP_NOFAIL must not fail */
	M_NR
};

static const char *const misuse_names[M_NR] = {
	[M_DF_NOW] = "df-now-full",
	[M_DF_NOW_LIGHT] = "df-now-light",
	[M_DF_LATE_FULL] = "late-df-full",
	[M_DF_LATE_LIGHT] = "late-df-light",
	[M_WRONG_CACHE] = "wrong-cache",
	[M_INTERIOR] = "interior",
	[M_INTERIOR_UNALIGNED] = "interior-unaligned",
	[M_FOREIGN_MALLOC] = "foreign-malloc",
	[M_FOREIGN_STACK] = "foreign-stack",
	[M_TINY_PTR] = "tiny-ptr",
	[M_FOREIGN_PAGE] = "foreign-page",
	[M_DESTROY_LIVE] = "destroy-live",
	[M_INIT_FREE_LINK] = "init-free-link",
	[M_NOFAIL] = "nofail",
};

static bool skip[M_NR];

#define NR_CACHES	4
#define K_KMALLOC	NR_CACHES
#define MAX_LIVE	512
#define MAX_FREED	64
#define CTOR_BYTE	0xc7

struct live {
	void *p;
	int kind;		/* cache index, or K_KMALLOC */
	unsigned int size;	/* usable size the harness uses */
	unsigned int seed;
};

struct freed {
	void *p;
	int kind;
};

struct input {
	const uint8_t *d;
	size_t n, i;
};

static struct hakmem_cache *caches[NR_CACHES];
static unsigned int cache_size[NR_CACHES];
static bool cache_ctor[NR_CACHES], cache_full[NR_CACHES], cache_zero_free[NR_CACHES];
static bool cache_zero_alloc[NR_CACHES];
static struct live live[MAX_LIVE];
static int nr_live;
static struct freed freed[MAX_FREED];
static int nr_freed;
static unsigned int seed_ctr;
static unsigned long destroy_lines;

static uint8_t in_u8(struct input *in)
{
	return in->i < in->n ? in->d[in->i++] : 0;
}

static uint16_t in_u16(struct input *in)
{
	return in_u8(in) | (uint16_t)in_u8(in) << 8;
}

static void ctor_fn(void *obj)
{
	/* the constructed state: the first 16 bytes (ctor caches are >= 16) */
	memset(obj, CTOR_BYTE, 16);
}

static void printk_hook(int level, const char *msg)
{
	if (strstr(msg, "BUG hakmem_slab") && strstr(msg, "destroyed with"))
		destroy_lines++;
}

static unsigned int kind_size(int kind, unsigned int req)
{
	return kind == K_KMALLOC ? req : cache_size[kind];
}

static void check_new(void *p, int kind, unsigned int size, gfp_t gfp)
{
	struct shadow_obj o;
	int i;

	if (!virt_addr_valid(p))
		harness_fail("alloc", "object %p outside the arena (kind %d)", p, kind);
	if ((uintptr_t)p & 7)
		harness_fail("alloc", "object %p not 8-byte aligned", p);
	if (shadow_lookup(p, &o))
		harness_fail("handed-out-twice",
			     "object %p (kind %d) handed out while live (kind %d)",
			     p, kind, o.kind);
	for (i = 0; i < nr_live; i++) {
		uintptr_t a = (uintptr_t)p, c = (uintptr_t)live[i].p;

		if (a < c + live[i].size && c < a + size)
			harness_fail("overlap", "object %p+%u overlaps live %p+%u",
				     p, size, live[i].p, live[i].size);
	}
	if (kind != K_KMALLOC && cache_ctor[kind]) {
		const uint8_t *b = p;

		for (i = 0; i < 16; i++)
			if (b[i] != CTOR_BYTE)
				harness_fail("ctor-state",
					     "object %p of a ctor cache not in its constructed state (byte %d = %#x)",
					     p, i, b[i]);
		return;
	}
	if ((gfp & __GFP_ZERO) && !mem_is_zero(p, size))
		harness_fail("gfp-zero", "__GFP_ZERO object %p not zeroed", p);
	if (kind != K_KMALLOC && cache_zero_alloc[kind] && !mem_is_zero(p, size))
		harness_fail("init-on-alloc", "init_on_alloc object %p not zeroed", p);
	if (kind != K_KMALLOC && cache_zero_free[kind] && !skip[M_INIT_FREE_LINK] &&
	    !mem_is_zero(p, size))
		harness_fail("init-free-link",
			     "init_on_free cache: object %p comes out not zeroed (first word %#lx)",
			     p, *(unsigned long *)p);
	if (kind == K_KMALLOC) {
		size_t ks = hakmem_ksize(p);

		if (ks < size)
			harness_fail("ksize", "ksize(%p) = %zu < %u", p, ks, size);
	}
}

static void track(void *p, int kind, unsigned int size)
{
	unsigned int seed = ++seed_ctr * 2654435761u;
	unsigned int psize = size;

	if (nr_live == MAX_LIVE)
		harness_fail("harness", "live table full");
	if (!shadow_insert(p, size, seed, kind))
		harness_fail("handed-out-twice", "object %p handed out while live", p);
	/* ctor caches: keep the constructed 16 bytes, pattern the rest */
	if (kind != K_KMALLOC && cache_ctor[kind])
		psize = 0;
	pattern_fill(p, psize, seed);
	live[nr_live++] = (struct live){ p, kind, size, seed };
}

/* Verify and forget live[i]; the caller frees it. */
static struct live untrack(int i)
{
	struct live l = live[i];
	unsigned int psize = l.size;
	long bad;

	if (l.kind != K_KMALLOC && cache_ctor[l.kind])
		psize = 0;
	bad = pattern_check(l.p, psize, l.seed);
	if (bad >= 0)
		harness_fail("corruption", "object %p (kind %d, %u bytes) damaged at offset %ld",
			     l.p, l.kind, l.size, bad);
	if (!shadow_remove(l.p, NULL))
		harness_fail("harness", "object %p not in the shadow set", l.p);
	live[i] = live[--nr_live];
	return l;
}

static void remember_freed(void *p, int kind)
{
	if (nr_freed == MAX_FREED)
		memmove(freed, freed + 1, --nr_freed * sizeof(freed[0]));
	freed[nr_freed++] = (struct freed){ p, kind };
}

static void do_free(struct live l, bool via_kfree)
{
	if (l.kind == K_KMALLOC || via_kfree)
		hakmem_kfree(l.p);
	else
		hakmem_cache_free(caches[l.kind], l.p);
	remember_freed(l.p, l.kind);
}

/* Free a pointer the way its kind is freed, valid or not. */
static void free_any(int kind, void *p)
{
	if (kind == K_KMALLOC)
		hakmem_kfree(p);
	else
		hakmem_cache_free(caches[kind], p);
}

static gfp_t pick_gfp(uint8_t b)
{
	static const gfp_t g[] = { GFP_KERNEL, GFP_ATOMIC, GFP_KERNEL | __GFP_ZERO,
				   GFP_NOWAIT, GFP_KERNEL | __GFP_NOFAIL };

	return g[b % ARRAY_SIZE(g)];
}

static void op_alloc(int kind, unsigned int req, gfp_t gfp)
{
	unsigned int size = kind_size(kind, req);
	void *p;

	if (nr_live >= MAX_LIVE - 2)
		return;
	/* a constructed object must not be zeroed (SLAB's rule too) */
	if (kind != K_KMALLOC && cache_ctor[kind])
		gfp &= ~__GFP_ZERO;
	if (kind == K_KMALLOC)
		p = hakmem_kmalloc(req, gfp);
	else
		p = hakmem_cache_alloc(caches[kind], gfp);
	if (kind == K_KMALLOC && req == 0) {
		if (p != ZERO_SIZE_PTR)
			harness_fail("alloc", "kmalloc(0) = %p", p);
		return;
	}
	if (!p) {
		if ((gfp & __GFP_NOFAIL) && !skip[M_NOFAIL])
			harness_fail("nofail", "__GFP_NOFAIL allocation failed (kind %d)", kind);
		return;		/* injected page allocator failure */
	}
	check_new(p, kind, size, gfp);
	track(p, kind, size);
}

static unsigned long reports_expected;

/* Expect exactly @want new report lines from @stmt. */
#define EXPECT_REPORTS(class, want, stmt) do {				\
	unsigned long __b = shim_nr_bug_lines, __w = (want);		\
	reports_expected += __w;					\
	stmt;								\
	if (shim_nr_bug_lines - __b != __w)				\
		harness_fail(misuse_names[class],			\
			     "%lu reports for one misuse (want %lu)",	\
			     shim_nr_bug_lines - __b, __w);		\
} while (0)

static int pick_live(struct input *in, int kind_filter)
{
	int i, start;

	if (!nr_live)
		return -1;
	start = in_u8(in) % nr_live;
	if (kind_filter < -1)
		return start;
	for (i = 0; i < nr_live; i++) {
		int j = (start + i) % nr_live;

		if (kind_filter == -1 ? live[j].kind != K_KMALLOC : live[j].kind == kind_filter)
			return j;
	}
	return -1;
}

static int online_cpu_other_than(int want)
{
	unsigned long m = shim_online_mask();
	int i;

	for (i = 0; i < SHIM_NR_CPUS; i++) {
		int c = (want + i) % SHIM_NR_CPUS;

		if ((m >> c) & 1)
			return c;
	}
	return 0;
}

/* ----- interrupts ----- */
struct irq_req {
	int kind;
	bool do_free;
};

static struct irq_req irq_req;

static void irq_handler(void *arg)
{
	struct irq_req *r = arg;
	int i;

	if (r->do_free) {
		for (i = 0; i < nr_live; i++) {
			if (live[i].kind == r->kind) {
				do_free(untrack(i), false);
				return;
			}
		}
	}
	op_alloc(r->kind, r->kind == K_KMALLOC ? 64 : 0, GFP_ATOMIC);
}

static unsigned char migrate_to = 0xff;

static void sleep_hook(void)
{
	if (migrate_to != 0xff && !preempt_count() && !irqs_disabled()) {
		int c = online_cpu_other_than(migrate_to % SHIM_NR_CPUS);

		migrate_to = 0xff;
		shim_set_cpu(c);
	}
}

static void validate_cache(struct hakmem_cache *s)
{
	int n = hakmem_cache_validate(s);

	if (n)
		harness_fail("validate", "hakmem_cache_validate(%s) found %d problems",
			     "cache", n);
}

static void misuse(struct input *in, int *stack_obj)
{
	uint8_t kind = in_u8(in) % 8;
	int i;

	/*
	 * No interrupt during a misuse: its handler could take the object
	 * just freed, and the "double free" would free a live object.
	 */
	shim_irq_disarm();
	switch (kind) {
	case 0: {	/* double free, immediate */
		i = pick_live(in, -2);
		if (i < 0)
			return;
		{
			struct live l = untrack(i);
			int cls = l.kind != K_KMALLOC && cache_full[l.kind] ?
				  M_DF_NOW : M_DF_NOW_LIGHT;

			do_free(l, false);
			if (skip[cls])
				return;
			EXPECT_REPORTS(cls, 1, do_free(l, false));
		}
		break;
	}
	case 1: {	/* double free, late */
		struct freed f;
		int cls;

		if (!nr_freed)
			return;
		f = freed[in_u8(in) % nr_freed];
		if (shadow_lookup(f.p, NULL))
			return;		/* handed out again: not a double free */
		cls = f.kind != K_KMALLOC && cache_full[f.kind] ? M_DF_LATE_FULL : M_DF_LATE_LIGHT;
		if (skip[cls])
			return;
		/*
		 * Light mode's documented limit: a double free of an object
		 * still on a CPU's stack (not the top one) is not caught.
		 */
		if (cls == M_DF_LATE_LIGHT &&
		    harness_on_cpu_stack(f.kind == K_KMALLOC ? NULL : caches[f.kind],
					 f.p))
			return;
		EXPECT_REPORTS(cls, 1, do_free((struct live){ .p = f.p, .kind = f.kind }, false));
		break;
	}
	case 2: {	/* wrong cache */
		int k;

		i = pick_live(in, -1);
		if (i < 0 || skip[M_WRONG_CACHE])
			return;
		k = (live[i].kind + 1 + in_u8(in) % (NR_CACHES - 1)) % NR_CACHES;
		EXPECT_REPORTS(M_WRONG_CACHE, 1, hakmem_cache_free(caches[k], live[i].p));
		break;
	}
	case 3: {	/* interior pointer */
		struct live *l;
		unsigned int off;
		bool unaligned;

		i = pick_live(in, -2);
		if (i < 0)
			return;
		l = &live[i];
		if (l->size < 16)
			return;
		off = 1 + in_u8(in) % (l->size - 1);
		unaligned = off & 7;
		if (skip[unaligned ? M_INTERIOR_UNALIGNED : M_INTERIOR])
			return;
		EXPECT_REPORTS(unaligned ? M_INTERIOR_UNALIGNED : M_INTERIOR, 1,
			       free_any(l->kind, (char *)l->p + off));
		break;
	}
	case 4: {	/* malloc'ed memory */
		char *m = malloc(64);

		if (!skip[M_FOREIGN_MALLOC]) {
			EXPECT_REPORTS(M_FOREIGN_MALLOC, 1, hakmem_kfree(m + 16));
			EXPECT_REPORTS(M_FOREIGN_MALLOC, 1,
				       hakmem_cache_free(caches[in_u8(in) % NR_CACHES], m + 16));
		}
		free(m);
		break;
	}
	case 5:		/* a stack address */
		if (skip[M_FOREIGN_STACK])
			return;
		EXPECT_REPORTS(M_FOREIGN_STACK, 1, hakmem_kfree(stack_obj));
		EXPECT_REPORTS(M_FOREIGN_STACK, 1,
			       hakmem_cache_free(caches[in_u8(in) % NR_CACHES], stack_obj));
		break;
	case 6: {	/* small integers */
		static const unsigned long tiny[] = { 0x1000, 0x1008, 0x10000, 0x123450 };
		unsigned long v = tiny[in_u8(in) % ARRAY_SIZE(tiny)];

		if (skip[M_TINY_PTR])
			return;
		EXPECT_REPORTS(M_TINY_PTR, 1,
			       hakmem_cache_free(caches[in_u8(in) % NR_CACHES], (void *)v));
		EXPECT_REPORTS(M_TINY_PTR, 1, hakmem_kfree((void *)v));
		break;
	}
	case 7: {	/* arena pages that are not hakmem's */
		unsigned int order = in_u8(in) % 3;
		unsigned int off = (in_u8(in) * 8) % (4096u << order);
		char *pg = shim_alloc_foreign_pages(order);

		if (!skip[M_FOREIGN_PAGE]) {
			memset(pg, in_u8(in), 4096u << order);
			/* off 0: page aligned, looked at as a large kmalloc */
			EXPECT_REPORTS(M_FOREIGN_PAGE, 1, hakmem_kfree(pg + off));
			EXPECT_REPORTS(M_FOREIGN_PAGE, 1,
				       hakmem_cache_free(caches[in_u8(in) % NR_CACHES], pg + 64));
		}
		shim_free_foreign_pages(pg, order);
		break;
	}
	}
}

static void setup_caches(struct input *in)
{
	uint8_t flags = in_u8(in);
	int k;

	/* deterministic per input: counters and randomness restart */
	shim_page_allocs = 0;
	shim_srand(0x5eed);
	shim_init_on_free = flags & 1;
	shim_init_on_alloc = (flags >> 1) & 1;
	for (k = 0; k < NR_CACHES; k++) {
		static const unsigned int sizes[] = { 8, 16, 24, 40, 64, 96, 128, 200,
						      256, 500, 512, 1000, 1024, 2048,
						      3000, 4096 };
		uint8_t b = in_u8(in);
		unsigned int size = sizes[b % ARRAY_SIZE(sizes)];
		slab_flags_t f = 0;
		enum hakmem_header_mode mode = (b >> 4) & 1 ? HAKMEM_HEADER_FULL :
							     HAKMEM_HEADER_LIGHT;
		void (*ctor)(void *) = NULL;
		char name[32];

		if (k == 2 && ((b >> 5) & 1)) {
			ctor = ctor_fn;
			if (size < 16)
				size = 16;
		}
		if (k == 3 && ((b >> 5) & 1))
			f |= SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER;
		if ((b >> 6) & 1)
			f |= SLAB_HWCACHE_ALIGN;
		snprintf(name, sizeof(name), "fuzz-%d", k);
		caches[k] = hakmem_cache_create_mode(name, size, 0, f, ctor, mode);
		if (!caches[k])
			harness_fail("create", "cannot create %s (size %u)", name, size);
		cache_size[k] = size;
		cache_ctor[k] = ctor;
		cache_full[k] = mode == HAKMEM_HEADER_FULL || (f & SLAB_POISON);
		cache_zero_free[k] = shim_init_on_free && !ctor && !(f & SLAB_POISON);
		cache_zero_alloc[k] = shim_init_on_alloc && !ctor && !(f & SLAB_POISON);
	}
	/* the kmalloc caches were created at boot, with both off */
	shim_init_on_free = 0;
	shim_init_on_alloc = 0;
}

static void teardown(bool destroy_live)
{
	struct hakmem_cache *defunct = NULL;
	unsigned long b;
	int k, i;

	shim_irq_disarm();
	migrate_to = 0xff;
	memset(&shim_page_fail, 0, sizeof(shim_page_fail));
	shim_page_fail.max_order = -1;
	/* every CPU back online */
	for (i = 0; i < SHIM_NR_CPUS; i++)
		if (!((shim_online_mask() >> i) & 1))
			shim_cpu_up(i);
	if (destroy_live && !skip[M_DESTROY_LIVE]) {
		for (i = 0; i < nr_live; i++)
			if (live[i].kind == 0)
				break;
		if (i < nr_live) {
			unsigned long d = destroy_lines;

			b = shim_nr_bug_lines;
			hakmem_cache_destroy(caches[0]);
			if (destroy_lines - d != 1)
				harness_fail(misuse_names[M_DESTROY_LIVE],
					     "%lu 'destroyed with' reports (want 1)",
					     destroy_lines - d);
			/* up to 4 "still in use" lines too: not counted */
			(void)b;
			defunct = caches[0];
			caches[0] = NULL;
		}
	}
	b = shim_nr_bug_lines;
	while (nr_live) {
		struct live l = untrack(nr_live - 1);

		if (l.kind == 0 && defunct)
			hakmem_cache_free(defunct, l.p);
		else
			do_free(l, false);
	}
	if (defunct)
		hakmem_cache_shrink(defunct);
	for (k = 0; k < NR_CACHES; k++) {
		if (!caches[k])
			continue;
		validate_cache(caches[k]);
		hakmem_cache_destroy(caches[k]);
		caches[k] = NULL;
	}
	for (k = 8; k <= 8192; k *= 2)
		validate_cache(hakmem_kmalloc_cache(k));
	if (shim_nr_bug_lines != b)
		harness_fail("teardown", "%lu reports while freeing and destroying",
			     shim_nr_bug_lines - b);
	nr_freed = 0;
	shim_poll();
}

/* Free up to @n live objects of cache @k in one call, with NULL holes. */
static void bulk_free(struct input *in, int k, int n)
{
	void *p[32];
	int j, m = 0;

	for (j = 0; j < nr_live && m < n;) {
		if (live[j].kind != k) {
			j++;
			continue;
		}
		p[m++] = untrack(j).p;
		remember_freed(p[m - 1], k);
		if (in_u8(in) & 1 && m < n)
			p[m++] = NULL;
	}
	hakmem_cache_free_bulk(caches[k], m, p);
}

/* A cache by kind, or the kmalloc class of a size from the input. */
static struct hakmem_cache *pick_cache(struct input *in, int k)
{
	return k == K_KMALLOC ? hakmem_kmalloc_cache(1 + in_u8(in) * 32) : caches[k];
}

static bool booted;

static void boot(void)
{
	const char *s = getenv("HAKMEM_FUZZ_SKIP");
	int i;

	if (booted)
		return;
	booted = true;
	if (!s)
		s = HAKMEM_FUZZ_KNOWN;
	for (i = 0; i < M_NR; i++) {
		const char *p = strstr(s, misuse_names[i]);
		size_t n = strlen(misuse_names[i]);

		/* whole names only ("late-df-light" is not "df-now") */
		while (p && ((p != s && p[-1] != ',') || (p[n] && p[n] != ',')))
			p = strstr(p + 1, misuse_names[i]);
		skip[i] = !!p;
	}
	shim_quiet = !getenv("HAKMEM_FUZZ_VERBOSE");
	shim_printk_hook = printk_hook;
	shadow_init();
	harness_boot(512, NULL);
	shim_set_single_thread(true);
	shim_sleep_hook = sleep_hook;
	fprintf(stderr, "hakmem fuzz: skipping misuse classes: %s\n", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	unsigned long w0 = shim_nr_warnings;
	int stack_obj[8] = { 0 };
	bool destroy_live;
	int ops = 0;

	boot();
	shim_set_cpu(0);
	setup_caches(&in);
	destroy_live = in_u8(&in) & 1;
	while (in.i < in.n && ops++ < 2000) {
		uint8_t op = in_u8(&in);
		int k = in_u8(&in) % (NR_CACHES + 1);
		unsigned long rb = shim_nr_bug_lines, re = reports_expected;
		int i;

		switch (op % 16) {
		case 0: case 1: case 2:
			op_alloc(k, k == K_KMALLOC ? in_u16(&in) % 9000 : 0, pick_gfp(in_u8(&in)));
			break;
		case 3: case 4:
			i = pick_live(&in, -2);
			if (i >= 0) {
				bool via_kfree = in_u8(&in) & 1;

				do_free(untrack(i), via_kfree);
			}
			break;
		case 5:
			if (nr_live)
				do_free(untrack(nr_live - 1), false);
			break;
		case 6: {	/* bulk alloc / free */
			void *p[32];
			int n = 1 + in_u8(&in) % 32, j;
			gfp_t gfp = pick_gfp(in_u8(&in));

			if (k != K_KMALLOC && cache_ctor[k])
				gfp &= ~__GFP_ZERO;
			if (k == K_KMALLOC || nr_live + n > MAX_LIVE - 2)
				break;
			if (in_u8(&in) & 1) {
				if (hakmem_cache_alloc_bulk(caches[k], gfp, n, p) != n)
					break;
				for (j = 0; j < n; j++) {
					check_new(p[j], k, cache_size[k], gfp);
					track(p[j], k, cache_size[k]);
				}
			} else {
				bulk_free(&in, k, n);
			}
			break;
		}
		case 7:
			hakmem_cache_shrink(pick_cache(&in, k));
			break;
		case 8:
			validate_cache(pick_cache(&in, k));
			break;
		case 9:		/* switch CPU */
			shim_set_cpu(online_cpu_other_than(in_u8(&in) % SHIM_NR_CPUS));
			break;
		case 10: {	/* hotplug */
			int c = in_u8(&in) % SHIM_NR_CPUS;

			if (c == shim_cpu())
				break;
			if ((shim_online_mask() >> c) & 1)
				shim_cpu_down(c);
			else
				shim_cpu_up(c);
			break;
		}
		case 11:
			shim_shrink_scan(1 + in_u8(&in) * 64UL);
			break;
		case 12: {	/* page allocator failures */
			uint8_t f = in_u8(&in);

			memset(&shim_page_fail, 0, sizeof(shim_page_fail));
			shim_page_fail.max_order = -1;
			if (f % 4 == 1)
				shim_page_fail.max_order = f / 4 % 8;
			else if (f % 4 == 2)
				shim_page_fail.every = 1 + f / 4 % 4;
			else if (f % 4 == 3)
				shim_page_fail.fragmented = true;
			break;
		}
		case 13: {	/* an interrupt during the next operation */
			irq_req.kind = k;
			irq_req.do_free = in_u8(&in) & 1;
			shim_irq_arm(1 + in_u8(&in) % 8, irq_handler, &irq_req);
			continue;	/* armed for the next operation */
		}
		case 14: {	/* migrate, need_resched */
			uint8_t b = in_u8(&in);

			if (b & 1)
				migrate_to = b >> 1;
			shim_set_need_resched((b >> 1) & 1);
			break;
		}
		case 15:
			misuse(&in, stack_obj);
			break;
		}
		shim_irq_disarm();
		shim_poll();
		if (shim_nr_bug_lines - rb != reports_expected - re)
			harness_fail("unexpected-report",
				     "%lu report lines where %lu were expected (op %u)",
				     shim_nr_bug_lines - rb, reports_expected - re, op % 16);
	}
	if (getenv("HAKMEM_FUZZ_VERBOSE"))
		fprintf(stderr, "hakmem fuzz: %d ops, %lu interrupts\n", ops, shim_irqs_fired);
	teardown(destroy_live);
	if (shim_nr_warnings != w0)
		harness_fail("warning", "%lu kernel warnings (see above)",
			     shim_nr_warnings - w0);
	return 0;
}
