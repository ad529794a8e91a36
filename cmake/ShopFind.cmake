# Finding a dependency with one line naming its Debian package when it is missing
# (ShopDependencies.cmake; tests/unit/deps_test.sh configures a project with a package
# that does not exist to see that line).
set(SHOP_INSTALL_HINT "sudo scripts/install-deps.sh")

# shop_missing(WHAT PACKAGE): the one line for a dependency that is not there.
function(shop_missing what package)
  message(FATAL_ERROR "${what} not found: install the Debian package ${package} (${SHOP_INSTALL_HINT} installs "
                      "everything the build needs)")
endfunction()

# shop_find_package(NAME [VERSION] DEBIAN PACKAGE): find_package, or shop_missing.
macro(shop_find_package name)
  cmake_parse_arguments(_shop_find "" "VERSION;DEBIAN" "" ${ARGN})
  find_package(${name} ${_shop_find_VERSION} QUIET)
  if(NOT ${name}_FOUND)
    shop_missing("${name} ${_shop_find_VERSION}" ${_shop_find_DEBIAN})
  endif()
endmacro()

# shop_pkg_check(PREFIX MODULE DEBIAN PACKAGE): pkg_check_modules with an imported
# target PkgConfig::PREFIX, or shop_missing.
macro(shop_pkg_check prefix module)
  cmake_parse_arguments(_shop_pkg "" "DEBIAN" "" ${ARGN})
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    shop_missing("${module} (pkg-config)" ${_shop_pkg_DEBIAN})
  endif()
endmacro()

