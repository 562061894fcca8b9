# groundswell — common commands over CMake. See README.md.
#   make demo       set up, build, run the main job on generated sample data
#   make test       set up, build, run every test: check, then sanitize, then fuzz (CI)
#   make check      the tests of the gcc build only (warnings as errors)
#   make sanitize   every test again, built with clang, AddressSanitizer and UBSan
#   make fuzz       every fuzz target for FUZZ_SECONDS (same build as sanitize)
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGS_WERROR=ON
# The hostile-input build (docs/testing.md): clang for libFuzzer, sanitizers on everything,
# assertions kept (no NDEBUG), -O1 so that tests and fuzzing stay quick. gcc's -Werror build
# above is the warnings gate; this one reports clang's warnings without failing on them.
SAN_BUILD ?= build-sanitize
SAN_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	"-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
	"-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
	-DGS_SANITIZE=ON -DGS_FUZZ=ON -DGS_BUILD_BENCH=OFF
FUZZ_SECONDS ?= 20

.PHONY: all deps web build check test sanitize-build sanitize fuzz demo bench clean

all: build

deps:
	@bash scripts/deps.sh

web: deps
	@bash scripts/web.sh

build: deps web
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900

# One after the other, even under make -j; the first failure stops the run and fails it.
test:
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory sanitize
	@$(MAKE) --no-print-directory fuzz

sanitize-build: deps web
	@cmake -S . -B $(SAN_BUILD) $(SAN_FLAGS) >/dev/null
	@cmake --build $(SAN_BUILD) -j$(JOBS)

sanitize: sanitize-build
	cd $(SAN_BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 1800

fuzz: sanitize-build
	@bash tests/fuzz/run.sh $(SAN_BUILD) $(FUZZ_SECONDS)

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) web/dist demo-out demo-data
