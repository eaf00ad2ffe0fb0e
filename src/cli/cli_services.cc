// The CLI verbs of the services beside sites: mailbox, forwarder, ftp, db, dns zone|record,
// cert, customer suspend|resume and site add --php. Secrets only from standard input.

#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"
#include "cli/table.h"

namespace hostplane::cli::detail {
namespace {

int CustomerStatus(State& s, const char* verb, const std::string& what) {
  auto r = s.client().Post("/api/v1/customers/" + Segment(s.login) + "/" + verb, json::object());
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, what + " " + s.login);
}

// Lists one kind of service as a table of the given columns (JSON keys).
int ResourceList(State& s, const std::string& path, const std::string& key, Query q,
                 const std::vector<std::string>& headers, const std::vector<std::string>& keys) {
  if (!s.customer.empty()) q.emplace_back("customer", s.customer);
  json all;
  if (int code = FetchAll(s, path, key, q, all)) return code;
  if (s.json_output()) {
    PrintJson(s, all);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : all.value(key, json::array())) {
    std::vector<std::string> row;
    for (const auto& k : keys) row.push_back(CellOf(item, {k.c_str()}));
    rows.push_back(std::move(row));
  }
  s.io.out << RenderTable(headers, rows);
  return kExitOk;
}

int AddWithPassword(State& s, const std::string& path, json body, const std::string& key,
                    const std::string& what) {
  auto password = ReadPasswordLine(s);
  if (!password) return kExitUsage;
  body["password"] = *password;
  auto r = s.client().Post(path, body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, what + " " + CellOf(r->body[key], {"name"}));
}

int MailboxAdd(State& s) {
  json body = {{"address", s.address}};
  if (!s.customer.empty()) body["customer"] = s.customer;
  if (s.quota_mb > 0) body["quota_mb"] = s.quota_mb;
  return AddWithPassword(s, "/api/v1/mailboxes", body, "mailbox", "created mailbox");
}

// A mailbox's new password (stdin) and/or quota.
int MailboxSet(State& s) {
  json body = json::object();
  if (s.password_stdin) {
    auto password = ReadPasswordLine(s);
    if (!password) return kExitUsage;
    body["password"] = *password;
  }
  if (s.quota_mb > 0) body["quota_mb"] = s.quota_mb;
  auto r = s.client().Patch("/api/v1/mailboxes/" + Segment(s.address), body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "changed mailbox " + s.address);
}

int DkimRotate(State& s) {
  auto r =
      s.client().Post("/api/v1/mail-domains/" + Segment(s.domain) + "/dkim/rotate", json::object());
  if (int code = Check(r, s)) return code;
  return FinishChange(
      s, *r,
      "new DKIM key " + CellOf(r->body["mail_domain"], {"dkim_selector"}) + " for " + s.domain);
}

// The records a mail domain needs, to copy into a zone served elsewhere.
int MailDns(State& s) {
  auto r = s.client().Get("/api/v1/mail-domains/" + Segment(s.domain) + "/dns", {});
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  const json& d = r->body["mail_domain"];
  std::vector<std::vector<std::string>> rows;
  for (const auto& rec : d.value("records", json::array())) {
    rows.push_back({CellOf(rec, {"name"}), CellOf(rec, {"ttl"}), CellOf(rec, {"type"}),
                    CellOf(rec, {"value"})});
  }
  s.io.out << RenderTable({"NAME", "TTL", "TYPE", "VALUE"}, rows);
  if (d["zone"].is_string()) {
    s.io.out << "Published in the zone " << d["zone"].get<std::string>() << " served here.\n";
  } else {
    s.io.out << "No zone of the customer here holds " << s.domain
             << ": add these records where its zone is served.\n";
  }
  return kExitOk;
}

int ForwarderAdd(State& s) {
  json body = {{"address", s.address}, {"targets", s.targets}};
  if (!s.customer.empty()) body["customer"] = s.customer;
  auto r = s.client().Post("/api/v1/forwarders", body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "created forwarder " + s.address);
}

int FtpAdd(State& s) {
  json body = {{"user", s.user}, {"customer", s.customer}};
  if (!s.home.empty()) body["home"] = s.home;
  return AddWithPassword(s, "/api/v1/ftp-users", body, "ftp_user", "created FTP user");
}

int FtpSet(State& s) {
  auto password = ReadPasswordLine(s);
  if (!password) return kExitUsage;
  auto r = s.client().Patch("/api/v1/ftp-users/" + Segment(s.user), json{{"password", *password}});
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "changed the password of FTP user " + s.user);
}

int DbAdd(State& s) {
  json body = {{"name", s.name}, {"customer", s.customer}};
  return AddWithPassword(s, "/api/v1/databases", body, "database", "created database");
}

int ZoneAdd(State& s) {
  auto r = s.client().Post("/api/v1/zones", json{{"zone", s.zone}, {"customer", s.customer}});
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "created zone " + CellOf(r->body["zone"], {"name"}));
}

int RecordAdd(State& s) {
  json body = {{"name", s.record_name}, {"type", s.record_type}, {"value", s.record_value}};
  if (s.ttl > 0) body["ttl"] = s.ttl;
  auto r = s.client().Post("/api/v1/zones/" + Segment(s.zone) + "/records", body);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r,
                      "added " + s.record_type + " record " + s.record_name + " to " + s.zone);
}

int RecordRemove(State& s) {
  Query q = {{"name", s.record_name}, {"type", s.record_type}, {"value", s.record_value}};
  auto r = s.client().Delete("/api/v1/zones/" + Segment(s.zone) + "/records", q);
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r,
                      "removed " + s.record_type + " record " + s.record_name + " from " + s.zone);
}

// The zone as served: defaults and the customer's records.
int RecordList(State& s) {
  auto r = s.client().Get("/api/v1/zones/" + Segment(s.zone));
  if (int code = Check(r, s)) return code;
  if (s.json_output()) {
    PrintJson(s, r->body);
    return kExitOk;
  }
  const json zone = r->body.value("zone", json::object());
  std::vector<std::vector<std::string>> rows;
  for (const auto& rec : zone.value("records", json::array())) {
    rows.push_back({CellOf(rec, {"name"}), CellOf(rec, {"ttl"}), CellOf(rec, {"type"}),
                    CellOf(rec, {"value"})});
  }
  s.io.out << "zone " << CellOf(zone, {"zone"}) << " serial " << CellOf(zone, {"serial"});
  // The serial above is the one the controller sent; say when the DNS server serves another.
  if (!zone.contains("served_serial")) {
    s.io.out << " (not served yet)";
  } else if (zone["served_serial"] != zone["serial"]) {
    s.io.out << " (served: " << CellOf(zone, {"served_serial"}) << ")";
  }
  s.io.out << "\n";
  if (zone.value("status", "") == "failed") {
    s.io.out << "the DNS server refused serial " << CellOf(zone, {"failed_serial"}) << ": "
             << CellOf(zone, {"error"}) << "\n";
  }
  s.io.out << RenderTable({"NAME", "TTL", "TYPE", "VALUE"}, rows);
  return kExitOk;
}

int CertIssue(State& s) {
  auto r = s.client().Post("/api/v1/certificates", json{{"domain", s.domain}});
  if (int code = Check(r, s)) return code;
  return FinishChange(s, *r, "requested a certificate for " + s.domain);
}

}  // namespace

void AddServiceCommands(CLI::App& app, const std::shared_ptr<State>& s) {
  const char* kWaitHelp = "Wait until the change's tasks are applied";
  const char* kPasswordHelp = "Read the password from the first line of standard input (required)";
  CLI::App* customer = app.get_subcommand("customer");
  CLI::App* c = Verb(customer, "suspend",
                     "Suspend every service of a customer (sites answer 503, logins refused, "
                     "data kept)",
                     s, [](State& st) { return CustomerStatus(st, "suspend", "suspended"); });
  c->add_option("LOGIN", s->login)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(customer, "resume", "Resume a suspended customer", s,
           [](State& st) { return CustomerStatus(st, "resume", "resumed"); });
  c->add_option("LOGIN", s->login)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  app.get_subcommand("site")->get_subcommand("add")->add_option(
      "--php", s->php, "PHP version for .php files (e.g. 8.2; default: static only)");

  auto group = [&](const char* name, const char* help) {
    CLI::App* g = app.add_subcommand(name, help);
    g->footer(kExitCodesHelp);
    g->require_subcommand(1);
    return g;
  };

  CLI::App* mailbox = group("mailbox", "Manage mailboxes (Postfix + Dovecot)");
  c = Verb(mailbox, "add", "Create a mailbox", s, MailboxAdd);
  c->add_option("ADDRESS", s->address, "local@domain")->required();
  c->add_option("--customer", s->customer, "Owner (needed for a domain's first address)");
  c->add_option("--quota-mb", s->quota_mb, "Quota in MB (default: the plan's)")
      ->check(CLI::PositiveNumber);
  c->add_flag("--password-stdin", s->password_stdin, kPasswordHelp)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(mailbox, "set", "Change a mailbox's password and/or quota", s, MailboxSet);
  c->add_option("ADDRESS", s->address, "local@domain")->required();
  c->add_option("--quota-mb", s->quota_mb, "New quota in MB")->check(CLI::PositiveNumber);
  c->add_flag("--password-stdin", s->password_stdin,
              "Read the new password from the first line of standard input");
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(mailbox, "list", "List mailboxes", s, [](State& st) {
    return ResourceList(st, "/api/v1/mailboxes", "mailboxes", {},
                        {"ADDRESS", "CUSTOMER", "NODE", "QUOTA MB"},
                        {"name", "customer", "node", "quota_mb"});
  });
  c->add_option("--customer", s->customer, "Only this customer's");
  c = Verb(mailbox, "remove", "Remove a mailbox", s, [](State& st) {
    return Remove(st, "/api/v1/mailboxes/" + Segment(st.address), "removing " + st.address);
  });
  c->add_option("ADDRESS", s->address)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);

  CLI::App* forwarder = group("forwarder", "Manage forwarders and catch-alls");
  c = Verb(forwarder, "add", "Forward an address (or @domain: the catch-all) to others", s,
           ForwarderAdd);
  c->add_option("ADDRESS", s->address, "local@domain, or @domain for the catch-all")->required();
  c->add_option("--to", s->targets, "Target address (repeatable)")->required();
  c->add_option("--customer", s->customer, "Owner (needed for a domain's first address)");
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(forwarder, "list", "List forwarders", s, [](State& st) {
    return ResourceList(st, "/api/v1/forwarders", "forwarders", {},
                        {"ADDRESS", "CUSTOMER", "TARGETS"}, {"name", "customer", "targets"});
  });
  c->add_option("--customer", s->customer, "Only this customer's");
  c = Verb(forwarder, "remove", "Remove a forwarder", s, [](State& st) {
    return Remove(st, "/api/v1/forwarders/" + Segment(st.address), "removing " + st.address);
  });
  c->add_option("ADDRESS", s->address)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);

  CLI::App* mail = group("mail", "Mail domains: DKIM keys and the DNS records they need");
  c = Verb(mail, "dns", "Show the records a mail domain needs (MX, SPF, DKIM, DMARC)", s, MailDns);
  c->add_option("DOMAIN", s->domain, "A mail domain")->required();
  CLI::App* dkim = mail->add_subcommand("dkim", "The mail domain's DKIM key");
  dkim->require_subcommand(1);
  c = Verb(dkim, "rotate", "Make a new DKIM key under the next selector and publish it", s,
           DkimRotate);
  c->add_option("DOMAIN", s->domain, "A mail domain")->required();
  c->add_flag("--wait", s->wait, kWaitHelp);

  CLI::App* ftp = group("ftp", "Manage FTP users (jailed in the account's home)");
  c = Verb(ftp, "add", "Create an FTP user", s, FtpAdd);
  c->add_option("USER", s->user, "<account>_<suffix>")->required();
  c->add_option("--customer", s->customer, "Owner's login")->required();
  c->add_option("--home", s->home, "Jail, relative to the account home (default: the home)");
  c->add_flag("--password-stdin", s->password_stdin, kPasswordHelp)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(ftp, "set", "Change an FTP user's password", s, FtpSet);
  c->add_option("USER", s->user)->required();
  c->add_flag("--password-stdin", s->password_stdin, kPasswordHelp)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(ftp, "list", "List FTP users", s, [](State& st) {
    return ResourceList(st, "/api/v1/ftp-users", "ftp_users", {},
                        {"USER", "CUSTOMER", "NODE", "HOME"}, {"name", "customer", "node", "home"});
  });
  c->add_option("--customer", s->customer, "Only this customer's");
  c = Verb(ftp, "remove", "Remove an FTP user (its files stay)", s, [](State& st) {
    return Remove(st, "/api/v1/ftp-users/" + Segment(st.user), "removing FTP user " + st.user);
  });
  c->add_option("USER", s->user)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);

  CLI::App* db = group("db", "Manage customer databases (MariaDB)");
  c = Verb(db, "add", "Create a database and its user of the same name", s, DbAdd);
  c->add_option("NAME", s->name, "<account>_<suffix>")->required();
  c->add_option("--customer", s->customer, "Owner's login")->required();
  c->add_flag("--password-stdin", s->password_stdin, kPasswordHelp)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(db, "list", "List databases", s, [](State& st) {
    return ResourceList(st, "/api/v1/databases", "databases", {}, {"NAME", "CUSTOMER", "NODE"},
                        {"name", "customer", "node"});
  });
  c->add_option("--customer", s->customer, "Only this customer's");
  c = Verb(db, "remove", "Drop a database and its user", s, [](State& st) {
    return Remove(st, "/api/v1/databases/" + Segment(st.name), "dropping database " + st.name);
  });
  c->add_option("NAME", s->name)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);

  CLI::App* dns = group("dns", "Manage DNS zones and records (Knot)");
  CLI::App* zone = dns->add_subcommand("zone", "Manage zones");
  zone->require_subcommand(1);
  c = Verb(zone, "add", "Create a zone with its default records", s, ZoneAdd);
  c->add_option("ZONE", s->zone)->required();
  c->add_option("--customer", s->customer, "Owner's login")->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(zone, "list", "List zones", s, [](State& st) {
    return ResourceList(st, "/api/v1/zones", "zones", {},
                        {"ZONE", "CUSTOMER", "NODE", "SERIAL", "SERVED", "STATUS", "ERROR"},
                        {"name", "customer", "node", "serial", "served_serial", "status", "error"});
  });
  c->add_option("--customer", s->customer, "Only this customer's");
  c = Verb(zone, "remove", "Remove a zone and its records", s, [](State& st) {
    return Remove(st, "/api/v1/zones/" + Segment(st.zone), "removing zone " + st.zone);
  });
  c->add_option("ZONE", s->zone)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  CLI::App* record = dns->add_subcommand("record", "Manage records");
  record->require_subcommand(1);
  c = Verb(record, "add", "Add a record (the serial increases)", s, RecordAdd);
  c->add_option("ZONE", s->zone)->required();
  c->add_option("NAME", s->record_name, "@ or a name relative to the zone")->required();
  c->add_option("TYPE", s->record_type, "A, AAAA, CNAME, MX, TXT, SRV, CAA or NS")->required();
  c->add_option("VALUE", s->record_value, "RDATA; TXT as the raw text")->required();
  c->add_option("--ttl", s->ttl, "Seconds (60-604800; default 3600)");
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(record, "list", "Show the zone as served", s, RecordList);
  c->add_option("ZONE", s->zone)->required();
  c = Verb(record, "remove", "Remove a record", s, RecordRemove);
  c->add_option("ZONE", s->zone)->required();
  c->add_option("NAME", s->record_name)->required();
  c->add_option("TYPE", s->record_type)->required();
  c->add_option("VALUE", s->record_value)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);

  CLI::App* cert = group("cert", "Manage TLS certificates (ACME HTTP-01)");
  c = Verb(cert, "issue", "Issue a certificate for a site and its aliases; the site turns HTTPS", s,
           CertIssue);
  c->add_option("DOMAIN", s->domain)->required();
  c->add_flag("--wait", s->wait, kWaitHelp);
  c = Verb(cert, "list", "List certificates and their state", s, [](State& st) {
    return ResourceList(st, "/api/v1/certificates", "certificates", {},
                        {"DOMAIN", "CUSTOMER", "NODE", "STATUS", "ERROR"},
                        {"name", "customer", "node", "status", "error"});
  });
  c->add_option("--customer", s->customer, "Only this customer's");
}

}  // namespace hostplane::cli::detail
