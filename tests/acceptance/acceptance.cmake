# acceptance.cmake -- the frontend's acceptance bar (issue 3): the 22 TPC-H queries
# (tests/tpch/queries) and the 99 TPC-DS queries (tests/tpcds/queries) parse and bind
# against the built-in schemas.  One ctest per benchmark, acceptance.tpch and
# acceptance.tpcds, each reporting every query (tests/acceptance/tpc_bind.c).  Included
# from tests/CMakeLists.txt.

add_executable(tpc_bind ${CMAKE_SOURCE_DIR}/tests/acceptance/tpc_bind.c)
target_link_libraries(tpc_bind PRIVATE qe_static)

foreach(bench tpch tpcds)
  file(GLOB queries CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/${bench}/queries/*.sql)
  list(SORT queries)
  add_test(NAME acceptance.${bench} COMMAND tpc_bind --schema ${bench} ${queries})
  set_tests_properties(acceptance.${bench} PROPERTIES TIMEOUT 120 LABELS acceptance)
endforeach()
