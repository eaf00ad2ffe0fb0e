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
  std::string keymgr = "/usr/sbin/keymgr";         // knot: DNSSEC keys into the KASP database

  // The main config (knotd -c, knotc -c), written by KnotInstance. It includes
  // <zone_conf_dir>/*.conf, so adding a zone is one fragment there and a reload.
  std::string conf = "etc/knot/hostplane/knot.conf";
  std::string zone_dir = "var/lib/hostplane/knot/zones";   // <zone>.zone, one per zone
  std::string zone_conf_dir = "etc/knot/hostplane/zones";  // <zone>.conf, one per zone
  // Included BEFORE zone_conf_dir (Knot wants a key defined before a zone refers to it):
  // tsig.conf, every zone's TSIG keys once (KnotDriver::Assemble); 02750 root:<knotd's group>,
  // tsig.conf 0640 (knot_user.h).
  std::string shared_conf_dir = "etc/knot/hostplane/shared";
  std::string tsig_dir = "etc/knot/hostplane/tsig";  // <zone>.json, 0600 root: the agent's only
  // keymgr's PEM files while it imports them (02750 root:<knotd's group>, knot_user.h).
  std::string key_import_dir = "var/lib/hostplane/knot/import";
  std::string run_dir = "run/hostplane/knot";                   // rundir, pid file
  std::string control_socket = "run/hostplane/knot/knot.sock";  // knotc -s (<= 107 bytes)
  std::string storage = "var/lib/hostplane/knot/db";  // timers, journal, KASP (storage/keys)
  std::string log_file = "var/log/hostplane/knot.log";

  // The user knotd runs as (Debian's knot package: knot). When the agent is root, the secrets
  // knotd reads are 0640 root:<its group> and keymgr runs as it (knot_user.h); KnotInstance,
  // started by root, makes knotd drop to it. Empty: knotd runs as the agent's own user.
  std::string os_user = "knot";

  std::string listen_address = "0.0.0.0";  // an IP literal
  int port = 53;
};

}  // namespace hostplane::agent
