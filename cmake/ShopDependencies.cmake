# Imported targets for the Debian packages shopstream builds on. docs/development.md says why
# each one is there; scripts/debian-packages.txt lists them (group `build`) and
# `sudo scripts/install-deps.sh` installs them. A missing one stops the configuration
# with one line naming the Debian package, not CMake's search paths.
include(ShopFind)  # shop_find_package(), shop_pkg_check(), shop_missing()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  shop_missing("pkg-config" pkg-config)
endif()
find_package(Threads REQUIRED)
shop_find_package(fmt VERSION 9 DEBIAN libfmt-dev)
shop_find_package(CLI11 VERSION 2.1 DEBIAN libcli11-dev)
shop_pkg_check(rdkafka rdkafka DEBIAN librdkafka-dev)   # the C API, and its mock cluster
shop_pkg_check(libpq libpq DEBIAN libpq-dev)
shop_pkg_check(ncursesw ncursesw DEBIAN libncurses-dev)  # shop-watch's table
shop_find_package(simdjson DEBIAN libsimdjson-dev)      # shop-restock's input, --find-max's steps
shop_find_package(Boost VERSION 1.74 DEBIAN libboost-dev)  # shop-serve: Beast and Asio, header-only
find_file(SHOP_CHART_JS chart.min.js PATHS /usr/share/javascript/chart.js NO_DEFAULT_PATH
          DOC "Chart.js 3.9 (Debian: libjs-chart.js)")
if(NOT SHOP_CHART_JS)
  shop_missing("Chart.js (/usr/share/javascript/chart.js/chart.min.js)" libjs-chart.js)
endif()
if(SHOP_BUILD_TESTS)
  shop_find_package(GTest DEBIAN libgtest-dev)
endif()

# MySQL Connector/C++ 1.1 (libmysqlcppconn-dev) ships no CMake or pkg-config file.
find_path(MYSQLCPPCONN_INCLUDE_DIR NAMES cppconn/driver.h)
find_library(MYSQLCPPCONN_LIBRARY NAMES mysqlcppconn)
if(NOT MYSQLCPPCONN_INCLUDE_DIR OR NOT MYSQLCPPCONN_LIBRARY)
  shop_missing("MySQL Connector/C++ 1.1 (cppconn/driver.h, libmysqlcppconn)" libmysqlcppconn-dev)
endif()
add_library(shop::mysqlcppconn UNKNOWN IMPORTED)
set_target_properties(shop::mysqlcppconn PROPERTIES
  IMPORTED_LOCATION ${MYSQLCPPCONN_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${MYSQLCPPCONN_INCLUDE_DIR})

# shop_fast_malloc: mimalloc (libmimalloc-dev) as the allocator of the programs that link
# it. librdkafka allocates and frees one block per message; at a million messages a
# second glibc's malloc took a fifth of shop-pageviews' producing thread, mimalloc about
# half that (bench/pageviews.sh). Left out of sanitizer builds, which bring their own.
shop_find_package(mimalloc VERSION 2.0 DEBIAN libmimalloc-dev)
add_library(shop_fast_malloc INTERFACE)
if(NOT SHOP_SANITIZE)
  target_link_libraries(shop_fast_malloc INTERFACE mimalloc)
endif()
