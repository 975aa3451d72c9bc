/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness side of the kernel shim: set up the fake machine (arena of
 * pages, per-CPU areas, CPU ids), turn the knobs (failure injection,
 * init_on_*, online CPUs) and drive what the kernel would (work items,
 * RCU grace periods, hotplug callbacks, shrinkers, interrupts).
 *
 * Include this from harness code only; the core sees include/.
 */
#ifndef _HAKMEM_SHIM_H
#define _HAKMEM_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#define SHIM_NR_CPUS	8

/* Set up the arena (arena_mib MiB of address space) and per-CPU areas. */
void shim_init(unsigned long arena_mib);
/* Bind the calling thread to a CPU id (and register it as an RCU reader). */
void shim_thread_attach(int cpu);
void shim_thread_detach(void);
/* Single-threaded mode: the one thread serves every CPU's work queue. */
void shim_set_single_thread(bool on);
/* Switch the calling thread's CPU id (single-threaded mode, between ops). */
void shim_set_cpu(int cpu);
int shim_cpu(void);

/* Call the module's module_init()/module_exit() functions. */
int shim_module_init(void);
void shim_module_exit(void);
/* Set a module parameter before init ("header_mode", "full"). */
int shim_param_set(const char *name, const char *val);

/* A safe point between operations: run queued work, RCU callbacks. */
void shim_poll(void);
/* Run every pending RCU callback after a grace period. */
void shim_rcu_flush(void);
/* Start a thread that runs grace periods and callbacks every ms. */
void shim_rcu_thread_start(void);
void shim_rcu_thread_stop(void);

/* Hotplug: mark a CPU offline and run teardown callbacks (or back). */
void shim_cpu_down(int cpu);
void shim_cpu_up(int cpu);
unsigned long shim_online_mask(void);
void shim_set_online_mask(unsigned long mask);	/* before init only */

/* Shrinkers: count and scan every registered one; returns freed. */
unsigned long shim_shrink_count(void);
unsigned long shim_shrink_scan(unsigned long nr);

/* debugfs: read a file ("hakmem_slab/slabinfo") into buf; -1 if none. */
long shim_debugfs_read(const char *path, char *buf, size_t size);
long shim_debugfs_write(const char *path, const char *val);

/* printk: counters and an optional hook for each message. */
extern unsigned long shim_nr_printk, shim_nr_bug_lines, shim_nr_warnings;
extern int shim_quiet;		/* 1: do not print to stderr */
extern void (*shim_printk_hook)(int level, const char *msg);
extern int shim_ratelimit_real;

/* Knobs */
extern int shim_init_on_alloc, shim_init_on_free;
extern int shim_kmalloc_fail_every;
struct shim_page_fail {
	int max_order;		/* orders above fail; -1: none */
	unsigned long every;	/* every k-th allocation fails; 0: none */
	bool fragmented;	/* only order 0 succeeds */
};

extern struct shim_page_fail shim_page_fail;
extern unsigned long shim_pages_allocated;	/* live pages (order 0 units) */
extern unsigned long shim_page_allocs, shim_page_failures;

/* The fake arena: [start, end), and allocating foreign pages from it. */
extern unsigned long shim_arena_start, shim_arena_end;
void *shim_alloc_foreign_pages(unsigned int order);
void shim_free_foreign_pages(void *p, unsigned int order);

/* Interrupt emulation: run fn as a hardirq at the n-th interrupt point. */
void shim_irq_arm(int n, void (*fn)(void *), void *arg);
void shim_irq_disarm(void);
extern __thread unsigned long shim_irqs_fired;
/* Sleep points: a hook run at each (migration in single-threaded mode). */
extern __thread void (*shim_sleep_hook)(void);

/* Restart this thread's get_random_*() sequence. */
void shim_srand(unsigned long long seed);

/* Set should_resched() for this thread. */
void shim_set_need_resched(int on);

#endif /* _HAKMEM_SHIM_H */
