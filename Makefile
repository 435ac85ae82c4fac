# Makefile -- convenience entry points; CMake does the real work.
#
#   make            release build in build/release
#   make test       install deps; -Werror build in build/test and every test (ctest -j2),
#                   then the ASan+UBSan build in build/asan and the same tests
#   make asan       only the sanitizer build and its tests
#   make demo       install deps, release build, run tools/demo.sh: TPC-H SF0.1 (SF=...)
#                   generated into a database and the 22 queries timed and checked
#   make format     clang-format-19 -i over the C sources (.clang-format)
#   make format-check   fail if a C source is not formatted (.ci/run checks it)
#   make clean      remove build/
#
# BUILD_DIR=DIR puts the build trees elsewhere (default build).

JOBS ?= $(shell nproc)
BUILD_DIR ?= build
CTEST_JOBS ?= 2
CLANG_FORMAT ?= clang-format-19
SOURCES = $(shell find src tools tests bench include -name '*.[ch]' -not -path '*/node_modules/*' 2>/dev/null)

# The sanitizers stop at the first report; leaks are reported at exit.
SANITIZER_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: all release deps test asan demo format format-check clean

all: release

release:
	cmake -S . -B $(BUILD_DIR)/release -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR)/release -j $(JOBS)

deps:
	tools/install-deps.sh

test: deps
	cmake -S . -B $(BUILD_DIR)/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQE_WERROR=ON
	cmake --build $(BUILD_DIR)/test -j $(JOBS)
	ctest --test-dir $(BUILD_DIR)/test -j $(CTEST_JOBS) --output-on-failure
	$(MAKE) asan

asan:
	cmake -S . -B $(BUILD_DIR)/asan -DCMAKE_BUILD_TYPE=Debug -DQE_SANITIZE=ON -DQE_WERROR=ON
	cmake --build $(BUILD_DIR)/asan -j $(JOBS)
	$(SANITIZER_ENV) ctest --test-dir $(BUILD_DIR)/asan -j $(CTEST_JOBS) --output-on-failure

demo: deps release
	tools/demo.sh $(BUILD_DIR)/release

format:
	$(CLANG_FORMAT) -i $(SOURCES)

format-check:
	$(CLANG_FORMAT) --dry-run -Werror $(SOURCES)

clean:
	rm -rf $(BUILD_DIR)
