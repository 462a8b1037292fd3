// fuzz_main.cpp — runs a fuzz target over saved inputs, for builds without libFuzzer.
//
// Usage: fuzz_<name> PATH...  Each PATH is a file or a directory of files (not recursive), run
// through LLVMFuzzerTestOneInput in sorted order; a failing input traps, so the last name
// printed with --verbose is the culprit. Arguments starting with '-' are libFuzzer flags
// (as in "-runs=0") and are ignored, so one CTest command line serves both builds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& path, bool verbose) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (verbose) std::fprintf(stderr, "running %s\n", path.c_str());
  // A copy of exactly the input's size, so ASan sees reads past the end as libFuzzer would.
  std::vector<std::uint8_t> exact(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(exact.data(), exact.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--verbose") {
      verbose = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: %s [--verbose] FILE_OR_DIR...\n\n"
          "Runs every input file (directories: every file in them, sorted) through this fuzz\n"
          "target once, as the test suite does with the checked-in corpus. A crash or a\n"
          "failed check aborts; otherwise prints how many inputs passed. For real fuzzing,\n"
          "build the fuzz preset (./scalper fuzz), which links libFuzzer instead.\n",
          argv[0]);
      return 0;
    }
    if (arg.starts_with('-')) continue;  // libFuzzer-style flags: meaningless here
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> in_dir;
      for (const fs::directory_entry& e : fs::directory_iterator(arg, ec)) {
        if (e.is_regular_file()) in_dir.push_back(e.path());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::is_regular_file(arg, ec)) {
      files.emplace_back(arg);
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [--verbose] FILE_OR_DIR...  (no inputs found)\n", argv[0]);
    return 1;
  }
  std::size_t passed = 0;
  for (const fs::path& f : files) {
    if (!run_file(f, verbose)) return 1;
    ++passed;
  }
  std::printf("%zu inputs passed\n", passed);
  return 0;
}
