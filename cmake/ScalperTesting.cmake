# scalper_discover_tests(<target> <group> LABELS <label>... [FILTER <gtest filter>] [SUFFIX <s>])
#
# gtest_discover_tests for one group of a test executable's suites, with every label applied.
# Why not gtest_discover_tests(... PROPERTIES LABELS "a;b"): on CMake 3.25 the list is split
# into separate arguments and the tests end up with the first label only. Instead the
# discovered test names are collected (TEST_LIST) and a generated include file, run after the
# discovery script, sets the labels.
function(scalper_discover_tests target group)
  cmake_parse_arguments(ARG "" "FILTER;SUFFIX" "LABELS" ${ARGN})
  set(list_var ${target}_${group}_tests)
  set(options TEST_LIST ${list_var} DISCOVERY_TIMEOUT 60)
  if(ARG_FILTER)
    list(APPEND options TEST_FILTER "${ARG_FILTER}")
  endif()
  if(ARG_SUFFIX)
    list(APPEND options TEST_SUFFIX "${ARG_SUFFIX}")
  endif()
  gtest_discover_tests(${target} ${options})
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${list_var}_labels.cmake)
  file(WRITE ${labels_file}
    "if(${list_var})\n"
    "  set_tests_properties(\${${list_var}} PROPERTIES LABELS \"${ARG_LABELS}\")\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
endfunction()
