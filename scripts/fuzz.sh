#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with Clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (build-fuzz/), and runs each for a bounded time, one after another,
# on a copy of its committed corpus. Fails if any harness finds a crash, leak, timeout or
# out-of-memory; the input is kept in build-fuzz/fuzz-runs/NAME/ and named in the output.
# Usage: scripts/fuzz.sh [SECONDS_PER_HARNESS [HARNESS...]]   (default: 60 s, every harness)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "fuzz: expected a whole number of seconds per harness, got '$seconds'" >&2
  exit 2
fi

bash scripts/deps.sh
build=build-fuzz
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRLISIM_FUZZ=ON -DRLISIM_BUILD_TESTS=OFF -DRLISIM_BUILD_BENCH=OFF "${launcher[@]}"
cmake --build "$build" -j"$(nproc)" --target fuzzers

# Harness -> the largest input it is given, bytes (the seeds' sizes with room to grow).
declare -A max_len=(
  [trace_stats]=16384 [trace_fit]=16384 [tracefs]=16384 [container_measure]=16384
  [config]=16384 [topology]=16384 [container_modes]=32768 [mace_scenarios]=16384
  [traffic]=8192 [sweep]=8192 [units]=256
)
# Harness -> dictionary, where two harnesses read the same format.
declare -A dict=([trace_stats]=pcap [trace_fit]=pcap [container_measure]=tracefs)
harnesses=("$@")
if ((${#harnesses[@]} == 0)); then
  harnesses=(trace_stats trace_fit tracefs container_measure config topology container_modes
    mace_scenarios traffic sweep units)
fi

# Sanitizer reports end the run (libFuzzer then writes the input); leaks count as findings.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=()
summary=()
for name in "${harnesses[@]}"; do
  [[ -n "${max_len[$name]:-}" ]] || { echo "fuzz: unknown harness '$name'" >&2; exit 2; }
  work="$build/fuzz-runs/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/findings"
  # The committed seeds stay as they are: libFuzzer adds what it finds to the copy.
  cp tests/fuzz/corpus/"$name"/* "$work/corpus/"
  options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
    -max_len="${max_len[$name]}" -print_final_stats=1 -artifact_prefix="$work/findings/")
  dict_file="tests/fuzz/${dict[$name]:-$name}.dict"
  if [[ -f "$dict_file" ]]; then options+=(-dict="$dict_file"); fi
  echo "fuzz: $name for ${seconds} s"
  status=0
  "$build/tests/fuzz/fuzz_$name" "${options[@]}" "$work/corpus" >"$work/log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -1 | cut -d' ' -f2)
  found=$(find "$work/findings" -type f | wc -l)
  summary+=("$(printf '%-18s %10s %8s %6s %8s' "$name" "${runs:-?}" "${rate:-?}" "${cov:-?}" \
    "$found")")
  if ((status != 0 || found > 0)); then
    failed+=("$name")
    echo "fuzz: $name FAILED (exit $status); log $work/log, inputs in $work/findings:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|fuzz finding|Test unit written' "$work/log" | head -20 >&2
  fi
done

printf '\n%-18s %10s %8s %6s %8s\n' harness executions exec/s cov findings
printf '%s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each, no findings"
