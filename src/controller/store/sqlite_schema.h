#pragma once

// The SQLite schema as numbered migrations (sqlite::Migrate applies each once, in order). Never
// edit a migration that has shipped: add the next number. Timestamps are milliseconds since the
// epoch; lists (aliases, roles, drivers, drift) and specs are JSON text; a NULL limit means
// unlimited.

#include <vector>

#include "common/sqlite/database.h"

namespace hostplane::controller {

inline constexpr const char* kMigration1Schema = R"sql(
CREATE TABLE plans (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  max_sites        INTEGER,
  max_mailboxes    INTEGER,
  mailbox_quota_mb INTEGER,
  max_forwarders   INTEGER,
  max_ftp_users    INTEGER,
  max_dns_zones    INTEGER,
  max_databases    INTEGER,
  disk_mb          INTEGER,
  created_at       INTEGER NOT NULL
);

CREATE TABLE customers (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'active',
  plan_id       INTEGER NOT NULL REFERENCES plans(id),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE nodes (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  roles            TEXT NOT NULL DEFAULT '[]',
  capacity         INTEGER NOT NULL,
  status           TEXT NOT NULL DEFAULT 'active',
  head_revision    INTEGER NOT NULL DEFAULT 0,
  applied_revision INTEGER NOT NULL DEFAULT 0,
  last_seen        INTEGER,
  version          TEXT NOT NULL DEFAULT '',
  drivers          TEXT NOT NULL DEFAULT '[]',
  drift            TEXT NOT NULL DEFAULT '[]',
  created_at       INTEGER NOT NULL
);

CREATE TABLE sites (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  domain      TEXT NOT NULL UNIQUE,
  aliases     TEXT NOT NULL DEFAULT '[]',
  docroot     TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active',
  node_id     INTEGER NOT NULL REFERENCES nodes(id),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX sites_by_customer ON sites(customer_id);

-- Every domain and alias of every site: one owner per name.
CREATE TABLE site_names (
  name    TEXT PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE
);
CREATE INDEX site_names_by_site ON site_names(site_id);

CREATE TABLE audit (
  id     INTEGER PRIMARY KEY,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  before TEXT NOT NULL DEFAULT 'null',
  after  TEXT NOT NULL DEFAULT 'null',
  at     INTEGER NOT NULL
);
CREATE INDEX audit_by_object ON audit(object, id);

CREATE TABLE tasks (
  id              INTEGER PRIMARY KEY,
  node_id         INTEGER NOT NULL REFERENCES nodes(id),
  revision        INTEGER NOT NULL,
  object_key      TEXT NOT NULL,
  kind            TEXT NOT NULL,
  spec            TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending',
  error           TEXT NOT NULL DEFAULT '',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  applied_at      INTEGER,
  duration_ms     INTEGER,
  change_id       INTEGER REFERENCES audit(id),
  UNIQUE (node_id, revision)
);
CREATE INDEX tasks_by_object ON tasks(node_id, object_key, revision);
CREATE INDEX tasks_by_state ON tasks(state);
CREATE INDEX tasks_by_change ON tasks(change_id);
CREATE INDEX tasks_due_retry ON tasks(node_id, next_attempt_at) WHERE state = 'retry';

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL DEFAULT 'admin',
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
);
)sql";

// The plan every customer gets unless told otherwise: everything unlimited.
inline constexpr const char* kMigration2DefaultPlan = R"sql(
INSERT INTO plans (name, created_at)
VALUES ('default', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
)sql";

// Issue 3: account uids, site PHP/HTTPS, node addresses, and every other hosted service.
inline constexpr const char* kMigration3Services = R"sql(
ALTER TABLE customers ADD COLUMN uid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN php TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN https INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN ipv4 TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN ipv6 TEXT NOT NULL DEFAULT '';

CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

CREATE TABLE resources (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  kind        TEXT NOT NULL,
  name        TEXT NOT NULL,
  parent      TEXT NOT NULL DEFAULT '',
  node_id     INTEGER NOT NULL DEFAULT 0,
  data        TEXT NOT NULL DEFAULT '{}',
  status      TEXT NOT NULL DEFAULT 'active',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  UNIQUE (kind, name)
);
CREATE INDEX resources_by_customer ON resources(customer_id, kind);
CREATE INDEX resources_by_parent ON resources(kind, parent);
CREATE INDEX resources_by_node ON resources(kind, node_id);
)sql";

// Issue 4: nodes at sites and in groups, enrolment with one-time join tokens, each node's NATS
// password (bcrypt, for the relay's users), its load from heartbeats, and plans pinned to a site or
// a node group.
inline constexpr const char* kMigration4Fleet = R"sql(
ALTER TABLE nodes ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN node_group TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN load REAL NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN nats_password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN enrolled_at INTEGER;
ALTER TABLE plans ADD COLUMN pin_site TEXT NOT NULL DEFAULT '';
ALTER TABLE plans ADD COLUMN pin_group TEXT NOT NULL DEFAULT '';

CREATE TABLE join_tokens (
  id         INTEGER PRIMARY KEY,
  node_id    INTEGER NOT NULL REFERENCES nodes(id),
  token_hash TEXT NOT NULL UNIQUE,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX join_tokens_by_node ON join_tokens(node_id);
)sql";

// Issue 4: content copies of drains (an account's home, a mail domain's Maildirs), whose chunks
// wait in the controllers' spool directory between the two nodes.
inline constexpr const char* kMigration5Transfers = R"sql(
CREATE TABLE transfers (
  id             INTEGER PRIMARY KEY,
  customer_id    INTEGER NOT NULL,
  what           TEXT NOT NULL,
  object         TEXT NOT NULL,
  source_node_id INTEGER NOT NULL REFERENCES nodes(id),
  target_node_id INTEGER NOT NULL REFERENCES nodes(id),
  state          TEXT NOT NULL,
  chunks         INTEGER NOT NULL DEFAULT 0,
  bytes          INTEGER NOT NULL DEFAULT 0,
  digest         TEXT NOT NULL DEFAULT '',
  error          TEXT NOT NULL DEFAULT '',
  change_id      INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX transfers_by_source ON transfers(source_node_id, state);
CREATE INDEX transfers_by_customer ON transfers(customer_id, state);
)sql";

// Issue 12: the names customers hold (site names, zones, mail domains) keyed with their labels
// reversed ("shop.acme.example" -> "example.acme.shop."), so every name at or below another is
// one index range (name_key >= 'example.acme.' AND name_key < 'example.acme/'): the
// name-ownership rule looks below a name as cheaply as at it. Existing rows get their keys here
// (a recursive split of the name into labels); new rows from NameKey()
// (repositories/name_claim_repository.h).
inline constexpr const char* kMigration6NameKeys = R"sql(
ALTER TABLE site_names ADD COLUMN name_key TEXT;
ALTER TABLE resources ADD COLUMN name_key TEXT;

CREATE TEMP TABLE name_keys_6 (source TEXT, id INTEGER, key TEXT, PRIMARY KEY (source, id));
INSERT INTO name_keys_6 (source, id, key)
WITH RECURSIVE split(source, id, rest, acc) AS (
  SELECT 'site', rowid, name || '.', '' FROM site_names
  UNION ALL
  SELECT 'resource', id, name || '.', '' FROM resources WHERE kind IN ('zone', 'maildomain')
  UNION ALL
  SELECT source, id, substr(rest, instr(rest, '.') + 1), substr(rest, 1, instr(rest, '.')) || acc
  FROM split WHERE rest != ''
)
SELECT source, id, acc FROM split WHERE rest = '';
UPDATE site_names SET name_key =
  (SELECT key FROM name_keys_6 k WHERE k.source = 'site' AND k.id = site_names.rowid);
UPDATE resources SET name_key =
  (SELECT key FROM name_keys_6 k WHERE k.source = 'resource' AND k.id = resources.id)
WHERE kind IN ('zone', 'maildomain');
DROP TABLE name_keys_6;

CREATE INDEX site_names_by_key ON site_names(name_key);
CREATE INDEX resources_by_name_key ON resources(name_key) WHERE name_key IS NOT NULL;
)sql";

// Issue 13: the owner chain. A customer belongs to a reseller or (NULL) to the company; tasks and
// audit entries name the customer whose object they concern, so that every list can be scoped in
// its query. Resellers themselves come with people and permissions (issue 14), which adds their
// table; the column is a plain integer until then.
inline constexpr const char* kMigration7Owners = R"sql(
ALTER TABLE customers ADD COLUMN reseller_id INTEGER;
CREATE INDEX customers_by_reseller ON customers(reseller_id, id);
ALTER TABLE tasks ADD COLUMN customer_id INTEGER;
CREATE INDEX tasks_by_customer ON tasks(customer_id, id);
ALTER TABLE audit ADD COLUMN customer_id INTEGER;
CREATE INDEX audit_by_customer ON audit(customer_id, id);
)sql";

// Issue 14: people and permissions. Resellers (their limits and whether the plans they give out
// may sum to more than those, i.e. overselling), everyone who logs in (staff, reseller logins,
// customers and their users: one login namespace, by login name or e-mail address), the named
// sites and mail domains a limited user of a customer may touch, a plan's owner (a reseller's own
// plans) and API tokens per user with scopes and an expiry. Existing data stays: customers keep
// belonging to the company (reseller_id NULL), a customer with a panel password gets its login,
// and the tokens there are stay the company's admin tokens (user_id NULL, scope "admin").
inline constexpr const char* kMigration8People = R"sql(
CREATE TABLE resellers (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'active',
  max_customers INTEGER,
  max_sites     INTEGER,
  overselling   INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE,
  email         TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL,
  reseller_id   INTEGER REFERENCES resellers(id),
  customer_id   INTEGER REFERENCES customers(id),
  full_access   INTEGER NOT NULL DEFAULT 1,
  totp_secret   TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX users_by_email ON users(email);
CREATE INDEX users_by_reseller ON users(reseller_id);
CREATE INDEX users_by_customer ON users(customer_id);

CREATE TABLE user_grants (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind    TEXT NOT NULL,
  name    TEXT NOT NULL,
  PRIMARY KEY (user_id, kind, name)
);

ALTER TABLE plans ADD COLUMN reseller_id INTEGER REFERENCES resellers(id);
ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '["admin"]';
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
CREATE INDEX api_tokens_by_user ON api_tokens(user_id);

INSERT INTO users (login, email, name, password_hash, role, customer_id, created_at, updated_at)
SELECT login, email, name, password_hash, 'customer', id, created_at, updated_at
FROM customers WHERE password_hash != '';
)sql";

// Issue 14: the login state. Browser sessions, by the hash of their id (the id itself is only
// ever in the cookie), and the failed logins the throttle counts, under opaque keys (hashes of
// name and source, never either in clear); both survive a restart.
inline constexpr const char* kMigration9LoginState = R"sql(
CREATE TABLE sessions (
  id_hash    TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  stage      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  source     TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE login_failures (
  id  INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  at  INTEGER NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures(key, at);
CREATE INDEX login_failures_by_at ON login_failures(at);
)sql";

// Issue 16: the controller's secrets (DKIM private keys), each value sealed with the master key
// (controller/store/secret_vault.h: libsodium secretbox, nonce per value, the name bound inside),
// never in clear; and the box key each node announces in its hello (sealed_box.h), to which
// secrets travelling to it are sealed.
inline constexpr const char* kMigration10Secrets = R"sql(
CREATE TABLE secrets (
  name       TEXT PRIMARY KEY,
  sealed     TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

ALTER TABLE nodes ADD COLUMN box_key TEXT NOT NULL DEFAULT '';
)sql";

// Issue 15: a site's web settings (protocol/site_settings.h), one JSON object; '{}' means every
// default.
inline constexpr const char* kMigration11SiteSettings = R"sql(
ALTER TABLE sites ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
)sql";

// Issue 17: the name-server name a dns node is listed under in every zone's NS (`hostplane node
// set NODE ns-name=...`); "" = ns<k>.<zone>, glued to the node's address.
inline constexpr const char* kMigration12NameServers = R"sql(
ALTER TABLE nodes ADD COLUMN ns_name TEXT NOT NULL DEFAULT '';
)sql";

// Issue 21: orders. Plans that can be ordered, with a price in integer minor units; the orders
// (no card number or CVC column: the gateway's reference, brand and last 4 only), every
// transition of one (order_events, written with its effects), the idempotency key of every call
// to a payment gateway (persisted before the call; one per order and operation), the mail outbox
// (common/mail/outbox_store.h: a mail commits with the change that causes it) and one-time links
// (controller/auth/one_time_links.h: only the secret's hash).
inline constexpr const char* kMigration13Orders = R"sql(
ALTER TABLE plans ADD COLUMN orderable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN price_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';

CREATE TABLE orders (
  id                 INTEGER PRIMARY KEY,
  state              TEXT NOT NULL,
  step               TEXT NOT NULL DEFAULT 'customer',
  plan_id            INTEGER NOT NULL REFERENCES plans(id),
  plan               TEXT NOT NULL,
  reseller_id        INTEGER,
  amount_minor       INTEGER NOT NULL,
  currency           TEXT NOT NULL,
  contact_name       TEXT NOT NULL DEFAULT '',
  email              TEXT NOT NULL DEFAULT '',
  phone              TEXT NOT NULL DEFAULT '',
  login              TEXT NOT NULL DEFAULT '',
  domain             TEXT NOT NULL DEFAULT '',
  billing_name       TEXT NOT NULL DEFAULT '',
  billing_street     TEXT NOT NULL DEFAULT '',
  billing_postcode   TEXT NOT NULL DEFAULT '',
  billing_city       TEXT NOT NULL DEFAULT '',
  billing_country    TEXT NOT NULL DEFAULT '',
  tos_version        TEXT NOT NULL DEFAULT '',
  source             TEXT NOT NULL DEFAULT '',
  score              INTEGER NOT NULL DEFAULT 0,
  verdict            TEXT NOT NULL DEFAULT 'accept',
  reasons            TEXT NOT NULL DEFAULT '[]',
  gateway            TEXT NOT NULL DEFAULT '',
  payment            TEXT NOT NULL DEFAULT 'none',
  payment_ref        TEXT NOT NULL DEFAULT '',
  card_brand         TEXT NOT NULL DEFAULT '',
  card_last4         TEXT NOT NULL DEFAULT '',
  customer_id        INTEGER,
  reject_reason      TEXT NOT NULL DEFAULT '',
  welcome_message_id TEXT NOT NULL DEFAULT '',
  anonymised         INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX orders_by_state ON orders(state, id);
CREATE INDEX orders_by_reseller ON orders(reseller_id, id);
CREATE INDEX orders_by_email ON orders(email) WHERE email != '';
CREATE INDEX orders_by_domain ON orders(domain) WHERE domain != '';

CREATE TABLE order_events (
  id         INTEGER PRIMARY KEY,
  order_id   INTEGER NOT NULL REFERENCES orders(id),
  from_state TEXT,
  to_state   TEXT NOT NULL,
  actor      TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '{}',
  at         INTEGER NOT NULL
);
CREATE INDEX order_events_by_order ON order_events(order_id, id);

CREATE TABLE order_payments (
  id              INTEGER PRIMARY KEY,
  order_id        INTEGER NOT NULL REFERENCES orders(id),
  operation       TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  state           TEXT NOT NULL DEFAULT 'started',
  outcome         TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (order_id, operation)
);

CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY,
  message_id      TEXT NOT NULL UNIQUE,
  envelope_from   TEXT NOT NULL,
  envelope_to     TEXT NOT NULL,
  bytes           TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending',
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  sent_at         INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE state = 'pending';

CREATE TABLE one_time_links (
  hash       TEXT PRIMARY KEY,
  purpose    TEXT NOT NULL,
  subject    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX one_time_links_by_subject ON one_time_links(subject, purpose);
)sql";

// Issue 14: the second factor beside users.totp_secret: the secret being enrolled (pending until
// a code made from it is confirmed), the last TOTP step accepted (replay refusal across restarts
// and controllers), and the recovery codes, only as hashes (auth/recovery_codes.h).
inline constexpr const char* kMigration15SecondFactors = R"sql(
CREATE TABLE second_factors (
  user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  pending    TEXT NOT NULL DEFAULT '',
  pending_at INTEGER NOT NULL DEFAULT 0,
  last_step  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash    TEXT NOT NULL,
  PRIMARY KEY (user_id, hash)
);
)sql";

// Issue 16 (brief 3): the plan's sending limit (messages per hour, every recipient of every message
// that leaves counts one; NULL = unlimited, like every limit; the plans there are get 100, the
// default a new plan gets when its request names none), and the submission endpoint a mail
// node announces in its hello (protocol::SubmissionEndpoint as JSON; '' = none), where PHP's mail()
// of the accounts whose mail it serves submits.
inline constexpr const char* kMigration17MailSubmission = R"sql(
ALTER TABLE plans ADD COLUMN max_messages_per_hour INTEGER;
UPDATE plans SET max_messages_per_hour = 100;
ALTER TABLE nodes ADD COLUMN mail_submission TEXT NOT NULL DEFAULT '';
)sql";

// Issue 14: "log in as". A session may act as another user (its id in decimal, '' for none) until
// a moment (ms since the epoch); the session's own user stays who really asks.
inline constexpr const char* kMigration16ActingAs = R"sql(
ALTER TABLE sessions ADD COLUMN acting_as TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN acting_until INTEGER NOT NULL DEFAULT 0;
)sql";

// Issue 22: leases for the jobs that must run once across controllers (the order worker, the
// mail outbox, certificate renewals): one row per job, its holder, an epoch that grows with every
// new holder (the fencing token) and the end of the lease on the database's clock (ms).
inline constexpr const char* kMigration19Leases = R"sql(
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  epoch      INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
)sql";

// Migration 21 (issue 14, lists for real sizes): each list route's page is a range of one index
// ending in the id (the keyset), whatever scope or filter the route adds: a customer's sites, a
// kind of service (all, one customer's, one parent's: a zone's records, a mail domain's
// mailboxes). Three older indexes gain the id at their end (SQLite's ended in the rowid anyway,
// PostgreSQL's did not), one is new.
inline constexpr const char* kMigration21ListPages = R"sql(
DROP INDEX sites_by_customer;
CREATE INDEX sites_by_customer ON sites(customer_id, id);
DROP INDEX resources_by_customer;
CREATE INDEX resources_by_customer ON resources(customer_id, kind, id);
DROP INDEX resources_by_parent;
CREATE INDEX resources_by_parent ON resources(kind, parent, id);
CREATE INDEX resources_by_kind ON resources(kind, id);
)sql";

// Migration 22 (issue 23, writes under load): a new task supersedes the older pending ones of
// its object on its node. tasks_by_object served that by reading every older task of the
// object, applied or not — a zone written a thousand times read a thousand rows per write. The
// open ones are few: a partial index holds only them.
inline constexpr const char* kMigration22OpenTasks = R"sql(
CREATE INDEX tasks_open_by_object ON tasks(node_id, object_key, revision)
  WHERE state IN ('pending', 'retry');
)sql";

inline const std::vector<sqlite::Migration>& StoreMigrations() {
  static const std::vector<sqlite::Migration> kMigrations = {
      {1, kMigration1Schema},         {2, kMigration2DefaultPlan},
      {3, kMigration3Services},       {4, kMigration4Fleet},
      {5, kMigration5Transfers},      {6, kMigration6NameKeys},
      {7, kMigration7Owners},         {8, kMigration8People},
      {9, kMigration9LoginState},     {10, kMigration10Secrets},
      {11, kMigration11SiteSettings}, {12, kMigration12NameServers},
      {13, kMigration13Orders},       {15, kMigration15SecondFactors},
      {16, kMigration16ActingAs},     {17, kMigration17MailSubmission},
      {19, kMigration19Leases},       {21, kMigration21ListPages},
      {22, kMigration22OpenTasks},
  };
  return kMigrations;
}

}  // namespace hostplane::controller
