/* SPDX-License-Identifier: GPL-2.0 */
/* Shim: see shim/kernel.h. */
#include <shim/kernel.h>
