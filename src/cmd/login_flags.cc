#include "cmd/login_flags.h"

namespace hostplane::cmd {

void AddLoginFlags(CLI::App* cmd, controller::LoginOptions& options, int& window_minutes) {
  cmd->add_option("--base-url", options.base_url,
                  "Where people reach the controller (https://panel.example.com): the one origin "
                  "a browser session may change things from; Secure cookies when https. Default: "
                  "the API's own http://listen:port");
  cmd->add_option("--login-failures", options.throttle.pair_failures,
                  "Failed logins of one name from one address before further attempts get 429")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  window_minutes = static_cast<int>(options.throttle.window.count() / 60);
  cmd->add_option("--login-window-minutes", window_minutes,
                  "The window failed logins are counted in")
      ->check(CLI::Range(1, 24 * 60))
      ->capture_default_str();
  cmd->add_option_function<std::vector<std::string>>(
         "--require-second-factor",
         [&options](const std::vector<std::string>& groups) {
           controller::SecondFactorPolicy policy;
           for (const auto& g : groups) {
             policy.staff |= g == "staff";
             policy.resellers |= g == "resellers";
             policy.customers |= g == "customers";
           }
           options.second_factor_required = policy;
         },
         "Whose logins must have a second factor (staff, resellers, customers; comma-separated "
         "or repeated): until they enrol one, they may do nothing else")
      ->delimiter(',')
      ->check(CLI::IsMember({"staff", "resellers", "customers"}));
}

void ApplyLoginWindow(controller::LoginOptions& options, int window_minutes) {
  options.throttle.window = std::chrono::seconds(int64_t{window_minutes} * 60);
}

}  // namespace hostplane::cmd
