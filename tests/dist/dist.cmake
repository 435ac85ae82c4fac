# dist.cmake -- multi-process cluster tests (included from tests/CMakeLists.txt).
#
# worker_kill.sh starts real qe-worker processes and a qe-sql coordinator on
# 127.0.0.1, kills (SIGKILL) and freezes (SIGSTOP) a worker mid-query and checks the
# error, the survivor and that every process is reaped.  RUN_SERIAL: it uses fixed
# wall-clock budgets that a parallel ctest -j on two cores could distort.
if(TARGET qe-sql AND TARGET qe-worker)
  add_test(NAME dist.worker_kill
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/dist/worker_kill.sh
                   $<TARGET_FILE:qe-sql> $<TARGET_FILE:qe-worker>)
  set_tests_properties(dist.worker_kill PROPERTIES TIMEOUT 150 RUN_SERIAL TRUE)
endif()
