#pragma once

// Small text helpers for what programs print: trimming, and a tool's output as one line for a
// task's detail or an error message.

#include <string>
#include <string_view>
#include <vector>

namespace hostplane {

// s without leading and trailing whitespace (std::isspace).
std::string Trim(std::string_view s);

// The non-empty lines of text, each trimmed, joined with "; " ("a\n\n b \n" -> "a; b").
std::string OneLine(std::string_view text);

// s cut at every sep, empty pieces kept ("a,,b" -> {"a", "", "b"}; "" -> {""}). The pieces view s.
std::vector<std::string_view> Split(std::string_view s, char sep);

// Space-separated fields; runs of spaces count as one separator, leading and trailing ones are
// dropped. Only ' ' separates: a tab or any other control character stays inside a field (for a
// grammar to refuse). The fields view s.
std::vector<std::string_view> Fields(std::string_view s);

}  // namespace hostplane
