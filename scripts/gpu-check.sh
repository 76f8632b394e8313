#!/usr/bin/env bash
# Builds the learners against the CUDA libtorch of the machine's PyTorch, runs the learner tests and
# the learner benchmark on cuda and on cpu, and prints a short table last (docs/learners.md, and
# /work/shared/GPU.md for the recipe). Logs go to $OUT (default: ./gpu-check-out).
#
# Needs: .devdeps/*.deb next to this checkout (our Debian dependencies, fetched on a development
# machine with the `apt-get download` line of GPU.md), python3 with torch, cmake, ninja, g++.
#   scripts/gpu-check.sh            # full check (~3-5 min on an H100 machine)
#   JOBS=8 BENCH_STEPS=65536 scripts/gpu-check.sh
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-check-out}
JOBS=${JOBS:-16}
BUILD=${BUILD:-build-gpu}
BENCH_STEPS=${BENCH_STEPS:-131072}
mkdir -p "$OUT"
log() { echo "[gpu-check] $*" | tee -a "$OUT/gpu-check.log"; }

if ! ls .devdeps/*.deb >/dev/null 2>&1; then
  log "no .devdeps/*.deb: fetch them on the development machine first (see /work/shared/GPU.md)"
  exit 1
fi

# 1. Our dependencies, unpacked from the Debian packages into a private prefix.
PFX=$(mktemp -d)
for f in .devdeps/*.deb; do dpkg -x "$f" "$PFX"; done
export LD_LIBRARY_PATH="$PFX/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
log "prefix $PFX, torch $(python3 -c 'import torch; print(torch.__version__, torch.version.cuda)')"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >"$OUT/gpu.txt" 2>&1
log "gpu: $(cat "$OUT/gpu.txt")"

# 2. Configure and build only what the check runs (the learners, their tests, the bench).
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$PFX/usr;$PFX/usr/lib/x86_64-linux-gnu/cmake" \
  >"$OUT/configure.log" 2>&1
configure_rc=$?
log "configure rc=$configure_rc"
build_rc=1
if [ $configure_rc -eq 0 ]; then
  cmake --build "$BUILD" -j"$JOBS" --target collab_learners_tests collab_bench_learner \
    >"$OUT/build.log" 2>&1
  build_rc=$?
fi
log "build rc=$build_rc"
if [ $build_rc -ne 0 ]; then
  tail -40 "$OUT/configure.log" "$OUT/build.log"
  for lib in "$BUILD"/tests/learners/collab_learners_tests; do
    [ -x "$lib" ] && ldd "$lib" | grep 'not found'
  done
  exit 1
fi

# 3. The learner tests, once per device (COLLAB_LEARNERS_DEVICE picks the training device).
declare -A TESTS
for dev in cuda cpu; do
  (cd "$BUILD" && COLLAB_LEARNERS_DEVICE=$dev ctest -R Learners --output-on-failure \
    >"$OUT/tests-$dev.log" 2>&1)
  TESTS[$dev]=$(grep -E 'tests passed' "$OUT/tests-$dev.log" || echo "no summary (see tests-$dev.log)")
  log "tests on $dev: ${TESTS[$dev]}"
done

# 4. The learner benchmark: the CPU default (16 envs), and large batches on the GPU.
BENCH="$BUILD/bench/collab_bench_learner"
"$BENCH" --device cpu --steps "$BENCH_STEPS" --threads 1,4,16 >"$OUT/bench-cpu.log" 2>&1
"$BENCH" --device cuda --steps "$BENCH_STEPS" --threads 1 >"$OUT/bench-cuda-16.log" 2>&1
"$BENCH" --device cuda --steps $((BENCH_STEPS * 4)) --num-envs 256 --threads 16 \
  >"$OUT/bench-cuda-256.log" 2>&1
"$BENCH" --device cpu --steps $((BENCH_STEPS * 4)) --num-envs 256 --threads 16 \
  >"$OUT/bench-cpu-256.log" 2>&1

# 5. The short table, last.
echo
echo "== gpu-check summary ($(cat "$OUT/gpu.txt")) =="
echo "tests (cuda): ${TESTS[cuda]}"
echo "tests (cpu):  ${TESTS[cpu]}"
for f in bench-cpu bench-cuda-16 bench-cuda-256 bench-cpu-256; do
  echo "-- $f: $(head -1 "$OUT/$f.log")"
  grep -E '^\| (cpu|cuda) ' "$OUT/$f.log" || tail -3 "$OUT/$f.log"
done
case "${TESTS[cuda]}${TESTS[cpu]}" in
  *"100% tests passed"*"100% tests passed"*) exit 0 ;;
  *) exit 1 ;;
esac
