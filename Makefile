# Front door. `make demo` and `make test` are the two commands of the README.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: deps configure build test demo bench clean sanitize-configure test-sanitize fuzz

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: build
	./scripts/demo.sh $(BUILD)

bench: build
	$(BUILD)/bench/collab_bench_env
	$(BUILD)/bench/collab_bench_mr
	$(BUILD)/bench/collab_bench_bridge
	$(BUILD)/bench/collab_bench_learner
	$(BUILD)/bench/collab_bench_optimizer
	$(BUILD)/bench/collab_bench_soak
	PYTHONPATH=bridge/python /usr/bin/python3 bench/scaling_bench.py --bin $(BUILD)/cli/collabgym
	/usr/bin/python3 bench/llm_bench.py --bin $(BUILD)/cli/collabgym --bench $(BUILD)/bench/collab_bench_llm
	/usr/bin/python3 bench/rollout_bench.py --bin $(BUILD)/cli/collabgym

# The test suite built with clang, AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer's
# coverage instrumentation (docs/fuzzing.md), in its own folder; any finding fails the test that
# hit it. Without torch and the benches, to save time. `make fuzz` reuses the same build: its
# harnesses are built here too, so CI compiles the sanitized tree once.
ASAN_BUILD ?= build-asan
SANITIZE_ENV = ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
sanitize-configure: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
	  -DCOLLAB_FUZZ=ON -DCOLLAB_SANITIZE=address,undefined \
	  -DCOLLAB_WITH_TORCH=OFF -DCOLLAB_BUILD_BENCH=OFF -DCOLLAB_INSTALL=OFF $(SANITIZE_CMAKE_FLAGS)

test-sanitize: sanitize-configure
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j$(JOBS)

# libFuzzer harnesses (fuzz/, docs/fuzzing.md), in the sanitized build, each run for FUZZ_SECONDS
# from its seed corpus. New inputs go to $(ASAN_BUILD)/corpus/, crashes to
# $(ASAN_BUILD)/artifacts/, logs (with the executions run) to $(ASAN_BUILD)/logs/.
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?= request parser scenario trace
fuzz: sanitize-configure
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target $(addprefix collab_fuzz_,$(FUZZ_HARNESSES))
	@set -e; for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(ASAN_BUILD)/corpus/$$h $(ASAN_BUILD)/artifacts $(ASAN_BUILD)/logs; \
	  echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
	  if ! COLLABGYM_SCENARIOS=$(CURDIR)/scenarios $(SANITIZE_ENV) \
	      $(ASAN_BUILD)/fuzz/collab_fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=20 \
	      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(ASAN_BUILD)/artifacts/$$h- \
	      $(ASAN_BUILD)/corpus/$$h fuzz/corpus/$$h > $(ASAN_BUILD)/logs/$$h.log 2>&1; then \
	    tail -n 60 $(ASAN_BUILD)/logs/$$h.log; echo "fuzz: $$h FAILED (input in $(ASAN_BUILD)/artifacts/)"; exit 1; \
	  fi; \
	  grep -E '^stat::number_of_executed_units|^Done' $(ASAN_BUILD)/logs/$$h.log | sed "s/^/fuzz: $$h: /"; \
	done

clean:
	rm -rf $(BUILD)
