#pragma once

// For tests only: a state compares equal to its name, so that a test reads as the API answers,
// EXPECT_EQ(task.state, "applied"). Production code compares enums; this header is included by
// test fixtures alone (temp_store_for_test.h), so a misspelt name cannot hide in the code.

#include <string_view>

#include "controller/store/states.h"

namespace hostplane::controller {

template <typename E, typename = decltype(Name(E{}))>
bool operator==(E state, std::string_view name) {
  return Name(state) == name;
}

}  // namespace hostplane::controller
