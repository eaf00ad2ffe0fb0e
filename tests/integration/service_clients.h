#pragma once

// Real clients of the services `hostplane up` runs, as the integration tests use them: curl for
// SMTP, IMAP and FTP, kdig, the mariadb client, and the CLI. Each takes the instance whose ports
// it talks to. Credentials go in 0600 files in the instance's prefix, never in argv.

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "up_process.h"

namespace hostplane::testing {

inline constexpr const char* kMailPassword =
    "MailSecret-4821";  // netrc splits on spaces: none here
inline constexpr const char* kFtpPassword = "FtpSecret-90210x";
inline constexpr const char* kDbPassword = "DbSecret-7731aa";

inline PosixCommandRunner& Clients() {
  static PosixCommandRunner runner({"/usr/bin/curl", "/usr/bin/kdig", "/usr/bin/mariadb",
                                    "/usr/sbin/postqueue", "/usr/bin/python3"});
  return runner;
}

inline CommandOutput Run(std::vector<std::string> argv, const std::string& stdin_data = "") {
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.stdin_data = stdin_data;
  cmd.timeout = std::chrono::seconds(60);
  auto r = Clients().Run(cmd);
  if (!r) return CommandOutput{-1, "", r.error().message};
  return *r;
}

// A 0600 file with content (credentials for curl's --netrc-file or mariadb's defaults file).
inline std::string SecretFile(const std::string& dir, const std::string& name,
                              const std::string& content) {
  std::string path = dir + "/" + name;
  {
    std::ofstream out(path, std::ios::trunc);
    out << content;
  }
  ::chmod(path.c_str(), 0600);
  return path;
}

inline std::string Netrc(const UpInstance& up, const std::string& login,
                         const std::string& password) {
  static int n = 0;
  return SecretFile(up.prefix(), "netrc" + std::to_string(++n),
                    "machine 127.0.0.1 login " + login + " password " + password + "\n");
}

// curl's exit code for an IMAP SEARCH ALL as login (0: logged in; 67: login refused).
inline CommandOutput ImapSearch(const UpInstance& up, const std::string& login,
                                const std::string& password) {
  return Run({"/usr/bin/curl", "-s", "--max-time", "10", "--netrc-file", Netrc(up, login, password),
              "imap://127.0.0.1:" + std::to_string(up.ports().imap) + "/INBOX", "-X",
              "SEARCH ALL"});
}

inline CommandOutput SmtpSend(const UpInstance& up, const std::string& rcpt,
                              const std::string& body) {
  std::string mail = SecretFile(
      up.prefix(), "mail.txt",
      "From: probe@example.org\r\nTo: " + rcpt + "\r\nSubject: probe\r\n\r\n" + body + "\r\n");
  return Run({"/usr/bin/curl", "-s", "--max-time", "10",
              "smtp://127.0.0.1:" + std::to_string(up.ports().smtp), "--mail-from",
              "probe@example.org", "--mail-rcpt", rcpt, "-T", mail});
}

// The whole message number n of login's INBOX over IMAP ("" when it cannot be read).
inline std::string ImapFetch(const UpInstance& up, const std::string& login,
                             const std::string& password, int n) {
  auto r = Run(
      {"/usr/bin/curl", "-s", "--max-time", "10", "--netrc-file", Netrc(up, login, password),
       "imap://127.0.0.1:" + std::to_string(up.ports().imap) + "/INBOX/;UID=" + std::to_string(n)});
  return r.exit_code == 0 ? r.out : "";
}

// Writes a file below the site's docroot as the account's user would have uploaded it.
inline void WriteSiteFile(UpInstance& up, const std::string& login, const std::string& domain,
                          const std::string& rel, const std::string& content) {
  const std::filesystem::path path =
      up.data_dir() + "/home/" + login + "/sites/" + domain + "/public/" + rel;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
  struct passwd* pw = ::getpwnam(up.UnixUser(login).c_str());
  ASSERT_NE(pw, nullptr) << "no Unix user " << up.UnixUser(login);
  for (auto p = path; p.string().size() > (up.data_dir() + "/home/" + login).size();
       p = p.parent_path()) {
    ASSERT_EQ(::chown(p.c_str(), pw->pw_uid, pw->pw_gid), 0) << p;
  }
  ::chmod(path.c_str(), 0644);
}

// Waits until an IMAP search as login lists at least one message.
inline bool WaitForMail(const UpInstance& up, const std::string& login,
                        const std::string& password) {
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
    auto r = ImapSearch(up, login, password);
    if (r.exit_code == 0 && r.out.find("SEARCH 1") != std::string::npos) return true;
  }
  return false;
}

inline CommandOutput Kdig(const UpInstance& up, const std::string& name, const std::string& type) {
  return Run({"/usr/bin/kdig", "@127.0.0.1", "-p", std::to_string(up.ports().dns), "+short",
              "+timeout=2", "+retry=1", name, type});
}

inline CommandOutput Mariadb(const UpInstance& up, const std::string& user,
                             const std::string& password, const std::string& sql) {
  std::string defaults =
      SecretFile(up.prefix(), "my-" + user + ".cnf", "[client]\npassword=" + password + "\n");
  return Run({"/usr/bin/mariadb", "--defaults-extra-file=" + defaults, "-h", "127.0.0.1", "-P",
              std::to_string(up.ports().db), "-u", user, "-N", "-e", sql});
}

// As the server's root (unix_socket), for the orphan scan.
inline CommandOutput MariadbRoot(const UpInstance& up, const std::string& sql) {
  return Run({"/usr/bin/mariadb", "--no-defaults", "-S", up.data_dir() + "/run/mysqld/mysqld.sock",
              "-u", "root", "-N", "-e", sql});
}

inline CommandOutput FtpUpload(const UpInstance& up, const std::string& user,
                               const std::string& password, const std::string& local,
                               const std::string& remote) {
  return Run({"/usr/bin/curl", "-s", "--max-time", "20", "--netrc-file", Netrc(up, user, password),
              "-T", local, "ftp://127.0.0.1:" + std::to_string(up.ports().ftp) + "/" + remote});
}

inline void CliOk(UpInstance& up, const std::vector<std::string>& args,
                  const std::string& in = "") {
  auto c = up.Cli(args, in);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->exit_code, 0) << ::testing::PrintToString(args) << "\n" << c->out << c->err;
}

// Files under dir (recursively) whose path contains needle.
inline std::vector<std::string> FilesMentioning(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().string().find(needle) != std::string::npos) out.push_back(it->path());
  }
  return out;
}

}  // namespace hostplane::testing
