# SQL tests: the sqllogictest runner and one ctest per tests/sql/**/*.test file and mode,
# named sql.<mode>.<path without .test> (e.g. sql.interpret.skeleton/basic); plus the
# command-line tests of the tools (tests/cli/*.sh).  Included from tests/CMakeLists.txt.

add_executable(sqllogictest ${CMAKE_SOURCE_DIR}/tests/sqllogictest.c)
target_link_libraries(sqllogictest PRIVATE qe_static)

# Adaptive mode runs with debug_adaptive = 'wait' (tests/sqllogictest.c): every stage
# with a compilable pipeline is compiled at once and each thread switches after its
# first morsel, so files with more than one morsel per thread (2048-row chunks) run
# both ways within one query; the others exercise the background compile and the
# wait, and run interpreted.
set(QE_SQL_MODES interpret jit adaptive cluster)
file(GLOB_RECURSE sql_test_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/sql/*.test)
foreach(file ${sql_test_files})
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/tests/sql ${file})
  string(REGEX REPLACE "\\.test$" "" rel ${rel})
  set(modes ${QE_SQL_MODES})
  foreach(mode ${modes})
    set(name sql.${mode}.${rel})
    # Cluster tests pick free ports, so they can run in parallel with the others; each
    # runs a coordinator and two workers (threads 2 each) and is reaped by the runner.
    add_test(NAME ${name}
             COMMAND sqllogictest --mode ${mode} --worker-bin $<TARGET_FILE:qe-worker>
                     --threads 2 --timeout 100 ${file})
    set_tests_properties(${name} PROPERTIES TIMEOUT 120 LABELS "sql;${mode}")
  endforeach()
  # the JIT's own tests also run compiled at the cheap tier (sql.jit_cheap.jit/...)
  if(rel MATCHES "^jit/")
    add_test(NAME sql.jit_cheap.${rel}
             COMMAND sqllogictest --mode jit --jit-tier cheap --threads 2 --timeout 100 ${file})
    set_tests_properties(sql.jit_cheap.${rel} PROPERTIES TIMEOUT 120 LABELS "sql;jit")
  endif()
endforeach()

# Command-line behaviour of the tools (output modes, exit codes, error rendering).
file(GLOB cli_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cli/*.sh)
list(FILTER cli_tests EXCLUDE REGEX "/lib\\.sh$") # the scripts' shared checks
foreach(script ${cli_tests})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME cli.${name}
           COMMAND bash ${script} $<TARGET_FILE:qe-sql> $<TARGET_FILE:qec>
                   $<TARGET_FILE:qe-worker> $<TARGET_FILE:qe-bench>)
  set_tests_properties(cli.${name} PROPERTIES TIMEOUT 120 LABELS cli)
endforeach()
