#!/usr/bin/env bash
# Benchmark of issue 6: how far `sozialraum` is from the raw calamine read,
# what `--annotate` costs, how `consolidate` scales with threads, peak memory.
# Figures are measured and printed, never asserted.
#
# Needs (installs nothing itself):
#   apt-get install -y hyperfine time      # hyperfine ≥ 1.13, GNU time as /usr/bin/time
#
# Usage:
#   bench/run.sh                           # everything, results in target/bench/results.md
#   RUNS=10 RUNS_1M=3 bench/run.sh         # more runs
#   SKIP_1M=1 bench/run.sh                 # without the 1,000,000-row file
#
# Environment: BENCH_DIR (default target/bench; no blanks in the path),
# RUNS (default 5), RUNS_1M (default 2), SKIP_1M, WAIT_IDLE (seconds to wait,
# before each block, for the other processes to leave the CPUs idle; default 0).
#
# The input files are generated once by `examples/make_big.rs` (deterministic);
# delete BENCH_DIR to regenerate. Times are hyperfine medians after one warm-up
# run, files in the page cache. The report gives, per block, how busy the CPUs
# were with other processes just before it: on a busy machine, wall times (and
# above all the -j 2 speed-up) are off; the CPU-time ratio is more robust.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${BENCH_DIR:-$ROOT/target/bench}
RUNS=${RUNS:-5}
RUNS_1M=${RUNS_1M:-2}
SKIP_1M=${SKIP_1M:-}
WAIT_IDLE=${WAIT_IDLE:-0}

for tool in hyperfine /usr/bin/time; do
    if ! command -v "$tool" >/dev/null; then
        echo "missing $tool: apt-get install -y hyperfine time" >&2
        exit 2
    fi
done

echo "== build (release)" >&2
cargo build --release --bin sozialraum --example make_big --example raw_read >&2
# Snapshot the binaries: a concurrent `cargo build` must not swap them mid-run.
BIN=$DIR/bin
mkdir -p "$BIN"
cp target/release/sozialraum target/release/examples/raw_read target/release/examples/make_big "$BIN/"
SOZ=$BIN/sozialraum
RAW=$BIN/raw_read

if [[ ! -f $DIR/fall_10k.xlsx || ! -f $DIR/fall_100k.xlsx || ! -f $DIR/fall_1m.xlsx ||
      ! -f $DIR/hostile_corner.xlsx || ! -f $DIR/year160/config.toml ]]; then
    echo "== generate inputs into $DIR" >&2
    "$BIN/make_big" "$DIR" >&2
fi
CONFIG160=$DIR/year160/config.toml

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- helpers

# field COMMAND-NAME COLUMN CSV: a column of hyperfine's CSV export
# (command,mean,stddev,median,user,system,min,max).
field() {
    awk -F, -v n="$1" -v c="$2" 'NR > 1 && $1 == n { print $c }' "$3"
}
median() { field "$1" 4 "$2"; }
# cpu NAME CSV: mean user + system seconds
cpu() { awk -F, -v n="$1" 'NR > 1 && $1 == n { print $5 + $6 }' "$2"; }

# busy: percent of all CPUs busy over one second (we are idle meanwhile, so:
# other processes).
busy() {
    local a b
    a=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {
        split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; i = y[2] - x[2]
        printf "%.0f", (t > 0 ? 100 * (t - i) / t : 0) }'
}

# settle: wait up to WAIT_IDLE seconds for busy ≤ 10 %; prints the last reading.
settle() {
    local b waited=0
    b=$(busy)
    while ((b > 10 && waited < WAIT_IDLE)); do
        sleep 4
        waited=$((waited + 5))
        b=$(busy)
    done
    echo "$b"
}

# peak_mib CMD...: maximum resident set size in MiB, as GNU time reports it.
# Linux hands wait4() the larger of the process's own peak and that of its
# largest waited-for descendant, so for a command that runs a child this is
# max(parent, largest child), not the sum.
peak_mib() {
    /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
    # The last line: GNU time puts "Command exited with non-zero status" above it.
    awk 'END { printf "%.0f", $1 / 1024 }' "$WORK/rss"
}

# expect CODE CMD...: run once and warn if the exit code is not CODE (a crash,
# a limit, or a timeout would otherwise hide behind hyperfine -i).
expect() {
    local want=$1
    shift
    local got=0
    "$@" >/dev/null 2>"$WORK/err" || got=$?
    if [[ $got != "$want" ]]; then
        echo "WARNING: exit code $got (expected $want): $*" >&2
        sed 's/^/    /' "$WORK/err" | head -5 >&2
    fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }'; }
secs() { awk -v a="$1" 'BEGIN { printf "%.3f", a }'; }
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "–" }'; }

HF=(hyperfine -N --warmup 1 --ignore-failure --style basic)

# ---------------------------------------------------------------- machine

CPU=$(LC_ALL=C lscpu 2>/dev/null | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }')
MEM=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
REV=$(git describe --always --dirty 2>/dev/null || echo "?")
BUSY=""

# ---------------------------------------------------------------- check vs raw read

CHECK_ROWS=""
ANNOTATE_ROWS=""
for spec in fall_10k:10000 fall_100k:100000 fall_1m:1000000 hostile_corner:10000; do
    name=${spec%%:*}
    rows=${spec##*:}
    file=$DIR/$name.xlsx
    runs=$RUNS
    if [[ $name == fall_1m ]]; then
        [[ -n $SKIP_1M ]] && continue
        runs=$RUNS_1M
    fi
    echo "== $name" >&2
    expect 0 "$RAW" "$file"
    expect 1 "$SOZ" check --format json "$file"
    csv=$WORK/$name.csv
    cmds=(-n raw "$RAW $file" -n raw-formula "$RAW --formula $file" -n check "$SOZ check --format json $file")
    annotate=""
    prepare=()
    if [[ $name == fall_10k || $name == fall_100k ]]; then
        annotate=$WORK/annotated.xlsx
        rm -f "$annotate"
        expect 1 "$SOZ" check --format json --annotate "$annotate" "$file"
        # --annotate refuses to overwrite: remove the copy before every run.
        prepare=(--prepare "rm -f $annotate")
        cmds+=(-n annotate "$SOZ check --format json --annotate $annotate $file")
    fi
    b=$(settle)
    BUSY+="$name $b %, "
    "${HF[@]}" --runs "$runs" --export-csv "$csv" "${prepare[@]}" "${cmds[@]}" >&2

    raw_s=$(median raw "$csv")
    check_s=$(median check "$csv")
    mem_raw=$(peak_mib "$RAW" "$file")
    mem_iso=$(peak_mib "$SOZ" check --format json "$file")
    mem_in=$(peak_mib "$SOZ" check --no-isolate --format json "$file")
    CHECK_ROWS+="| $name.xlsx | $rows | $(secs "$raw_s") | $(secs "$(median raw-formula "$csv")") | $(secs "$check_s") | $(ratio "$check_s" "$raw_s") | $(ratio "$(cpu check "$csv")" "$(cpu raw "$csv")") | $(per_s "$rows" "$check_s") | $mem_raw | $mem_iso | $mem_in |"$'\n'

    if [[ -n $annotate ]]; then
        ann_s=$(median annotate "$csv")
        rm -f "$annotate"
        mem_ann=$(peak_mib "$SOZ" check --no-isolate --format json --annotate "$annotate" "$file")
        rm -f "$annotate"
        ANNOTATE_ROWS+="| $name.xlsx | $rows | $(secs "$check_s") | $(secs "$ann_s") | $(ratio "$ann_s" "$check_s") | $mem_ann |"$'\n'
    fi
done

# ---------------------------------------------------------------- consolidate, 160 files

echo "== consolidate year160" >&2
out=$WORK/kreis.xlsx
cons=("$SOZ" --config "$CONFIG160" consolidate -q)
rm -f "$out"
expect 0 "${cons[@]}" -j 1 "$DIR/year160" -o "$out"
rm -f "$out"
csv=$WORK/consolidate.csv
b=$(settle)
BUSY+="consolidate $b %"
"${HF[@]}" --runs "$RUNS" --export-csv "$csv" --prepare "rm -f $out" \
    -n j1 "${cons[*]} -j 1 $DIR/year160 -o $out" \
    -n j2 "${cons[*]} -j 2 $DIR/year160 -o $out" \
    -n j1-in-process "${cons[*]} --no-isolate -j 1 $DIR/year160 -o $out" \
    -n j2-in-process "${cons[*]} --no-isolate -j 2 $DIR/year160 -o $out" >&2
j1=$(median j1 "$csv")
j2=$(median j2 "$csv")
i1=$(median j1-in-process "$csv")
i2=$(median j2-in-process "$csv")
rm -f "$out"
mem_j2=$(peak_mib "${cons[@]}" -j 2 "$DIR/year160" -o "$out")
rm -f "$out"

# ---------------------------------------------------------------- report

REPORT=$DIR/results.md
{
    echo "Machine: $(nproc) cores, ${CPU:-unknown CPU}, $MEM RAM; $(rustc -V | cut -d' ' -f1-2); sozialraum $REV; load average at start $LOAD."
    echo "Runs: hyperfine median of $RUNS runs ($RUNS_1M for 1M rows) after one warm-up run; files in the page cache."
    echo "CPUs busy with other processes just before each block: $BUSY."
    echo
    echo "**check vs. the raw streaming read** (\`raw_read\`: calamine \`worksheet_cells_reader\` + \`next_cell\` over Fallarbeit only; \`check --format json\`, exit code 1 expected: the files carry ~1 % planted errors)"
    echo
    echo "| file | rows | raw read s | raw read with formulas s³ | check s | check ÷ raw | check ÷ raw, CPU time² | rows/s (check) | raw peak MiB | check peak MiB (isolated¹) | check peak MiB (\`--no-isolate\`) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$CHECK_ROWS"
    echo
    echo "¹ \`/usr/bin/time\` of \`check\` as users run it: parent + guarded child process. Linux reports the larger of the parent's own peak and its largest child's, not the sum; the child, which reads the file, dominates. \`--no-isolate\` reads in-process: one process, one figure."
    echo
    echo "² user + system time (hyperfine means) instead of wall time: less sensitive to other load on the machine."
    echo
    echo "³ \`raw_read --formula\`: \`next_cell_with_formula\`, the call \`check\` uses (it needs the formulas to spot uncalculated ones)."
    echo
    if [[ -n $ANNOTATE_ROWS ]]; then
        echo "**check --annotate** (writes the annotated copy)"
        echo
        echo "| file | rows | check s | check --annotate s | annotate ÷ check | annotate peak MiB (\`--no-isolate\`) |"
        echo "|---|---:|---:|---:|---:|---:|"
        printf '%s' "$ANNOTATE_ROWS"
        echo
    fi
    echo "**consolidate, 160 files** (40 providers × 4 quarters, ~30 cases each, \`--config year160/config.toml\`)"
    echo
    echo "| mode | -j 1 s | -j 2 s | speed-up |"
    echo "|---|---:|---:|---:|"
    echo "| isolated (one child process per file, default) | $(secs "$j1") | $(secs "$j2") | $(ratio "$j1" "$j2") |"
    echo "| \`--no-isolate\` (in-process) | $(secs "$i1") | $(secs "$i2") | $(ratio "$i1" "$i2") |"
    echo
    echo "Peak memory of \`consolidate -j 2\` (isolated): $mem_j2 MiB."
} >"$REPORT"

echo >&2
cat "$REPORT"
echo >&2
echo "(also written to $REPORT)" >&2
