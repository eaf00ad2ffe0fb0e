#pragma once

// Small text helpers for what programs print: trimming, and a tool's output as one line for a
// task's detail or an error message.

#include <string>
#include <string_view>

namespace hostplane {

// s without leading and trailing whitespace (std::isspace).
std::string Trim(std::string_view s);

// The non-empty lines of text, each trimmed, joined with "; " ("a\n\n b \n" -> "a; b").
std::string OneLine(std::string_view text);

}  // namespace hostplane
