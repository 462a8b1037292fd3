# check_engine_purity.cmake — fails if a C++ file under the given directories includes an OS,
# Boost, thread, clock, I/O or random-number header, or reads a clock with `::now(`.
#
# The engine is a pure step() function (docs/architecture.md §2): time arrives in events, I/O and
# threads live in the runtime, seeded randomness in tests. A grep is crude; it is also enough.
#
# Usage: cmake -P check_engine_purity.cmake -- <dir>...
cmake_minimum_required(VERSION 3.25)

# Exact header names, grouped by why they are banned.
set(banned_headers
  # threads and synchronisation: the engine runs on one thread and owns no other
  thread mutex shared_mutex condition_variable future semaphore latch barrier stop_token
  pthread.h
  # clocks: time is injected through Event::mono_ns / wall_ns
  chrono ctime time.h
  # I/O: the runtime journals and sends; the engine only returns actions
  fstream iostream filesystem
  # randomness: a seeded generator belongs to the tests and the simulator
  random
  # OS interfaces
  unistd.h fcntl.h sched.h signal.h csignal poll.h netdb.h dlfcn.h)
# Directory prefixes: OS and third-party trees the engine must not see.
set(banned_prefixes sys boost linux asm netinet arpa openssl liburing simdjson)

list(JOIN banned_headers "|" headers_alt)
string(REPLACE "." "\\." headers_alt "${headers_alt}")
list(JOIN banned_prefixes "|" prefixes_alt)
set(include_re "#[ \t]*include[ \t]*[<\"]((${headers_alt})[>\"]|(${prefixes_alt})[/.])")
set(clock_re "::[ \t]*now[ \t]*\\(")

# Directories come after `--`.
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
if(NOT dirs)
  message(FATAL_ERROR "usage: cmake -P check_engine_purity.cmake -- <dir>...")
endif()

get_filename_component(repo_root "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(files)
foreach(dir IN LISTS dirs)
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "engine purity: no such directory: ${dir}")
  endif()
  file(GLOB_RECURSE found LIST_DIRECTORIES false
    "${dir}/*.hpp" "${dir}/*.h" "${dir}/*.hh" "${dir}/*.hxx" "${dir}/*.ipp" "${dir}/*.inl"
    "${dir}/*.cpp" "${dir}/*.cc" "${dir}/*.cxx")
  list(APPEND files ${found})
endforeach()
# An empty file set would pass vacuously: a moved directory must not silence the check.
if(NOT files)
  message(FATAL_ERROR "engine purity: no C++ files under: ${dirs}")
endif()

set(violations)
foreach(file IN LISTS files)
  file(READ "${file}" text)
  # One list element per line. Characters with meaning in CMake lists are masked first:
  # ';' separates, '[' ']' group, '\' escapes. None of them occurs in the patterns.
  string(REPLACE "\\" "<bs>" text "${text}")
  string(REPLACE ";" "<sc>" text "${text}")
  string(REPLACE "[" "<lb>" text "${text}")
  string(REPLACE "]" "<rb>" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  file(RELATIVE_PATH shown "${repo_root}" "${file}")
  set(line_no 0)
  foreach(line IN LISTS lines)
    math(EXPR line_no "${line_no} + 1")
    if(line MATCHES "${include_re}")
      list(APPEND violations "${shown}:${line_no}: banned include: ${CMAKE_MATCH_0}")
    endif()
    if(line MATCHES "${clock_re}")
      list(APPEND violations "${shown}:${line_no}: reads a clock: ::now(")
    endif()
  endforeach()
endforeach()

list(LENGTH files file_count)
if(violations)
  list(LENGTH violations violation_count)
  list(JOIN violations "\n  " listing)
  message(FATAL_ERROR
    "engine purity: ${violation_count} violation(s) in ${file_count} files:\n  ${listing}\n"
    "The engine is std-only and pure (docs/architecture.md §2): take time from the event, "
    "and put threads, I/O, OS calls and randomness in the runtime or the tests.")
endif()
message(STATUS "engine purity: ${file_count} files clean")
