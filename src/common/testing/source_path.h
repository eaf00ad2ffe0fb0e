#pragma once

// Where a test finds files of the source tree (golden files, docs, the OpenAPI document). Not
// from __FILE__ alone: with ccache's base_dir (scripts/build sets one, so that clones in other
// folders share the cache) the compiler sees relative source paths, relative to the build
// directory, and __FILE__ is relative too. HOSTPLANE_SOURCE_DIR and HOSTPLANE_BUILD_DIR are
// defined for every test target (hp_add_test in CMakeLists.txt).

#include <filesystem>

namespace hostplane::testing {

// The repository's root.
inline std::filesystem::path SourceTree() { return HOSTPLANE_SOURCE_DIR; }

// A source file's path as the compiler was given it (__FILE__, std::source_location), made
// absolute: a relative one is relative to the build directory, where the compiler ran.
inline std::filesystem::path CompiledFile(const char* file) {
  std::filesystem::path p(file);
  return p.is_absolute() ? p : (std::filesystem::path(HOSTPLANE_BUILD_DIR) / p).lexically_normal();
}

}  // namespace hostplane::testing
