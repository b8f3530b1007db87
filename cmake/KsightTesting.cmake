# Test tiers (see tests/README.md):
#   unit   - GoogleTest, no root, everything above the ring buffer
#   kernel - root: loads the real BPF programs against workloads in tests/
#   peers  - our outputs read by real tools (go tool pprof, promtool, ...)
# Run one tier with `ctest -L <tier>`.
find_package(GTest REQUIRED)
include(GoogleTest)

# ksight_unit_test(<name> SOURCES ... LIBS ...)
function(ksight_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    KSIGHT_SOURCE_DIR="${CMAKE_SOURCE_DIR}" KSIGHT_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${name} PROPERTIES LABELS unit SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]" DISCOVERY_TIMEOUT 60)
endfunction()

# ksight_kernel_test(<name> SOURCES ... LIBS ...): root-only; each test
# prints a loud GTEST_SKIP reason when the kernel refuses BPF.
function(ksight_kernel_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    KSIGHT_SOURCE_DIR="${CMAKE_SOURCE_DIR}" KSIGHT_BINARY_DIR="${CMAKE_BINARY_DIR}"
    KSIGHT_BIN="$<TARGET_FILE:ksight>")
  add_dependencies(${name} ksight)
  gtest_discover_tests(${name} PROPERTIES LABELS kernel RUN_SERIAL TRUE TIMEOUT 300 SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
                       DISCOVERY_TIMEOUT 60)
endfunction()

# ksight_peer_test(<name> COMMAND ...): a script that feeds our output to a real tool.
function(ksight_peer_test name)
  cmake_parse_arguments(ARG "" "" "COMMAND" ${ARGN})
  add_test(NAME ${name} COMMAND ${ARG_COMMAND})
  set_tests_properties(${name} PROPERTIES LABELS peers RUN_SERIAL TRUE TIMEOUT 600
    ENVIRONMENT "KSIGHT_BIN=$<TARGET_FILE:ksight>;KSIGHT_BINARY_DIR=${CMAKE_BINARY_DIR};KSIGHT_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()
