# SPDX-License-Identifier: GPL-2.0
#
# chart.gp DATA OUTPUT: make bench's charts, SVG or PNG by OUTPUT's
# extension, from the variables and datablocks chart.jq wrote to DATA.
#   gnuplot -c scripts/bench/chart.gp chart-data.gp bench.svg
load ARG1

rows = 3 + curves
row_px = 420
head_px = 110
foot_px = 30 + 17 * footer_lines
height = rows * row_px + head_px + foot_px
if (ARG2[strlen(ARG2) - 3:] eq ".png") {
	set terminal pngcairo size 1600, height font "sans,10" noenhanced
} else {
	set terminal svg size 1600, height dynamic font "sans,11" noenhanced background "white"
}
set output ARG2
set datafile missing "NaN"

rh = (1.0 * row_px / height)
top = 1 - 1.0 * head_px / height
# panel(row, column, columns): the place of the next plot
panel(r, c, n) = sprintf("set origin %g, %g; set size %g, %g", (c - 1.0) / n, top - r * rh, 1.0 / n, rh)

set multiplot title title_text
# Tableau 10: one colour a subject in the curves.
array colours = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"]
do for [i = 1:8] { set linetype i lc rgb colours[i] pt 7 }
set style fill solid 0.75 border -1
set grid ytics
set key top right
set yrange [0:*]
# Room above the highest bar for the key and the reference lines.
set offsets 0, 0, graph 0.2, 0
set xtics nomirror
set ytics nomirror

# 1-2. Every subject, three ways of mapping it and reading it once.
eval panel(1, 1, 1)
set label 1 footer at screen 0.01, (foot_px - 12.0) / height left front
set title "1-2. Map and read every page once: ".unit." (shorter is better); mmap + first touch, MAP_POPULATE, MADV_POPULATE_READ"
set style data histograms
set style histogram errorbars gap 2 lw 1
set xtics rotate by -20
set ylabel unit
plot $subjects using 2:3:4:xtic(1) title "mmap + first touch" lc rgb "#4e79a7", \
	'' using 5:6:7 title "mmap(MAP_POPULATE) + touch" lc rgb "#f28e2b", \
	'' using 8:9:10 title "mmap + MADV_POPULATE_READ + touch" lc rgb "#59a14f"
unset label 1

# 1c. First touch against the window of the around mode.
eval panel(2, 1, 2)
set title "1c. First touch by around window: ".unit." (shorter is better)"
set style data linespoints
set logscale x 2
set xtics norotate
set xlabel "window (pages a fault maps)"
plot $windows using 1:2:3:4 with yerrorlines title "around-N" lw 2 pt 7 lc rgb "#4e79a7", \
	fault_touch title "fault" dt 2 lw 2 lc rgb "#e15759", \
	anon_touch title "anon (zero-page fault)" dt 3 lw 2 lc rgb "#76b7b2", \
	shmem_touch title "shmem (fault-around)" dt 4 lw 2 lc rgb "#59a14f"
unset logscale x
unset xlabel

# 3. Warm streaming read.
eval panel(2, 2, 2)
set title "3. Warm streaming read of the whole mapping: ".unit." (shorter is better)"
set style data histograms
set xtics rotate by -20
plot $subjects using 14:15:16:xtic(1) title "second pass" lc rgb "#4e79a7", \
	anon_warm with lines title "anon, written" dt 2 lw 2 lc rgb "#76b7b2"

# 4. Copies; 5. threads (wall clock only).
eval panel(3, 1, 1 + threads)
set title "4. The whole buffer copied into a user buffer: ".unit." (shorter is better)"
set xtics norotate
plot $copy using 2:3:4:xtic(1) title "the whole buffer, 1 MiB a call" lc rgb "#4e79a7"
if (threads) {
	eval panel(3, 2, 2)
	set title "5. First touch, 2 threads on disjoint halves: speedup over 1 thread (longer is better)"
	set ylabel "speedup"
	set xtics rotate by -20
	plot $threads using 2:3:4:xtic(1) title "speedup" lc rgb "#4e79a7", \
		compute_speedup with lines title "pure computation split the same way" dt 2 lw 2, \
		2 with lines title "2x" dt 3 lc rgb "black"
	set ylabel unit
}

# 6. Cost curves.
if (curves) {
	set style data linespoints
	set logscale x 2
	set xtics norotate
	set xlabel "mapping size (MiB)"
	set logscale y 10
	set yrange [*:*]
	set offsets 0, 0, 0, 0
	eval panel(4, 1, 2)
	set title "6a. First touch by mapping size: ".unit.", log scale (flat: no cost grows with the size)"
	plot for [i = 3:*] $curve_touch using 2:i title columnheader(i) lw 2
	eval panel(4, 2, 2)
	set title "6b. mmap() by mapping size: ".unit.", log scale (flat: grows with the size; falling: a fixed cost)"
	plot for [i = 3:*] $curve_mmap using 2:i title columnheader(i) lw 2
}
unset multiplot
