// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_churn: create and destroy a hakmem cache in a loop, for a given
 * time, while the guest writes the cache's debugfs files and takes CPUs
 * offline (tools/vm-churn.sh).  hakmem_cache_destroy() removes the debugfs
 * files, which waits for their writers; a writer of validate or shrink runs
 * work on every CPU under cpus_read_lock(); a CPU going down holds the
 * hotplug lock while hakmem's teardown callback takes the list of caches.
 * Those three must never wait on each other in a cycle.
 *
 * Loading starts the loop and returns; /sys/kernel/debug/hakmem_churn/result
 * says "RUNNING cycles=N" and then "PASS cycles=N seconds=S" (or "FAIL
 * ..."), which the guest polls.
 */

#define pr_fmt(fmt) "hakmem_churn: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "hakmem_slab.h"

#define CHURN_OBJS	64
#define CHURN_ALIVE_MS	10

static unsigned int seconds = 120;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long to create and destroy the cache (default 120)");

static struct task_struct *churn_task;
static struct dentry *churn_dir;
static unsigned long churn_cycles;
static const char *churn_state = "RUNNING";
static unsigned int churn_elapsed;

/* One cycle: create, use on this CPU, destroy.  Returns false on failure. */
static bool churn_cycle(void)
{
	void *p[CHURN_OBJS];
	struct hakmem_cache *s;
	unsigned int i;
	bool ok = true;

	s = hakmem_cache_create("hakmem_churn", 128, 0, 0, NULL);
	if (!s)
		return false;
	for (i = 0; i < CHURN_OBJS; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		if (!p[i]) {
			ok = false;
			break;
		}
		memset(p[i], i, 128);
	}
	/* Alive for a while, so that writers of its debugfs files find it. */
	msleep(CHURN_ALIVE_MS);
	while (i--)
		hakmem_cache_free(s, p[i]);
	hakmem_cache_destroy(s);
	return ok;
}

static int churn_fn(void *arg)
{
	unsigned long start = jiffies, end = start + seconds * HZ;

	while (time_before(jiffies, end) && !kthread_should_stop()) {
		if (!churn_cycle()) {
			WRITE_ONCE(churn_state, "FAIL");
			break;
		}
		WRITE_ONCE(churn_cycles, churn_cycles + 1);
		cond_resched();
	}
	WRITE_ONCE(churn_elapsed, jiffies_to_msecs(jiffies - start) / 1000);
	if (READ_ONCE(churn_state)[0] == 'R')
		WRITE_ONCE(churn_state, churn_cycles ? "PASS" : "FAIL");
	/* Stay until module exit stops us. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int churn_result_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s cycles=%lu seconds=%u\n", READ_ONCE(churn_state),
		   READ_ONCE(churn_cycles), READ_ONCE(churn_elapsed));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(churn_result);

static int __init hakmem_churn_init(void)
{
	churn_dir = debugfs_create_dir("hakmem_churn", NULL);
	debugfs_create_file("result", 0444, churn_dir, NULL, &churn_result_fops);
	churn_task = kthread_run(churn_fn, NULL, "hakmem_churn");
	if (IS_ERR(churn_task)) {
		debugfs_remove_recursive(churn_dir);
		return PTR_ERR(churn_task);
	}
	return 0;
}

static void __exit hakmem_churn_exit(void)
{
	kthread_stop(churn_task);
	debugfs_remove_recursive(churn_dir);
}

module_init(hakmem_churn_init);
module_exit(hakmem_churn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hakmem_slab: cache create/destroy churn against debugfs writers and CPU hotplug");
