# cmake -DINPUT=file -DOUTPUT=file.cc -DNAMESPACE=ns -DFUNCTION=name -P embed_text.cmake
# Writes a C++ source whose function `std::string_view NAMESPACE::FUNCTION()` returns the bytes of
# INPUT (as a char array, so any content and size compile).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by cmake/embed_text.cmake. Do not edit.\n#include <string_view>\n\nnamespace ${NAMESPACE} {\nnamespace {\nconst char kData[] = {\n    ${bytes}'\\0'};\n}  // namespace\n\nstd::string_view ${FUNCTION}() { return std::string_view(kData, ${size}); }\n\n}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
