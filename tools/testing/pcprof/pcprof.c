// SPDX-License-Identifier: GPL-2.0
/*
 * pcprof: a QEMU TCG plugin that counts how often each guest kernel
 * instruction runs (every address at or above 0xffff800000000000: the
 * kernel and its modules), written out at exit as "ADDRESS COUNT" lines,
 * for tools/pcprof.sh.  Each instruction gets an inline 64-bit add, so
 * the counts are exact with one host thread running the vCPUs: one vCPU,
 * or several round-robin (-accel tcg,thread=single: tools/pcprof.sh -c).
 *
 * Built against QEMU 7.2's plugin API, version 1 (Debian 12's QEMU ships
 * no qemu-plugin.h: the few declarations used are copied below, with the
 * layout of that version).
 *
 *   qemu-system-x86_64 -plugin pcprof.so,arg=out=FILE ...
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;	/* unused here */
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb_t)(qemu_plugin_id_t, void *);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
						enum qemu_plugin_op op,
						void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb_t cb,
				    void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define KERNEL_START	0xffff800000000000ULL
#define TAB_BITS	22	/* 4M distinct instructions, 64 MiB */
#define TAB_SIZE	(1UL << TAB_BITS)

struct slot {
	uint64_t va;
	uint64_t n;
};

static struct slot *tab;
static char outpath[4096] = "pcprof.txt";

/* The counter of @va; open addressing, never removed. */
static struct slot *slot_of(uint64_t va)
{
	uint64_t h = (va * 0x9E3779B97F4A7C15ULL) >> (64 - TAB_BITS);

	for (;;) {
		struct slot *s = &tab[h];

		if (s->va == va)
			return s;
		if (!s->va) {
			s->va = va;
			return s;
		}
		h = (h + 1) & (TAB_SIZE - 1);
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);

		if (va < KERNEL_START)
			continue;
		qemu_plugin_register_vcpu_insn_exec_inline(insn,
			QEMU_PLUGIN_INLINE_ADD_U64, &slot_of(va)->n, 1);
	}
}

static void at_exit(qemu_plugin_id_t id, void *data)
{
	FILE *f = fopen(outpath, "w");
	size_t i;

	if (!f) {
		perror(outpath);
		return;
	}
	for (i = 0; i < TAB_SIZE; i++)
		if (tab[i].n)
			fprintf(f, "%016llx %llu\n",
				(unsigned long long)tab[i].va,
				(unsigned long long)tab[i].n);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(outpath, sizeof(outpath), "%s", argv[i] + 4);
	tab = calloc(TAB_SIZE, sizeof(*tab));
	if (!tab)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
