# Sourced by the benchmark scripts: `machine` prints the Markdown list that
# describes the run (date, commit, CPU, memory, kernel, toolchain, load).
# The script sets LOAD_START from /proc/loadavg when measuring starts.

machine() {
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- cpus (nproc): $(nproc)"
    echo "- cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
    echo "- memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "- kernel: $(uname -sr)"
    echo "- load average (1, 5, 15 min) when measuring started: $LOAD_START; when it ended: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- $(rustc --version)"
    echo "- $(cargo --version)"
}
