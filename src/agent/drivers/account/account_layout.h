#pragma once

// Where the account driver and the PHP-FPM masters keep their things on a web node, decided
// once (shared/STYLE.md). Every path is relative to the agent's Filesystem root, except the
// binaries (absolute host paths, on the CommandRunner's allowlist).

#include <chrono>
#include <map>
#include <string>

namespace hostplane::agent {

// One installed PHP version: its php-fpm binary and its private master (PhpFpmInstance).
struct PhpVersionLayout {
  std::string binary;     // "/usr/sbin/php-fpm8.2"
  std::string conf;       // the master config (-y), written by PhpFpmInstance
  std::string pool_dir;   // one <login>.conf per account using this version (include = *.conf)
  std::string pid_file;   // written by the master; Reload sends SIGUSR2 to it
  std::string error_log;  // the master's own log
};

// The conventional layout of version v: etc/hostplane/php/<v>/{php-fpm.conf,pools/},
// run/hostplane/php-fpm<v>.pid, var/log/hostplane/php/php-fpm<v>.log, /usr/sbin/php-fpm<v>.
inline PhpVersionLayout DefaultPhpVersionLayout(const std::string& v) {
  PhpVersionLayout l;
  l.binary = "/usr/sbin/php-fpm" + v;
  l.conf = "etc/hostplane/php/" + v + "/php-fpm.conf";
  l.pool_dir = "etc/hostplane/php/" + v + "/pools";
  l.pid_file = "run/hostplane/php-fpm" + v + ".pid";
  l.error_log = "var/log/hostplane/php/php-fpm" + v + ".log";
  return l;
}

struct AccountLayout {
  // Prepended to the login to name the account's Unix user and group ("" in production; tests
  // use a unique prefix such as "hpt1a2b" so parallel runs never share a user).
  std::string user_prefix;
  std::string home_root = "srv/hostplane/home";      // = HostLayout::home_root
  std::string php_socket_dir = "run/hostplane/php";  // = NginxLayout::php_socket_dir
  // nginx's worker user ("www-data"): the group of every home (so nginx can read docroots) and
  // the owner of every pool socket (so only nginx can connect). "" when the agent is not root:
  // then homes keep the account's group and sockets php-fpm's defaults.
  std::string nginx_user = "www-data";
  // Installed PHP versions ("8.2" -> its layout). Only these may appear in an account's "php".
  std::map<std::string, PhpVersionLayout> php = {{"8.2", DefaultPhpVersionLayout("8.2")}};
  // The user the always-present placeholder pool runs as (PhpFpmInstance; php-fpm refuses to
  // start without a pool).
  std::string placeholder_user = "nobody";
  std::string placeholder_group = "nogroup";

  // PHP's mail() (issue 16): one msmtp configuration per account that has mail_submission,
  // <msmtp_dir>/<login>.conf, 0600 owned by the account's user; msmtp trusts mail_ca_file.
  std::string msmtp_binary = "/usr/bin/msmtp";
  std::string msmtp_dir = "etc/hostplane/msmtp";
  std::string mail_ca_file = "etc/ssl/certs/ca-certificates.crt";
  // An account without mail_submission: PHP's mail() runs `<hostplane_binary> php-mail-refused`
  // (cmd/php_mail_refused.h), which logs why to <home>/logs/mail.log and fails, never the
  // system's sendmail. Absolute; "" = the agent's own binary (NewAgent fills it in).
  std::string hostplane_binary;

  std::string useradd = "/usr/sbin/useradd";
  std::string groupadd = "/usr/sbin/groupadd";
  std::string userdel = "/usr/sbin/userdel";
  std::string groupdel = "/usr/sbin/groupdel";
  std::string shell = "/usr/sbin/nologin";

  std::chrono::milliseconds reload_timeout{10'000};
  std::chrono::milliseconds poll_interval{5};
};

}  // namespace hostplane::agent
