# SQL tests: the sqllogictest runner and one ctest per tests/sql/**/*.test file and mode,
# named sql.<mode>.<path without .test> (e.g. sql.interpret.skeleton/basic; adaptive
# only for the files QE_SQL_ADAPTIVE_REGEX names); plus the
# command-line tests of the tools (tests/cli/*.sh).  Included from tests/CMakeLists.txt.

add_executable(sqllogictest ${CMAKE_SOURCE_DIR}/tests/sqllogictest.c)
target_link_libraries(sqllogictest PRIVATE qe_static)

set(QE_SQL_MODES interpret jit cluster)
# Adaptive mode (debug_adaptive = 'wait': a thread's first morsel interpreted, the rest
# compiled) adds coverage only where a pipeline has more than one morsel per thread
# (2048-row chunks), so it runs on those files, not the whole suite.
set(QE_SQL_ADAPTIVE_REGEX
    "^(adaptive|jit|scan|tpch)/|^(window/large|types/tpch_q1_q6|optimizer/semijoin_reduce|order/top_n)$")
file(GLOB_RECURSE sql_test_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/sql/*.test)
foreach(file ${sql_test_files})
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/tests/sql ${file})
  string(REGEX REPLACE "\\.test$" "" rel ${rel})
  set(modes ${QE_SQL_MODES})
  if(rel MATCHES "${QE_SQL_ADAPTIVE_REGEX}")
    list(APPEND modes adaptive)
  endif()
  foreach(mode ${modes})
    set(name sql.${mode}.${rel})
    # Cluster tests pick free ports, so they can run in parallel with the others; each
    # runs a coordinator and two workers (threads 2 each) and is reaped by the runner.
    add_test(NAME ${name}
             COMMAND sqllogictest --mode ${mode} --worker-bin $<TARGET_FILE:qe-worker>
                     --threads 2 --timeout 100 ${file})
    set_tests_properties(${name} PROPERTIES TIMEOUT 120 LABELS "sql;${mode}")
  endforeach()
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
