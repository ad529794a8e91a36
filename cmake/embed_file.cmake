# Turns a text file into a C++ source defining `std::string_view <SYMBOL>` in namespace
# <NAMESPACE>, so a program carries the file (e.g. sql/mysql/schema.sql) it was built with.
# Usage: cmake -DINPUT=... -DOUTPUT=... -DSYMBOL=... -DNAMESPACE=... -P embed_file.cmake
file(READ "${INPUT}" content)
set(delimiter "shop_embed")  # at most 16 characters
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace ${NAMESPACE} {\n"
  "extern const std::string_view ${SYMBOL};\n"
  "const std::string_view ${SYMBOL} = R\"${delimiter}(${content})${delimiter}\";\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
