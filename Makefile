# groundswell — common commands over CMake. See README.md.
#   make demo   set up, build, run the main job on generated sample data
#   make test   set up, build, run every test
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGS_WERROR=ON

.PHONY: all deps web build test demo bench clean

all: build

deps:
	@bash scripts/deps.sh

web: deps
	@bash scripts/web.sh

build: deps web
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) web/dist demo-out demo-data
