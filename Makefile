# Front door. `make demo` and `make test` are the two commands of the README.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: deps configure build test demo bench clean

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

clean:
	rm -rf $(BUILD)
