#pragma once

// `hostplane php-mail-refused --account LOGIN --log FILE`: the sendmail_path of the PHP pools of
// an account that has no way to send mail (no mail domain, or its mail node takes no submissions
// yet; agent/drivers/account). PHP's mail() runs it instead of the system's sendmail, so nothing
// is handed to a local MTA or left in a spool: it reads the message (and drops it), appends one
// line saying why to FILE (the account's logs/mail.log: it runs as the account's user), writes
// the same line to stderr and exits 69 (EX_UNAVAILABLE), so mail() returns false.

#include <CLI/CLI.hpp>

namespace hostplane::cmd {

void AddPhpMailRefusedCommand(CLI::App& app, int& exit_code);

}  // namespace hostplane::cmd
