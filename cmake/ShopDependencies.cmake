# Imported targets for the Debian packages shopstream builds on. README.md says why
# each one is there; scripts/test.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt 9 REQUIRED)                  # libfmt-dev
find_package(CLI11 2.1 REQUIRED)              # libcli11-dev
pkg_check_modules(rdkafka REQUIRED IMPORTED_TARGET rdkafka)       # librdkafka-dev (C API, mock cluster)
pkg_check_modules(libpq REQUIRED IMPORTED_TARGET libpq)           # libpq-dev

# MySQL Connector/C++ 1.1 (libmysqlcppconn-dev) ships no CMake or pkg-config file.
find_path(MYSQLCPPCONN_INCLUDE_DIR NAMES cppconn/driver.h REQUIRED)
find_library(MYSQLCPPCONN_LIBRARY NAMES mysqlcppconn REQUIRED)
add_library(shop::mysqlcppconn UNKNOWN IMPORTED)
set_target_properties(shop::mysqlcppconn PROPERTIES
  IMPORTED_LOCATION ${MYSQLCPPCONN_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${MYSQLCPPCONN_INCLUDE_DIR})

# shop_fast_malloc: mimalloc (libmimalloc-dev) as the allocator of the programs that link
# it. librdkafka allocates and frees one block per message; at a million messages a
# second glibc's malloc took a fifth of shop-pageviews' producing thread, mimalloc about
# half that (bench/pageviews.sh). Left out of sanitizer builds, which bring their own.
find_package(mimalloc 2.0 REQUIRED)
add_library(shop_fast_malloc INTERFACE)
if(NOT SHOP_SANITIZE)
  target_link_libraries(shop_fast_malloc INTERFACE mimalloc)
endif()
