#pragma once

// Start-up steps shared by the long-running subcommands (`up`, `serve`, `agent`): one process per
// data directory, the stop signals, a free API port, the first admin token, the nodes given on
// the command line, and secrets read from files (never from argv).

#include <signal.h>

#include <functional>
#include <map>
#include <string>

#include "common/fs/filesystem.h"
#include "common/result.h"
#include "controller/services/hosting.h"
#include "controller/store/store.h"

namespace hostplane::cmd {

// Holds an exclusive flock on <dir>/<name> for as long as the process runs (the descriptor is
// deliberately never closed). Errors: kConflict when another process holds it, kIo.
[[nodiscard]] Status LockExclusively(const std::string& dir, const std::string& name);

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards (call it
// before starting any), and ignores SIGPIPE. Returns the set to wait on.
sigset_t BlockStopSignals();

// Waits for SIGINT or SIGTERM; calls keep_going about once a second and returns 0 when it says
// false. Returns the signal received.
int WaitForStopSignal(const sigset_t& signals, const std::function<bool()>& keep_going = {});

// Reads KEY=VALUE lines of a file we wrote ourselves (hostplane.env). Data, never sourced.
std::map<std::string, std::string> ReadEnvFile(Filesystem& files, const std::string& rel);

// Fails with a sentence a person can act on when address:port (TCP, or UDP with udp) is taken;
// flag names the option that chooses another port. Errors: kConflict, kIo.
[[nodiscard]] Status CheckPortFree(const std::string& address, int port, const char* flag,
                                   bool udp = false);

// Finds or makes the admin token: reuses the one in <files root>/hostplane.env when the store
// still knows it, else inserts a new token named token_name. Errors: those of the store.
[[nodiscard]] Result<std::string> EnsureAdminToken(controller::Store& store, Filesystem& files,
                                                   const std::string& token_name = "admin");

// "web1:web,mail" -> {name "web1", roles {"web", "mail"}}. The service validates the name and
// the roles. Errors: kInvalid when the form is wrong.
[[nodiscard]] Result<controller::NodeInput> ParseNodeSpec(const std::string& spec);

// Creates the node unless one of that name exists (an existing node is left as it is). Errors:
// those of NodeService::Create (kInvalid with the field codes).
[[nodiscard]] Status EnsureNode(controller::Hosting& service, const controller::NodeInput& node,
                                const std::string& actor);

// The content of a secret file (a password, a token), without a trailing newline. Errors: kIo,
// kInvalid when it is empty.
[[nodiscard]] Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace hostplane::cmd
