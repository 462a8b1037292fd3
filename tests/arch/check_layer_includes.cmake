# check_layer_includes.cmake — fails if a C++ file under the given directories includes a
# header of a layer it must not know: `#include "scalper/<layer>/..."` or `<scalper/<layer>/...>`
# for any banned <layer>. The include fences of docs/architecture.md §2, in files; the link
# fences are checked on the targets (CMakeLists.txt here).
#
# Usage: cmake -DLAYER=name -DBANNED="engine;feed;core" -P check_layer_includes.cmake -- <dir>...
cmake_minimum_required(VERSION 3.25)

if(NOT LAYER OR NOT BANNED)
  message(FATAL_ERROR
    "usage: cmake -DLAYER=name -DBANNED=a;b -P check_layer_includes.cmake -- <dir>...")
endif()
list(JOIN BANNED "|" banned_alt)
set(include_re "#[ \t]*include[ \t]*[<\"]scalper/(${banned_alt})/[^>\"]*[>\"]")

set(dirs)
set(seen_dashes FALSE)
math(EXPR last_arg "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last_arg})
  if(seen_dashes)
    list(APPEND dirs "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(seen_dashes TRUE)
  endif()
endforeach()

get_filename_component(repo_root "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(files)
foreach(dir IN LISTS dirs)
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "${LAYER}: no such directory: ${dir}")
  endif()
  file(GLOB_RECURSE found LIST_DIRECTORIES false "${dir}/*.hpp" "${dir}/*.h" "${dir}/*.cpp")
  list(APPEND files ${found})
endforeach()
# An empty file set would pass vacuously: a moved directory must not silence the check.
if(NOT files)
  message(FATAL_ERROR "${LAYER}: no C++ files under: ${dirs}")
endif()

set(violations)
foreach(file IN LISTS files)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
  file(RELATIVE_PATH shown "${repo_root}" "${file}")
  foreach(line IN LISTS lines)
    if(line MATCHES "${include_re}")
      list(APPEND violations "${shown}: includes ${CMAKE_MATCH_0}")
    endif()
  endforeach()
endforeach()

list(LENGTH files file_count)
if(violations)
  list(JOIN violations "\n  " listing)
  message(FATAL_ERROR "${LAYER} must not know scalper/{${banned_alt}} "
    "(docs/architecture.md §2):\n  ${listing}")
endif()
message(STATUS "${LAYER}: ${file_count} files, none includes scalper/{${banned_alt}}")
