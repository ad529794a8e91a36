# Compiler settings every own target links, as INTERFACE libraries so they never leak
# into the installed programs' users.
option(SHOP_WERROR "Treat warnings as errors (on in the dev preset and CI)" OFF)
option(SHOP_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(SHOP_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; implies SHOP_SANITIZE)" OFF)
if(SHOP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SHOP_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  set(SHOP_SANITIZE ON)  # shadows the cache entry: sanitizer flags here, no mimalloc (ShopDependencies)
endif()

add_library(shop_warnings INTERFACE)
target_compile_options(shop_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<BOOL:${SHOP_WERROR}>:-Werror>)

add_library(shop_sanitizers INTERFACE)
if(SHOP_SANITIZE)
  target_compile_options(shop_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(shop_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
# Fuzzing: every own target gets libFuzzer's coverage instrumentation, so the guidance
# reaches into the libraries; only the fuzz programs link the fuzzer (tests/fuzz).
if(SHOP_FUZZ)
  target_compile_options(shop_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()

# Debug builds check standard-library preconditions (bounds, iterators) cheaply.
add_compile_definitions($<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
