#!/usr/bin/env bash
# Installs the Debian 12 packages CollabGym builds and tests with (DESIGN §2).
# A second run on a ready machine checks with dpkg and returns at once.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ make pkg-config
  libboost-dev cppzmq-dev libzmq3-dev libmsgpack-cxx-dev
  libfmt-dev libspdlog-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libbenchmark-dev
  # `llm:` agents call OpenAI-compatible chat endpoints over HTTP(S) (docs/llm-agents.md).
  libcurl4-openssl-dev
  # `make fuzz` (docs/fuzzing.md): clang with libFuzzer and the sanitizer runtimes.
  clang libclang-rt-14-dev
  libtorch-dev libopenblas0-pthread
  python3-zmq python3-msgpack python3-numpy python3-pytest
  # Gymnasium's own dependencies: tests/python runs Gymnasium's check_env with the Gymnasium
  # source kept beside the repository (../shared/third_party/gymnasium; Debian 12 has no package).
  python3-cloudpickle python3-typing-extensions
  # The leaderboard's HTML page is checked in headless Chromium (tests/leaderboard).
  chromium
  # tests/slurm/slurm_test.sh runs the Slurm recipes on a one-node Slurm of its own.
  slurm-wlm munge bc
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
