# Sourced by the benchmark scripts (bench/run.sh, bench/memory.sh,
# bench/local.sh), from the repository root:
# - TARGET: cargo's target directory, and OUT, the benchmarks' folder in it
#   (with bin/ for the binaries measured);
# - build_app PACKAGE BINARY NAME: builds one package alone in release (features
#   of shared dependencies are unified across the packages of one build, and
#   one app's must not leak into another's) and copies its binary to
#   $OUT/bin/NAME at once, so another build cannot swap it mid-run;
# - machine: the Markdown list that describes the run (date, commit, CPU,
#   memory, kernel, load, toolchain). The script sets LOAD_START (and may set
#   LOAD_END) from /proc/loadavg.

TARGET=$(cargo metadata --format-version 1 --no-deps |
    grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
OUT="$TARGET/goblet-bench"
mkdir -p "$OUT/bin"

build_app() { # package binary name
    cargo build --release -p "$1" >&2
    cp "$TARGET/release/$2" "$OUT/bin/$3"
}

machine() {
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- cpus (nproc): $(nproc)"
    echo "- cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
    echo "- memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "- kernel: $(uname -sr)"
    echo "- load average (1, 5, 15 min) when measuring started: $LOAD_START; when it ended: ${LOAD_END:-$(cut -d' ' -f1-3 /proc/loadavg)}"
    echo "- $(rustc --version)"
    echo "- $(cargo --version)"
}
