#pragma once

// The command-line options of the controller's login doors, shared by `hostplane up` and
// `hostplane serve`: the base URL people reach it at (the origin of every cookie-authenticated
// change, Secure cookies when https), the throttle (failures per name and address before 429,
// and the window they are counted in) and whose logins must have a second factor.

#include <CLI/CLI.hpp>

#include "controller/api/login_doors.h"

namespace hostplane::cmd {

// Adds --base-url, --login-failures, --login-window-minutes and --require-second-factor to cmd, written into options
// when parsed (the window through window_minutes, applied by ApplyLoginWindow).
void AddLoginFlags(CLI::App* cmd, controller::LoginOptions& options, int& window_minutes);
void ApplyLoginWindow(controller::LoginOptions& options, int window_minutes);

}  // namespace hostplane::cmd
