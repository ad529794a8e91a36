# shop_add_tool(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds tools/<name> as two targets: a static library shop_<name> with everything but
# main.cpp (so tests link the tool's code and call run() without a process), and the
# program shop-<name>, whose main.cpp only calls shop::<name>::run(argc, argv).
# Programs are added to the aggregate target `tools` and installed to bin/.
if(NOT TARGET tools)
  add_custom_target(tools)
endif()

function(shop_add_tool name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  add_library(shop_${name} STATIC ${ARG_SOURCES})
  target_include_directories(shop_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(shop_${name} PUBLIC shop_core ${ARG_LIBRARIES} PRIVATE shop_warnings)

  add_executable(shop-${name} main.cpp)
  target_link_libraries(shop-${name} PRIVATE shop_${name} shop_warnings)
  add_dependencies(tools shop-${name})
  install(TARGETS shop-${name} RUNTIME DESTINATION bin)

  # The CLI contract every program keeps (README.md, "Conventions every program follows"); the script checks
  # exit statuses itself (CTest ignores them when an output regex is set).
  if(SHOP_BUILD_TESTS)
    foreach(check help version unknown_flag help_pipe whole_numbers)
      add_test(NAME ${name}.cli.${check}
               COMMAND ${PROJECT_SOURCE_DIR}/tests/support/cli_contract.sh
                       $<TARGET_FILE:shop-${name}> ${name} ${PROJECT_VERSION} ${check})
      set_tests_properties(${name}.cli.${check} PROPERTIES LABELS unit)
    endforeach()
  endif()
endfunction()

# shop_embed_file(<target> INPUT <file> SYMBOL <name> NAMESPACE <ns>)
# Compiles <file>'s text into <target> as `extern const std::string_view <ns>::<name>`,
# regenerated whenever the file changes.
function(shop_embed_file target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "INPUT;SYMBOL;NAMESPACE" "")
  get_filename_component(input ${ARG_INPUT} ABSOLUTE)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/embedded/${ARG_SYMBOL}.cpp)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DSYMBOL=${ARG_SYMBOL}
            -DNAMESPACE=${ARG_NAMESPACE} -P ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    COMMENT "Embedding ${ARG_INPUT}")
  target_sources(${target} PRIVATE ${output})
  # One raw string literal of the whole file (Chart.js: 195 KiB): clang warns past the
  # 65,536 characters the standard guarantees; both compilers take it.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set_source_files_properties(${output} TARGET_DIRECTORY ${target} PROPERTIES COMPILE_OPTIONS -Wno-overlength-strings)
  endif()
endfunction()
