#pragma once

// What the store holds, one struct per kind of row, and the filters, scopes and pages of its
// lists. Plain values: any thread may copy them. The row mapping (row_mapping.h) turns rows into
// these and back, for every backend.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "controller/store/states.h"
#include "protocol/site_settings.h"

namespace hostplane::controller {

using Json = nlohmann::json;

// A limit: nullopt means unlimited (a flag, never -1).
using Limit = std::optional<int64_t>;

struct Plan {
  int64_t id = 0;
  std::string name;
  Limit max_sites;
  Limit max_mailboxes;
  Limit mailbox_quota_mb;
  Limit max_forwarders;
  Limit max_ftp_users;
  Limit max_dns_zones;
  Limit max_databases;
  Limit disk_mb;
  // Messages per hour an account may send, over every path out of its mail nodes (each recipient
  // counts one; nullopt = unlimited).
  Limit max_messages_per_hour;
  // Placement: the plan's services go only to nodes at this site / in this group ("" = any).
  std::string pin_site;
  std::string pin_group;
  int64_t created_at = 0;
  // Its owner: a reseller's own plan, or nullopt for the company's plans.
  std::optional<int64_t> reseller_id;
};

// A reseller: sells the company's hosting under its own plans to its own customers, within its
// limits. With overselling off, the plans its customers have may not promise more sites in sum
// than max_sites (an unlimited plan is refused); with it on they may, and only what exists counts
// against max_sites. Either way no create goes past a limit (checked in the write transaction).
struct Reseller {
  int64_t id = 0;
  std::string login;
  std::string name;
  std::string email;
  CustomerStatus status = CustomerStatus::kActive;
  Limit max_customers;
  Limit max_sites;
  bool overselling = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// What a limited user of a customer may touch: a site (kind "site", its domain) or a mail domain
// (kind "maildomain": the domain, its mailboxes and forwarders).
struct UserGrant {
  std::string kind;
  std::string name;
  bool operator==(const UserGrant&) const = default;
};

// Someone who logs in (with login or e-mail address and password): company staff ("admin",
// "support"), a reseller's login ("reseller", reseller_id), a customer's own login ("customer",
// customer_id) or a user of a customer ("customer_user", customer_id, full access or only the
// grants). role is the stored name; services/actor.h turns it into a Role (unknown: no rights).
struct User {
  int64_t id = 0;
  std::string login;
  std::string email;
  std::string name;
  std::string password_hash;  // Argon2id; empty: cannot log in with a password
  std::string role;
  std::optional<int64_t> reseller_id;
  std::optional<int64_t> customer_id;
  bool full_access = true;
  std::string totp_secret;        // base32; empty: no second factor enrolled
  std::vector<UserGrant> grants;  // filled by UserRepository::Find*, not by lists
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Customer {
  int64_t id = 0;
  std::string login;
  std::string name;
  std::string email;
  std::string password_hash;  // Argon2id (libsodium crypto_pwhash_str); empty: no panel login
  CustomerStatus status = CustomerStatus::kActive;
  int64_t plan_id = 0;
  // The account's Unix uid and gid on every node (one number for both), allocated once from the
  // configured range and never reused (a counter), so files it owned never change hands.
  int64_t uid = 0;
  // Its owner: a reseller, or nullopt for the hosting company's own customers (resellers come
  // with people and permissions; the slot is here so every owner chain already has it).
  std::optional<int64_t> reseller_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Site {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string customer_login;          // joined on read
  std::optional<int64_t> reseller_id;  // the customer's, joined on read
  std::string domain;
  std::vector<std::string> aliases;
  std::string docroot;
  SiteStatus status = SiteStatus::kActive;
  std::string php;                  // "" (static) or the PHP version ("8.2")
  bool https = false;               // a certificate is installed: serve HTTPS too
  protocol::SiteSettings settings;  // how it is served (issue 15)
  int64_t node_id = 0;
  std::string node_name;  // joined on read
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Node {
  int64_t id = 0;
  std::string name;
  std::vector<std::string> roles;  // web, mail, dns, ftp, db
  int64_t capacity = 0;            // how many sites (objects) it may serve
  NodeStatus status = NodeStatus::kActive;
  std::string ipv4;  // public address for DNS records ("" = none)
  std::string ipv6;
  int64_t head_revision = 0;     // newest task revision issued to it
  int64_t applied_revision = 0;  // newest revision its agent reported as applied
  std::optional<int64_t> last_seen;
  std::string version;  // agent version from its hello
  std::vector<std::string> drivers;
  std::vector<std::string> drift;  // files changed behind the agent's back, from its last report
  int64_t created_at = 0;
  std::string site;   // where it stands (its relay leaf); "" = unspecified
  std::string group;  // a node group plans may pin to ("" = none)
  double load = 0;    // 1-minute load average from its last heartbeat
  // bcrypt hash of its NATS password, set when it joins (the relay's users are written from it).
  std::string nats_password_hash;
  std::optional<int64_t> enrolled_at;  // when its agent joined with a token
  // The X25519 key its agent announces in every hello ("x25519:<base64>", common/sealed_box.h;
  // "" until the first): secrets for it (DKIM keys) are sealed to it.
  std::string box_key;
  // A dns node's name-server name in every zone's NS ("ns1.hostco.example", no trailing dot;
  // "" = ns<k>.<zone> glued to its address, k its place among the dns nodes).
  std::string ns_name;
  // A mail node's submission endpoint from its hello (protocol::SubmissionEndpoint as JSON text;
  // "" = none announced): where PHP's mail() of the accounts whose mail it serves submits.
  std::string mail_submission;
  // Not stored: "up", "down" or "new" from last_seen, filled in by the API when it answers.
  std::string health;
  // Not stored: for a node that serves the zones (dns role, active), how many zones there are and
  // on how many the serial it serves is below the zone's (controller/services/dns_serving.h);
  // filled in by NodeService's List and Get. nullopt for every other node.
  struct DnsServing {
    int64_t zones = 0;
    int64_t lagging = 0;
  };
  std::optional<DnsServing> dns;
};

// A one-time token that lets a server join as a node (POST /api/v1/join). Only its hash is kept.
struct JoinToken {
  int64_t id = 0;
  int64_t node_id = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> used_at;
};

// A content copy of a drain (protocol/content.h): one directory of a customer's, from the node
// being drained to the node that takes its role over: the source packs and uploads (exporting),
// the target downloads and unpacks (importing), done, or failed (error says why).
struct Transfer {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string what;    // home | mail | database
  std::string object;  // the login | the mail domain | the database
  int64_t source_node_id = 0;
  int64_t target_node_id = 0;
  TransferState state = TransferState::kExporting;
  int64_t chunks = 0;  // chunks, bytes, digest: set when the source seals its archive
  int64_t bytes = 0;
  std::string digest;
  std::string error;
  std::optional<int64_t> change_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  bool open() const { return IsOpen(state); }
};

// One hosted service of a customer other than a site, stored by kind:
//   maildomain  name "acme.example"              data {"catch_all": ""}
//   mailbox     name "info@acme.example"         parent "acme.example"
//               data {"password_hash", "quota_mb"}
//   forwarder   name "sales@acme.example"        parent "acme.example"  data {"targets": [...]}
//   zone        name "acme.example"              data {"serial": N}
//   record      name "<zone> <name> <type> <value>" parent zone  data {"name","type","value","ttl"}
//   ftpuser     name "acme_web"                  data {"home", "password_hash"}
//   database    name "acme_shop"                 data {"password_hash"}
//   cert        name "shop.acme.example"         data {"names": [...], "error", "issued_at"}
// (kind, name) is unique. node_id is the node that serves it (0 for records: their zone's).
struct Resource {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string customer_login;          // joined on read
  std::optional<int64_t> reseller_id;  // the customer's, joined on read
  std::string kind;
  std::string name;
  std::string parent;
  int64_t node_id = 0;
  std::string node_name;  // joined on read ("" when node_id is 0)
  Json data = Json::object();
  ResourceStatus status = ResourceStatus::kActive;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct TaskRecord {
  int64_t id = 0;
  int64_t node_id = 0;
  std::string node_name;
  int64_t revision = 0;
  std::string object_key;
  std::string kind;
  Json spec;
  TaskState state = TaskState::kPending;
  std::string error;
  int attempts = 0;
  std::optional<int64_t> next_attempt_at;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> applied_at;
  std::optional<int64_t> duration_ms;  // apply duration reported by the agent
  std::optional<int64_t> change_id;    // the audit entry of the change that made it
  // The customer whose object it converges (nullopt: the node's own, a copy's transfer ...).
  std::optional<int64_t> customer_id;
};

struct AuditEntry {
  int64_t id = 0;
  std::string actor;
  std::string action;  // "customer.create", "site.remove", ...
  std::string object;  // "customer:acme", "site:shop.acme.example"
  Json before;         // null when created
  Json after;          // null when deleted
  int64_t at = 0;
  std::optional<int64_t> customer_id;  // whose object changed (nullopt: the company's)
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::string role = "admin";  // for the company tokens of before issue 14 (user_id nullopt)
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> user_id;               // whose token: it never has more rights
  std::vector<std::string> scopes = {"admin"};  // auth/token_scopes.h
  std::optional<int64_t> expires_at;            // nullopt: never
};

// Whose objects a list may return: everyone's (staff), those of one reseller's customers, or one
// customer's. Applied in the query's WHERE clause (never filtered afterwards), from the owner
// chain customer -> reseller.
struct Scope {
  enum class Kind { kAll, kReseller, kCustomer };
  Kind kind = Kind::kAll;
  int64_t id = 0;  // the reseller's or the customer's
  // A limited user of the customer: only the sites and mail domains granted to it (user_grants),
  // in the lists that have them (sites, mail); nullopt: everything of the customer.
  std::optional<int64_t> user;

  static Scope All() { return {}; }
  static Scope Reseller(int64_t id) { return {Kind::kReseller, id, std::nullopt}; }
  static Scope Customer(int64_t id) { return {Kind::kCustomer, id, std::nullopt}; }
  static Scope LimitedUser(int64_t customer, int64_t user) {
    return {Kind::kCustomer, customer, user};
  }
  std::optional<int64_t> reseller() const {
    return kind == Kind::kReseller ? std::optional<int64_t>(id) : std::nullopt;
  }
  std::optional<int64_t> customer() const {
    return kind == Kind::kCustomer ? std::optional<int64_t>(id) : std::nullopt;
  }
};

// Pages are keyset-based: items with id > after_id, at most limit of them, oldest first. search,
// when not empty, keeps the items whose name contains it (lists that say they search; in the
// query, so a page is full whenever more items match).
struct Page {
  int64_t after_id = 0;
  int limit = 100;
  std::string search;
};

// A domain name a customer holds: a site's domain or alias (kind "site"), a zone or a mail
// domain (their Resource kinds). The name-ownership rule (services/name_ownership.h) reads these.
struct NameClaim {
  std::string name;
  std::string kind;
  int64_t customer_id = 0;
};

struct ResourceFilter {
  std::string kind;
  std::optional<int64_t> customer_id;
  std::optional<std::string> parent;
  std::optional<int64_t> node_id;
  std::optional<Page> page;  // nullopt: every match (the services' own reads)
};

struct TransferFilter {
  std::optional<int64_t> source_node_id;
  std::optional<int64_t> customer_id;
  bool open_only = false;
  std::optional<int64_t> target_node_id;
};

struct TaskFilter {
  std::optional<std::string> node;
  std::optional<TaskState> state;
  std::optional<std::string> object_key;
  std::optional<int64_t> change_id;
  Page page;
};

// The counts behind /metrics, by state name.
struct TaskStats {
  std::map<std::string, int64_t> by_state;
};

}  // namespace hostplane::controller
