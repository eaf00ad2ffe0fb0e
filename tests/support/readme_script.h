#pragma once

// README.md's newcomer walkthrough as data, for the `readme` test: the fenced ```sh blocks
// between the markers
//   <!-- readme-test: begin -->   and   <!-- readme-test: end -->
// (invisible when the README is rendered), in order. The first block holds the one command that
// starts the all-in-one (scripts/up); every later command runs, as written, in one shell from
// the clone's root. The test holds no copy of any command: changing one in the README changes
// what runs. Pure functions; errors are values.

#include <string>
#include <vector>

#include "common/result.h"

namespace hostplane::testing {

struct ReadmeCommand {
  std::string text;     // the command as written (continuation lines joined)
  std::string section;  // the "## ..." heading it is under
  int line = 0;         // 1-based line in README.md where it starts
};

struct ReadmeWalkthrough {
  ReadmeCommand server;                 // the first block's command
  std::vector<ReadmeCommand> commands;  // every later command, in order
};

// Errors (kInvalid, naming the line): a missing or unbalanced marker, an unclosed fence, a first
// block that is not exactly one command, no command after it, a here-document (it cannot be
// split into commands).
[[nodiscard]] Result<ReadmeWalkthrough> ParseReadmeWalkthrough(const std::string& markdown);

// A bash script that runs the commands in order in one shell (so `.`, `export` and `cd` carry
// over) from workdir, standard error merged into standard output, with pipefail; each command's
// output is bracketed by marker lines carrying its index and exit status, and the script stops
// at the first command that fails.
std::string WalkthroughScript(const std::vector<ReadmeCommand>& commands,
                              const std::string& workdir);

struct CommandRun {
  int exit_code = -1;  // -1: it did not run (an earlier command failed)
  std::string output;
};
// Splits the script's output into one CommandRun per command (count of them).
std::vector<CommandRun> SplitWalkthroughOutput(const std::string& output, size_t count);

}  // namespace hostplane::testing
