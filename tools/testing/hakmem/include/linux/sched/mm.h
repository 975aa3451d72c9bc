/* SPDX-License-Identifier: GPL-2.0 */
/* might_alloc() is in the shim's kernel.h. */
#include <linux/sched.h>
