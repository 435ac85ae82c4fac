# bitcode.cmake -- compiles the inlinable runtime helpers (src/runtime/jit_inline.c) to
# LLVM bitcode with clang-19 and embeds the bytes in libqe (src/codegen/bitcode.c links
# them into every JIT module that calls a helper).  Included from the top-level
# CMakeLists.txt after the layer libraries are defined.

find_program(QE_CLANG NAMES clang-19 PATHS /usr/lib/llvm-19/bin REQUIRED)
set(QE_JIT_BC ${CMAKE_BINARY_DIR}/generated/jit_inline.bc)
set(QE_JIT_BC_C ${CMAKE_BINARY_DIR}/generated/qe_jit_bitcode.c)
add_custom_command(
  OUTPUT ${QE_JIT_BC}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  # -O2 as the optimized tier; no target CPU (the module sets the host's on the
  # linked functions); nothing that would need runtime symbols (stack protector).
  COMMAND ${QE_CLANG} -std=c17 -O2 -emit-llvm -c -DQE_JIT_BITCODE -fno-stack-protector -fno-exceptions
          -fno-unwind-tables -fno-asynchronous-unwind-tables -Wall -Wextra
          -I${CMAKE_SOURCE_DIR}/src/runtime ${CMAKE_SOURCE_DIR}/src/runtime/jit_inline.c
          -o ${QE_JIT_BC}
  DEPENDS ${CMAKE_SOURCE_DIR}/src/runtime/jit_inline.c ${CMAKE_SOURCE_DIR}/src/runtime/jit_inline.h
          ${CMAKE_SOURCE_DIR}/src/runtime/str_inline.h ${CMAKE_SOURCE_DIR}/src/runtime/date_inline.h
  COMMENT "Compiling the runtime helpers to LLVM bitcode"
  VERBATIM)
add_custom_command(
  OUTPUT ${QE_JIT_BC_C}
  COMMAND ${CMAKE_COMMAND} -DIN=${QE_JIT_BC} -DOUT=${QE_JIT_BC_C}
          -P ${CMAKE_SOURCE_DIR}/src/codegen/embed_bitcode.cmake
  DEPENDS ${QE_JIT_BC} ${CMAKE_SOURCE_DIR}/src/codegen/embed_bitcode.cmake
  COMMENT "Embedding the runtime bitcode"
  VERBATIM)
target_sources(qe_codegen PRIVATE ${QE_JIT_BC_C})
