#include "cli/table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hostplane::cli {
namespace {

using nlohmann::json;

TEST(RenderTable, AlignsColumnsAndTrimsTrailingSpace) {
  EXPECT_EQ(RenderTable({"NAME", "STATE"}, {{"a", "applied"}, {"longer-name", "-"}}),
            "NAME         STATE\n"
            "a            applied\n"
            "longer-name  -\n");
}

TEST(RenderTable, NeutralisesControlCharacters) {
  EXPECT_EQ(RenderTable({"X"}, {{"a\nb\x1b[2J"}}), "X\na?b?[2J\n");
}

TEST(Cells, FormatJsonValues) {
  const std::vector<std::pair<json, std::string>> cases = {
      {nullptr, "-"},
      {"", "-"},
      {"web1", "web1"},
      {42, "42"},
      {json::array({"a.example", "b.example"}), "a.example,b.example"},
      {json::array(), "-"},
      {json{{"unlimited", true}}, "unlimited"},
  };
  for (const auto& [value, cell] : cases) EXPECT_EQ(Cell(value), cell) << value.dump();
  EXPECT_EQ(HumanTime("2026-11-24T18:41:52.123Z"), "2026-11-24 18:41:52");
  EXPECT_EQ(HumanTime(nullptr), "-");
  EXPECT_EQ(CellOf(json{{"node_name", "web1"}}, {"node", "node_name"}), "web1");
  EXPECT_EQ(CellOf(json{{"x", 1}}, {"node"}), "-");
}

}  // namespace
}  // namespace hostplane::cli
