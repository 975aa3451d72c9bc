// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_bench: the hakmem_slab benchmark.
 *
 * Runs the same workloads against hakmem_slab and against the kernel's own
 * slab allocator (SLUB), interleaved repetition by repetition in ABBA order
 * (hakmem, SLUB in odd repetitions, SLUB, hakmem in even ones), with the
 * same sizes, alignment, order of operations and random sequence.  The
 * first repetition is a discarded warm-up; a variant whose spread (median /
 * minimum) exceeds 10% for an arm is measured again, at most twice, and
 * flagged if it still does.  The median and the minimum of the measured
 * repetitions, the speedups from both, and for the mem-* workloads the
 * memory of both allocators are reported in one row format, a CSV line per
 * workload, parameter and allocator: /sys/kernel/debug/hakmem_bench/
 * results.csv and the console.  tools/bench-report.py makes every table
 * from it; the module formats none.  .../results says what the run did
 * (parameters, time, notes).  Writing "key=value ..." to .../run runs
 * again with other parameters; .../workloads (also printed on the console
 * at load) lists the workloads from the table, with their legends.
 *
 * bench_workloads[] declares every workload: its name, legend, measure
 * function and parameters.  The known names, the help texts and the rows
 * all come from it.
 *
 * The SLUB caches are created with kmem_cache_create_usercopy() and a
 * usercopy region covering the object: slab_unmergeable() refuses to merge a
 * cache whose usersize is not zero, and the region changes nothing else on
 * the allocation and free paths.
 */

#define pr_fmt(fmt) "hakmem_bench: " fmt

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_buf.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/vmstat.h>

#if defined(CONFIG_X86) && !defined(CONFIG_UML)
#include <asm/cpufeature.h>
#include <asm/processor.h>
#endif

#include "hakmem_slab_inline.h"

/* === Configuration ======================================================== */

#define BENCH_MIN_REPS		5
#define BENCH_MAX_REPS		100
#define BENCH_MAX_SCALE		10000
#define BENCH_MAX_SIZES		8
#define BENCH_MAX_ARMS		5
#define BENCH_MAX_ROWS		128
#define BENCH_MAX_NOTES		16
#define BENCH_NOTE_LEN		128
#define BENCH_PARAM_LEN		16
#define BENCH_NAME_LEN		48
#define BENCH_TEXT_SIZE		(32 * 1024)
#define BENCH_MAX_INPUT		512

/*
 * A variant whose spread (median / minimum) exceeds BENCH_SPREAD_LIMIT
 * percent for any arm is measured again, up to BENCH_MAX_ATTEMPTS times
 * in all; the last measurement is reported, flagged if still above.
 */
#define BENCH_SPREAD_LIMIT	110
#define BENCH_MAX_ATTEMPTS	3

/*
 * Measured repetitions of a mem-* workload, at most: its figures are pages,
 * the same from one repetition to the next within a few KiB, and each
 * repetition makes and destroys its caches (128 of them in mem-many), which
 * is most of its time under TCG.
 */
#define BENCH_MEM_REPS		3

#define BENCH_OBJECT_SIZE	256	/* the size of most workloads */
#define BENCH_WS_SLOTS		400
#define BENCH_WS_MAX_SIZE	1024
#define BENCH_MAX_CLASSES	64
#define BENCH_RING_SIZE		256	/* remote-free ring, a power of two */
#define BENCH_SPIN_RESCHED	4096	/* spins before a wait calls cond_resched() */
#define BENCH_FLOOR_SLOTS	64	/* the floor's per-CPU array */
#define BENCH_BURST_NR		64	/* burst, xcpu-batch: objects at once */
#define BENCH_FIFO_LIVE		10000	/* fifo: objects in the queue */
#define BENCH_MANY_CACHES	64	/* many-caches: caches per arm */
#define BENCH_MANY_STEP		16	/* many-caches: 64, 80, ..., 1072 B */
#define BENCH_SWEEP_STEP	8	/* kmalloc-sweep: size step */
#define BENCH_XRING_BATCHES	16	/* xcpu-batch: batches in flight */

/* === Data ================================================================= */

enum bench_alloc {
	BENCH_NONE,
	BENCH_HAKMEM,
	BENCH_SLUB,
	BENCH_HAKMEM_FULL,
	BENCH_HAKMEM_LIGHT,
	BENCH_FLOOR_INLINE,	/* the per-CPU array, inlined in the loop */
	BENCH_FLOOR_CALL,	/* the same behind a call per operation */
	BENCH_HAKMEM_INLINE,	/* hakmem_cache_{alloc,free}_inline() */
};

/*
 * An allocator a row is measured with.  Its role is what it is to the
 * report: "base" is what the speedups are against (SLUB), "test" is
 * hakmem, "yardstick" compares with both and is no allocator, "calib"
 * measures the loop alone.  @hakmem: the timed loops call hakmem_slab.
 */
struct bench_alloc_desc {
	const char *name;
	const char *role;
	bool hakmem;
};

static const struct bench_alloc_desc bench_allocs[] = {
	[BENCH_NONE]		= { "none",		"calib" },
	[BENCH_HAKMEM]		= { "hakmem",		"test", true },
	[BENCH_SLUB]		= { "slub",		"base" },
	[BENCH_HAKMEM_FULL]	= { "hakmem-full",	"test", true },
	[BENCH_HAKMEM_LIGHT]	= { "hakmem-light",	"test", true },
	[BENCH_FLOOR_INLINE]	= { "floor",		"yardstick" },
	[BENCH_FLOOR_CALL]	= { "floor-call",	"yardstick" },
	[BENCH_HAKMEM_INLINE]	= { "hakmem-inline",	"test", true },
};

/* How a working-set loop allocates. */
enum bench_ws_kind {
	BENCH_WS_HAKMEM,	/* hakmem_kmalloc() and hakmem_kfree() */
	BENCH_WS_SLUB,		/* kmalloc() and kfree() */
	BENCH_WS_CLASSES,	/* the arm's own table of size-class caches */
};

/* The parameters of one run. */
struct bench_config {
	u64 workloads;			/* BIT_ULL(index in bench_workloads[]) */
	unsigned int reps;		/* measured repetitions */
	unsigned int scale;		/* percent of the default loop counts */
	unsigned int nr_sizes;
	unsigned int sizes[BENCH_MAX_SIZES];
};

/* What the results were measured on. */
struct bench_env {
	const char *env;
	const char *timing;
	char kernel[__NEW_UTS_LEN + 1];
	unsigned int cpus;
	bool init_on_alloc;
	bool init_on_free;
	const char *header_mode;
};

/*
 * Memory figures of a sample, in KiB.  Global: the drop in free pages
 * (buddy and per-CPU lists) since the start of the repetition, the same
 * measure for both allocators.  Own: the allocator's own count, for hakmem
 * the pages of the caches the workload uses (hakmem_cache_get_info()), for
 * SLUB the growth of NR_SLAB_UNRECLAIMABLE_B (every slab cache's pages).
 */
enum bench_mem_item {
	BENCH_PEAK,		/* global, at the peak */
	BENCH_RETAINED,		/* global, after every object is freed */
	BENCH_SHRUNK,		/* global, after the caches are shrunk too */
	BENCH_OWN_PEAK,		/* own, at the peak */
	BENCH_OWN_RETAINED,	/* own, after every object is freed */
	BENCH_NR_MEM
};

/* One line of the results. */
struct bench_row {
	const char *workload;	/* the workload's name, or its part's */
	char param[BENCH_PARAM_LEN];
	enum bench_alloc alloc;
	bool geomean;		/* counts in the summary's geomean */
	u64 median_ps;		/* picoseconds per operation */
	u64 min_ps;
	u64 mops_c;		/* million operations per second, x100 */
	u64 speedup_min_c;	/* SLUB minimum / this minimum, x100 */
	u64 speedup_med_c;	/* SLUB median / this median, x100 */
	u64 spread_c;		/* this median / this minimum, x100 */
	unsigned int reps;	/* measured repetitions */
	unsigned int attempts;	/* measurements of the variant, reruns too */
	bool spread_flag;	/* an arm's spread still above the limit */
	u64 kb[BENCH_NR_MEM];	/* median of the repetitions' */
};

/* One run: its parameters, results and their text. */
struct bench_run {
	struct bench_config cfg;
	struct bench_env env;
	bool done;
	u64 elapsed_ms;
	unsigned int nr_rows;
	struct bench_row rows[BENCH_MAX_ROWS];
	unsigned int nr_notes;
	char notes[BENCH_MAX_NOTES][BENCH_NOTE_LEN];
	char *text;		/* what the run did, NUL-terminated */
	char *csv;		/* the CSV, NUL-terminated */
};

/* The two handles an allocation loop may use. */
struct bench_cache {
	struct hakmem_cache *hak;
	struct kmem_cache *slub;
};

/* Size-class caches of one header mode, as hakmem_kmalloc() uses. */
struct bench_classes {
	unsigned int nr;
	u8 index[BENCH_WS_MAX_SIZE + 1];	/* size -> class */
	struct hakmem_cache *cache[BENCH_MAX_CLASSES];
	char name[BENCH_MAX_CLASSES][BENCH_NAME_LEN];
};

#define BENCH_MAX_PARTS		2

/*
 * Each repetition, up to this many, has its own cache (or, for class-table
 * arms, its own set of caches), all alive until the variant ends: see
 * bench_setup_classes() and bench_variant_caches().
 */
#define BENCH_CLASS_SETS	8

struct bench_sample {
	u64 ps;			/* picoseconds per operation */
	u64 kb[BENCH_NR_MEM];
	u64 part_ps[BENCH_MAX_PARTS];	/* the same, of each part */
};

/* Series of a sample: the whole run (0), then each part (1 + part). */
#define BENCH_NR_SERIES		(1 + BENCH_MAX_PARTS)

static u64 bench_sample_ps(const struct bench_sample *s, unsigned int series)
{
	return series ? s->part_ps[series - 1] : s->ps;
}

/* One allocator measured in a variant. */
struct bench_arm {
	enum bench_alloc alloc;
	/* The cache names, kept while they live. */
	char name[BENCH_CLASS_SETS][BENCH_NAME_LEN];
	struct bench_cache cache;	/* the current repetition's */
	struct bench_cache cache_set[BENCH_CLASS_SETS];
	struct bench_classes *classes;	/* the current repetition's set */
	struct bench_classes *class_set[BENCH_CLASS_SETS];
	unsigned int nr_sets;		/* of cache_set[] or class_set[] */
	u64 median_ps[BENCH_NR_SERIES];	/* of each series */
	u64 min_ps[BENCH_NR_SERIES];
	u64 kb[BENCH_NR_MEM];
	struct bench_sample sample[BENCH_MAX_REPS + 1];
};

struct bench_variant;
struct bench_team;
struct bench_ring;
struct bench_xring;
struct bench_mem;

typedef int (*bench_measure_fn)(struct bench_variant *v, struct bench_arm *a,
				u64 seed, struct bench_sample *s);

/* What a value of bench_workload.params sets in each variant. */
enum bench_param_kind {
	BENCH_PARAM_NONE,	/* one variant; param column: .param, or .size */
	BENCH_PARAM_SIZE,	/* v->size: the object size */
	BENCH_PARAM_NR,		/* v->nr: objects per batch */
	BENCH_PARAM_RANGE,	/* v->max_size; v->min_size: the value before + 8 */
};

/* bench_workload.flags */
#define BENCH_CFG_SIZES		BIT(0)	/* params: the sizes= parameter */
#define BENCH_OWN_CACHES	BIT(1)	/* measure makes its caches itself */
#define BENCH_NO_GEOMEAN	BIT(2)	/* a yardstick or a repeat: no geomean */
#define BENCH_PAIRS		BIT(3)	/* threads: a pair per two CPUs */
#define BENCH_MEM		BIT(4)	/* memory figures: no geomean, no rerun */
#define BENCH_KMALLOC		BIT(5)	/* own pages: the kmalloc caches */

#define BENCH_ALL_CPUS		UINT_MAX	/* threads: one per online CPU */

/*
 * A workload: one entry of bench_workloads[] declares it, and its measure
 * function times one repetition of one arm.  Everything else (the list of
 * known names, the help texts, the rows) comes from the table.
 */
struct bench_workload {
	const char *name;
	/* Help: what one operation is; a '\n' starts a continuation line. */
	const char *legend;
	bench_measure_fn measure;
	/* Optional extra preparation of each variant, after the defaults. */
	int (*setup)(struct bench_variant *v);
	const enum bench_alloc *arms;	/* NULL: hakmem, then SLUB */
	unsigned int nr_arms;
	unsigned long iters;	/* operations per repetition, at scale=100 */
	unsigned int size;	/* object size; caches of it for every arm */
	unsigned int min_size;	/* a size range, for the working sets */
	unsigned int max_size;
	unsigned int objs;	/* object slots (at least v->nr are made) */
	unsigned int threads;	/* threads of a team, or BENCH_ALL_CPUS */
	unsigned int cpus;	/* online CPUs needed */
	const char *param;	/* the param column of a single variant */
	enum bench_param_kind param_kind;
	const unsigned int *params;	/* one variant per value */
	unsigned int nr_params;
	const char *const *parts;	/* parts timed apart, rows of their own */
	unsigned int nr_parts;
	unsigned int flags;
};

/* One workload at one parameter, measured for each of its arms. */
struct bench_variant {
	struct bench_run *run;
	const struct bench_workload *w;
	const char *workload;
	char param[BENCH_PARAM_LEN];
	bench_measure_fn measure;
	unsigned long iters;		/* iterations or objects per repetition */
	unsigned int size;		/* object size */
	unsigned int nr;		/* objects per batch */
	unsigned int min_size;		/* working-set size range */
	unsigned int max_size;
	unsigned int parallel;		/* threads whose operations add up */
	void **objs;
	u8 *cls;
	struct bench_team *team;
	struct bench_ring *ring;	/* one per producer/consumer pair */
	struct bench_xring *xring;	/* the same, of batches */
	unsigned int nr_pairs;
	struct bench_cache *many[BENCH_MAX_ARMS];	/* many-caches, mem-many */
	struct bench_mem *mem;		/* mem-prodcons: the start, */
	struct bench_sample *sample;	/* and where the producer notes */
	unsigned int nr_arms;
	struct bench_arm arm[BENCH_MAX_ARMS];
	unsigned int reps;		/* measured repetitions */
	unsigned int attempts;
	u64 scratch[BENCH_MAX_REPS];
};

/* Serializes runs, and readers of bench_last against them. */
static DEFINE_MUTEX(bench_mutex);
static struct bench_run bench_last;		/* guarded by bench_mutex */
static struct bench_config bench_load_cfg;	/* the module parameters */
static struct dentry *bench_dir;

/* === Parameters =========================================================== */

/* Parsed in "Parameter parsing", after the workload table. */
static char *workloads = "all";
module_param(workloads, charp, 0444);
MODULE_PARM_DESC(workloads,
		 "comma-separated workload names, or all (default all); the names and what they measure: /sys/kernel/debug/hakmem_bench/workloads");

/* Even: in ABBA order each arm then runs first as often as the other. */
static unsigned int reps = 6;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps,
		 "measured repetitions, 5..100, plus one discarded warm-up (default 6)");

static unsigned int scale = 100;
module_param(scale, uint, 0444);
MODULE_PARM_DESC(scale,
		 "loop counts in percent of the defaults, 1..10000 (default 100)");

static char *sizes = "64,256,512,1024";
module_param(sizes, charp, 0444);
MODULE_PARM_DESC(sizes,
		 "comma-separated object sizes for pair, 1..16384, at most 8 (default 64,256,512,1024)");

static bool run_on_load = true;
module_param(run_on_load, bool, 0444);
MODULE_PARM_DESC(run_on_load, "run the workloads when loaded (default 1)");

/* === Helpers ============================================================== */

static unsigned long bench_scaled(const struct bench_run *run,
				  unsigned long base)
{
	u64 n = div_u64((u64)base * run->cfg.scale, 100);

	return n ? n : 1;
}

static u64 bench_seed(unsigned int rep)
{
	return 0x9e3779b97f4a7c15ULL * (rep + 1);
}

/* xorshift64: cheap, and the same sequence for every allocator. */
static __always_inline u64 bench_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static u64 bench_ps_per_op(u64 ns, u64 ops)
{
	return ops ? div64_u64(ns * 1000, ops) : 0;
}

/* The one store to every object, so that it is used. */
static __always_inline void bench_touch(void *p, unsigned long i)
{
	WRITE_ONCE(*(u8 *)p, (u8)i);
}

static __always_inline void bench_spin(unsigned int *spins)
{
	cpu_relax();
	if (!(++*spins % BENCH_SPIN_RESCHED))
		cond_resched();
}

static bool bench_is_hakmem(enum bench_alloc alloc)
{
	return bench_allocs[alloc].hakmem;
}

static const char *bench_mode_name(enum hakmem_header_mode mode)
{
	switch (mode) {
	case HAKMEM_HEADER_FULL:
		return "full";
	case HAKMEM_HEADER_LIGHT:
		return "light";
	}
	return "unknown";
}

static __printf(2, 3) void bench_note(struct bench_run *run,
				      const char *fmt, ...)
{
	va_list args;

	if (run->nr_notes == BENCH_MAX_NOTES)
		return;
	va_start(args, fmt);
	vsnprintf(run->notes[run->nr_notes++], BENCH_NOTE_LEN, fmt, args);
	va_end(args);
	pr_info("%s\n", run->notes[run->nr_notes - 1]);
}

/* === Allocator dispatch =================================================== */

/*
 * The timed loops call these with a constant @hak after inlining, so each
 * loop is compiled once per allocator with direct calls and no branch.
 */

static __always_inline void *bench_cache_alloc_gfp(const struct bench_cache *c,
						   bool hak, gfp_t gfp)
{
	if (hak)
		return hakmem_cache_alloc(c->hak, gfp);
	return kmem_cache_alloc(c->slub, gfp);
}

static __always_inline void *bench_cache_alloc(const struct bench_cache *c,
					       bool hak)
{
	return bench_cache_alloc_gfp(c, hak, GFP_KERNEL);
}

static __always_inline void bench_cache_free(const struct bench_cache *c,
					     bool hak, void *p)
{
	if (hak)
		hakmem_cache_free(c->hak, p);
	else
		kmem_cache_free(c->slub, p);
}

static __always_inline int bench_cache_alloc_bulk(const struct bench_cache *c,
						  bool hak, unsigned int nr,
						  void **objs)
{
	if (hak)
		return hakmem_cache_alloc_bulk(c->hak, GFP_KERNEL, nr, objs);
	return kmem_cache_alloc_bulk(c->slub, GFP_KERNEL, nr, objs);
}

static __always_inline void bench_cache_free_bulk(const struct bench_cache *c,
						  bool hak, unsigned int nr,
						  void **objs)
{
	if (hak)
		hakmem_cache_free_bulk(c->hak, nr, objs);
	else
		kmem_cache_free_bulk(c->slub, nr, objs);
}

static __always_inline void *bench_ws_alloc(const struct bench_classes *cl,
					    unsigned int size, u8 *cls,
					    enum bench_ws_kind kind)
{
	switch (kind) {
	case BENCH_WS_HAKMEM:
		return hakmem_kmalloc(size, GFP_KERNEL);
	case BENCH_WS_SLUB:
		return kmalloc(size, GFP_KERNEL);
	case BENCH_WS_CLASSES:
		break;
	}
	*cls = cl->index[size];
	return hakmem_cache_alloc(cl->cache[*cls], GFP_KERNEL);
}

static __always_inline void bench_ws_free(const struct bench_classes *cl,
					  void *p, u8 cls,
					  enum bench_ws_kind kind)
{
	switch (kind) {
	case BENCH_WS_HAKMEM:
		hakmem_kfree(p);
		return;
	case BENCH_WS_SLUB:
		kfree(p);
		return;
	case BENCH_WS_CLASSES:
		break;
	}
	hakmem_cache_free(cl->cache[cls], p);
}

static enum bench_ws_kind bench_ws_kind_of(const struct bench_arm *a)
{
	if (a->alloc == BENCH_SLUB)
		return BENCH_WS_SLUB;
	if (a->classes)
		return BENCH_WS_CLASSES;
	return BENCH_WS_HAKMEM;
}

/* === Caches =============================================================== */

/* Creates @a's cache @set (a->cache_set[@set]) and makes it the current one. */
static int bench_arm_create_cache(struct bench_variant *v, struct bench_arm *a,
				  unsigned int size, unsigned int set)
{
	char *name = a->name[set];
	struct bench_cache c = {};

	/* Unique: SLUB names its sysfs directory after an unmerged cache. */
	snprintf(name, BENCH_NAME_LEN, "hb-%s-%s-%u-%u", v->workload,
		 bench_allocs[a->alloc].name, size, set);
	switch (a->alloc) {
	case BENCH_HAKMEM:
	case BENCH_HAKMEM_INLINE:
		c.hak = hakmem_cache_create(name, size, 0, 0, NULL);
		break;
	case BENCH_HAKMEM_FULL:
		c.hak = hakmem_cache_create_mode(name, size, 0, 0, NULL,
						 HAKMEM_HEADER_FULL);
		break;
	case BENCH_HAKMEM_LIGHT:
		c.hak = hakmem_cache_create_mode(name, size, 0, 0, NULL,
						 HAKMEM_HEADER_LIGHT);
		break;
	case BENCH_SLUB:
		/* A usercopy region makes the cache unmergeable. */
		c.slub = kmem_cache_create_usercopy(name, size, 0, 0, 0, size,
						    NULL);
		break;
	case BENCH_NONE:
	case BENCH_FLOOR_INLINE:
	case BENCH_FLOOR_CALL:
		return 0;
	}
	if (!c.hak && !c.slub) {
		pr_err("%s: cannot create cache %s\n", v->workload, name);
		return -ENOMEM;
	}
	a->cache_set[set] = c;
	a->cache = c;
	a->nr_sets = max(a->nr_sets, set + 1);
	return 0;
}

/* Destroys every cache of @a. */
static void bench_arm_destroy_cache(struct bench_arm *a)
{
	struct bench_cache *c;
	unsigned int set;

	for (set = 0; set < a->nr_sets; set++) {
		c = &a->cache_set[set];
		if (c->hak) {
			hakmem_cache_shrink(c->hak);
			hakmem_cache_destroy(c->hak);
		}
		if (c->slub) {
			kmem_cache_shrink(c->slub);
			kmem_cache_destroy(c->slub);
		}
		*c = (struct bench_cache){};
	}
	a->nr_sets = 0;
	a->cache = (struct bench_cache){};
}

static void bench_classes_destroy(struct bench_classes *cl)
{
	unsigned int i;

	if (!cl)
		return;
	for (i = 0; i < cl->nr; i++)
		hakmem_cache_destroy(cl->cache[i]);
	kfree(cl);
}

/* Adds to @cl a cache of hakmem_kmalloc()'s class @kc, in header @mode. */
static int bench_classes_add(struct bench_classes *cl,
			     struct hakmem_cache *kc,
			     enum hakmem_header_mode mode)
{
	struct hakmem_cache_info info;
	char *name = cl->name[cl->nr];

	if (cl->nr == BENCH_MAX_CLASSES) {
		pr_err("header: more than %u size classes up to %u bytes\n",
		       BENCH_MAX_CLASSES, BENCH_WS_MAX_SIZE);
		return -E2BIG;
	}
	hakmem_cache_get_info(kc, &info);
	snprintf(name, BENCH_NAME_LEN, "hb-%s-%u", bench_mode_name(mode),
		 hakmem_cache_size(kc));
	cl->cache[cl->nr] = hakmem_cache_create_mode(name,
						     hakmem_cache_size(kc),
						     info.align, 0, NULL,
						     mode);
	if (!cl->cache[cl->nr]) {
		pr_err("header: cannot create cache %s\n", name);
		return -ENOMEM;
	}
	cl->nr++;
	return 0;
}

/*
 * Builds a table of size-class caches in header @mode with the class sizes
 * (and alignments) that hakmem_kmalloc() uses for 1..BENCH_WS_MAX_SIZE.
 */
static struct bench_classes *bench_classes_create(enum hakmem_header_mode mode)
{
	struct hakmem_cache *kc, *prev = NULL;
	struct bench_classes *cl;
	unsigned int size;

	cl = kzalloc(sizeof(*cl), GFP_KERNEL);
	if (!cl)
		return NULL;
	for (size = 1; size <= BENCH_WS_MAX_SIZE; size++) {
		kc = hakmem_kmalloc_cache(size);
		if (!kc) {
			pr_err("header: hakmem_kmalloc_cache(%u) is NULL\n",
			       size);
			goto fail;
		}
		if (kc != prev && bench_classes_add(cl, kc, mode))
			goto fail;
		prev = kc;
		cl->index[size] = cl->nr - 1;
	}
	return cl;

fail:
	bench_classes_destroy(cl);
	return NULL;
}

/* === Variants ============================================================= */

static const enum bench_alloc bench_vs_slub[] = {
	BENCH_HAKMEM, BENCH_SLUB
};

static const enum bench_alloc bench_modes_vs_slub[] = {
	BENCH_HAKMEM_FULL, BENCH_HAKMEM_LIGHT, BENCH_SLUB
};

static const enum bench_alloc bench_no_alloc[] = { BENCH_NONE };

static const enum bench_alloc bench_floor_vs_slub[] = {
	BENCH_HAKMEM, BENCH_HAKMEM_INLINE, BENCH_FLOOR_CALL, BENCH_FLOOR_INLINE,
	BENCH_SLUB
};

static const enum bench_alloc bench_inline_vs_slub[] = {
	BENCH_HAKMEM_INLINE, BENCH_HAKMEM, BENCH_SLUB
};

/* A variant of @w, with the arms of @w (hakmem and SLUB by default). */
static struct bench_variant *bench_variant_new(struct bench_run *run,
					       const struct bench_workload *w)
{
	const enum bench_alloc *allocs = w->arms ?: bench_vs_slub;
	unsigned int i, nr = w->arms ? w->nr_arms : ARRAY_SIZE(bench_vs_slub);
	struct bench_variant *v;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v) {
		bench_note(run, "%s: out of memory, skipped", w->name);
		return NULL;
	}
	v->run = run;
	v->w = w;
	v->workload = w->name;
	v->measure = w->measure;
	v->parallel = 1;
	v->size = w->size;
	v->min_size = w->min_size;
	v->max_size = w->max_size;
	v->iters = bench_scaled(run, w->iters);
	v->reps = run->cfg.reps;
	if (w->flags & BENCH_MEM)
		v->reps = min(v->reps, BENCH_MEM_REPS);
	v->nr_arms = min_t(unsigned int, nr, BENCH_MAX_ARMS);
	for (i = 0; i < v->nr_arms; i++)
		v->arm[i].alloc = allocs[i];
	return v;
}

static int bench_variant_objs(struct bench_variant *v, unsigned long nr)
{
	v->objs = kvcalloc(nr, sizeof(*v->objs), GFP_KERNEL);
	return v->objs ? 0 : -ENOMEM;
}

/*
 * Creates the arms' caches: one per repetition, up to BENCH_CLASS_SETS,
 * for every allocator alike.  Under QEMU TCG a cache's placement (where
 * its structures, per-CPU state and pages land) can make every operation
 * on it about 1.6x slower for as long as it lives: in about one boot in
 * seven every hakmem row with a single cache per variant was that slow,
 * the caches of one variant reusing the memory of the last one's, while
 * the header rows' caches, a set per repetition, were not.  With a cache
 * per repetition an unlucky placement costs one repetition, which the
 * median leaves out.
 */
static int bench_variant_caches(struct bench_variant *v, unsigned int size)
{
	unsigned int i, set, sets;
	int err;

	v->size = size;
	sets = min_t(unsigned int, v->reps + 1, BENCH_CLASS_SETS);
	for (set = 0; set < sets; set++) {
		for (i = 0; i < v->nr_arms; i++) {
			err = bench_arm_create_cache(v, &v->arm[i], size,
						     set);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Creates arm @i's BENCH_MANY_CACHES caches, of 64, 80, ..., 1072 bytes, in
 * v->many[@i].
 */
static int bench_many_create(struct bench_variant *v, unsigned int i)
{
	char name[BENCH_NAME_LEN];
	struct bench_cache *c;
	unsigned int k, size;

	v->many[i] = kcalloc(BENCH_MANY_CACHES, sizeof(*v->many[i]),
			     GFP_KERNEL);
	if (!v->many[i])
		return -ENOMEM;
	for (k = 0; k < BENCH_MANY_CACHES; k++) {
		c = &v->many[i][k];
		size = 64 + k * BENCH_MANY_STEP;
		/* Both allocators copy the name. */
		snprintf(name, sizeof(name), "hb-%s-%s-%u", v->workload,
			 bench_allocs[v->arm[i].alloc].name, size);
		if (v->arm[i].alloc == BENCH_SLUB)
			c->slub = kmem_cache_create_usercopy(name, size, 0, 0,
							     0, size, NULL);
		else
			c->hak = hakmem_cache_create(name, size, 0, 0, NULL);
		if (!c->hak && !c->slub)
			return -ENOMEM;
	}
	return 0;
}

/* Destroys what bench_many_create() made, if anything. */
static void bench_many_destroy(struct bench_variant *v, unsigned int i)
{
	unsigned int k;

	for (k = 0; v->many[i] && k < BENCH_MANY_CACHES; k++) {
		/* Both take NULL. */
		hakmem_cache_destroy(v->many[i][k].hak);
		kmem_cache_destroy(v->many[i][k].slub);
	}
	kfree(v->many[i]);
	v->many[i] = NULL;
}

static void bench_variant_free(struct bench_variant *v)
{
	unsigned int i, set;

	for (i = 0; i < v->nr_arms; i++) {
		bench_arm_destroy_cache(&v->arm[i]);
		for (set = 0; set < BENCH_CLASS_SETS; set++)
			bench_classes_destroy(v->arm[i].class_set[set]);
	}
	for (i = 0; i < v->nr_arms; i++)
		bench_many_destroy(v, i);
	kvfree(v->objs);
	kfree(v->cls);
	kfree(v->team);
	kfree(v->ring);
	kfree(v->xring);
	kfree(v);
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	if (x < y)
		return -1;
	return x > y;
}

/* Sorts @vals and returns their median. */
static u64 bench_median(u64 *vals, unsigned int nr)
{
	sort(vals, nr, sizeof(*vals), bench_cmp_u64, NULL);
	if (nr & 1)
		return vals[nr / 2];
	return (vals[nr / 2 - 1] + vals[nr / 2]) / 2;
}

/*
 * Points an arm at the cache, or class set, of repetition @rep (there is
 * one for every repetition, or BENCH_CLASS_SETS of them).
 */
static void bench_arm_pick_set(struct bench_arm *a, unsigned int rep)
{
	if (!a->nr_sets)
		return;
	a->cache = a->cache_set[rep % a->nr_sets];
	a->classes = a->class_set[rep % a->nr_sets];
}

/* Median and minimum of an arm's repetitions, warm-up left out. */
static void bench_arm_stats(struct bench_variant *v, struct bench_arm *a)
{
	unsigned int reps = v->reps, i, k;

	for (k = 0; k <= v->w->nr_parts; k++) {
		for (i = 0; i < reps; i++)
			v->scratch[i] = bench_sample_ps(&a->sample[i + 1], k);
		a->median_ps[k] = bench_median(v->scratch, reps);
		a->min_ps[k] = v->scratch[0];
	}
	for (k = 0; k < BENCH_NR_MEM; k++) {
		for (i = 0; i < reps; i++)
			v->scratch[i] = a->sample[i + 1].kb[k];
		a->kb[k] = bench_median(v->scratch, reps);
	}
}

/* Adds the rows of one series of @v: the whole workload, or a part. */
/* @num / @den, x100 and rounded; 100 (1.00) when either is 0. */
static u64 bench_ratio_c(u64 num, u64 den)
{
	return num && den ? div64_u64(num * 100 + den / 2, den) : 100;
}

/* The spread of arm @a in @series: median / minimum, x100. */
static u64 bench_spread_c(const struct bench_arm *a, unsigned int series)
{
	return bench_ratio_c(a->median_ps[series], a->min_ps[series]);
}

/* The largest spread of the arms of @v, whole-workload series. */
static u64 bench_variant_spread_c(const struct bench_variant *v)
{
	u64 spread = 0;
	unsigned int i;

	for (i = 0; i < v->nr_arms; i++)
		spread = max(spread, bench_spread_c(&v->arm[i], 0));
	return spread;
}

/* Adds the rows of one series of @v: the whole workload, or a part. */
static void bench_variant_emit_rows(struct bench_variant *v,
				    const char *workload, unsigned int series)
{
	bool flag = bench_variant_spread_c(v) > BENCH_SPREAD_LIMIT;
	const struct bench_arm *a, *slub = NULL;
	struct bench_run *run = v->run;
	struct bench_row *row;
	unsigned int i;

	for (i = 0; i < v->nr_arms; i++) {
		if (v->arm[i].alloc == BENCH_SLUB)
			slub = &v->arm[i];
	}
	for (i = 0; i < v->nr_arms; i++) {
		a = &v->arm[i];
		if (run->nr_rows == BENCH_MAX_ROWS) {
			bench_note(run, "too many results, some left out");
			return;
		}
		row = &run->rows[run->nr_rows++];
		row->workload = workload;
		strscpy(row->param, v->param, sizeof(row->param));
		row->alloc = a->alloc;
		row->geomean = !series && a->alloc == BENCH_HAKMEM &&
			       !(v->w->flags & (BENCH_NO_GEOMEAN | BENCH_MEM));
		row->median_ps = a->median_ps[series];
		row->min_ps = a->min_ps[series];
		if (!series)
			memcpy(row->kb, a->kb, sizeof(row->kb));
		row->mops_c = row->median_ps ?
			div64_u64(100000000ULL * v->parallel,
				  row->median_ps) : 0;
		row->speedup_min_c = 100;
		row->speedup_med_c = 100;
		if (slub && a != slub) {
			row->speedup_min_c = bench_ratio_c(slub->min_ps[series],
							   row->min_ps);
			row->speedup_med_c =
				bench_ratio_c(slub->median_ps[series],
					      row->median_ps);
		}
		row->spread_c = bench_spread_c(a, series);
		row->reps = v->reps;
		row->attempts = v->attempts;
		row->spread_flag = flag;
	}
}

static void bench_variant_emit(struct bench_variant *v)
{
	unsigned int i;

	bench_variant_emit_rows(v, v->workload, 0);
	for (i = 0; i < v->w->nr_parts; i++)
		bench_variant_emit_rows(v, v->w->parts[i], 1 + i);
}

/*
 * The warm-up repetition, discarded: the arm's workload once on each of its
 * caches, with an eighth of the operations if there are several, so that
 * no measured repetition is the first run of a cache on any CPU (its first
 * segment or slab, its first carving).
 */
static int bench_arm_warm_up(struct bench_variant *v, struct bench_arm *a)
{
	unsigned int set, sets = a->nr_sets;
	unsigned long iters = v->iters;
	int err = 0;

	if (sets > 1)
		v->iters = max(iters / BENCH_CLASS_SETS, 1UL);
	for (set = 0; !err && set < max(sets, 1U); set++) {
		bench_arm_pick_set(a, set);
		err = v->measure(v, a, bench_seed(0), &a->sample[0]);
		cond_resched();
	}
	v->iters = iters;
	return err;
}

/* What a setup function returns to skip a variant it has noted. */
#define BENCH_SKIP	1

/*
 * The measured repetitions of every arm, interleaved in ABBA order: the
 * arms in table order in odd repetitions, in reverse order in even ones
 * (hakmem, SLUB, SLUB, hakmem, ...), so that neither arm always runs
 * first, on the caches and pages the other has just left.
 */
static int bench_variant_measure(struct bench_variant *v)
{
	unsigned int rep, i, k;
	struct bench_arm *a;
	int err = 0;

	for (rep = 1; !err && rep <= v->reps; rep++) {
		for (k = 0; !err && k < v->nr_arms; k++) {
			i = rep & 1 ? k : v->nr_arms - 1 - k;
			a = &v->arm[i];
			bench_arm_pick_set(a, rep);
			err = v->measure(v, a, bench_seed(rep),
					 &a->sample[rep]);
			cond_resched();
		}
	}
	for (i = 0; !err && i < v->nr_arms; i++)
		bench_arm_stats(v, &v->arm[i]);
	return err;
}

/*
 * Runs the warm-up, then the measured repetitions, again while an arm's
 * spread is above BENCH_SPREAD_LIMIT (at most BENCH_MAX_ATTEMPTS times in
 * all), and adds the results of the last.  Notes a failure (@err < 0;
 * BENCH_SKIP is already noted), and frees @v in any case.
 */
static void bench_variant_finish(struct bench_variant *v, int err)
{
	unsigned int i;

	for (i = 0; !err && i < v->nr_arms; i++)
		err = bench_arm_warm_up(v, &v->arm[i]);
	while (!err && v->attempts < BENCH_MAX_ATTEMPTS) {
		v->attempts++;
		err = bench_variant_measure(v);
		if (!err && (bench_variant_spread_c(v) <= BENCH_SPREAD_LIMIT ||
			     v->w->flags & BENCH_MEM))
			break;
		if (!err && v->attempts < BENCH_MAX_ATTEMPTS)
			pr_info("%s %s: spread %llu%% above %u%%, measuring again\n",
				v->workload, v->param,
				bench_variant_spread_c(v) - 100,
				BENCH_SPREAD_LIMIT - 100);
	}
	if (err < 0)
		bench_note(v->run, "%s %s: failed with error %d, skipped",
			   v->workload, v->param, err);
	else if (!err)
		bench_variant_emit(v);
	bench_variant_free(v);
}

/* === Single-CPU workloads ================================================= */

static int bench_measure_loop(struct bench_variant *v, struct bench_arm *a,
			      u64 seed, struct bench_sample *s)
{
	unsigned long i, n = v->iters;
	u8 sink = 0;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		WRITE_ONCE(sink, (u8)i);
	s->ps = bench_ps_per_op(ktime_get_ns() - t0, n);
	return 0;
}

static __always_inline int bench_pair_loop(struct bench_cache c,
					   unsigned long n, bool hak)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_cache_alloc(&c, hak);
		if (unlikely(!p))
			return -ENOMEM;
		bench_touch(p, i);
		bench_cache_free(&c, hak, p);
	}
	return 0;
}

/*
 * pair through the inline fast paths (hakmem_slab_inline.h): the pop and
 * the push in this loop, the slow paths in hakmem_slab.ko.
 */
static int bench_pair_inline_loop(struct hakmem_cache *s, unsigned long n)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = hakmem_cache_alloc_inline(s, GFP_KERNEL);
		if (unlikely(!p))
			return -ENOMEM;
		bench_touch(p, i);
		hakmem_cache_free_inline(s, p);
	}
	return 0;
}

static int bench_pair_run(struct bench_arm *a, unsigned long n)
{
	if (a->alloc == BENCH_HAKMEM_INLINE)
		return bench_pair_inline_loop(a->cache.hak, n);
	if (bench_is_hakmem(a->alloc))
		return bench_pair_loop(a->cache, n, true);
	return bench_pair_loop(a->cache, n, false);
}

static int bench_measure_pair(struct bench_variant *v, struct bench_arm *a,
			      u64 seed, struct bench_sample *s)
{
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	err = bench_pair_run(a, v->iters);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, v->iters);
	return err;
}

/*
 * pair-atomic: pair at 256 B with GFP_ATOMIC, as callers in softirq or
 * under a spinlock allocate (network buffers, for one; and the loop of
 * the public slab_bulk_test01 harness).  Nothing else differs from pair:
 * a GFP_KERNEL allocation is a preemption point (might_alloc()), an
 * atomic one is not, and the two allocators pay for that differently.
 */
static __always_inline int bench_pair_atomic_loop(struct bench_cache c,
						  unsigned long n, bool hak)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_cache_alloc_gfp(&c, hak, GFP_ATOMIC);
		if (unlikely(!p))
			return -ENOMEM;
		bench_touch(p, i);
		bench_cache_free(&c, hak, p);
	}
	return 0;
}

static int bench_measure_pair_atomic(struct bench_variant *v,
				     struct bench_arm *a, u64 seed,
				     struct bench_sample *s)
{
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	if (bench_is_hakmem(a->alloc))
		err = bench_pair_atomic_loop(a->cache, v->iters, true);
	else
		err = bench_pair_atomic_loop(a->cache, v->iters, false);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, v->iters);
	return err;
}

/*
 * The floor: the least any per-CPU object cache does, to compare with.  A
 * bare per-CPU array of pointers, popped and pushed with preemption
 * disabled: no header, no guard against interrupts, no counter, no check of
 * the pointer.  Not safe against an interrupt that allocates, so a yardstick
 * and never an allocator.  It zeroes on allocation when init_on_alloc is on,
 * as SLUB and hakmem then do.  "floor" is inlined into the timed loop, the
 * least such a cache costs; "floor-call" makes one call per allocation and
 * one per free, as any allocator behind an exported function does.
 */
struct bench_floor {
	unsigned int count;
	void *slot[BENCH_FLOOR_SLOTS];
};

static DEFINE_PER_CPU(struct bench_floor, bench_floor);
static unsigned int bench_floor_size;	/* bytes zeroed on allocation, or 0 */

static __always_inline void *bench_floor_pop(void)
{
	struct bench_floor *f;
	void *p = NULL;

	preempt_disable();
	f = this_cpu_ptr(&bench_floor);
	if (likely(f->count))
		p = f->slot[--f->count];
	preempt_enable();
	if (p && bench_floor_size)
		memset(p, 0, bench_floor_size);
	return p;
}

static __always_inline bool bench_floor_push(void *p)
{
	struct bench_floor *f;
	bool ok = false;

	preempt_disable();
	f = this_cpu_ptr(&bench_floor);
	if (likely(f->count < BENCH_FLOOR_SLOTS)) {
		f->slot[f->count++] = p;
		ok = true;
	}
	preempt_enable();
	return ok;
}

static noinline void *bench_floor_pop_call(void)
{
	return bench_floor_pop();
}

static noinline bool bench_floor_push_call(void *p)
{
	return bench_floor_push(p);
}

static __always_inline int bench_floor_loop(unsigned long n, bool call)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = call ? bench_floor_pop_call() : bench_floor_pop();
		if (unlikely(!p))
			return -EINVAL;
		bench_touch(p, i);
		if (unlikely(!(call ? bench_floor_push_call(p) :
				      bench_floor_push(p))))
			return -EINVAL;
	}
	return 0;
}

/*
 * pair through the floor, with one object of v->size bytes from kmalloc()
 * in this CPU's array; migration is off so that the array stays this CPU's.
 */
static int bench_measure_floor(struct bench_variant *v, struct bench_arm *a,
			       u64 seed, struct bench_sample *s)
{
	void *obj, *back;
	u64 t0, t1;
	int err;

	if (a->alloc != BENCH_FLOOR_INLINE && a->alloc != BENCH_FLOOR_CALL)
		return bench_measure_pair(v, a, seed, s);
	obj = kmalloc(v->size, GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	bench_floor_size = v->run->env.init_on_alloc ? v->size : 0;
	migrate_disable();
	if (!bench_floor_push(obj)) {
		migrate_enable();
		kfree(obj);
		return -EBUSY;
	}
	t0 = ktime_get_ns();
	if (a->alloc == BENCH_FLOOR_CALL)
		err = bench_floor_loop(v->iters, true);
	else
		err = bench_floor_loop(v->iters, false);
	t1 = ktime_get_ns();
	back = bench_floor_pop();
	migrate_enable();
	kfree(back);
	s->ps = bench_ps_per_op(t1 - t0, v->iters);
	return back == obj ? err : -EINVAL;
}

/* Allocates @nr objects, then frees them in the same order (FIFO). */
static __always_inline int bench_batch_loop(struct bench_cache c, void **objs,
					    unsigned int nr,
					    unsigned long rounds, bool hak)
{
	unsigned int i, j;
	unsigned long r;
	void *p;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nr; i++) {
			p = bench_cache_alloc(&c, hak);
			if (unlikely(!p))
				goto fail;
			bench_touch(p, i);
			objs[i] = p;
		}
		for (i = 0; i < nr; i++)
			bench_cache_free(&c, hak, objs[i]);
	}
	return 0;

fail:
	for (j = 0; j < i; j++)
		bench_cache_free(&c, hak, objs[j]);
	return -ENOMEM;
}

static __always_inline int bench_bulk_loop(struct bench_cache c, void **objs,
					   unsigned int nr,
					   unsigned long rounds, bool hak)
{
	unsigned int i;
	unsigned long r;

	for (r = 0; r < rounds; r++) {
		if (unlikely(!bench_cache_alloc_bulk(&c, hak, nr, objs)))
			return -ENOMEM;
		for (i = 0; i < nr; i++)
			bench_touch(objs[i], i);
		bench_cache_free_bulk(&c, hak, nr, objs);
	}
	return 0;
}

static int bench_measure_batch(struct bench_variant *v, struct bench_arm *a,
			       u64 seed, struct bench_sample *s)
{
	unsigned long rounds = max(v->iters / v->nr, 1UL);
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	if (bench_is_hakmem(a->alloc))
		err = bench_batch_loop(a->cache, v->objs, v->nr, rounds, true);
	else
		err = bench_batch_loop(a->cache, v->objs, v->nr, rounds, false);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, (u64)rounds * v->nr);
	return err;
}

static int bench_measure_bulk(struct bench_variant *v, struct bench_arm *a,
			      u64 seed, struct bench_sample *s)
{
	unsigned long rounds = max(v->iters / v->nr, 1UL);
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	if (bench_is_hakmem(a->alloc))
		err = bench_bulk_loop(a->cache, v->objs, v->nr, rounds, true);
	else
		err = bench_bulk_loop(a->cache, v->objs, v->nr, rounds, false);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, (u64)rounds * v->nr);
	return err;
}

/*
 * A packet-like burst: BENCH_BURST_NR allocations, a word written to each,
 * then the frees in reverse order (LIFO).
 */
static __always_inline int bench_burst_loop(struct bench_cache c, void **objs,
					    unsigned long rounds, bool hak)
{
	unsigned int i, j;
	unsigned long r;
	void *p;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < BENCH_BURST_NR; i++) {
			p = bench_cache_alloc(&c, hak);
			if (unlikely(!p))
				goto fail;
			WRITE_ONCE(*(unsigned long *)p, r + i);
			objs[i] = p;
		}
		for (i = BENCH_BURST_NR; i-- > 0;)
			bench_cache_free(&c, hak, objs[i]);
	}
	return 0;

fail:
	for (j = 0; j < i; j++)
		bench_cache_free(&c, hak, objs[j]);
	return -ENOMEM;
}

static int bench_measure_burst(struct bench_variant *v, struct bench_arm *a,
			       u64 seed, struct bench_sample *s)
{
	unsigned long rounds = max(v->iters / BENCH_BURST_NR, 1UL);
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	if (bench_is_hakmem(a->alloc))
		err = bench_burst_loop(a->cache, v->objs, rounds, true);
	else
		err = bench_burst_loop(a->cache, v->objs, rounds, false);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, (u64)rounds * BENCH_BURST_NR);
	return err;
}

/*
 * Objects that die in no particular order, as a hash table's or a request
 * table's do: @nr (a power of two) allocations, then the frees in the order
 * (i * @step + @off) mod @nr, @step odd: each object once, spread over the
 * slabs or segments the batch took.
 */
static __always_inline int bench_shuffle_loop(struct bench_cache c,
					      void **objs, unsigned int nr,
					      unsigned long rounds, u64 seed,
					      bool hak)
{
	unsigned int i, j, step, off;
	unsigned long r;
	void *p;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nr; i++) {
			p = bench_cache_alloc(&c, hak);
			if (unlikely(!p))
				goto fail;
			bench_touch(p, i);
			objs[i] = p;
		}
		step = (u32)bench_rand(&seed) | 1;
		off = (u32)bench_rand(&seed);
		for (i = 0; i < nr; i++)
			bench_cache_free(&c, hak, objs[(i * step + off) & (nr - 1)]);
	}
	return 0;

fail:
	for (j = 0; j < i; j++)
		bench_cache_free(&c, hak, objs[j]);
	return -ENOMEM;
}

static int bench_measure_shuffle(struct bench_variant *v, struct bench_arm *a,
				 u64 seed, struct bench_sample *s)
{
	unsigned int nr = v->w->objs;
	unsigned long rounds = max(v->iters / nr, 1UL);
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	if (bench_is_hakmem(a->alloc))
		err = bench_shuffle_loop(a->cache, v->objs, nr, rounds, seed,
					 true);
	else
		err = bench_shuffle_loop(a->cache, v->objs, nr, rounds, seed,
					 false);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, (u64)rounds * nr);
	return err;
}

/*
 * A FIFO queue of BENCH_FIFO_LIVE live objects: each iteration allocates
 * one at the tail and frees the one at the head (the oldest), whose slot
 * the new one takes.
 */
static __always_inline int bench_fifo_loop(struct bench_cache c, void **q,
					   unsigned long n, bool hak)
{
	unsigned int head = 0;
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_cache_alloc(&c, hak);
		if (unlikely(!p))
			return -ENOMEM;
		bench_touch(p, i);
		bench_cache_free(&c, hak, q[head]);
		q[head] = p;
		if (++head == BENCH_FIFO_LIVE)
			head = 0;
	}
	return 0;
}

static void bench_fifo_drain(struct bench_cache *c, bool hak, void **q,
			     unsigned int nr)
{
	unsigned int k;

	for (k = 0; k < nr; k++)
		bench_cache_free(c, hak, q[k]);
}

static int bench_measure_fifo(struct bench_variant *v, struct bench_arm *a,
			      u64 seed, struct bench_sample *s)
{
	bool hak = bench_is_hakmem(a->alloc);
	unsigned int k;
	u64 t0, t1;
	int err;

	/* The queue, filled untimed. */
	for (k = 0; k < BENCH_FIFO_LIVE; k++) {
		v->objs[k] = bench_cache_alloc(&a->cache, hak);
		if (!v->objs[k]) {
			bench_fifo_drain(&a->cache, hak, v->objs, k);
			return -ENOMEM;
		}
		bench_touch(v->objs[k], k);
	}
	t0 = ktime_get_ns();
	if (hak)
		err = bench_fifo_loop(a->cache, v->objs, v->iters, true);
	else
		err = bench_fifo_loop(a->cache, v->objs, v->iters, false);
	t1 = ktime_get_ns();
	bench_fifo_drain(&a->cache, hak, v->objs, BENCH_FIFO_LIVE);
	s->ps = bench_ps_per_op(t1 - t0, v->iters);
	return err;
}

/*
 * kmalloc-sweep: an alloc+free pair per iteration through hakmem_kmalloc()
 * or kmalloc(), the size stepping by BENCH_SWEEP_STEP through
 * [min_size, max_size] and starting again.
 */
static __always_inline int bench_sweep_loop(unsigned int lo, unsigned int hi,
					    unsigned long n, bool hak)
{
	unsigned int size = lo;
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = hak ? hakmem_kmalloc(size, GFP_KERNEL) :
			  kmalloc(size, GFP_KERNEL);
		if (unlikely(!p))
			return -ENOMEM;
		bench_touch(p, i);
		if (hak)
			hakmem_kfree(p);
		else
			kfree(p);
		size += BENCH_SWEEP_STEP;
		if (size > hi)
			size = lo;
	}
	return 0;
}

static int bench_measure_sweep(struct bench_variant *v, struct bench_arm *a,
			       u64 seed, struct bench_sample *s)
{
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	if (bench_is_hakmem(a->alloc))
		err = bench_sweep_loop(v->min_size, v->max_size, v->iters,
				       true);
	else
		err = bench_sweep_loop(v->min_size, v->max_size, v->iters,
				       false);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, v->iters);
	return err;
}

/* many-caches: an alloc+free pair on each of the caches in turn. */
static __always_inline int bench_many_loop(const struct bench_cache *c,
					   unsigned long n, bool hak)
{
	unsigned int k = 0;
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_cache_alloc(&c[k], hak);
		if (unlikely(!p))
			return -ENOMEM;
		bench_touch(p, i);
		bench_cache_free(&c[k], hak, p);
		if (++k == BENCH_MANY_CACHES)
			k = 0;
	}
	return 0;
}

static int bench_measure_many(struct bench_variant *v, struct bench_arm *a,
			      u64 seed, struct bench_sample *s)
{
	const struct bench_cache *c = v->many[a - v->arm];
	u64 t0, t1;
	int err;

	t0 = ktime_get_ns();
	if (bench_is_hakmem(a->alloc))
		err = bench_many_loop(c, v->iters, true);
	else
		err = bench_many_loop(c, v->iters, false);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, v->iters);
	return err;
}

/*
 * One working-set iteration: free a random slot, allocate a random size in
 * [min_size, max_size] into it.  One random number gives both.
 */
static __always_inline int bench_ws_loop(struct bench_variant *v,
					 const struct bench_classes *cl,
					 u64 *state, enum bench_ws_kind kind)
{
	unsigned int base = v->min_size;
	unsigned int span = v->max_size - v->min_size + 1;
	unsigned long i, n = v->iters;
	void **slot = v->objs;
	unsigned int k, size;
	u8 *cls = v->cls;
	u64 r, x = *state;
	void *p;

	for (i = 0; i < n; i++) {
		r = bench_rand(&x);
		k = reciprocal_scale((u32)r, BENCH_WS_SLOTS);
		size = base + reciprocal_scale((u32)(r >> 32), span);
		bench_ws_free(cl, slot[k], cls[k], kind);
		p = bench_ws_alloc(cl, size, &cls[k], kind);
		slot[k] = p;
		if (unlikely(!p))
			return -ENOMEM;
		bench_touch(p, i);
	}
	*state = x;
	return 0;
}

static void bench_ws_drain(struct bench_variant *v, struct bench_arm *a)
{
	enum bench_ws_kind kind = bench_ws_kind_of(a);
	unsigned int k;

	for (k = 0; k < BENCH_WS_SLOTS; k++) {
		if (v->objs[k])
			bench_ws_free(a->classes, v->objs[k], v->cls[k], kind);
		v->objs[k] = NULL;
	}
}

/* Fills every slot, untimed, with the same random sizes as the loop. */
static int bench_ws_prefill(struct bench_variant *v, struct bench_arm *a,
			    u64 *state)
{
	enum bench_ws_kind kind = bench_ws_kind_of(a);
	unsigned int span = v->max_size - v->min_size + 1;
	unsigned int k, size;

	for (k = 0; k < BENCH_WS_SLOTS; k++) {
		size = v->min_size +
		       reciprocal_scale((u32)bench_rand(state), span);
		v->objs[k] = bench_ws_alloc(a->classes, size, &v->cls[k],
					    kind);
		if (!v->objs[k]) {
			bench_ws_drain(v, a);
			return -ENOMEM;
		}
		bench_touch(v->objs[k], k);
	}
	return 0;
}

static int bench_measure_ws(struct bench_variant *v, struct bench_arm *a,
			    u64 seed, struct bench_sample *s)
{
	const struct bench_classes *cl = a->classes;
	u64 state = seed, t0, t1;
	int err;

	err = bench_ws_prefill(v, a, &state);
	if (err)
		return err;
	t0 = ktime_get_ns();
	switch (bench_ws_kind_of(a)) {
	case BENCH_WS_HAKMEM:
		err = bench_ws_loop(v, cl, &state, BENCH_WS_HAKMEM);
		break;
	case BENCH_WS_SLUB:
		err = bench_ws_loop(v, cl, &state, BENCH_WS_SLUB);
		break;
	case BENCH_WS_CLASSES:
		err = bench_ws_loop(v, cl, &state, BENCH_WS_CLASSES);
		break;
	}
	t1 = ktime_get_ns();
	bench_ws_drain(v, a);
	s->ps = bench_ps_per_op(t1 - t0, v->iters);
	return err;
}

static __always_inline unsigned long bench_fill_alloc(struct bench_cache c,
						      void **objs,
						      unsigned long n,
						      bool hak)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_cache_alloc(&c, hak);
		if (unlikely(!p))
			break;
		bench_touch(p, i);
		objs[i] = p;
	}
	return i;
}

static __always_inline void bench_fill_free(struct bench_cache c, void **objs,
					    unsigned long n, bool hak)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		bench_cache_free(&c, hak, objs[i]);
}

/*
 * Free pages in @zone: the buddy allocator's count with the per-CPU deltas
 * that global_zone_page_state() leaves out, plus the pages cached on the
 * per-CPU page lists, which that count treats as used (they can hold tens of
 * MiB, and a freed slab's pages go there first).
 */
static unsigned long bench_zone_free_pages(struct zone *zone)
{
	unsigned long sum;
	int cpu;

	sum = zone_page_state_snapshot(zone, NR_FREE_PAGES);
	for_each_online_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(zone->per_cpu_pageset, cpu)->count);
	return sum;
}

/* Free pages in the system, the same way for both allocators. */
static unsigned long bench_free_pages(void)
{
	unsigned long sum = 0;
	struct zone *zone;
	int nid, z;

	for_each_online_node(nid) {
		for (z = 0; z < MAX_NR_ZONES; z++) {
			zone = &NODE_DATA(nid)->node_zones[z];
			if (populated_zone(zone))
				sum += bench_zone_free_pages(zone);
		}
	}
	return sum;
}

/* The drop in free pages since @before, in KiB. */
static u64 bench_used_kb(unsigned long before)
{
	unsigned long now = bench_free_pages();

	return before > now ? (u64)(before - now) << (PAGE_SHIFT - 10) : 0;
}

/*
 * Allocates v->iters objects from a fresh cache, then frees them all; the
 * cache is shrunk and destroyed after each repetition.
 */
static int bench_measure_fill(struct bench_variant *v, struct bench_arm *a,
			      u64 seed, struct bench_sample *s)
{
	bool hak = bench_is_hakmem(a->alloc);
	unsigned long before, done;
	u64 t0, t1, t2, t3;
	int err;

	err = bench_arm_create_cache(v, a, v->size, 0);
	if (err)
		return err;
	before = bench_free_pages();
	t0 = ktime_get_ns();
	if (hak)
		done = bench_fill_alloc(a->cache, v->objs, v->iters, true);
	else
		done = bench_fill_alloc(a->cache, v->objs, v->iters, false);
	t1 = ktime_get_ns();
	s->kb[BENCH_PEAK] = bench_used_kb(before);
	t2 = ktime_get_ns();
	if (hak)
		bench_fill_free(a->cache, v->objs, done, true);
	else
		bench_fill_free(a->cache, v->objs, done, false);
	t3 = ktime_get_ns();
	bench_arm_destroy_cache(a);
	s->ps = bench_ps_per_op(t1 - t0 + t3 - t2, 2 * (u64)v->iters);
	s->part_ps[0] = bench_ps_per_op(t1 - t0, v->iters);
	s->part_ps[1] = bench_ps_per_op(t3 - t2, v->iters);
	return done == v->iters ? 0 : -ENOMEM;
}

/* === Multi-CPU workloads ================================================== */

/* A single-producer, single-consumer ring of objects. */
struct bench_ring {
	unsigned long head ____cacheline_aligned_in_smp;  /* producer's */
	int done;					   /* producer's */
	unsigned long tail ____cacheline_aligned_in_smp;  /* consumer's */
	void *slot[BENCH_RING_SIZE] ____cacheline_aligned_in_smp;
};

struct bench_thread {
	struct bench_team *team;
	struct task_struct *task;
	int (*fn)(struct bench_thread *th);
	unsigned int cpu;
	u64 start_ns;
	u64 end_ns;
	int err;
};

/* Threads, one per CPU, that start together. */
struct bench_team {
	struct bench_variant *v;
	struct bench_arm *a;
	atomic_t arrived;
	atomic_t running;
	struct completion start;
	struct completion done;
	unsigned int nr;
	struct bench_thread th[];
};

/* Sleeps until kthread_stop(), so that the task cannot go away before. */
static void bench_thread_park(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
}

static int bench_thread_main(void *arg)
{
	struct bench_thread *th = arg;
	struct bench_team *t = th->team;
	unsigned int spins = 0;

	wait_for_completion(&t->start);
	atomic_inc(&t->arrived);
	while (atomic_read(&t->arrived) < t->nr)
		bench_spin(&spins);
	th->start_ns = ktime_get_ns();
	th->err = th->fn(th);
	th->end_ns = ktime_get_ns();
	if (atomic_dec_and_test(&t->running))
		complete(&t->done);
	bench_thread_park();
	return 0;
}

static struct bench_team *bench_team_alloc(unsigned int nr)
{
	struct bench_team *t;
	unsigned int i;

	t = kzalloc(struct_size(t, th, nr), GFP_KERNEL);
	if (!t)
		return NULL;
	t->nr = nr;
	for (i = 0; i < nr; i++)
		t->th[i].team = t;
	return t;
}

/* Binds thread i of @t to the i-th online CPU. */
static int bench_team_bind(struct bench_team *t)
{
	unsigned int i = 0, cpu;

	for_each_online_cpu(cpu) {
		if (i == t->nr)
			break;
		t->th[i++].cpu = cpu;
	}
	return i == t->nr ? 0 : -EAGAIN;
}

/*
 * Starts the threads of @t together and waits for them; returns the time
 * from the first start to the last end in @wall_ns.
 */
static int bench_team_run(struct bench_team *t, struct bench_variant *v,
			  struct bench_arm *a, u64 *wall_ns)
{
	u64 first = U64_MAX, last = 0;
	struct bench_thread *th;
	unsigned int i;
	int err;

	err = bench_team_bind(t);
	if (err)
		return err;
	t->v = v;
	t->a = a;
	atomic_set(&t->arrived, 0);
	atomic_set(&t->running, t->nr);
	init_completion(&t->start);
	init_completion(&t->done);
	for (i = 0; i < t->nr; i++) {
		th = &t->th[i];
		th->err = 0;
		th->task = kthread_create_on_node(bench_thread_main, th,
						  cpu_to_node(th->cpu),
						  "hakmem_bench/%u", th->cpu);
		if (IS_ERR(th->task)) {
			err = PTR_ERR(th->task);
			th->task = NULL;
			goto stop;
		}
		kthread_bind(th->task, th->cpu);
	}
	for (i = 0; i < t->nr; i++)
		wake_up_process(t->th[i].task);
	complete_all(&t->start);
	/* Wakes up every second, so that a long run is no hung task. */
	while (!wait_for_completion_timeout(&t->done, HZ))
		cond_resched();

stop:
	for (i = 0; i < t->nr && t->th[i].task; i++) {
		kthread_stop(t->th[i].task);
		t->th[i].task = NULL;
	}
	if (err)
		return err;
	for (i = 0; i < t->nr; i++) {
		th = &t->th[i];
		first = min(first, th->start_ns);
		last = max(last, th->end_ns);
		err = err ?: th->err;
	}
	*wall_ns = last - first;
	return err;
}

static int bench_smp_pair_fn(struct bench_thread *th)
{
	return bench_pair_run(th->team->a, th->team->v->iters);
}

/* Each CPU does v->iters pairs; ps is per pair on one CPU. */
static int bench_measure_smp_pair(struct bench_variant *v,
				  struct bench_arm *a, u64 seed,
				  struct bench_sample *s)
{
	unsigned int i;
	u64 wall;
	int err;

	for (i = 0; i < v->team->nr; i++)
		v->team->th[i].fn = bench_smp_pair_fn;
	err = bench_team_run(v->team, v, a, &wall);
	if (!err)
		s->ps = bench_ps_per_op(wall, v->iters);
	return err;
}

/* Allocates @n objects and passes them to bench_consume(). */
static __always_inline int bench_produce(struct bench_ring *ring,
					 struct bench_cache c,
					 unsigned long n, bool hak)
{
	unsigned long i, head = 0;
	unsigned int spins = 0;
	int err = 0;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_cache_alloc(&c, hak);
		if (unlikely(!p)) {
			err = -ENOMEM;
			break;
		}
		bench_touch(p, i);
		/* Pairs with the release in bench_consume(): slot reusable. */
		while (head - smp_load_acquire(&ring->tail) >= BENCH_RING_SIZE)
			bench_spin(&spins);
		ring->slot[head % BENCH_RING_SIZE] = p;
		/* Publishes the slot to bench_consume(). */
		smp_store_release(&ring->head, ++head);
	}
	/* Ordered after the last head update: nothing more will come. */
	smp_store_release(&ring->done, 1);
	return err;
}

/* Frees what bench_produce() passes, until it is done. */
static __always_inline void bench_consume(struct bench_ring *ring,
					  struct bench_cache c, bool hak)
{
	unsigned long head, tail = 0;
	unsigned int spins = 0;

	for (;;) {
		/* Pairs with the release in bench_produce(): slots filled. */
		head = smp_load_acquire(&ring->head);
		if (head == tail) {
			/* Pairs with the release of done: head is final. */
			if (smp_load_acquire(&ring->done) &&
			    READ_ONCE(ring->head) == tail)
				break;
			bench_spin(&spins);
			continue;
		}
		while (tail != head) {
			bench_cache_free(&c, hak,
					 ring->slot[tail % BENCH_RING_SIZE]);
			tail++;
		}
		/* Hands the slots back to bench_produce(). */
		smp_store_release(&ring->tail, tail);
	}
}

/* The ring of @th's pair: threads 2k and 2k + 1 share ring k. */
static unsigned int bench_pair_of(const struct bench_thread *th)
{
	return (th - th->team->th) / 2;
}

static int bench_producer_fn(struct bench_thread *th)
{
	struct bench_team *t = th->team;
	struct bench_ring *ring = &t->v->ring[bench_pair_of(th)];

	if (bench_is_hakmem(t->a->alloc))
		return bench_produce(ring, t->a->cache, t->v->iters, true);
	return bench_produce(ring, t->a->cache, t->v->iters, false);
}

static int bench_consumer_fn(struct bench_thread *th)
{
	struct bench_team *t = th->team;
	struct bench_ring *ring = &t->v->ring[bench_pair_of(th)];

	if (bench_is_hakmem(t->a->alloc))
		bench_consume(ring, t->a->cache, true);
	else
		bench_consume(ring, t->a->cache, false);
	return 0;
}

/*
 * Runs the pairs of v->team: in each, the first CPU runs @produce and the
 * second @consume; ps per object of one pair.
 */
static int bench_run_pairs(struct bench_variant *v, struct bench_arm *a,
			   int (*produce)(struct bench_thread *th),
			   int (*consume)(struct bench_thread *th),
			   struct bench_sample *s)
{
	unsigned int i;
	u64 wall;
	int err;

	for (i = 0; i < v->team->nr; i++)
		v->team->th[i].fn = i & 1 ? consume : produce;
	err = bench_team_run(v->team, v, a, &wall);
	if (!err)
		s->ps = bench_ps_per_op(wall, v->iters);
	return err;
}

/* Allocation on one CPU of each pair, free on the other. */
static int bench_measure_remote(struct bench_variant *v, struct bench_arm *a,
				u64 seed, struct bench_sample *s)
{
	memset(v->ring, 0, v->nr_pairs * sizeof(*v->ring));
	return bench_run_pairs(v, a, bench_producer_fn, bench_consumer_fn, s);
}

/* A single-producer, single-consumer ring of batches of objects. */
struct bench_xring {
	unsigned long head ____cacheline_aligned_in_smp;  /* producer's */
	int done;					   /* producer's */
	unsigned long tail ____cacheline_aligned_in_smp;  /* consumer's */
	void *batch[BENCH_XRING_BATCHES][BENCH_BURST_NR] ____cacheline_aligned_in_smp;
};

/* Allocates batches of BENCH_BURST_NR and hands each to bench_xconsume(). */
static __always_inline int bench_xproduce(struct bench_xring *ring,
					  struct bench_cache c,
					  unsigned long rounds, bool hak)
{
	unsigned long r, head = 0;
	unsigned int i, spins = 0;
	void **batch;
	int err = 0;
	void *p;

	for (r = 0; r < rounds && !err; r++) {
		/* Pairs with the release in bench_xconsume(): batch free. */
		while (head - smp_load_acquire(&ring->tail) >=
		       BENCH_XRING_BATCHES)
			bench_spin(&spins);
		batch = ring->batch[head % BENCH_XRING_BATCHES];
		for (i = 0; i < BENCH_BURST_NR; i++) {
			p = bench_cache_alloc(&c, hak);
			if (unlikely(!p)) {
				err = -ENOMEM;
				break;
			}
			bench_touch(p, i);
			batch[i] = p;
		}
		/* A short last batch: NULL ends it. */
		if (i < BENCH_BURST_NR)
			batch[i] = NULL;
		/* Publishes the batch to bench_xconsume(). */
		smp_store_release(&ring->head, ++head);
	}
	/* Ordered after the last head update: nothing more will come. */
	smp_store_release(&ring->done, 1);
	return err;
}

/* Frees the batches bench_xproduce() hands over, until it is done. */
static __always_inline void bench_xconsume(struct bench_xring *ring,
					   struct bench_cache c, bool hak)
{
	unsigned long head, tail = 0;
	unsigned int i, spins = 0;
	void **batch;

	for (;;) {
		/* Pairs with the release in bench_xproduce(): batch full. */
		head = smp_load_acquire(&ring->head);
		if (head == tail) {
			/* Pairs with the release of done: head is final. */
			if (smp_load_acquire(&ring->done) &&
			    READ_ONCE(ring->head) == tail)
				break;
			bench_spin(&spins);
			continue;
		}
		batch = ring->batch[tail % BENCH_XRING_BATCHES];
		for (i = 0; i < BENCH_BURST_NR && batch[i]; i++)
			bench_cache_free(&c, hak, batch[i]);
		/* Hands the batch back to bench_xproduce(). */
		smp_store_release(&ring->tail, ++tail);
	}
}

static int bench_xproducer_fn(struct bench_thread *th)
{
	struct bench_team *t = th->team;
	struct bench_xring *ring = &t->v->xring[bench_pair_of(th)];
	unsigned long rounds = max(t->v->iters / BENCH_BURST_NR, 1UL);

	if (bench_is_hakmem(t->a->alloc))
		return bench_xproduce(ring, t->a->cache, rounds, true);
	return bench_xproduce(ring, t->a->cache, rounds, false);
}

static int bench_xconsumer_fn(struct bench_thread *th)
{
	struct bench_team *t = th->team;
	struct bench_xring *ring = &t->v->xring[bench_pair_of(th)];

	if (bench_is_hakmem(t->a->alloc))
		bench_xconsume(ring, t->a->cache, true);
	else
		bench_xconsume(ring, t->a->cache, false);
	return 0;
}

/* Batches allocated on one CPU of each pair, freed on the other. */
static int bench_measure_xcpu(struct bench_variant *v, struct bench_arm *a,
			      u64 seed, struct bench_sample *s)
{
	memset(v->xring, 0, v->nr_pairs * sizeof(*v->xring));
	return bench_run_pairs(v, a, bench_xproducer_fn, bench_xconsumer_fn,
			       s);
}

/* === Workloads ============================================================ */

/*
 * Gives the hakmem-full and hakmem-light arms their class tables: one set of
 * caches for each repetition (up to BENCH_CLASS_SETS, then round robin), made
 * set by set across the arms and all kept until the variant ends, so no two
 * sets share pages.  With one set an arm, the set's placement in memory was
 * frozen for the whole run: in one boot out of three or four, one arm ran
 * about 1.7x slower in every repetition (its minimum equal to its median)
 * while the same code in the other arms did not, whatever the header mode of
 * the arm in that position.  With a set per repetition an unlucky placement
 * costs one repetition, which the median leaves out.
 */
static int bench_setup_classes(struct bench_variant *v)
{
	unsigned int i, set, sets;
	struct bench_arm *a;

	sets = min_t(unsigned int, v->reps + 1, BENCH_CLASS_SETS);
	for (set = 0; set < sets; set++) {
		for (i = 0; i < v->nr_arms; i++) {
			a = &v->arm[i];
			if (a->alloc == BENCH_HAKMEM_FULL)
				a->class_set[set] =
					bench_classes_create(HAKMEM_HEADER_FULL);
			else if (a->alloc == BENCH_HAKMEM_LIGHT)
				a->class_set[set] =
					bench_classes_create(HAKMEM_HEADER_LIGHT);
			else
				continue;
			if (!a->class_set[set])
				return -ENOMEM;
			a->nr_sets = set + 1;
		}
	}
	return 0;
}

/* The working sets: a class index per slot, and class tables for modes. */
static int bench_setup_ws(struct bench_variant *v)
{
	v->cls = kcalloc(BENCH_WS_SLOTS, sizeof(*v->cls), GFP_KERNEL);
	if (!v->cls)
		return -ENOMEM;
	return bench_setup_classes(v);
}

static int bench_setup_fill(struct bench_variant *v)
{
	u64 free_bytes;

	snprintf(v->param, sizeof(v->param), "%lu", v->iters);
	/* Fail cleanly rather than wake the OOM killer. */
	free_bytes = (u64)bench_free_pages() << PAGE_SHIFT;
	if ((u64)v->iters * v->size > free_bytes / 2) {
		bench_note(v->run, "fill %s: needs more than half the free memory, skipped",
			   v->param);
		return BENCH_SKIP;
	}
	return bench_variant_objs(v, v->iters);
}

static int bench_setup_smp_pair(struct bench_variant *v)
{
	v->parallel = v->team->nr;
	return 0;
}

/* A ring per producer/consumer pair; their objects add up. */
static int bench_setup_remote(struct bench_variant *v)
{
	v->nr_pairs = v->team->nr / 2;
	v->parallel = v->nr_pairs;
	snprintf(v->param, sizeof(v->param), "%u", v->size);
	v->ring = kcalloc(v->nr_pairs, sizeof(*v->ring), GFP_KERNEL);
	return v->ring ? 0 : -ENOMEM;
}

static int bench_setup_xcpu(struct bench_variant *v)
{
	v->nr_pairs = v->team->nr / 2;
	v->parallel = v->nr_pairs;
	/* Whole batches: ps per object is then exact. */
	v->iters = max(v->iters / BENCH_BURST_NR, 1UL) * BENCH_BURST_NR;
	v->xring = kcalloc(v->nr_pairs, sizeof(*v->xring), GFP_KERNEL);
	return v->xring ? 0 : -ENOMEM;
}

/* Every arm's BENCH_MANY_CACHES caches, alive for the whole variant. */
static int bench_setup_many(struct bench_variant *v)
{
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < v->nr_arms; i++)
		err = bench_many_create(v, i);
	return err;
}

/*
 * The mem-* workloads measure memory as a user sees it: for hakmem and SLUB
 * alike the drop in free pages since the repetition started, at the peak,
 * once every object is freed, and once the caches are shrunk too; and each
 * allocator's own count of its pages (enum bench_mem_item).  Their caches
 * are made at the start of each repetition and destroyed at its end; the
 * kmalloc pattern uses the kmalloc caches of both, which stay.
 */

/* The memory state at the start of a repetition. */
struct bench_mem {
	unsigned long free;	/* free pages */
	unsigned long own;	/* the allocator's own pages */
};

static unsigned long bench_hak_pages(struct hakmem_cache *c)
{
	struct hakmem_cache_info info;

	if (!c)
		return 0;
	hakmem_cache_get_info(c, &info);
	return info.pages;
}

/*
 * The pages of @a's allocator: for hakmem those of the caches the variant
 * uses (its cache, its many-caches set, or the hakmem_kmalloc() classes up
 * to 4096 bytes), for SLUB every slab page (NR_SLAB_UNRECLAIMABLE_B, kept
 * in pages; the per-CPU deltas not yet folded in are left out).
 */
static unsigned long bench_own_pages(struct bench_variant *v,
				     struct bench_arm *a)
{
	struct hakmem_cache *kc, *prev = NULL;
	struct bench_cache *many = v->many[a - v->arm];
	unsigned long pages = 0;
	unsigned int k, size;

	if (a->alloc == BENCH_SLUB)
		return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	pages = bench_hak_pages(a->cache.hak);
	for (k = 0; many && k < BENCH_MANY_CACHES; k++)
		pages += bench_hak_pages(many[k].hak);
	if (!(v->w->flags & BENCH_KMALLOC))
		return pages;
	for (size = BENCH_SWEEP_STEP; size <= 4096; size += BENCH_SWEEP_STEP) {
		kc = hakmem_kmalloc_cache(size);
		if (kc != prev)
			pages += bench_hak_pages(kc);
		prev = kc;
	}
	return pages;
}

static void bench_mem_start(struct bench_variant *v, struct bench_arm *a,
			    struct bench_mem *m)
{
	m->free = bench_free_pages();
	m->own = bench_own_pages(v, a);
}

/*
 * Records the global figure @item now, and the own one @own unless -1.
 * What is freed is measured once the RCU callbacks have run: hakmem gives
 * its empty segments back through call_rcu(), and a grace period is no
 * memory a user would count as held, for either allocator.
 */
static void bench_mem_note(struct bench_variant *v, struct bench_arm *a,
			   const struct bench_mem *m, struct bench_sample *s,
			   enum bench_mem_item item, int own)
{
	unsigned long now;

	if (item != BENCH_PEAK)
		rcu_barrier();
	s->kb[item] = max(s->kb[item], bench_used_kb(m->free));
	if (own < 0)
		return;
	now = bench_own_pages(v, a);
	if (now > m->own)
		s->kb[own] = max_t(u64, s->kb[own],
				   (u64)(now - m->own) << (PAGE_SHIFT - 10));
}

static void bench_mem_reset(struct bench_sample *s)
{
	memset(s->kb, 0, sizeof(s->kb));
}

/* Shrinks @a's cache, or its many-caches set. */
static void bench_mem_shrink(struct bench_variant *v, struct bench_arm *a)
{
	struct bench_cache *many = v->many[a - v->arm];
	unsigned int k;

	if (a->cache.hak)
		hakmem_cache_shrink(a->cache.hak);
	if (a->cache.slub)
		kmem_cache_shrink(a->cache.slub);
	for (k = 0; many && k < BENCH_MANY_CACHES; k++) {
		if (many[k].hak)
			hakmem_cache_shrink(many[k].hak);
		if (many[k].slub)
			kmem_cache_shrink(many[k].slub);
	}
}

/* Frees the non-NULL objects of v->objs[0..@nr). */
static void bench_mem_free_all(struct bench_arm *a, void **objs,
			       unsigned long nr)
{
	bool hak = bench_is_hakmem(a->alloc);
	unsigned long i;

	for (i = 0; i < nr; i++) {
		if (objs[i])
			bench_cache_free(&a->cache, hak, objs[i]);
		objs[i] = NULL;
	}
}

/* The objects every thread of mem-many holds: 8 of each cache. */
#define BENCH_MEM_MANY_LIVE	8
#define BENCH_MEM_MANY_OBJS	(BENCH_MANY_CACHES * BENCH_MEM_MANY_LIVE)

static int bench_mem_many_alloc_fn(struct bench_thread *th)
{
	struct bench_team *t = th->team;
	void **objs = t->v->objs + (th - t->th) * BENCH_MEM_MANY_OBJS;
	struct bench_cache *many = t->v->many[t->a - t->v->arm];
	bool hak = bench_is_hakmem(t->a->alloc);
	unsigned int k, j;

	for (k = 0; k < BENCH_MANY_CACHES; k++) {
		for (j = 0; j < BENCH_MEM_MANY_LIVE; j++) {
			objs[j] = bench_cache_alloc(&many[k], hak);
			if (!objs[j])
				return -ENOMEM;
			bench_touch(objs[j], j);
		}
		objs += BENCH_MEM_MANY_LIVE;
	}
	return 0;
}

static int bench_mem_many_free_fn(struct bench_thread *th)
{
	struct bench_team *t = th->team;
	void **objs = t->v->objs + (th - t->th) * BENCH_MEM_MANY_OBJS;
	struct bench_cache *many = t->v->many[t->a - t->v->arm];
	bool hak = bench_is_hakmem(t->a->alloc);
	unsigned int k, j;

	for (k = 0; k < BENCH_MANY_CACHES; k++) {
		for (j = 0; j < BENCH_MEM_MANY_LIVE; j++) {
			if (objs[j])
				bench_cache_free(&many[k], hak, objs[j]);
			objs[j] = NULL;
		}
		objs += BENCH_MEM_MANY_LIVE;
	}
	return 0;
}

/*
 * mem-many: 64 caches of 64-1072 B, 8 live objects of each on every CPU
 * (the objects of each CPU allocated and freed there); ps per object.
 */
static int bench_measure_mem_many(struct bench_variant *v,
				  struct bench_arm *a, u64 seed,
				  struct bench_sample *s)
{
	unsigned int i = a - v->arm;
	u64 wall1 = 0, wall2 = 0;
	struct bench_mem m;
	int err, err2;

	bench_mem_reset(s);
	bench_mem_start(v, a, &m);
	err = bench_many_create(v, i);
	for (i = 0; !err && i < v->team->nr; i++)
		v->team->th[i].fn = bench_mem_many_alloc_fn;
	err = err ?: bench_team_run(v->team, v, a, &wall1);
	bench_mem_note(v, a, &m, s, BENCH_PEAK, BENCH_OWN_PEAK);
	for (i = 0; i < v->team->nr; i++)
		v->team->th[i].fn = bench_mem_many_free_fn;
	err2 = bench_team_run(v->team, v, a, &wall2);
	bench_mem_note(v, a, &m, s, BENCH_RETAINED, BENCH_OWN_RETAINED);
	bench_mem_shrink(v, a);
	bench_mem_note(v, a, &m, s, BENCH_SHRUNK, -1);
	bench_many_destroy(v, a - v->arm);
	s->ps = bench_ps_per_op(wall1 + wall2,
				(u64)v->team->nr * BENCH_MEM_MANY_OBJS);
	return err ?: err2;
}

static int bench_setup_mem_many(struct bench_variant *v)
{
	return bench_variant_objs(v, v->team->nr * BENCH_MEM_MANY_OBJS);
}

/* v->iters objects of v->size bytes in v->objs, from @a's cache. */
static unsigned long bench_mem_fill(struct bench_arm *a, void **objs,
				    unsigned long nr)
{
	bool hak = bench_is_hakmem(a->alloc);
	unsigned long i;

	for (i = 0; i < nr; i++) {
		objs[i] = bench_cache_alloc(&a->cache, hak);
		if (!objs[i])
			break;
		bench_touch(objs[i], i);
	}
	return i;
}

/*
 * mem-scatter: v->iters objects; nine in ten freed at random, then as many
 * allocated again into the holes; then all freed.  ps per operation.
 */
static int bench_measure_mem_scatter(struct bench_variant *v,
				     struct bench_arm *a, u64 seed,
				     struct bench_sample *s)
{
	bool hak = bench_is_hakmem(a->alloc);
	unsigned long i, done, freed = 0, ops;
	u64 state = seed, t0;
	struct bench_mem m;
	int err;

	bench_mem_reset(s);
	bench_mem_start(v, a, &m);
	err = bench_arm_create_cache(v, a, v->size, 0);
	if (err)
		return err;
	t0 = ktime_get_ns();
	done = bench_mem_fill(a, v->objs, v->iters);
	ops = done;
	bench_mem_note(v, a, &m, s, BENCH_PEAK, BENCH_OWN_PEAK);
	for (i = 0; i < done; i++) {
		if (reciprocal_scale((u32)bench_rand(&state), 10)) {
			bench_cache_free(&a->cache, hak, v->objs[i]);
			v->objs[i] = NULL;
			freed++;
		}
	}
	for (i = 0; i < done && done == v->iters; i++) {
		if (v->objs[i])
			continue;
		v->objs[i] = bench_cache_alloc(&a->cache, hak);
		if (!v->objs[i]) {
			done = 0;
			break;
		}
		bench_touch(v->objs[i], i);
	}
	ops += 2 * freed;
	bench_mem_note(v, a, &m, s, BENCH_PEAK, BENCH_OWN_PEAK);
	bench_mem_free_all(a, v->objs, v->iters);
	ops += v->iters;
	s->ps = bench_ps_per_op(ktime_get_ns() - t0, ops);
	bench_mem_note(v, a, &m, s, BENCH_RETAINED, BENCH_OWN_RETAINED);
	bench_mem_shrink(v, a);
	bench_mem_note(v, a, &m, s, BENCH_SHRUNK, -1);
	bench_arm_destroy_cache(a);
	return done == v->iters ? 0 : -ENOMEM;
}

/* How often the mem-prodcons producer looks at the memory, in objects. */
#define BENCH_MEM_SAMPLE	4096

/*
 * The producer of mem-prodcons: bench_produce() that looks at the memory
 * every BENCH_MEM_SAMPLE objects (v->mem, v->sample).
 */
static int bench_mem_producer_fn(struct bench_thread *th)
{
	struct bench_team *t = th->team;
	struct bench_ring *ring = &t->v->ring[bench_pair_of(th)];
	bool hak = bench_is_hakmem(t->a->alloc);
	unsigned long i, head = 0, n = t->v->iters;
	unsigned int spins = 0;
	int err = 0;
	void *p;

	for (i = 0; i < n; i++) {
		if (!(i % BENCH_MEM_SAMPLE) && !bench_pair_of(th))
			bench_mem_note(t->v, t->a, t->v->mem, t->v->sample,
				       BENCH_PEAK, BENCH_OWN_PEAK);
		p = bench_cache_alloc(&t->a->cache, hak);
		if (unlikely(!p)) {
			err = -ENOMEM;
			break;
		}
		bench_touch(p, i);
		/* Pairs with the release in bench_consume(): slot reusable. */
		while (head - smp_load_acquire(&ring->tail) >= BENCH_RING_SIZE)
			bench_spin(&spins);
		ring->slot[head % BENCH_RING_SIZE] = p;
		/* Publishes the slot to bench_consume(). */
		smp_store_release(&ring->head, ++head);
	}
	/* Ordered after the last head update: nothing more will come. */
	smp_store_release(&ring->done, 1);
	return err;
}

/*
 * mem-prodcons: remote-free's pairs, v->iters objects each, with the memory
 * sampled by the first producer; the peak must stay bounded, whatever the
 * number of objects.  ps per object of one pair.
 */
static int bench_measure_mem_prodcons(struct bench_variant *v,
				      struct bench_arm *a, u64 seed,
				      struct bench_sample *s)
{
	struct bench_mem m;
	int err;

	bench_mem_reset(s);
	bench_mem_start(v, a, &m);
	err = bench_arm_create_cache(v, a, v->size, 0);
	if (err)
		return err;
	v->mem = &m;
	v->sample = s;
	memset(v->ring, 0, v->nr_pairs * sizeof(*v->ring));
	err = bench_run_pairs(v, a, bench_mem_producer_fn, bench_consumer_fn,
			      s);
	bench_mem_note(v, a, &m, s, BENCH_PEAK, BENCH_OWN_PEAK);
	bench_mem_note(v, a, &m, s, BENCH_RETAINED, BENCH_OWN_RETAINED);
	bench_mem_shrink(v, a);
	bench_mem_note(v, a, &m, s, BENCH_SHRUNK, -1);
	bench_arm_destroy_cache(a);
	v->mem = NULL;
	v->sample = NULL;
	return err;
}

/*
 * mem-burst-idle: a burst of v->iters objects, all freed, then idle: what
 * stays with the allocator, and what stays once its cache is shrunk.
 */
static int bench_measure_mem_burst(struct bench_variant *v,
				   struct bench_arm *a, u64 seed,
				   struct bench_sample *s)
{
	unsigned long done;
	struct bench_mem m;
	u64 t0, t1;
	int err;

	bench_mem_reset(s);
	bench_mem_start(v, a, &m);
	err = bench_arm_create_cache(v, a, v->size, 0);
	if (err)
		return err;
	t0 = ktime_get_ns();
	done = bench_mem_fill(a, v->objs, v->iters);
	bench_mem_note(v, a, &m, s, BENCH_PEAK, BENCH_OWN_PEAK);
	bench_mem_free_all(a, v->objs, done);
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, 2 * (u64)done);
	bench_mem_note(v, a, &m, s, BENCH_RETAINED, BENCH_OWN_RETAINED);
	bench_mem_shrink(v, a);
	bench_mem_note(v, a, &m, s, BENCH_SHRUNK, -1);
	bench_arm_destroy_cache(a);
	return done == v->iters ? 0 : -ENOMEM;
}

/* Shrinks the kmalloc caches of sizes up to 4096 of @a's allocator. */
static void bench_mem_shrink_kmalloc(struct bench_arm *a)
{
	struct hakmem_cache *hc, *hprev = NULL;
	struct kmem_cache *kc, *kprev = NULL;
	unsigned int size;

	for (size = BENCH_SWEEP_STEP; size <= 4096; size += BENCH_SWEEP_STEP) {
		if (a->alloc == BENCH_SLUB) {
			kc = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(size)];
			if (kc && kc != kprev)
				kmem_cache_shrink(kc);
			kprev = kc;
		} else {
			hc = hakmem_kmalloc_cache(size);
			if (hc && hc != hprev)
				hakmem_cache_shrink(hc);
			hprev = hc;
		}
	}
}

/*
 * mem-kmalloc: a burst of v->iters hakmem_kmalloc() (kmalloc() for SLUB)
 * allocations, the size stepping by 8 through 8-4096, then all freed.
 */
static int bench_measure_mem_kmalloc(struct bench_variant *v,
				     struct bench_arm *a, u64 seed,
				     struct bench_sample *s)
{
	bool hak = bench_is_hakmem(a->alloc);
	unsigned int size = BENCH_SWEEP_STEP;
	unsigned long i, done;
	struct bench_mem m;
	u64 t0, t1;

	bench_mem_reset(s);
	bench_mem_start(v, a, &m);
	t0 = ktime_get_ns();
	for (done = 0; done < v->iters; done++) {
		v->objs[done] = hak ? hakmem_kmalloc(size, GFP_KERNEL) :
				      kmalloc(size, GFP_KERNEL);
		if (!v->objs[done])
			break;
		bench_touch(v->objs[done], done);
		size += BENCH_SWEEP_STEP;
		if (size > 4096)
			size = BENCH_SWEEP_STEP;
	}
	bench_mem_note(v, a, &m, s, BENCH_PEAK, BENCH_OWN_PEAK);
	for (i = 0; i < done; i++) {
		if (hak)
			hakmem_kfree(v->objs[i]);
		else
			kfree(v->objs[i]);
	}
	t1 = ktime_get_ns();
	s->ps = bench_ps_per_op(t1 - t0, 2 * (u64)done);
	bench_mem_note(v, a, &m, s, BENCH_RETAINED, BENCH_OWN_RETAINED);
	bench_mem_shrink_kmalloc(a);
	bench_mem_note(v, a, &m, s, BENCH_SHRUNK, -1);
	return done == v->iters ? 0 : -ENOMEM;
}

/* An object slot per operation, if half the free memory holds them. */
static int bench_setup_mem(struct bench_variant *v)
{
	u64 need = (u64)v->iters * (v->size ?: 2048);

	if (need > ((u64)bench_free_pages() << PAGE_SHIFT) / 2) {
		bench_note(v->run, "%s: needs more than half the free memory, skipped",
			   v->workload);
		return BENCH_SKIP;
	}
	return bench_variant_objs(v, v->iters);
}

static int bench_setup_mem_prodcons(struct bench_variant *v)
{
	return bench_setup_remote(v);
}

static const unsigned int bench_batch_nr[] = { 1, 8, 32, 64, 128, 250 };
/* kmalloc-sweep: the largest size of each row's range. */
static const unsigned int bench_sweep_max[] = { 64, 256, 1024, 4096 };
static const char *const bench_fill_parts[] = { "fill-alloc", "fill-free" };

/*
 * The workloads, in the order they run.  A new workload is one entry here
 * and its measure function; .setup only when the defaults (caches of .size
 * for each arm, .objs slots, a team of .threads) are not all it needs.
 */
static const struct bench_workload bench_workloads[] = {
	{
		.name = "loop",
		.legend = "ns per iteration of an empty loop (one store each)",
		.measure = bench_measure_loop,
		.arms = bench_no_alloc, .nr_arms = ARRAY_SIZE(bench_no_alloc),
		.iters = 10000000, .param = "-",
		.flags = BENCH_NO_GEOMEAN,
	}, {
		.name = "pair",
		.legend = "ns per alloc+free pair of one object; param = size",
		.measure = bench_measure_pair,
		.iters = 2000000,
		.param_kind = BENCH_PARAM_SIZE, .flags = BENCH_CFG_SIZES,
	}, {
		.name = "pair-atomic",
		.legend = "as pair at 256 B, with GFP_ATOMIC instead of GFP_KERNEL\n"
			  "(no preemption point in either allocator); a variant\n"
			  "of pair, not in the geomean",
		.measure = bench_measure_pair_atomic,
		.iters = 2000000, .size = BENCH_OBJECT_SIZE, .param = "256",
		.flags = BENCH_NO_GEOMEAN,
	}, {
		.name = "floor",
		.legend = "pair at 256 B through a bare per-CPU pointer array\n"
			  "(no header, guard or counter; zeroes if init_on_alloc):\n"
			  "floor inlined in the loop, floor-call behind calls;\n"
			  "hakmem-inline: hakmem's inline fast paths",
		.measure = bench_measure_floor,
		.arms = bench_floor_vs_slub,
		.nr_arms = ARRAY_SIZE(bench_floor_vs_slub),
		.iters = 2000000, .size = BENCH_OBJECT_SIZE,
		.flags = BENCH_NO_GEOMEAN,
	}, {
		.name = "pair-inline",
		.legend = "pair at 256 B through hakmem_cache_alloc_inline() and\n"
			  "hakmem_cache_free_inline() (the pop and push inlined in\n"
			  "the loop), with the exported calls and SLUB; a variant\n"
			  "of pair, not in the geomean",
		.measure = bench_measure_pair,
		.arms = bench_inline_vs_slub,
		.nr_arms = ARRAY_SIZE(bench_inline_vs_slub),
		.iters = 2000000, .size = BENCH_OBJECT_SIZE, .param = "256",
		.flags = BENCH_NO_GEOMEAN,
	}, {
		.name = "batch",
		.legend = "ns per object (its alloc + its free): N allocations\n"
			  "then N frees in the same order (FIFO), single calls;\n"
			  "param = N, 256 B objects",
		.measure = bench_measure_batch,
		.iters = 1000000, .size = BENCH_OBJECT_SIZE,
		.param_kind = BENCH_PARAM_NR, .params = bench_batch_nr,
		.nr_params = ARRAY_SIZE(bench_batch_nr),
	}, {
		.name = "bulk",
		.legend = "as batch, through the *_alloc_bulk/*_free_bulk calls",
		.measure = bench_measure_bulk,
		.iters = 1000000, .size = BENCH_OBJECT_SIZE,
		.param_kind = BENCH_PARAM_NR, .params = bench_batch_nr,
		.nr_params = ARRAY_SIZE(bench_batch_nr),
	}, {
		.name = "ws400-c6",
		.legend = "ns per iteration: free a random one of 400 slots and\n"
			  "kmalloc a random size (param) into it",
		.measure = bench_measure_ws, .setup = bench_setup_ws,
		.iters = 2000000, .min_size = 257, .max_size = 768,
		.objs = BENCH_WS_SLOTS, .param = "257-768",
	}, {
		.name = "ws400-mixed",
		.legend = "as ws400-c6, sizes 16-1024",
		.measure = bench_measure_ws, .setup = bench_setup_ws,
		.iters = 2000000, .min_size = 16, .max_size = 1024,
		.objs = BENCH_WS_SLOTS, .param = "16-1024",
	}, {
		.name = "fill",
		.legend = "ns per op: param 256 B objects allocated, then all\n"
			  "freed, each alloc and each free one op; peak_kB =\n"
			  "drop in free pages (buddy + per-CPU lists) at the\n"
			  "peak; other activity adds noise.  Parts: fill-alloc\n"
			  "(ns per allocation), fill-free (ns per free)",
		.measure = bench_measure_fill, .setup = bench_setup_fill,
		.iters = 100000, .size = BENCH_OBJECT_SIZE,
		.parts = bench_fill_parts,
		.nr_parts = ARRAY_SIZE(bench_fill_parts),
		.flags = BENCH_OWN_CACHES,
	}, {
		.name = "header",
		.legend = "pair-256 and ws400-mixed with hakmem caches of each\n"
			  "header mode (own class caches), against SLUB",
		.measure = bench_measure_pair,
		.arms = bench_modes_vs_slub,
		.nr_arms = ARRAY_SIZE(bench_modes_vs_slub),
		.iters = 2000000, .size = BENCH_OBJECT_SIZE,
		.param = "pair-256", .flags = BENCH_NO_GEOMEAN,
	}, {
		.name = "header",
		.measure = bench_measure_ws, .setup = bench_setup_ws,
		.arms = bench_modes_vs_slub,
		.nr_arms = ARRAY_SIZE(bench_modes_vs_slub),
		.iters = 2000000, .min_size = 16, .max_size = 1024,
		.objs = BENCH_WS_SLOTS, .param = "ws400-mixed",
		.flags = BENCH_NO_GEOMEAN,
	}, {
		.name = "smp-pair",
		.legend = "ns per 256 B pair on each CPU, all online CPUs at\n"
			  "once; Mops/s summed over the CPUs",
		.measure = bench_measure_smp_pair,
		.setup = bench_setup_smp_pair,
		.iters = 2000000, .size = BENCH_OBJECT_SIZE,
		.threads = BENCH_ALL_CPUS, .cpus = 2,
	}, {
		.name = "remote-free",
		.legend = "ns per 256 B object allocated on one CPU and freed\n"
			  "on another through a ring; a pair per two online CPUs,\n"
			  "Mops/s summed over the pairs",
		.measure = bench_measure_remote, .setup = bench_setup_remote,
		.iters = 1000000, .size = BENCH_OBJECT_SIZE,
		.threads = BENCH_ALL_CPUS, .cpus = 2, .flags = BENCH_PAIRS,
	}, {
		.name = "burst",
		.legend = "ns per 256 B object: 64 allocated, a word written to\n"
			  "each, then freed in reverse order (packet-like)",
		.measure = bench_measure_burst,
		.iters = 1000000, .size = BENCH_OBJECT_SIZE,
		.objs = BENCH_BURST_NR, .param = "64",
	}, {
		.name = "fifo",
		.legend = "ns per iteration of a FIFO queue of 10000 live 256 B\n"
			  "objects: allocate one at the tail, free the head",
		.measure = bench_measure_fifo,
		.iters = 1000000, .size = BENCH_OBJECT_SIZE,
		.objs = BENCH_FIFO_LIVE, .param = "10000",
	}, {
		.name = "shuffle",
		.legend = "ns per 256 B object: 512 allocated, then freed in a\n"
			  "scattered order (i * k + c mod 512, k odd, new each round)",
		.measure = bench_measure_shuffle,
		.iters = 1000000, .size = BENCH_OBJECT_SIZE,
		.objs = 512, .param = "512",
	}, {
		.name = "kmalloc-sweep",
		.legend = "ns per hakmem_kmalloc+hakmem_kfree (kmalloc+kfree for\n"
			  "SLUB), the size stepping by 8 through param's range",
		.measure = bench_measure_sweep,
		.iters = 1000000,
		.param_kind = BENCH_PARAM_RANGE, .params = bench_sweep_max,
		.nr_params = ARRAY_SIZE(bench_sweep_max),
	}, {
		.name = "many-caches",
		.legend = "ns per alloc+free pair on 64 caches of 64-1072 B in\n"
			  "turn, one pair each: per-cache state out of the CPU caches",
		.measure = bench_measure_many, .setup = bench_setup_many,
		.iters = 1000000, .param = "64",
	}, {
		.name = "xcpu-batch",
		.legend = "ns per 256 B object: one CPU of a pair allocates\n"
			  "batches of 64, the other frees each batch (rx/tx-like);\n"
			  "a pair per two online CPUs, Mops/s summed over pairs",
		.measure = bench_measure_xcpu, .setup = bench_setup_xcpu,
		.iters = 500000, .size = BENCH_OBJECT_SIZE,
		.threads = BENCH_ALL_CPUS, .cpus = 2, .flags = BENCH_PAIRS,
	}, {
		.name = "mem-many",
		.legend = "memory (all mem-*: KiB, see peak_kb ... own_retained_kb):\n"
			  "64 caches of 64-1072 B, 8 live objects of each on every\n"
			  "CPU; ns per object",
		.measure = bench_measure_mem_many,
		.setup = bench_setup_mem_many,
		.iters = 1, .threads = BENCH_ALL_CPUS, .param = "64x8",
		.flags = BENCH_MEM | BENCH_OWN_CACHES,
	}, {
		.name = "mem-scatter",
		.legend = "128 B objects; 9 in 10 freed at random, as many\n"
			  "allocated again, then all freed; ns per operation",
		.measure = bench_measure_mem_scatter, .setup = bench_setup_mem,
		.iters = 1000000, .size = 128,
		.flags = BENCH_MEM | BENCH_OWN_CACHES,
	}, {
		.name = "mem-prodcons",
		.legend = "remote-free's pairs, memory sampled by the producer\n"
			  "every 4096 objects: the peak must stay bounded",
		.measure = bench_measure_mem_prodcons,
		.setup = bench_setup_mem_prodcons,
		.iters = 500000, .size = BENCH_OBJECT_SIZE,
		.threads = BENCH_ALL_CPUS, .cpus = 2,
		.flags = BENCH_MEM | BENCH_OWN_CACHES | BENCH_PAIRS,
	}, {
		.name = "mem-burst-idle",
		.legend = "a burst of 256 B objects, all freed: what stays, and\n"
			  "what stays once the cache is shrunk (shrunk_kb)",
		.measure = bench_measure_mem_burst, .setup = bench_setup_mem,
		.iters = 200000, .size = BENCH_OBJECT_SIZE,
		.flags = BENCH_MEM | BENCH_OWN_CACHES,
	}, {
		.name = "mem-kmalloc",
		.legend = "a burst of hakmem_kmalloc() (kmalloc() for SLUB), sizes\n"
			  "8-4096 by 8 in turn, all freed, the kmalloc caches shrunk",
		.measure = bench_measure_mem_kmalloc, .setup = bench_setup_mem,
		.iters = 50000, .param = "8-4096",
		.flags = BENCH_MEM | BENCH_KMALLOC,
	},
};

#define BENCH_NR_WORKLOADS	ARRAY_SIZE(bench_workloads)
#define BENCH_ALL_WORKLOADS	(BIT_ULL(BENCH_NR_WORKLOADS) - 1)

/* The first entry of @w's name: later ones of the same name follow it. */
static bool bench_workload_first(const struct bench_workload *w)
{
	const struct bench_workload *o;

	for (o = bench_workloads; o < w; o++) {
		if (!strcmp(o->name, w->name))
			return false;
	}
	return true;
}

/* The variants of @w: one per value of its params, or one. */
static unsigned int bench_nr_params(const struct bench_run *run,
				    const struct bench_workload *w)
{
	if (w->flags & BENCH_CFG_SIZES)
		return run->cfg.nr_sizes;
	return w->params ? w->nr_params : 1;
}

static unsigned int bench_param(const struct bench_run *run,
				const struct bench_workload *w, unsigned int i)
{
	if (w->flags & BENCH_CFG_SIZES)
		return run->cfg.sizes[i];
	return w->params ? w->params[i] : 0;
}

/* Makes variant @i of @w, with what the table asks for, and runs it. */
static int bench_run_variant(struct bench_run *run,
			     const struct bench_workload *w, unsigned int i)
{
	unsigned int val = bench_param(run, w, i), threads;
	struct bench_variant *v;
	int err = 0;

	v = bench_variant_new(run, w);
	if (!v)
		return -ENOMEM;
	switch (w->param_kind) {
	case BENCH_PARAM_NONE:
		if (w->param)
			strscpy(v->param, w->param, sizeof(v->param));
		else
			snprintf(v->param, sizeof(v->param), "%u", v->size);
		break;
	case BENCH_PARAM_SIZE:
		v->size = val;
		snprintf(v->param, sizeof(v->param), "%u", val);
		break;
	case BENCH_PARAM_NR:
		v->nr = val;
		snprintf(v->param, sizeof(v->param), "%u", val);
		break;
	case BENCH_PARAM_RANGE:
		v->min_size = BENCH_SWEEP_STEP;
		if (i)
			v->min_size += bench_param(run, w, i - 1);
		v->max_size = val;
		snprintf(v->param, sizeof(v->param), "%u-%u", v->min_size,
			 v->max_size);
		break;
	}
	if (w->objs || v->nr)
		err = bench_variant_objs(v, max(w->objs, v->nr));
	threads = w->threads == BENCH_ALL_CPUS ? num_online_cpus() : w->threads;
	if (w->flags & BENCH_PAIRS)
		threads &= ~1U;
	if (!err && threads) {
		v->team = bench_team_alloc(threads);
		err = v->team ? 0 : -ENOMEM;
	}
	if (!err && w->setup)
		err = w->setup(v);
	if (!err && v->size && !(w->flags & BENCH_OWN_CACHES))
		err = bench_variant_caches(v, v->size);
	bench_variant_finish(v, err);
	return 0;
}

static int bench_run_workload(struct bench_run *run,
			      const struct bench_workload *w)
{
	unsigned int i;
	int err;

	for (i = 0; i < bench_nr_params(run, w); i++) {
		err = bench_run_variant(run, w, i);
		if (err)
			return err;
	}
	return 0;
}

/* === Parameter parsing ==================================================== */

/* The known workload names, comma-separated, into @s. */
static void bench_known_workloads(struct seq_buf *s)
{
	const struct bench_workload *w;

	for (w = bench_workloads; w < bench_workloads + BENCH_NR_WORKLOADS; w++) {
		if (bench_workload_first(w))
			seq_buf_printf(s, "%s, ", w->name);
	}
	seq_buf_printf(s, "%s", "all");
}

static int bench_parse_workloads(const char *str, u64 *mask)
{
	char *buf, *cur, *tok, known[256] = {};
	struct seq_buf s;
	unsigned int i;
	u64 found;
	int err = 0;

	buf = kstrdup(str ? str : "", GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	*mask = 0;
	cur = buf;
	while ((tok = strsep(&cur, ",")) != NULL) {
		tok = strim(tok);
		if (!strcmp(tok, "all")) {
			*mask |= BENCH_ALL_WORKLOADS;
			continue;
		}
		found = 0;
		for (i = 0; i < BENCH_NR_WORKLOADS; i++) {
			if (!strcmp(tok, bench_workloads[i].name))
				found |= BIT_ULL(i);
		}
		if (!found) {
			seq_buf_init(&s, known, sizeof(known));
			bench_known_workloads(&s);
			pr_err("workloads: unknown workload '%s' in '%s' (known: %s)\n",
			       tok, str, known);
			err = -EINVAL;
			break;
		}
		*mask |= found;
	}
	kfree(buf);
	return err;
}

static int bench_parse_sizes(const char *str, struct bench_config *cfg)
{
	char *buf, *cur, *tok;
	unsigned int size;
	int err = 0;

	buf = kstrdup(str ? str : "", GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cfg->nr_sizes = 0;
	cur = buf;
	while ((tok = strsep(&cur, ",")) != NULL) {
		tok = strim(tok);
		if (kstrtouint(tok, 0, &size) || !size ||
		    size > HAKMEM_MAX_OBJECT_SIZE) {
			pr_err("sizes: bad size '%s' in '%s' (want 1..%u)\n",
			       tok, str, HAKMEM_MAX_OBJECT_SIZE);
			err = -EINVAL;
			break;
		}
		if (cfg->nr_sizes == BENCH_MAX_SIZES) {
			pr_err("sizes: too many sizes in '%s' (at most %u)\n",
			       str, BENCH_MAX_SIZES);
			err = -EINVAL;
			break;
		}
		cfg->sizes[cfg->nr_sizes++] = size;
	}
	kfree(buf);
	return err;
}

static int bench_check_reps(unsigned int val)
{
	if (val >= BENCH_MIN_REPS && val <= BENCH_MAX_REPS)
		return 0;
	pr_err("reps=%u out of range (%u..%u)\n", val, BENCH_MIN_REPS,
	       BENCH_MAX_REPS);
	return -EINVAL;
}

static int bench_check_scale(unsigned int val)
{
	if (val >= 1 && val <= BENCH_MAX_SCALE)
		return 0;
	pr_err("scale=%u out of range (1..%u)\n", val, BENCH_MAX_SCALE);
	return -EINVAL;
}

static int bench_parse_uint(const char *key, const char *val,
			    unsigned int *res)
{
	if (!kstrtouint(val, 0, res))
		return 0;
	pr_err("%s: '%s' is not a number\n", key, val);
	return -EINVAL;
}

/* Sets one key=value of a run; the names are those of the module. */
static int bench_set_param(struct bench_config *cfg, const char *key,
			   const char *val)
{
	unsigned int num;
	int err;

	if (!strcmp(key, "workloads"))
		return bench_parse_workloads(val, &cfg->workloads);
	if (!strcmp(key, "sizes"))
		return bench_parse_sizes(val, cfg);
	if (!strcmp(key, "reps")) {
		err = bench_parse_uint(key, val, &num) ?: bench_check_reps(num);
		if (!err)
			cfg->reps = num;
		return err;
	}
	if (!strcmp(key, "scale")) {
		err = bench_parse_uint(key, val, &num) ?: bench_check_scale(num);
		if (!err)
			cfg->scale = num;
		return err;
	}
	pr_err("run: unknown parameter '%s' (known: workloads, reps, scale, sizes)\n",
	       key);
	return -EINVAL;
}

static int bench_parse_params(struct bench_config *cfg)
{
	int err;

	err = bench_parse_workloads(workloads, &cfg->workloads);
	if (err)
		return err;
	err = bench_parse_sizes(sizes, cfg);
	if (err)
		return err;
	err = bench_check_reps(reps) ?: bench_check_scale(scale);
	if (err)
		return err;
	cfg->reps = reps;
	cfg->scale = scale;
	return 0;
}

/* Parses what was written to the run file into @cfg. */
static int bench_parse_run(char *args, struct bench_config *cfg)
{
	char *key, *val;
	int err;

	args = skip_spaces(args);
	while (*args) {
		args = next_arg(args, &key, &val);
		if (!val) {
			pr_err("run: '%s' is not key=value\n", key);
			return -EINVAL;
		}
		err = bench_set_param(cfg, key, val);
		if (err)
			return err;
	}
	return 0;
}

/* === Environment ========================================================== */

static void bench_env_kind(struct bench_env *env)
{
#if defined(CONFIG_X86) && !defined(CONFIG_UML)
	unsigned int eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR)) {
		env->env = "x86-native";
		env->timing = "native (bare metal)";
		return;
	}
	cpuid(0x40000000, &eax, &sig[0], &sig[1], &sig[2]);
	if (!memcmp(sig, "TCGTCGTCGTCG", sizeof(sig))) {
		env->env = "qemu-tcg";
		env->timing = "emulated (QEMU TCG): ratios only";
		return;
	}
	env->env = "x86-vm";
	env->timing = "virtual machine (hypervisor not identified): ratios only";
#else
	if (IS_ENABLED(CONFIG_UML)) {
		env->env = "uml-native";
		env->timing = "native (UML)";
	} else {
		env->env = "unknown";
		env->timing = "unknown: ratios only";
	}
#endif
}

/* The header mode hakmem_cache_create() gives, from a throwaway cache. */
static const char *bench_default_mode(void)
{
	struct hakmem_cache_info info;
	struct hakmem_cache *s;

	s = hakmem_cache_create("hb-probe", 64, 0, 0, NULL);
	if (!s)
		return "unknown";
	hakmem_cache_get_info(s, &info);
	hakmem_cache_destroy(s);
	return bench_mode_name(info.header_mode);
}

static void bench_env_init(struct bench_env *env)
{
	bench_env_kind(env);
	strscpy(env->kernel, utsname()->release, sizeof(env->kernel));
	env->cpus = num_online_cpus();
	env->init_on_alloc = want_init_on_alloc(GFP_KERNEL);
	env->init_on_free = want_init_on_free();
	env->header_mode = bench_default_mode();
}

/* === Output =============================================================== */

/* Formats @centi hundredths with two decimals. */
static const char *bench_fix2(char *buf, size_t len, u64 centi)
{
	u32 rem;
	u64 whole = div_u64_rem(centi, 100, &rem);

	snprintf(buf, len, "%llu.%02u", whole, rem);
	return buf;
}

static u64 bench_ps_to_centi_ns(u64 ps)
{
	return div_u64(ps + 5, 10);
}

static void bench_workloads_str(u64 mask, struct seq_buf *s)
{
	const struct bench_workload *w;
	const char *sep = "";
	unsigned int i;

	if (mask == BENCH_ALL_WORKLOADS) {
		seq_buf_printf(s, "%s", "all");
		return;
	}
	for (i = 0; i < BENCH_NR_WORKLOADS; i++) {
		w = &bench_workloads[i];
		if ((mask & BIT_ULL(i)) && bench_workload_first(w)) {
			seq_buf_printf(s, "%s%s", sep, w->name);
			sep = ",";
		}
	}
}

/*
 * What the run did, for .../results: its parameters, time and notes (the
 * rows are the CSV's, and tools/bench-report.py makes every table).
 */
static void bench_format_run(struct bench_run *run, struct seq_buf *s)
{
	const struct bench_env *env = &run->env;
	unsigned int i;

	seq_buf_printf(s, "kernel %s, %u CPUs online, init_on_alloc=%d, init_on_free=%d\n",
		       env->kernel, env->cpus, env->init_on_alloc,
		       env->init_on_free);
	seq_buf_printf(s, "hakmem default header mode: %s\n",
		       env->header_mode);
	seq_buf_printf(s, "env %s: timings %s\n", env->env, env->timing);
	seq_buf_printf(s, "reps %u (+1 discarded warm-up; mem-* at most 3), scale %u%%, workloads ",
		       run->cfg.reps, run->cfg.scale);
	bench_workloads_str(run->cfg.workloads, s);
	seq_buf_printf(s, "\nrun took %llu.%01llu s, %u rows in results.csv\n",
		       div_u64(run->elapsed_ms, 1000),
		       div_u64(run->elapsed_ms % 1000, 100), run->nr_rows);
	for (i = 0; i < run->nr_notes; i++)
		seq_buf_printf(s, "note: %s\n", run->notes[i]);
}

/*
 * The workloads, from the table: what workloads= and run accept.  Per
 * workload a line "name: ARMS; N ops per repetition at scale=100[; needs
 * N CPUs]" (ARMS: the arms' names, separated by spaces), then the lines of
 * its legend, indented (tools/bench-report.py reads them).
 */
static void bench_format_workloads(struct bench_run *unused,
				   struct seq_buf *s)
{
	const struct bench_workload *w;
	const char *text, *end;
	unsigned int i;

	for (w = bench_workloads; w < bench_workloads + BENCH_NR_WORKLOADS; w++) {
		seq_buf_printf(s, "%s:", w->name);
		for (i = 0; i < (w->arms ? w->nr_arms : 2); i++)
			seq_buf_printf(s, " %s", bench_allocs[w->arms ?
				       w->arms[i] : bench_vs_slub[i]].name);
		seq_buf_printf(s, "; %lu ops per repetition at scale=100",
			       w->iters);
		if (w->cpus > 1)
			seq_buf_printf(s, "; needs %u CPUs", w->cpus);
		seq_buf_printf(s, "\n");
		for (text = w->legend ?: ""; *text; text = *end ? end + 1 : end) {
			end = strchrnul(text, '\n');
			seq_buf_printf(s, "    %.*s\n", (int)(end - text), text);
		}
	}
}

#define BENCH_CSV_HEADER \
	"env,kernel,cpus,init_on_alloc,init_on_free,header_mode,workload,param,allocator,role,geomean,reps,attempts,median_ns,min_ns,spread,mops,speedup_min,speedup_median,spread_flag,peak_kb,retained_kb,shrunk_kb,own_peak_kb,own_retained_kb,timing\n"

static void bench_format_csv(struct bench_run *run, struct seq_buf *s)
{
	char med[24], min[24], spr[24], mops[24], smin[24], smed[24];
	const struct bench_env *env = &run->env;
	const struct bench_row *row;
	unsigned int i, k;

	seq_buf_printf(s, "%s", BENCH_CSV_HEADER);
	for (i = 0; i < run->nr_rows; i++) {
		row = &run->rows[i];
		seq_buf_printf(s, "%s,%s,%u,%d,%d,%s,", env->env, env->kernel,
			       env->cpus, env->init_on_alloc,
			       env->init_on_free, env->header_mode);
		seq_buf_printf(s, "%s,%s,%s,%s,%d,%u,%u,%s,%s,%s,%s,%s,%s,%d",
			       row->workload, row->param,
			       bench_allocs[row->alloc].name,
			       bench_allocs[row->alloc].role, row->geomean,
			       row->reps, row->attempts,
			       bench_fix2(med, sizeof(med),
					  bench_ps_to_centi_ns(row->median_ps)),
			       bench_fix2(min, sizeof(min),
					  bench_ps_to_centi_ns(row->min_ps)),
			       bench_fix2(spr, sizeof(spr), row->spread_c),
			       bench_fix2(mops, sizeof(mops), row->mops_c),
			       bench_fix2(smin, sizeof(smin),
					  row->speedup_min_c),
			       bench_fix2(smed, sizeof(smed),
					  row->speedup_med_c),
			       row->spread_flag);
		for (k = 0; k < BENCH_NR_MEM; k++)
			seq_buf_printf(s, ",%llu", row->kb[k]);
		seq_buf_printf(s, ",%s\n", env->timing);
	}
}

/* Formats one text of @run into a new buffer. */
static char *bench_format(struct bench_run *run,
			  void (*fmt)(struct bench_run *run,
				      struct seq_buf *s))
{
	struct seq_buf s;
	char *buf;

	buf = kvmalloc(BENCH_TEXT_SIZE, GFP_KERNEL);
	if (!buf)
		return NULL;
	seq_buf_init(&s, buf, BENCH_TEXT_SIZE);
	fmt(run, &s);
	if (seq_buf_has_overflowed(&s))
		pr_warn("results truncated to %u bytes\n", BENCH_TEXT_SIZE);
	buf[min_t(size_t, s.len, BENCH_TEXT_SIZE - 1)] = '\0';
	return buf;
}

/* Prints @text to the console line by line. */
static void bench_print(const char *text)
{
	const char *end;

	while (*text) {
		end = strchrnul(text, '\n');
		pr_info("%.*s\n", (int)(end - text), text);
		text = *end ? end + 1 : end;
	}
}

/*
 * The workload table on the console between "BEGIN WORKLOADS" and "END
 * WORKLOADS", as in .../workloads: a built-in module (UML) has no
 * debugfs reader.
 */
static void bench_print_workloads(void)
{
	char *text = bench_format(NULL, bench_format_workloads);

	if (!text)
		return;
	pr_info("BEGIN WORKLOADS\n");
	bench_print(text);
	pr_info("END WORKLOADS\n");
	kvfree(text);
}

/* === Runs ================================================================= */

static void bench_run_reset(struct bench_run *run)
{
	kvfree(run->text);
	kvfree(run->csv);
	memset(run, 0, sizeof(*run));
}

static void bench_run_workloads(struct bench_run *run)
{
	const struct bench_workload *w;
	unsigned int i, cpus;

	for (i = 0; i < BENCH_NR_WORKLOADS; i++) {
		w = &bench_workloads[i];
		if (!(run->cfg.workloads & BIT_ULL(i)))
			continue;
		cpus = max(w->cpus, 1U);
		if (num_online_cpus() < cpus) {
			bench_note(run, "%s skipped: needs %u online CPUs, %u online",
				   w->name, cpus, num_online_cpus());
			continue;
		}
		pr_info("running %s\n", w->name);
		if (bench_run_workload(run, w))
			bench_note(run, "%s: stopped early, out of memory",
				   w->name);
		cond_resched();
	}
}

/* Runs the workloads of @cfg and publishes the results.  Takes the mutex. */
static int bench_run(const struct bench_config *cfg)
{
	struct bench_run *run = &bench_last;
	u64 start;
	int err;

	err = mutex_lock_interruptible(&bench_mutex);
	if (err)
		return err;
	bench_run_reset(run);
	run->cfg = *cfg;
	bench_env_init(&run->env);
	start = ktime_get_ns();
	bench_run_workloads(run);
	run->elapsed_ms = div_u64(ktime_get_ns() - start, NSEC_PER_MSEC);
	run->done = true;
	run->text = bench_format(run, bench_format_run);
	run->csv = bench_format(run, bench_format_csv);
	if (!run->text || !run->csv) {
		pr_err("no memory for the results text\n");
		err = -ENOMEM;
	} else {
		bench_print(run->text);
		pr_info("BEGIN CSV\n");
		bench_print(run->csv);
		pr_info("END CSV\n");
	}
	mutex_unlock(&bench_mutex);
	return err;
}

/* === DebugFS interface ==================================================== */

static int bench_results_show(struct seq_file *m, void *unused)
{
	int err;

	err = mutex_lock_interruptible(&bench_mutex);
	if (err)
		return err;
	if (bench_last.text)
		seq_puts(m, bench_last.text);
	else if (bench_last.done)
		seq_puts(m, "no memory for the results\n");
	else
		seq_puts(m, "no results yet: write key=value parameters (or a newline) to run\n");
	mutex_unlock(&bench_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_results);

static int bench_csv_show(struct seq_file *m, void *unused)
{
	int err;

	err = mutex_lock_interruptible(&bench_mutex);
	if (err)
		return err;
	if (bench_last.csv)
		seq_puts(m, bench_last.csv);
	else
		seq_puts(m, BENCH_CSV_HEADER);
	mutex_unlock(&bench_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_csv);

static int bench_workloads_show(struct seq_file *m, void *unused)
{
	char *text = bench_format(NULL, bench_format_workloads);

	if (!text)
		return -ENOMEM;
	seq_puts(m, text);
	kvfree(text);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_workloads);

/*
 * Writing "key=value ..." runs again; keys not given keep the values the
 * module was loaded with.
 */
static ssize_t bench_run_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct bench_config cfg = bench_load_cfg;
	char *buf;
	int err;

	if (count > BENCH_MAX_INPUT) {
		pr_err("run: input too long (%zu bytes, at most %u)\n", count,
		       BENCH_MAX_INPUT);
		return -EINVAL;
	}
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	err = bench_parse_run(buf, &cfg);
	kfree(buf);
	if (!err)
		err = bench_run(&cfg);
	return err ? err : count;
}

static const struct file_operations bench_run_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= bench_run_write,
	.llseek	= noop_llseek,
};

static void bench_debugfs_init(void)
{
	bench_dir = debugfs_create_dir("hakmem_bench", NULL);
	debugfs_create_file("results", 0444, bench_dir, NULL,
			    &bench_results_fops);
	debugfs_create_file("results.csv", 0444, bench_dir, NULL,
			    &bench_csv_fops);
	debugfs_create_file("workloads", 0444, bench_dir, NULL,
			    &bench_workloads_fops);
	debugfs_create_file("run", 0200, bench_dir, NULL, &bench_run_fops);
}

/* === Module =============================================================== */

static int __init hakmem_bench_init(void)
{
	int err;

	err = bench_parse_params(&bench_load_cfg);
	if (err)
		return err;
	bench_debugfs_init();
	bench_print_workloads();
	if (run_on_load)
		bench_run(&bench_load_cfg);
	return 0;
}

static void __exit hakmem_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	mutex_lock(&bench_mutex);
	bench_run_reset(&bench_last);
	mutex_unlock(&bench_mutex);
}

late_initcall(hakmem_bench_init);
module_exit(hakmem_bench_exit);

MODULE_DESCRIPTION("hakmem_slab benchmark against the kernel's slab allocator");
MODULE_LICENSE("GPL");
