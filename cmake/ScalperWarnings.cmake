# One INTERFACE target carries our warning set. First-party targets link it PRIVATE, so
# third-party headers (GoogleTest, Benchmark) never see our -Werror.
add_library(scalper_warnings INTERFACE)
add_library(scalper::warnings ALIAS scalper_warnings)
target_compile_options(scalper_warnings INTERFACE
  -Wall -Wextra -Wpedantic
  -Wconversion -Wsign-conversion      # money and ids are integers: narrowing must be explicit
  -Wshadow -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-qual
  -Wformat=2 -Wundef -Wdouble-promotion -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond>  # GCC only; clang builds the fuzz targets
  # -Wnull-dereference is left out: GCC 12 reports a false positive inside vector::resize.
)
if(SCALPER_WERROR)
  target_compile_options(scalper_warnings INTERFACE -Werror)
endif()

# Engine-only extra: every switch over an enum must name every enumerator.
add_library(scalper_warnings_engine INTERFACE)
add_library(scalper::warnings_engine ALIAS scalper_warnings_engine)
target_link_libraries(scalper_warnings_engine INTERFACE scalper_warnings)
target_compile_options(scalper_warnings_engine INTERFACE -Wswitch-enum)
