#!/usr/bin/env bash
# One PNG of the throughput figures that the benchmarks wrote as JSON into DIR (run-all.sh
# writes them all). GB/s, GB = 10^9 bytes; each number on a bar is the median the JSON holds.
#   top:          the generator in memory, one thread (generator*.json, kernel-<K>.json:
#                 dgen bench --json; several generator*.json: the median of theirs)
#   bottom left:  dd bs=1M through the mount, one group per mount-*.json (bench-mount.sh
#                 --json): dgenfs, the same daemon serving zeros, tmpfs, nbdkit random
#   bottom right: all readers together, 1 ... N concurrent readers (scaling.json,
#                 bench-scaling.sh --json)
# Panels whose files are missing are left out; the title comes from meta.json when present.
# Colours: blue dgen/dgenfs, grey a ceiling (memset, the zero-serving daemon, tmpfs),
# orange another generator (the dgen-py core loop, nbdkit).
#
#   tests/bench/plot-throughput.sh DIR [OUT.png]      (default OUT: DIR/throughput.png)
# Needs python3 and gnuplot (Debian: gnuplot-nox).
set -euo pipefail
case ${1:-} in
-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
"") echo "plot-throughput.sh: usage: plot-throughput.sh DIR [OUT.png] (see --help)" >&2; exit 2 ;;
esac
dir=$1 png=${2:-$1/throughput.png}
[ -d "$dir" ] || { echo "plot-throughput.sh: no directory $dir" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plot-throughput.sh: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 2; }

# python3 turns the JSON into one gnuplot script (inline data blocks); gnuplot draws it.
python3 - "$dir" "$png" <<'PY' >"$dir/throughput.gp"
import glob, json, os, sys

d, png = sys.argv[1], sys.argv[2]
BLUE, GREY, LIGHT, ORANGE = 0x1F77B4, 0x707070, 0xB0B0B0, 0xE08020


def load(name):
    p = os.path.join(d, name)
    return json.load(open(p)) if os.path.exists(p) else None


def q(s):  # a gnuplot double-quoted string; a newline in s breaks the line
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def fmt(v):
    return "%.2f" % v if v < 1 else "%.1f" % v


def bars(name, rows):
    """rows: (x, value, colour) -> a data block with the printed value as column 4."""
    out = ["$%s << EOD" % name]
    out += ["%g %.6g %d %s" % (x, v, c, q(fmt(v))) for x, v, c in rows]
    return out + ["EOD"]


def plot(block, ymax, legend=()):
    out = ["set yrange [0:%g]" % (ymax * 1.18),
           "plot $%s using 1:2:3 with boxes lc rgb variable notitle, \\" % block,
           "     $%s using 1:2:4 with labels offset 0,0.7 font ',11' notitle%s" % (block, ", \\" if legend else "")]
    for i, (title, colour) in enumerate(legend):
        out.append("     NaN with boxes lc rgb '#%06X' title %s%s" % (colour, q(title), ", \\" if i + 1 < len(legend) else ""))
    return out


panels = []  # (kind, lines)

def median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


# One or more dgen bench invocations: each row's bar is the median of their medians.
gens = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(d, "generator*.json")))]
gen = None
if gens:
    gen = dict(gens[0])
    gen["rows"] = [dict(r, gbps=median([next(x["gbps"] for x in g["rows"] if x["name"] == r["name"]) for g in gens]))
                   for r in gens[0]["rows"]]
    rows, tics = [], []
    colour = {"memset": GREY, "dgen-py core loop": ORANGE}
    order = ["memset", "dgen-py core loop"]
    gen_rows = sorted(gen["rows"], key=lambda r: order.index(r["name"]) if r["name"] in order else 2)
    for x, r in enumerate(gen_rows):
        rows.append((x, r["gbps"], colour.get(r["name"], BLUE)))
        tics.append((r["name"].replace("dgen ", "dgen\n").replace(" core loop", "\ncore loop"), x))
    x = len(rows) + 0.5
    for p in sorted(glob.glob(os.path.join(d, "kernel-*.json"))):
        k = json.load(open(p))
        if k["kernel"] == gen["kernel"]:
            continue  # the same kernel as the "dgen C=1" bar
        c1 = next(r for r in k["rows"] if r["name"] == "dgen C=1")
        rows.append((x, c1["gbps"], BLUE))
        tics.append(("C=1\n--simd\n" + k["kernel"], x))
        x += 1
    lines = ["set title %s" % q("generator in memory: one thread, reused %g MiB buffer, kernel %s, median of %d dgen bench"
                                 " invocations of %d runs each (--simd bars: one invocation)"
                                 % (gen["buffer_bytes"] / 2**20, gen["kernel"], len(gens), gen["runs"])),
             "set xrange [-0.6:%g]" % (x - 0.4),
             "set xtics (%s)" % ", ".join("%s %g" % (q(t), v) for t, v in tics)]
    lines += bars("gen", rows)
    lines += plot("gen", max(r[1] for r in rows),
                  [("dgen", BLUE), ("ceiling (memset / zero-serving daemon / tmpfs)", GREY),
                   ("other generator (dgen-py core loop / nbdkit random)", ORANGE)])
    panels.append(("gen", lines))

mounts = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(d, "mount-*.json")))]
mounts.sort(key=lambda m: (m["direct_io"] != "true", m["workers_per_node"] != "auto"))  # defaults first
if mounts:
    rows, tics, groups, x = [], [], [], 0
    names = [("dgen", "dgenfs", BLUE), ("zero", "zero\ndaemon", GREY), ("tmpfs", "tmpfs", LIGHT),
             ("nbd", "nbdkit\nrandom", ORANGE)]
    for m in mounts:
        x0 = x
        for key, label, colour in names:
            v = m["dd_gbps"].get(key)
            if v is None:
                continue
            rows.append((x, v, colour))
            tics.append((label, x))
            x += 1
        groups.append(((x0 + x - 1) / 2.0, m))
        x += 0.8
    lines = ["set title %s" % q("through the mount: dd bs=1M, one reader, median of %d runs" % mounts[0]["runs"]),
             "set xrange [-0.6:%g]" % (x - 1.2),
             "set xtics (%s)" % ", ".join("%s %g" % (q(t), v) for t, v in tics)]
    for cx, m in groups:
        mode = "direct_io" if m["direct_io"] == "true" else "page cache"
        label = "%s, workers %s, %g GiB" % (mode, m["workers_per_node"], m["bytes"] / 2**30)
        lines.append("set label %s at first %g, graph -0.2 center font ',11'" % (q(label), cx))
    lines += bars("mount", rows)
    lines += plot("mount", max(r[1] for r in rows))
    panels.append(("mount", lines))

sc = load("scaling.json")
if sc:
    rows = [(r["readers"], r["gbps"], BLUE) for r in sc["readers"]]
    lines = ["set title %s" % q("concurrent readers, one %g GiB file each,\nall together, median of %d runs"
                                 % (sc["bytes_per_reader"] / 2**30, sc["runs"])),
             "set xrange [0.4:%g]" % (len(rows) + 0.6),
             "set xtics 1",
             "set xlabel 'readers (dd bs=1M)'"]
    lines += bars("scaling", rows)
    lines += plot("scaling", max(r[1] for r in rows))
    panels.append(("scaling", lines))

if not panels:
    sys.exit("plot-throughput.sh: no benchmark JSON in " + d)

meta = load("meta.json")
title = "dgenfs throughput, GB/s (GB = 10^9 bytes)"
if meta:
    kernel = gen["kernel"] if gen else "?"
    title += " - %s, %d vCPUs (family %d), dgen kernel %s, Linux %s, libfuse %s - %s" % (
        meta["cpu"], meta["vcpus"], meta["cpu_family"], kernel, meta["linux"].split("-")[0],
        meta["libfuse"].split("-")[0], meta["date"])
    title += "\ncode %s; load average %s before, %s after: compare bars within one panel, as ratios" % (
        meta.get("commit", "?"), meta["loadavg_before"].split()[0], meta["loadavg_after"].split()[0])

print("set terminal pngcairo size 1600,1000 font 'DejaVu Sans,11' noenhanced")
print("set output %s" % q(png))
print("set style fill solid 0.9 border rgb '#404040'")
print("set boxwidth 0.75")
print("set grid ytics lc rgb '#D0D0D0'")
print("set ylabel 'GB/s'")
print("set key top right")
print("set xtics nomirror scale 0")
print("set ytics nomirror")
print("set border 3")
print("set multiplot title %s font ',13'" % q(title))
kinds = [k for k, _ in panels]
top = "gen" in kinds
bottom = [k for k in kinds if k != "gen"]
layout = {}
if top:
    layout["gen"] = (0.0, 0.5 if bottom else 0.0, 1.0, 0.43 if bottom else 0.9)
widths = {"mount": 0.68, "scaling": 0.32} if len(bottom) == 2 else {k: 1.0 for k in bottom}
ox = 0.0
for k in bottom:
    layout[k] = (ox, 0.0, widths[k], 0.48 if top else 0.9)
    ox += widths[k]
for k, lines in panels:
    x, y, w, h = layout[k]
    print("set origin %g,%g" % (x, y))
    print("set size %g,%g" % (w, h))
    print("set bmargin %d" % (7 if k == "mount" else 5))
    print("\n".join(lines))
    print("unset label; unset xlabel; unset title")
print("unset multiplot")
PY
gnuplot "$dir/throughput.gp"
echo "plot-throughput.sh: wrote $png"
