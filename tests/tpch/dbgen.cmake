# dbgen.cmake -- the TPC-H data generator (qe-dbgen, CALL dbgen): output md5 equal to
# dbgen 2.17.3's (tests/tpch/checksums.md5).  tpch.dbgen runs SF0.01 with thread,
# chunk, -T, error and CALL variants; tpch.dbgen_sf0.1 (label slow) checks SF0.1.
# Included from tests/CMakeLists.txt.

foreach(case "dbgen;0.01;quick;tpch" "dbgen_sf0.1;0.1;full;tpch\\;slow")
  list(GET case 0 name)
  list(GET case 1 sf)
  list(GET case 2 mode)
  list(GET case 3 labels)
  add_test(NAME tpch.${name}
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tpch/dbgen.sh $<TARGET_FILE:qe-dbgen>
                   $<TARGET_FILE:qe-sql> ${CMAKE_SOURCE_DIR}/tests/tpch/checksums.md5 ${sf}
                   ${mode})
  set_tests_properties(tpch.${name} PROPERTIES TIMEOUT 300 LABELS "${labels}")
endforeach()
