#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/inline-size.sh [KERNEL...]: the code one call site of the inline
# fast paths (hakmem_slab_inline.h) costs, against one of the exported
# calls, built against each KERNEL's headers (default: 6.1 6.12; names as
# for tools/kver.sh).  tools/hakmem_inline_size.c is compiled (not linked
# or loaded) with 1 and with 17 sites of each kind; a site's bytes are the
# growth of its function's symbols (hot and .cold part) over the 16 more
# sites, so the function's own prologue and return cancel out; fn1 is the
# whole function with one site (what a caller with one call there pays,
# prologue included).  __jump_table is the static-key entries the sites add
# (fail_hakmem's, where the kernel has CONFIG_FAULT_INJECTION).
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
lo=1
hi=17
if (($#)); then kernels=("$@"); else kernels=(6.1 6.12); fi
tmp=$(mktemp -d /tmp/hakmem-inline-size.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The bytes of the symbols of function $2 (and its .cold part) in object $1.
fn_bytes() {
	nm -S -t d "$1" | awk -v f="$2" '
		$4 == f || $4 == f ".cold" { n += $2 }
		END { print n + 0 }'
}

# The bytes of section $2 of object $1 (0 without it).
sec_bytes() {
	size -A "$1" | awk -v s="$2" '$1 == s { n += $2 } END { print n + 0 }'
}

per_site() {
	awk -v a="$1" -v b="$2" -v n=$((hi - lo)) 'BEGIN { printf "%.1f", (b - a) / n }'
}

printf '%-8s %-8s %10s %10s %9s %9s %15s\n' kernel calls alloc/site \
	free/site alloc-fn1 free-fn1 jump_table/site
for k in "${kernels[@]}"; do
	kver=$(tools/kver.sh "$k")
	kdir=/lib/modules/$kver/build
	d=$tmp/$k
	mkdir -p "$d"
	objs=()
	{
		echo "ccflags-y := -I$top -Werror"
		for v in 1 0; do
			for n in $lo $hi; do
				o=hk_size_${v}_$n
				cp tools/hakmem_inline_size.c "$d/$o.c"
				echo "obj-m += $o.o"
				echo "CFLAGS_$o.o := -DHK_SIZE_INLINE=$v -DHK_SIZE_SITES=$n"
				objs+=("$o.o")
			done
		done
	} > "$d/Kbuild"
	make -s -C "$kdir" M="$d" "${objs[@]}" > "$d/build.log" 2>&1 || {
		cat "$d/build.log" >&2
		exit 1
	}
	for v in 1 0; do
		a=$d/hk_size_${v}_$lo.o
		b=$d/hk_size_${v}_$hi.o
		printf '%-8s %-8s %10s %10s %9s %9s %15s\n' "$k" \
			"$( ((v)) && echo inline || echo exported)" \
			"$(per_site "$(fn_bytes "$a" hk_size_alloc_sites)" \
				"$(fn_bytes "$b" hk_size_alloc_sites)")" \
			"$(per_site "$(fn_bytes "$a" hk_size_free_sites)" \
				"$(fn_bytes "$b" hk_size_free_sites)")" \
			"$(fn_bytes "$a" hk_size_alloc_sites)" \
			"$(fn_bytes "$a" hk_size_free_sites)" \
			"$(per_site "$(sec_bytes "$a" __jump_table)" \
				"$(sec_bytes "$b" __jump_table)")"
	done
done
