# Writes a C++ source defining `const char* <SYMBOL>()` that returns the content of INPUT.
# Run at build time (see src/CMakeLists.txt), so editing INPUT rebuilds the binary.
file(READ "${INPUT}" content)
string(FIND "${content}" ")hp_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/embed_file.cmake; do not edit.\n"
  "namespace hostplane {\nconst char* ${SYMBOL}() {\n  return R\"hp_embed(${content})hp_embed\";\n}\n}  // namespace hostplane\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
