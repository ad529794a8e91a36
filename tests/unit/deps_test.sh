#!/usr/bin/env bash
# One list of Debian packages (scripts/debian-packages.txt) behind every installer:
# scripts/install-deps.sh reads it, scripts/test.sh and docker/Dockerfile install through
# it and name no package of their own, every Debian package CMake asks for is in its
# `build` (or `test`) group, and a missing dependency stops CMake with one line naming
# the package to install.
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"

readonly INSTALL=$REPO_ROOT/scripts/install-deps.sh
expect_ok "install-deps.sh passes ShellCheck" shellcheck "$INSTALL"

build=" $("$INSTALL" --list build) "
test_group=" $("$INSTALL" --list test) "
runtime=" $("$INSTALL" --list runtime) "
expect_match "the build group has the compiler and the libraries" ' g\+\+ .* libpq-dev .* libjs-chart.js ' "$build"
expect_match "test = build + local + test" ' cmake .* mariadb-server .* chromium ' "$test_group"
expect_eq "the default (build + local) is what README's no-Docker path installs" \
  "$("$INSTALL" --list build local)" "$(cd /tmp && "$INSTALL" --list build local)"
STATUS=0
ERR=$("$INSTALL" --list nosuch 2>&1) || STATUS=$?
expect_eq "an unknown group: exit 2" 2 "$STATUS"
expect_eq "  ... one line naming it" "install-deps.sh: error: unknown group 'nosuch' (groups: build, local, test, runtime)" "$ERR"

# No second list: the installers name no package themselves.
dockerfile=$REPO_ROOT/docker/Dockerfile
expect_eq "docker/Dockerfile runs no apt-get install of its own" "" "$(grep -n 'apt-get install' "$dockerfile" || true)"
expect_ok "docker/Dockerfile installs the build group" grep -q 'install-deps.sh build' "$dockerfile"
expect_ok "docker/Dockerfile installs the runtime group" grep -q 'install-deps.sh runtime' "$dockerfile"
expect_eq "scripts/test.sh lists no packages of its own" "" \
  "$(grep -nE 'PACKAGES=|libpq-dev|mariadb-server' "$REPO_ROOT/scripts/test.sh" || true)"
expect_ok "scripts/test.sh installs the test group" grep -q '^scripts/install-deps.sh test$' "$REPO_ROOT/scripts/test.sh"
expect_ok "README points at install-deps.sh" grep -q 'sudo scripts/install-deps.sh' "$REPO_ROOT/README.md"

# Every package CMake names is in the list (else its error would send people to a
# package install-deps.sh does not install).
while read -r package; do
  # In `build`: the default build (tests on) needs every one, GoogleTest included.
  if [[ $build == *" $package "* ]]; then ok "CMake's $package is in the build group"; else not_ok "CMake names $package, which the build group of scripts/debian-packages.txt lacks"; fi
done < <(grep -hE 'shop_missing\(|DEBIAN ' "$REPO_ROOT"/cmake/*.cmake | grep -oE 'DEBIAN [a-z0-9.+-]+|" [a-z0-9.+-]+\)$' |
  sed -E 's/^DEBIAN //; s/^" //; s/\)$//' | sort -u)
# The runtime libraries are the build's -dev packages' shared libraries (by name).
for lib in libfmt9 librdkafka1 libmysqlcppconn7v5 libpq5 libsimdjson14 libmimalloc2.0; do
  expect_match "the image's runtime group has $lib" " $lib " "$runtime"
done

# A missing dependency: one line with the Debian package, from a project using ShopFind.
project=$WORK_DIR/project
mkdir -p "$project"
cat >"$project/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(missing NONE)
list(APPEND CMAKE_MODULE_PATH $REPO_ROOT/cmake)
include(ShopFind)
shop_find_package(ShopNoSuchLibrary VERSION 3 DEBIAN libshop-nosuch-dev)
CMAKE
STATUS=0
OUT=$(cmake -S "$project" -B "$WORK_DIR/build" 2>&1) || STATUS=$?
expect_eq "a missing package stops CMake" 1 "$STATUS"
expect_match "  ... naming the Debian package and the script" \
  'ShopNoSuchLibrary 3 not found: install the Debian package libshop-nosuch-dev \(sudo scripts/install-deps.sh installs everything the build needs\)' \
  "$(tr -s ' \n' ' ' <<<"$OUT")"
