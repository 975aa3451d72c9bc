# SPDX-License-Identifier: GPL-2.0
#
# Bar chart of one hakmem_bench run (gnuplot, pngcairo; falls back to png).
#
#   gnuplot -e "datafile='x.dat'; outfile='x.png'; title='...'; subtitle='...'" tools/plot.gp
#
# datafile: tools/bench-report.py plotdata output, one line per test
# (hakmem) row of the CSV:
#   "label" base_mops test_mops speedup
# Top panel: speedup of hakmem over SLUB (SLUB median ns / hakmem median
# ns), one bar per row, green when hakmem is faster.  Bottom panel:
# million operations per second of both allocators, log scale.

if (!exists("datafile") || !exists("outfile")) {
	print "plot.gp: error: set datafile and outfile with -e"
	exit status 2
}
if (!exists("title")) title = "hakmem_slab vs SLUB"
if (!exists("subtitle")) subtitle = ""
if (!exists("mopslabel")) mopslabel = "million ops per second (log)"

stats datafile using 4 nooutput
nbars = STATS_records
ymax = STATS_max
width = (nbars < 24 ? 24 : nbars) * 60 + 200

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size width,1100 font "Sans,11" noenhanced
} else {
	set terminal png size width,1100 noenhanced
}
set output outfile

set rmargin 4
set multiplot title title . "\n" . subtitle font ",14"

set style data histograms
set style fill solid 0.85 border -1
set boxwidth 0.75
set grid ytics lc rgb "#dddddd"
set xtics rotate by 35 right scale 0 font ",10" nomirror
set key top left
set datafile missing "NaN"

# --- top: speedup --------------------------------------------------------
set origin 0, 0.5
set size 1, 0.45
set bmargin 7
set tmargin 1
set ylabel "speedup over SLUB (x)\n>1 = hakmem faster"
set yrange [0:(ymax > 1.0 ? ymax * 1.18 : 1.3)]
set xrange [-0.6:nbars - 0.4]
set style histogram rowstacked
set key top left
plot 1.0 with lines lw 2 lc rgb "#444444" dt 2 title "SLUB = 1.00", \
     datafile using ($4 >= 1 ? $4 : 0):xtic(1) lc rgb "#2e8b57" notitle, \
     '' using ($4 < 1 ? $4 : 0) lc rgb "#c0392b" notitle, \
     '' using 0:4:(sprintf("%.2f", $4)) with labels offset 0,0.7 font ",9" notitle

# --- bottom: Mops/s -----------------------------------------------------------
set origin 0, 0
set size 1, 0.5
set tmargin 1
set bmargin 9
set key top right
set ylabel mopslabel
set logscale y
set yrange [*:*]
set autoscale y
set style histogram clustered gap 1
plot datafile using 2:xtic(1) title "SLUB" lc rgb "#7f8c8d", \
     '' using 3 title "hakmem (header rows: the mode named)" lc rgb "#2e86c1"

unset multiplot
