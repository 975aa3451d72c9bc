// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator, unchanged, in the userspace build: hakmem_slab.c and the
 * two files split out of it are included here, as hakmem_slab.ko links
 * them, so that their static functions stay static and the files are not
 * touched.  module_init()/module_exit() in the shim record the init and
 * exit functions for shim_module_init()/shim_module_exit().
 */
#include "../../../hakmem_slab.c"
#include "../../../hakmem_slab_report.c"
#include "../../../hakmem_slab_debugfs.c"

/*
 * Is @obj on a CPU's stack of free objects (of the kmalloc class it is in,
 * for kmalloc objects)?  Light mode does not catch a double free of such
 * an object (only of the top one): the harness leaves that case out.
 */
bool harness_on_cpu_stack(struct hakmem_cache *s, const void *obj)
{
	struct hk_segment *seg = hk_seg_lookup(obj);
	unsigned int cpu, i;

	if (!s && seg)
		s = seg->cache;
	if (!s)
		return false;
	for_each_possible_cpu(cpu) {
		struct hk_cpu *c = per_cpu_ptr(s->cpu, cpu);

		for (i = 0; i < READ_ONCE(c->count); i++)
			if (c->stack[i] == obj)
				return true;
	}
	return false;
}
