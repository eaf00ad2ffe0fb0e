#pragma once

// Plain-text output of the CLI: aligned columns for lists, "key: value" blocks for one object,
// and readable timestamps. Values are shown as the API sent them, except that control
// characters are replaced by '?' so that nothing from the controller can move the cursor or
// forge lines in a terminal.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hostplane::cli {

// s with every control character (C0 and DEL) replaced by '?'.
std::string Printable(std::string s);

// Columns separated by two spaces, each as wide as its widest cell; a header line first.
std::string RenderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows);

// "key:   value" lines with the values aligned.
std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// "2026-11-24T18:41:52.123Z" -> "2026-11-24 18:41:52"; null -> "-"; anything else as is.
std::string HumanTime(const nlohmann::json& value);

// A JSON value as a cell: strings unquoted, arrays joined with ",", null and "" as "-".
std::string Cell(const nlohmann::json& value);

// The first of names present in object, as a cell ("-" when none): the entity JSON may name a
// joined field either way ("node" or "node_name").
std::string CellOf(const nlohmann::json& object, std::initializer_list<const char*> names);

}  // namespace hostplane::cli
