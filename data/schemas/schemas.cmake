# schemas.cmake -- embeds the built-in schemas (data/schemas) in libqe at build time.
# Included from the top-level CMakeLists.txt after the layer libraries are defined:
# generates qe_schemas.inc (data/schemas/embed.cmake) into the build tree and makes it a
# source of qe_main, whose src/main/schemas.c includes it (qe_builtin_schema).

file(GLOB_RECURSE QE_SCHEMA_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/data/schemas/*.sql)
set(QE_SCHEMA_INC ${CMAKE_BINARY_DIR}/generated/qe_schemas.inc)
add_custom_command(
  OUTPUT ${QE_SCHEMA_INC}
  COMMAND ${CMAKE_COMMAND} -DSCHEMA_DIR=${CMAKE_SOURCE_DIR}/data/schemas -DOUT=${QE_SCHEMA_INC}
          -P ${CMAKE_SOURCE_DIR}/data/schemas/embed.cmake
  DEPENDS ${CMAKE_SOURCE_DIR}/data/schemas/embed.cmake ${QE_SCHEMA_FILES}
  COMMENT "Embedding the built-in schemas"
  VERBATIM)
target_sources(qe_main PRIVATE ${QE_SCHEMA_INC})
target_include_directories(qe_main PRIVATE ${CMAKE_BINARY_DIR}/generated)
