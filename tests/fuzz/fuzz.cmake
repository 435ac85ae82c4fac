# fuzz.cmake -- the frontend fuzz target (tests/fuzz/fuzz_frontend.c), two ways:
#   fuzz_replay    the target with a plain main (replay.c) that feeds every file of the
#                  seed corpus tests/fuzz/corpus and the TPC queries once: the ctest
#                  fuzz.replay, in every build (gcc, and the ASan+UBSan build of
#                  `make test`);
#   fuzz_frontend  with -DQE_FUZZ=ON and clang: the libFuzzer binary (-fsanitize=fuzzer);
#                  tools/fuzz.sh configures such a build (library compiled with
#                  -fsanitize=fuzzer-no-link,address,undefined) and runs it.
# Included from tests/CMakeLists.txt.

option(QE_FUZZ "Build the libFuzzer target fuzz_frontend (clang only)" OFF)

add_executable(fuzz_replay ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_frontend.c
                           ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
target_link_libraries(fuzz_replay PRIVATE qe_static)
add_test(NAME fuzz.replay COMMAND fuzz_replay ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus
         ${CMAKE_SOURCE_DIR}/tests/tpch/queries ${CMAKE_SOURCE_DIR}/tests/tpcds/queries)
# In sanitizer builds, also catch pointers to dead stack frames kept in plans.
set_tests_properties(fuzz.replay PROPERTIES TIMEOUT 120 LABELS fuzz ENVIRONMENT
  "ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1")

if(QE_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "QE_FUZZ needs clang (libFuzzer): configure with CC=clang-19")
  endif()
  add_executable(fuzz_frontend ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_frontend.c)
  target_link_libraries(fuzz_frontend PRIVATE qe_static)
  target_compile_options(fuzz_frontend PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_frontend PRIVATE -fsanitize=fuzzer)
endif()
