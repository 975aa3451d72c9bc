// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the harness programs (see harness.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shim/kernel.h>
#include "harness.h"
#include "shim.h"

void harness_fail(const char *class, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "CHECK FAILED [%s]: ", class);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

const char *harness_reclaim_ms;

void harness_boot(unsigned long arena_mib, const char *header_mode)
{
	int ret;

	shim_init(arena_mib);
	shim_thread_attach(0);
	if (header_mode && shim_param_set("header_mode", header_mode))
		harness_fail("boot", "cannot set header_mode=%s", header_mode);
	if (harness_reclaim_ms &&
	    shim_param_set("reclaim_ms", harness_reclaim_ms))
		harness_fail("boot", "cannot set reclaim_ms=%s",
			     harness_reclaim_ms);
	ret = shim_module_init();
	if (ret)
		harness_fail("boot", "module init returned %d", ret);
}

/* ===== shadow set ======================================================== */
#define SHADOW_STRIPES	4096

struct shadow_stripe {
	pthread_mutex_t lock;
	struct shadow_obj *v;
	unsigned int n, cap;
};

static struct shadow_stripe *shadow;
static unsigned long shadow_live;

void shadow_init(void)
{
	int i;

	if (shadow)
		return;
	shadow = calloc(SHADOW_STRIPES, sizeof(*shadow));
	for (i = 0; i < SHADOW_STRIPES; i++)
		pthread_mutex_init(&shadow[i].lock, NULL);
}

static struct shadow_stripe *shadow_stripe(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;

	p ^= p >> 17;
	p *= 0x9e3779b97f4a7c15ULL;
	return &shadow[(p >> 40) % SHADOW_STRIPES];
}

bool shadow_insert(void *ptr, uint32_t size, uint32_t seed, int kind)
{
	struct shadow_stripe *st = shadow_stripe(ptr);
	unsigned int i;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->n; i++) {
		if (st->v[i].ptr == ptr) {
			pthread_mutex_unlock(&st->lock);
			return false;
		}
	}
	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 8;
		st->v = realloc(st->v, st->cap * sizeof(*st->v));
	}
	st->v[st->n++] = (struct shadow_obj){ ptr, size, seed, kind };
	pthread_mutex_unlock(&st->lock);
	__atomic_fetch_add(&shadow_live, 1, __ATOMIC_RELAXED);
	return true;
}

bool shadow_remove(void *ptr, struct shadow_obj *out)
{
	struct shadow_stripe *st = shadow_stripe(ptr);
	unsigned int i;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->n; i++) {
		if (st->v[i].ptr == ptr) {
			if (out)
				*out = st->v[i];
			st->v[i] = st->v[--st->n];
			pthread_mutex_unlock(&st->lock);
			__atomic_fetch_sub(&shadow_live, 1, __ATOMIC_RELAXED);
			return true;
		}
	}
	pthread_mutex_unlock(&st->lock);
	return false;
}

bool shadow_lookup(void *ptr, struct shadow_obj *out)
{
	struct shadow_stripe *st = shadow_stripe(ptr);
	unsigned int i;
	bool found = false;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->n; i++) {
		if (st->v[i].ptr == ptr) {
			if (out)
				*out = st->v[i];
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	return found;
}

/* Slow (walks every stripe): for the single-threaded fuzzer. */
bool shadow_overlaps(void *ptr, uint32_t size, struct shadow_obj *out)
{
	uintptr_t a = (uintptr_t)ptr, b = a + size;
	unsigned int s, i;

	for (s = 0; s < SHADOW_STRIPES; s++) {
		struct shadow_stripe *st = &shadow[s];

		pthread_mutex_lock(&st->lock);
		for (i = 0; i < st->n; i++) {
			uintptr_t c = (uintptr_t)st->v[i].ptr, d = c + st->v[i].size;

			if (a < d && c < b) {
				if (out)
					*out = st->v[i];
				pthread_mutex_unlock(&st->lock);
				return true;
			}
		}
		pthread_mutex_unlock(&st->lock);
	}
	return false;
}

unsigned long shadow_count(void)
{
	return __atomic_load_n(&shadow_live, __ATOMIC_RELAXED);
}

/* ===== patterns ========================================================== */
static inline uint8_t pattern_byte(uint32_t seed, uint32_t i)
{
	uint32_t x = seed + i * 0x9e3779b1u;

	x ^= x >> 15;
	return (uint8_t)(x | 1);	/* never 0: zero checks stay meaningful */
}

void pattern_fill(void *ptr, uint32_t size, uint32_t seed)
{
	uint8_t *p = ptr;
	uint32_t i;

	for (i = 0; i < size; i++)
		p[i] = pattern_byte(seed, i);
}

long pattern_check(const void *ptr, uint32_t size, uint32_t seed)
{
	const uint8_t *p = ptr;
	uint32_t i;

	for (i = 0; i < size; i++)
		if (p[i] != pattern_byte(seed, i))
			return i;
	return -1;
}

bool mem_is_zero(const void *ptr, uint32_t size)
{
	const uint8_t *p = ptr;
	uint32_t i;

	for (i = 0; i < size; i++)
		if (p[i])
			return false;
	return true;
}
