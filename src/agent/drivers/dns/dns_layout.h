#pragma once

// Where the authoritative DNS server (Knot) and its files live on a dns node. Every path is
// relative to the agent's Filesystem root (production "/", tests a temp prefix); binaries are
// absolute host paths (they go on the CommandRunner allowlist). The lead adds `DnsLayout dns;`
// to HostLayout.

#include <string>

namespace hostplane::agent {

struct DnsLayout {
  std::string knotd = "/usr/sbin/knotd";
  std::string knotc = "/usr/sbin/knotc";
  std::string kzonecheck = "/usr/bin/kzonecheck";  // Debian package knot-dnssecutils
  std::string kdig = "/usr/bin/kdig";              // knot-dnsutils; probes and tests

  // The main config (knotd -c, knotc -c), written by KnotInstance. It includes
  // <zone_conf_dir>/*.conf, so adding a zone is one fragment there and a reload.
  std::string conf = "etc/knot/hostplane/knot.conf";
  std::string zone_dir = "var/lib/hostplane/knot/zones";        // <zone>.zone, one per zone
  std::string zone_conf_dir = "etc/knot/hostplane/zones";       // <zone>.conf, one per zone
  std::string run_dir = "run/hostplane/knot";                   // rundir, pid file
  std::string control_socket = "run/hostplane/knot/knot.sock";  // knotc -s (<= 107 bytes)
  std::string storage = "var/lib/hostplane/knot/db";            // timers, journal (unused)
  std::string log_file = "var/log/hostplane/knot.log";

  std::string listen_address = "0.0.0.0";  // an IP literal
  int port = 53;
};

}  // namespace hostplane::agent
