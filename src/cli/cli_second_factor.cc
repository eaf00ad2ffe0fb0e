// `hostplane second-factor ...`: the second factor of the CLI's own login (the token `hostplane
// login` saved) — status, enable (a secret to scan or type into an authenticator app), confirm
// CODE (turns it on, prints the recovery codes once), recovery-codes CODE, disable CODE — and
// reset LOGIN for someone else's lost one (staff, a reseller for its customers, a customer for
// its users). The routes: /api/v1/second-factor... and DELETE /api/v1/users/{login}/second-factor.

#include <string>

#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"

namespace hostplane::cli::detail {
namespace {

int Status(State& s) {
  auto r = s.client().Get("/api/v1/second-factor");
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  const bool on = r->body.value("enabled", false);
  if (on) {
    s.io.out << "second factor: on (" << r->body.value("recovery_codes_left", 0)
             << " recovery codes left)\n";
  } else if (r->body.value("enrolling", false)) {
    s.io.out << "second factor: off; an enrolment waits for its code (hostplane second-factor "
                "confirm CODE)\n";
  } else {
    s.io.out << "second factor: off (hostplane second-factor enable)\n";
  }
  return kExitOk;
}

int Enable(State& s) {
  auto r = s.client().Post("/api/v1/second-factor", json::object());
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  s.io.out << "Add this login to an authenticator app: open the link below on the phone, or type "
              "the secret by hand (time-based, 6 digits, 30 seconds).\n\n"
           << "  secret: " << r->body.value("secret", "") << "\n"
           << "  link:   " << r->body.value("otpauth_uri", "") << "\n\n"
           << "Then turn it on with the code the app shows, before "
           << r->body.value("confirm_before", "") << ":\n"
           << "  hostplane second-factor confirm CODE\n"
           << "(The panel shows the same link as a QR code.)\n";
  return kExitOk;
}

void PrintRecoveryCodes(State& s, const json& codes) {
  s.io.out << "Recovery codes — each signs in once in place of a code when the phone is lost. "
              "They are shown only now: keep them somewhere safe.\n\n";
  for (const auto& c : codes) s.io.out << "  " << c.get<std::string>() << "\n";
}

int Confirm(State& s) {
  auto r = s.client().Post("/api/v1/second-factor/confirm", {{"code", s.totp}});
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  s.io.out << "second factor: on; every login now asks for a code.\n\n";
  PrintRecoveryCodes(s, r->body.value("recovery_codes", json::array()));
  return kExitOk;
}

int NewCodes(State& s) {
  auto r = s.client().Post("/api/v1/second-factor/recovery-codes", {{"code", s.totp}});
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  s.io.out << "A new set: the earlier recovery codes no longer work.\n\n";
  PrintRecoveryCodes(s, r->body.value("recovery_codes", json::array()));
  return kExitOk;
}

int Disable(State& s) {
  auto r = s.client().Post("/api/v1/second-factor/disable", {{"code", s.totp}});
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else {
    s.io.out << "second factor: off; the password alone signs in.\n";
  }
  return kExitOk;
}

int Reset(State& s) {
  auto r = s.client().Delete("/api/v1/users/" + Segment(s.login) + "/second-factor");
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else {
    s.io.out << "second factor of " << s.login
             << " reset: it signs in with its password until it enrols again.\n";
  }
  return kExitOk;
}

}  // namespace

void AddSecondFactorCommands(CLI::App& app, const std::shared_ptr<State>& s) {
  CLI::App* sf = app.add_subcommand(
      "second-factor", "The second factor (authenticator app codes) of the logged-in login");
  sf->footer(kExitCodesHelp);
  sf->require_subcommand(1);
  const char* kCodeHelp = "The app's current code, or one of the recovery codes";
  Verb(sf, "status", "Whether it is on, and how many recovery codes are left", s, Status);
  Verb(sf, "enable", "Begin: a secret to add to an authenticator app", s, Enable);
  CLI::App* c = Verb(sf, "confirm",
                     "Turn it on with the app's first code; prints the recovery codes", s, Confirm);
  c->add_option("CODE", s->totp, "The code the app shows now")->required();
  c = Verb(sf, "recovery-codes", "A new set of recovery codes (the old ones stop working)", s,
           NewCodes);
  c->add_option("CODE", s->totp, kCodeHelp)->required();
  c = Verb(sf, "disable", "Turn it off", s, Disable);
  c->add_option("CODE", s->totp, kCodeHelp)->required();
  c = Verb(sf, "reset",
           "Take a lost second factor off someone else's login (staff; a reseller for its "
           "customers; a customer for its users)",
           s, Reset);
  c->add_option("LOGIN", s->login, "The login whose second factor is reset")->required();
}

}  // namespace hostplane::cli::detail
