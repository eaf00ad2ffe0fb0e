// Chaos convergence (issue 23 item 1; shared/SECURITY.md P1, P6, P9, P15): a fleet on one machine
// (tests/support/fleet_lab.h) — a NATS hub and two site leaves, a controller (`hostplane serve`)
// and two servers whose agents reach it through their site's leaf:
//   site a: n1 (web, mail, ftp, dns, db; a Unix user and a PHP-FPM pool per account)
//   site b: n2 (web; sites served as the agent's user)
// Random changes (seeded) through the REST API across customers, sites, PHP settings, mailboxes,
// forwarders, zones and records, databases and FTP accounts, some of them refused on purpose,
// while agents are SIGKILLed and restarted, the controller is SIGKILLed in the middle of a
// request and restarted, and a leaf is stopped and started. Afterwards, once every node has
// applied its head revision and one resync period has passed: the drift report is empty on
// every node, every change answered 2xx is in the store and none answered otherwise is, and the
// real effects match the store exactly (Unix users, pools, vhosts by Host header, Postfix map
// entries and Maildirs, zone records by kdig, database logins, FTP accounts).
//
// HOSTPLANE_CHAOS_CHANGES (default 500) and HOSTPLANE_CHAOS_SEED (default: random, printed) make
// soak runs and replays: HOSTPLANE_CHAOS_CHANGES=5000 build/tests/proof/chaos_test.

#include <gtest/gtest.h>
#include <pwd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "fleet_lab.h"
#include "node_lab.h"
#include "stale_accounts.h"
#include "up_process.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "Chaos-passw0rd-42";
constexpr const char* kPhp = "8.2";
constexpr int kResyncSeconds = 5;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoll(v, nullptr, 10) : fallback;
}

// What the test knows of an object from the answers it got.
enum class Known { kPresent, kAbsent, kUnknown };

struct Object {
  std::string kind;  // customer, site, mailbox, forwarder, zone, record, database, ftpuser
  std::string name;  // login, domain, address, zone, record value, database, FTP user
  std::string customer;
  std::string zone;  // of a record: its zone; its name is "r<n>"
  std::string record_name;
  Known state = Known::kAbsent;
  std::optional<bool> php;  // sites: PHP on, as last acknowledged (nullopt: unknown)
  // Sites: php_memory_limit_mb as last acknowledged (nullopt: never set, or unknown).
  std::optional<int> memory_mb;
};

// Changes by kind and how they were answered; faults injected.
struct Counts {
  std::map<std::string, std::map<std::string, int>> changes;  // kind -> 2xx/4xx/5xx/lost
  int agent_kills = 0, agent_restarts = 0, controller_kills = 0, relay_stops = 0, relay_probes = 0;
  std::string Summary() const {
    std::ostringstream out;
    int total = 0;
    for (const auto& [kind, by] : changes) {
      out << "  " << kind << ":";
      for (const auto& [answer, n] : by) {
        out << " " << answer << "=" << n;
        total += n;
      }
      out << "\n";
    }
    out << "  changes: " << total << "; agents SIGKILLed: " << agent_kills
        << ", restarted: " << agent_restarts << "; controller SIGKILLed: " << controller_kills
        << "; relay leaf stops: " << relay_stops
        << " (probes of a site while cut off: " << relay_probes << ")\n";
    return out.str();
  }
};

std::string AnswerClass(int status) {
  if (status == 0) return "lost";
  if (status < 300) return "2xx";
  if (status < 500) return "4xx";
  return "5xx";
}

class Chaos {
 public:
  explicit Chaos(uint64_t seed) : rng_(seed) {}

  // The fleet: hub, controller, n1 and n2 joined, leaves up.
  Status Start() {
    const int fleet_slot = (fleet_.hub_port() - 27000) / 20;
    uid_first_ = 400000 + fleet_slot * 1000;
    uid_last_ = uid_first_ + 999;
    // The range is this fleet slot's alone: whatever a killed run left in it is stale.
    SweepStaleAccounts({uid_first_, uid_last_, "", /*only_without_home=*/false});
    serve_args_ = {"--uid-first", std::to_string(uid_first_), "--uid-last",
                   std::to_string(uid_last_)};
    HP_TRY(fleet_.StartHub({"a:n1", "b:n2"}));
    HP_TRY(fleet_.StartController(0, fleet_.store_dir(), serve_args_));
    NodeLabOptions all;
    all.roles = {"web", "mail", "ftp", "dns", "db"};
    all.unix_accounts = true;
    all.resync_seconds = kResyncSeconds;
    HP_TRY(fleet_.AddServerWith("n1", "a", all));
    NodeLabOptions web;
    web.roles = {"web"};
    web.unix_accounts = false;  // one machine: an account's uid under one name only
    web.resync_seconds = kResyncSeconds;
    HP_TRY(fleet_.AddServerWith("n2", "b", web));
    HP_TRY(fleet_.StartLeaf("a"));
    HP_TRY(fleet_.StartLeaf("b"));
    started_ = true;
    for (const char* node : {"n1", "n2"}) {
      if (!fleet_.WaitHealth(node, "up", 60s)) {
        return Fail(Error::Timeout(std::string(node) + " is not up"));
      }
    }
    return Ok();
  }

  // Deletes every customer (their Unix users and groups on n1) and sweeps what could not be
  // deleted; the fleet's destructor then stops everything.
  ~Chaos() {
    if (started_) (void)Heal();
    auto list = fleet_.Api("GET", "/api/v1/customers?limit=1000");
    std::vector<int64_t> tasks;
    if (list.status == 200) {
      const Json page = list.json();  // the loop's range must outlive it
      for (const auto& c : page.value("customers", Json::array())) {
        auto r = fleet_.Api("DELETE",
                            "/api/v1/customers/" + c.value("login", "") + "?remove_content=true");
        if (r.status != 202) std::cerr << "chaos: deleting a customer: " << r.body << "\n";
        for (int64_t id : UpInstance::TaskIds(r.json())) tasks.push_back(id);
      }
    }
    auto waited = fleet_.Client().WaitTasks(tasks, 120s);
    if (!waited) std::cerr << "chaos: deleting the customers: " << waited.error().message << "\n";
    for (const auto& t : waited.value_or(std::vector<Json>{})) {
      if (t.value("state", "") == "failed") std::cerr << "chaos: clean-up task " << t << "\n";
    }
    if (uid_first_ > 0) {
      for (const auto& name : SweepStaleAccounts({uid_first_, uid_last_, "", false})) {
        std::cerr << "chaos: swept account " << name << " left behind\n";
      }
    }
  }

  FleetLab& fleet() { return fleet_; }
  const Counts& counts() const { return counts_; }
  const std::map<std::string, Object>& objects() const { return objects_; }

  // One random change, and maybe a fault around it.
  void Step(int step) {
    RestartDue(step);
    MaybeFault(step);
    Change change = Pick();
    HttpResult r;
    if (Roll(60)) {
      // The controller dies in the middle of this request (or just after it): the answer may be
      // lost, and what the store holds decides.
      r = CallWhileKillingController(change);
    } else {
      r = fleet_.Api(change.method, change.path, change.body);
    }
    ++counts_.changes[change.label][AnswerClass(r.status)];
    if (r.status >= 500) {
      std::cerr << "chaos: " << change.method << " " << change.path << " answered " << r.status
                << ": " << r.body << "\n";
    }
    change.settle(r.status);
  }

  // Every process up again: leaves, agents, the controller.
  Status Heal() {
    if (!fleet_.ControllerRunning(0)) {
      HP_TRY(fleet_.StartController(0, fleet_.store_dir(), serve_args_));
    }
    for (const std::string site : {"a", "b"}) {
      if (leaf_down_.count(site) != 0) {
        HP_TRY(fleet_.RestartLeaf(site));
        leaf_down_.erase(site);
      }
    }
    for (const std::string node : {"n1", "n2"}) {
      if (!fleet_.lab(node).AgentRunning()) {
        HP_TRY(fleet_.lab(node).StartAgent());
        ++counts_.agent_restarts;
      }
    }
    agent_restart_at_.clear();
    leaf_restart_at_.clear();
    return Ok();
  }

  // Every node up, at its head revision, with no task waiting; then one resync period more so
  // each agent has checked its files for drift since.
  Status Converge(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    for (;;) {
      bool done = true;
      last.clear();
      for (const char* node : {"n1", "n2"}) {
        auto r = fleet_.Api("GET", std::string("/api/v1/nodes/") + node);
        Json n = r.json().is_object() ? r.json().value("node", Json()) : Json();
        if (!n.is_object() || n.value("health", "") != "up" ||
            n.value("applied_revision", int64_t{-1}) < n.value("head_revision", int64_t{0})) {
          done = false;
          last += r.body + "\n";
        }
      }
      for (const char* state : {"pending", "retry", "running"}) {
        auto r = fleet_.Api("GET", std::string("/api/v1/tasks?limit=5&state=") + state);
        if (r.status != 200 || !r.json()["tasks"].empty()) {
          done = false;
          last += r.body + "\n";
        }
      }
      if (done) break;
      if (std::chrono::steady_clock::now() > deadline) {
        return Fail(Error::Timeout("the fleet did not converge:\n" + last));
      }
      std::this_thread::sleep_for(250ms);
    }
    std::this_thread::sleep_for(std::chrono::seconds(kResyncSeconds + 2));
    return Ok();
  }

 private:
  struct Change {
    std::string label, method, path;
    Json body;
    std::function<void(int)> settle;  // updates the model from the answer's status
  };

  bool Roll(int one_in) { return std::uniform_int_distribution<int>(0, one_in - 1)(rng_) == 0; }
  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::vector<std::string> Live(const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& [key, o] : objects_) {
      if (o.kind == kind && o.state == Known::kPresent) out.push_back(o.name);
    }
    return out;
  }
  std::string Any(const std::vector<std::string>& v) { return v[Below(v.size())]; }
  Object& Add(const std::string& kind, const std::string& name, const std::string& customer) {
    Object& o = objects_[kind + ":" + name];
    o.kind = kind;
    o.name = name;
    o.customer = customer;
    o.state = Known::kAbsent;
    return o;
  }
  Object& Get(const std::string& kind, const std::string& name) {
    return objects_.at(kind + ":" + name);
  }
  // 2xx: the object is now `ok`; no answer: unknown (the store decides); refused: unchanged.
  static void Settle(Object& o, int status, Known ok) {
    if (status >= 200 && status < 300) {
      o.state = ok;
    } else if (status == 0) {
      o.state = Known::kUnknown;
    }
  }
  // What a customer's deletion takes with it (and a zone's, its records).
  void Cascade(const std::string& customer, const std::string& zone, int status) {
    for (auto& [key, o] : objects_) {
      if (o.kind == "customer") continue;
      if (!customer.empty() && o.customer != customer) continue;
      if (!zone.empty() && !(o.kind == "record" && o.zone == zone)) continue;
      if (o.state == Known::kAbsent) continue;
      Settle(o, status, Known::kAbsent);
    }
  }

  Change Pick() {
    const auto customers = Live("customer");
    const auto sites = Live("site");
    std::vector<std::pair<int, std::function<Change()>>> menu;
    if (customers.size() < 12) menu.push_back({6, [&] { return NewCustomer(); }});
    if (customers.size() > 4) menu.push_back({1, [&] { return DeleteCustomer(customers); }});
    if (!customers.empty()) {
      menu.push_back({12, [&] { return NewSite(Any(customers)); }});
      menu.push_back({8, [&] { return NewMailbox(Any(customers)); }});
      menu.push_back({5, [&] { return NewForwarder(Any(customers)); }});
      menu.push_back({3, [&] { return NewZone(Any(customers)); }});
      menu.push_back({3, [&] { return NewDatabase(Any(customers)); }});
      menu.push_back({4, [&] { return NewFtpUser(Any(customers)); }});
      menu.push_back({3, [&] { return Refused(Any(customers)); }});
    }
    if (!sites.empty()) {
      menu.push_back({4, [&] { return Delete("site", Any(sites), "/api/v1/sites/", true); }});
      menu.push_back({6, [&] { return TogglePhp(Any(sites)); }});
      menu.push_back({4, [&] { return PhpSettings(Any(sites)); }});
    }
    for (const auto& [kind, path, weight] : std::vector<std::tuple<std::string, std::string, int>>{
             {"mailbox", "/api/v1/mailboxes/", 3},
             {"forwarder", "/api/v1/forwarders/", 2},
             {"database", "/api/v1/databases/", 2},
             {"ftpuser", "/api/v1/ftp-users/", 2},
             {"zone", "/api/v1/zones/", 1}}) {
      auto live = Live(kind);
      if (!live.empty()) {
        menu.push_back(
            {weight, [this, kind, path, live] { return Delete(kind, Any(live), path, false); }});
      }
    }
    const auto zones = Live("zone");
    if (!zones.empty()) menu.push_back({8, [&] { return NewRecord(Any(zones)); }});
    const auto records = Live("record");
    if (!records.empty()) menu.push_back({3, [&] { return DeleteRecord(Any(records)); }});
    int total = 0;
    for (const auto& m : menu) total += m.first;
    int at = std::uniform_int_distribution<int>(0, total - 1)(rng_);
    for (const auto& m : menu) {
      if (at < m.first) return m.second();
      at -= m.first;
    }
    return menu.back().second();
  }

  std::string Fresh() { return std::to_string(++serial_); }

  Change NewCustomer() {
    const std::string login = "cu" + Fresh();
    Add("customer", login, login);
    return {"customer.create", "POST", "/api/v1/customers",
            Json{{"login", login}, {"email", "owner@" + login + ".example"}},
            [this, login](int s) { Settle(Get("customer", login), s, Known::kPresent); }};
  }
  Change DeleteCustomer(const std::vector<std::string>& customers) {
    const std::string login = Any(customers);
    return {"customer.delete", "DELETE", "/api/v1/customers/" + login + "?remove_content=true",
            nullptr, [this, login](int s) {
              Settle(Get("customer", login), s, Known::kAbsent);
              Cascade(login, "", s);
            }};
  }
  Change NewSite(const std::string& customer) {
    const std::string domain = "s" + Fresh() + "." + customer + ".example";
    const bool php = Roll(2);
    Add("site", domain, customer).php = php;
    Json body{{"domain", domain}, {"customer", customer}};
    if (php) body["php"] = kPhp;
    return {"site.create", "POST", "/api/v1/sites", body, [this, domain](int s) {
              Object& o = Get("site", domain);
              Settle(o, s, Known::kPresent);
              if (s == 0) o.php.reset();
            }};
  }
  Change TogglePhp(const std::string& domain) {
    Object& o = Get("site", domain);
    const bool php = !o.php.value_or(false);
    return {"site.php", "PATCH", "/api/v1/sites/" + domain, Json{{"php", php ? kPhp : ""}},
            [this, domain, php](int s) {
              Object& o = Get("site", domain);
              if (s >= 200 && s < 300) o.php = php;
              if (s == 0) o.php.reset();
            }};
  }
  Change PhpSettings(const std::string& domain) {
    // The store must then show the last value answered 2xx.
    const int memory = 32 * (1 + static_cast<int>(Below(8)));
    return {"site.settings", "PATCH", "/api/v1/sites/" + domain,
            Json{{"settings", {{"php_memory_limit_mb", memory}}}}, [this, domain, memory](int s) {
              Object& o = Get("site", domain);
              if (s >= 200 && s < 300) o.memory_mb = memory;
              if (s == 0) o.memory_mb.reset();
            }};
  }
  Change NewMailbox(const std::string& customer) {
    const std::string address = "m" + Fresh() + "@" + customer + ".example";
    Add("mailbox", address, customer);
    return {"mailbox.create", "POST", "/api/v1/mailboxes",
            Json{{"address", address}, {"customer", customer}, {"password", kPassword}},
            [this, address](int s) { Settle(Get("mailbox", address), s, Known::kPresent); }};
  }
  Change NewForwarder(const std::string& customer) {
    const std::string address = "f" + Fresh() + "@" + customer + ".example";
    Add("forwarder", address, customer);
    return {"forwarder.create", "POST", "/api/v1/forwarders",
            Json{{"address", address},
                 {"customer", customer},
                 {"targets", Json::array({"someone@elsewhere.example"})}},
            [this, address](int s) { Settle(Get("forwarder", address), s, Known::kPresent); }};
  }
  Change NewZone(const std::string& customer) {
    const std::string zone = customer + ".example";
    if (objects_.count("zone:" + zone) == 0) Add("zone", zone, customer);
    return {"zone.create", "POST", "/api/v1/zones", Json{{"zone", zone}, {"customer", customer}},
            [this, zone](int s) { Settle(Get("zone", zone), s, Known::kPresent); }};
  }
  Change NewRecord(const std::string& zone) {
    const std::string n = Fresh();
    const std::string value = "chaos-v" + n;
    Object& o = Add("record", value, Get("zone", zone).customer);
    o.zone = zone;
    o.record_name = "r" + n;
    return {"record.create", "POST", "/api/v1/zones/" + zone + "/records",
            Json{{"name", "r" + n}, {"type", "TXT"}, {"value", value}},
            [this, value](int s) { Settle(Get("record", value), s, Known::kPresent); }};
  }
  Change DeleteRecord(const std::string& value) {
    const Object& o = Get("record", value);
    return {
        "record.delete", "DELETE",
        "/api/v1/zones/" + o.zone + "/records?name=" + o.record_name + "&type=TXT&value=" + value,
        nullptr, [this, value](int s) { Settle(Get("record", value), s, Known::kAbsent); }};
  }
  Change NewDatabase(const std::string& customer) {
    const std::string name = customer + "_d" + Fresh();
    Add("database", name, customer);
    return {"database.create", "POST", "/api/v1/databases",
            Json{{"name", name}, {"customer", customer}, {"password", kPassword}},
            [this, name](int s) { Settle(Get("database", name), s, Known::kPresent); }};
  }
  Change NewFtpUser(const std::string& customer) {
    const std::string user = customer + "_f" + Fresh();
    Add("ftpuser", user, customer);
    return {"ftpuser.create", "POST", "/api/v1/ftp-users",
            Json{{"user", user}, {"customer", customer}, {"password", kPassword}},
            [this, user](int s) { Settle(Get("ftpuser", user), s, Known::kPresent); }};
  }
  Change Delete(const std::string& kind, const std::string& name, const std::string& path,
                bool remove_content) {
    return {kind + ".delete", "DELETE",
            path + name + (remove_content ? "?remove_content=true" : ""), nullptr,
            [this, kind, name](int s) {
              Settle(Get(kind, name), s, Known::kAbsent);
              if (kind == "zone") Cascade("", name, s);
            }};
  }
  // A change the API must refuse: nothing of it may appear anywhere.
  Change Refused(const std::string& customer) {
    const std::string n = Fresh();
    switch (Below(3)) {
      case 0: {
        const std::string address = "m" + n + "@" + customer + ".example";
        Add("mailbox", address, customer);
        return {"refused", "POST", "/api/v1/mailboxes",
                Json{{"address", address}, {"customer", customer}, {"password", "short"}},
                [this, address](int s) { Settle(Get("mailbox", address), s, Known::kPresent); }};
      }
      case 1: {
        const std::string name = "zz" + n + "_db";  // not the account's prefix
        Add("database", name, customer);
        return {"refused", "POST", "/api/v1/databases",
                Json{{"name", name}, {"customer", customer}, {"password", kPassword}},
                [this, name](int s) { Settle(Get("database", name), s, Known::kPresent); }};
      }
      default: {
        // A customer that does not exist: 404.
        const std::string domain = "s" + n + "." + customer + ".example";
        Add("site", domain, customer).php = false;
        return {"refused", "POST", "/api/v1/sites",
                Json{{"domain", domain}, {"customer", "ghost" + n}},
                [this, domain](int s) { Settle(Get("site", domain), s, Known::kPresent); }};
      }
    }
  }

  HttpResult CallWhileKillingController(const Change& change) {
    ApiClient client = fleet_.Client();
    auto answer = std::async(std::launch::async, [client, change] {
      return client.Call(change.method, change.path, change.body);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(Below(25)));
    fleet_.KillController(0);
    ++counts_.controller_kills;
    HttpResult r = answer.get();
    Status started = fleet_.StartController(0, fleet_.store_dir(), serve_args_);
    if (!started) ADD_FAILURE() << started.error().message;
    return r;
  }

  void MaybeFault(int step) {
    if (Roll(35)) {
      const std::string node = Roll(2) ? "n1" : "n2";
      if (fleet_.lab(node).AgentRunning()) {
        fleet_.lab(node).Kill();
        ++counts_.agent_kills;
        agent_restart_at_[node] = step + 1 + static_cast<int>(Below(8));
      }
    }
    if (Roll(70)) {
      const std::string site = Roll(2) ? "a" : "b";
      if (leaf_down_.count(site) == 0) {
        probe_[site] = AnsweringSite(site == "a" ? "n1" : "n2");
        fleet_.StopLeaf(site);
        leaf_down_.insert(site);
        ++counts_.relay_stops;
        leaf_restart_at_[site] = step + 3 + static_cast<int>(Below(15));
        Probe(site);
      }
    }
  }

  // P15: a server cut off from the controller keeps serving. A site of the node that answers
  // just before its leaf stops, which no change can reach while it is down, must answer
  // throughout: right after the stop and just before the leaf starts again.
  std::string AnsweringSite(const std::string& node) {
    auto list = fleet_.Api("GET", "/api/v1/sites?limit=1000");
    if (list.status != 200) return "";
    const Json page = list.json();
    for (const auto& s : page.value("sites", Json::array())) {
      const std::string domain = s.value("domain", "");
      // Listed active: no removal of it is committed, so none can be in flight.
      if (s.value("node", "") == node && s.value("status", "") == "active" &&
          CurlHost(fleet_.lab(node).ports().http, domain).status != 0) {
        return domain;
      }
    }
    return "";
  }
  void Probe(const std::string& site) {
    const auto it = probe_.find(site);
    if (it == probe_.end() || it->second.empty()) return;
    const std::string node = site == "a" ? "n1" : "n2";
    ++counts_.relay_probes;
    const int status = CurlHost(fleet_.lab(node).ports().http, it->second).status;
    EXPECT_NE(status, 0) << it->second << " stopped answering on " << node
                         << " while its leaf was down";
  }

  void RestartDue(int step) {
    for (auto it = leaf_restart_at_.begin(); it != leaf_restart_at_.end();) {
      if (it->second > step) {
        ++it;
        continue;
      }
      Probe(it->first);
      Status s = fleet_.RestartLeaf(it->first);
      if (!s) ADD_FAILURE() << s.error().message;
      leaf_down_.erase(it->first);
      it = leaf_restart_at_.erase(it);
    }
    for (auto it = agent_restart_at_.begin(); it != agent_restart_at_.end();) {
      // An agent starts once it reaches its leaf.
      const std::string site = it->first == "n1" ? "a" : "b";
      if (it->second > step || leaf_down_.count(site) != 0) {
        ++it;
        continue;
      }
      Status s = fleet_.lab(it->first).StartAgent();
      if (!s) ADD_FAILURE() << s.error().message;
      ++counts_.agent_restarts;
      it = agent_restart_at_.erase(it);
    }
  }

  FleetLab fleet_;
  bool started_ = false;  // both servers added: Heal() may run
  std::mt19937_64 rng_;
  int64_t uid_first_ = 0, uid_last_ = 0;
  std::vector<std::string> serve_args_;
  std::map<std::string, Object> objects_;  // "kind:name"
  Counts counts_;
  uint64_t serial_ = 0;
  std::set<std::string> leaf_down_;
  std::map<std::string, int> agent_restart_at_, leaf_restart_at_;
  std::map<std::string, std::string> probe_;  // site -> a domain its node served at the cut
};

// ---- What the store holds, and what the servers really do. ----

// The names of a list (?limit=1000: one page) under `key`, each item kept.
std::map<std::string, Json> StoreList(FleetLab& fleet, const std::string& path,
                                      const std::string& key, const std::string& field) {
  std::map<std::string, Json> out;
  auto r =
      fleet.Api("GET", path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=1000");
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  Json j = r.json();
  EXPECT_TRUE(j.value("next_after", Json()).is_null()) << path << " has more than a page";
  if (!j.contains(key)) return out;
  for (const auto& item : j[key]) out[item.value(field, "")] = item;
  return out;
}

bool HasLineStarting(const std::string& file, const std::string& start) {
  std::istringstream in(ReadFile(file));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(start, 0) == 0) return true;
  }
  return false;
}

// Whether token appears in text, not followed by a digit ("chaos-v5" is not in "chaos-v51").
bool HasToken(const std::string& text, const std::string& token) {
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + 1)) {
    const size_t end = at + token.size();
    if (end >= text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) return true;
  }
  return false;
}

bool UnixUserExists(const std::string& name) { return ::getpwnam(name.c_str()) != nullptr; }

CommandOutput KdigTxt(int port, const std::string& name) {
  return RunProgram({"/usr/bin/kdig", "@127.0.0.1", "-p", std::to_string(port), "+short",
                     "+timeout=2", "+retry=1", name, "TXT"},
                    {"/usr/bin/kdig"});
}

TEST(Chaos, RandomChangesUnderKillsAndCutsConvergeToTheStoreExactly) {
  for (const char* program : {"nats-server", "nginx", "postfix", "dovecot", "pure-ftpd", "knotd",
                              "mariadbd", "kdig", "mariadb"}) {
    ASSERT_TRUE(FindProgram(program)) << program << " is not installed (scripts/install-deps)";
  }
  const int64_t changes = EnvInt("HOSTPLANE_CHAOS_CHANGES", 500);
  const uint64_t seed = static_cast<uint64_t>(
      EnvInt("HOSTPLANE_CHAOS_SEED", static_cast<int64_t>(std::random_device{}() & 0x7fffffff)));
  std::cout << "chaos: seed " << seed << ", " << changes
            << " changes (replay: HOSTPLANE_CHAOS_SEED=" << seed << ")" << std::endl;
  RecordProperty("seed", std::to_string(seed));

  Chaos chaos(seed);
  FleetLab& fleet = chaos.fleet();
  Status started = chaos.Start();
  ASSERT_TRUE(started) << started.error().message << "\n" << fleet.Logs();

  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < changes; ++i) {
    chaos.Step(i);
    if (::testing::Test::HasFatalFailure()) return;
  }
  const auto t1 = std::chrono::steady_clock::now();
  Status healed = chaos.Heal();
  ASSERT_TRUE(healed) << healed.error().message << "\n" << fleet.Logs();
  // A soak leaves more objects (and a loaded machine slower postmap runs): more time.
  Status converged = chaos.Converge(180s + std::chrono::seconds(changes * 60 / 1000));
  const auto t2 = std::chrono::steady_clock::now();
  std::cout << "chaos: changes made in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()
            << " ms, converged "
            << std::chrono::duration_cast<std::chrono::milliseconds>(t2 - t1).count()
            << " ms later (a resync period included)\n"
            << chaos.counts().Summary() << std::flush;
  ASSERT_TRUE(converged) << converged.error().message << "\n" << fleet.Logs();

  // P1: nothing drifted on any node, and no task failed.
  for (const char* node : {"n1", "n2"}) {
    auto n = fleet.Api("GET", std::string("/api/v1/nodes/") + node).json()["node"];
    EXPECT_TRUE(n["drift"].empty()) << node << " reports drift: " << n["drift"].dump();
  }
  {
    auto failed = fleet.Api("GET", "/api/v1/tasks?limit=20&state=failed");
    EXPECT_TRUE(failed.json()["tasks"].empty()) << "failed tasks: " << failed.body;
  }

  // The store.
  auto customers = StoreList(fleet, "/api/v1/customers", "customers", "login");
  auto sites = StoreList(fleet, "/api/v1/sites", "sites", "domain");
  auto mailboxes = StoreList(fleet, "/api/v1/mailboxes", "mailboxes", "name");
  auto forwarders = StoreList(fleet, "/api/v1/forwarders", "forwarders", "name");
  auto databases = StoreList(fleet, "/api/v1/databases", "databases", "name");
  auto ftp_users = StoreList(fleet, "/api/v1/ftp-users", "ftp_users", "name");
  auto zones = StoreList(fleet, "/api/v1/zones", "zones", "name");
  std::string records_text;  // every zone's records, as listed
  for (const auto& [zone, _] : zones) {
    auto r = fleet.Api("GET", "/api/v1/zones/" + zone + "/records?limit=1000");
    EXPECT_EQ(r.status, 200) << r.body;
    records_text += r.body;
  }
  auto in_store = [&](const Object& o) -> bool {
    if (o.kind == "customer") return customers.count(o.name) != 0;
    if (o.kind == "site") return sites.count(o.name) != 0;
    if (o.kind == "mailbox") return mailboxes.count(o.name) != 0;
    if (o.kind == "forwarder") return forwarders.count(o.name) != 0;
    if (o.kind == "database") return databases.count(o.name) != 0;
    if (o.kind == "ftpuser") return ftp_users.count(o.name) != 0;
    if (o.kind == "zone") return zones.count(o.name) != 0;
    if (o.kind == "record") return HasToken(records_text, o.name);
    return false;
  };

  // P6/P8/P9: every change answered 2xx is there, none refused is; lost answers: the store says.
  int present = 0, absent = 0, unknown = 0;
  for (const auto& [key, o] : chaos.objects()) {
    const bool stored = in_store(o);
    if (o.state == Known::kUnknown) {
      ++unknown;
      continue;
    }
    if (o.state == Known::kPresent) {
      ++present;
      EXPECT_TRUE(stored) << key << " was acknowledged but is not in the store";
    } else {
      ++absent;
      EXPECT_FALSE(stored) << key << " was refused or deleted but is in the store";
    }
    if (o.kind == "site" && stored && o.php) {
      EXPECT_EQ(sites[o.name].value("php", "") == kPhp, *o.php) << key << ": " << sites[o.name];
    }
    if (o.kind == "site" && stored && o.memory_mb) {
      EXPECT_EQ(sites[o.name]["settings"].value("php_memory_limit_mb", 0), *o.memory_mb)
          << key << ": " << sites[o.name];
    }
  }
  std::cout << "chaos: model: " << present << " present, " << absent << " absent, " << unknown
            << " with a lost answer (the store decided)\n";

  // The real effects match the store exactly.
  NodeLab& n1 = fleet.lab("n1");
  NodeLab& n2 = fleet.lab("n2");
  const std::string root1 = n1.root() + "/";
  int effects = 0;
  // Sites: each answers by Host header on its node only; gone ones nowhere.
  for (const auto& [key, o] : chaos.objects()) {
    if (o.kind != "site") continue;
    const bool stored = sites.count(o.name) != 0;
    const std::string node = stored ? sites[o.name].value("node", "") : "";
    for (NodeLab* lab : {&n1, &n2}) {
      const bool want = stored && lab->options().node == node;
      const int status = CurlHost(lab->ports().http, o.name).status;
      EXPECT_EQ(status != 0, want) << o.name << " on " << lab->options().node << ": HTTP " << status
                                   << " (in the store on '" << node << "')";
      ++effects;
    }
  }
  // Unix users and PHP-FPM pools on n1: an account with a site or FTP account there has its
  // user; a pool exactly when one of its sites there runs PHP; a deleted customer has neither.
  const auto& account = *n1.layout().account;
  for (const auto& [key, o] : chaos.objects()) {
    if (o.kind != "customer" || o.name.empty()) continue;
    const bool stored = customers.count(o.name) != 0;
    bool on_n1 = false, php_on_n1 = false;
    for (const auto& [domain, s] : sites) {
      if (s.value("customer", "") != o.name || s.value("node", "") != "n1") continue;
      on_n1 = true;
      php_on_n1 = php_on_n1 || !s.value("php", "").empty();
    }
    for (const auto& [user, f] : ftp_users) {
      if (f.value("customer", "") == o.name && f.value("node", "") == "n1") on_n1 = true;
    }
    const bool user = UnixUserExists(n1.UnixUser(o.name));
    if (!stored) {
      EXPECT_FALSE(user) << "deleted customer " << o.name << " still has a Unix user";
    }
    if (on_n1) {
      EXPECT_TRUE(user) << o.name << " has services on n1 but no Unix user";
    }
    const bool pool =
        std::filesystem::exists(root1 + account.php.at(kPhp).pool_dir + "/" + n1.UnixUser(o.name) +
                                ".conf") ||
        std::filesystem::exists(root1 + account.php.at(kPhp).pool_dir + "/" + o.name + ".conf");
    EXPECT_EQ(pool, stored && php_on_n1) << o.name << ": PHP-FPM pool";
    effects += 2;
  }
  // Mail: map entries and Maildirs of mailboxes, alias entries of forwarders.
  const auto& mail = *n1.layout().mail;
  for (const auto& [key, o] : chaos.objects()) {
    if (o.kind == "mailbox") {
      const bool stored = mailboxes.count(o.name) != 0;
      EXPECT_EQ(HasLineStarting(root1 + mail.map_dir + "/virtual_mailbox_maps", o.name + " "),
                stored)
          << o.name << ": virtual_mailbox_maps entry";
      if (stored) {
        const std::string local = o.name.substr(0, o.name.find('@'));
        const std::string domain = o.name.substr(o.name.find('@') + 1);
        EXPECT_TRUE(std::filesystem::is_directory(root1 + mail.vmail_root + "/" + domain + "/" +
                                                  local + "/Maildir"))
            << o.name << ": Maildir";
      }
      effects += 2;
    } else if (o.kind == "forwarder") {
      EXPECT_EQ(HasLineStarting(root1 + mail.map_dir + "/virtual_alias_maps", o.name + " "),
                forwarders.count(o.name) != 0)
          << o.name << ": virtual_alias_maps entry";
      ++effects;
    }
  }
  // DNS: each record answers from Knot exactly when stored.
  for (const auto& [key, o] : chaos.objects()) {
    if (o.kind != "record") continue;
    const bool stored = in_store(o);
    auto dig = KdigTxt(n1.ports().dns, o.record_name + "." + o.zone);
    EXPECT_EQ(HasToken(dig.out, o.name), stored)
        << o.record_name << "." << o.zone << " TXT: '" << dig.out << dig.err << "'";
    ++effects;
  }
  // Databases: the user logs in exactly when stored; FTP accounts in pure-ftpd's passwd file.
  const std::string mycnf =
      fleet.Secret("my.cnf", std::string("[client]\npassword=") + kPassword + "\n");
  for (const auto& [key, o] : chaos.objects()) {
    if (o.kind == "database") {
      const bool stored = databases.count(o.name) != 0;
      auto login =
          RunProgram({"/usr/bin/mariadb", "--defaults-extra-file=" + mycnf, "-h", "127.0.0.1", "-P",
                      std::to_string(n1.ports().db), "-u", o.name, "-N", "-e", "SELECT 1"},
                     {"/usr/bin/mariadb"});
      EXPECT_EQ(login.exit_code == 0, stored) << o.name << ": " << login.err;
      ++effects;
    } else if (o.kind == "ftpuser") {
      EXPECT_EQ(HasLineStarting(root1 + n1.layout().ftp->passwd_file, o.name + ":"),
                ftp_users.count(o.name) != 0)
          << o.name << ": pure-ftpd passwd entry";
      ++effects;
    }
  }
  std::cout << "chaos: " << effects << " real effects checked against the store" << std::endl;
  if (::testing::Test::HasFailure()) {
    // The end of every process's log (agents, daemons, controller, relay) for the diagnosis;
    // HOSTPLANE_KEEP_TEST_PREFIX=1 keeps them whole.
    for (const char* node : {"n1", "n2"}) {
      const std::string logs = fleet.lab(node).Logs();
      std::cout << "chaos: the last of " << node << "'s logs:\n"
                << logs.substr(logs.size() > 15000 ? logs.size() - 15000 : 0) << std::endl;
    }
  }
}

}  // namespace
}  // namespace hostplane::testing
