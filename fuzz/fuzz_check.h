#pragma once

// What every target of fuzz/ uses to state an invariant: FUZZ_CHECK(cond, what) prints the
// broken invariant with the input's quoted form and aborts, so libFuzzer saves the input as a
// crash (build-fuzz/artifacts/<target>/) and scripts/fuzz fails.

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "protocol/validate.h"

#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "fuzz: invariant broken at %s:%d: %s\n  (%s)\n", __FILE__, __LINE__, \
                   (what), #cond);                                                              \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

namespace hostplane::fuzz {

// The bytes libFuzzer hands over, as a string_view.
inline std::string_view Bytes(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// A violation has a code in the grammar's namespace ("domain." for CheckDomain) and a sentence.
inline bool WellFormed(const hostplane::protocol::Violation& v, std::string_view grammar) {
  return v.code.starts_with(grammar) && v.code.size() > grammar.size() && !v.message.empty();
}

}  // namespace hostplane::fuzz
