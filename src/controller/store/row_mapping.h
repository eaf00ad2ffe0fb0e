#pragma once

// The one mapping between the store's rows and its entities, shared by every backend: each
// entity is read from a row by column name (so a query may list its columns in any order, and a
// backend's result shape does not matter), and JSON text and state names are turned into values
// here and nowhere else. Pure functions.

#include <string>
#include <vector>

#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller::rows {

// Errors: kInternal when a state stored in the row has no enum value (a newer or damaged store).
Result<Plan> ReadPlan(const sql::Row& row);
Result<Customer> ReadCustomer(const sql::Row& row);
Result<Site> ReadSite(const sql::Row& row);
Result<Node> ReadNode(const sql::Row& row);
Result<JoinToken> ReadJoinToken(const sql::Row& row);
Result<Resource> ReadResource(const sql::Row& row);
Result<TaskRecord> ReadTask(const sql::Row& row);
Result<Transfer> ReadTransfer(const sql::Row& row);
Result<AuditEntry> ReadAudit(const sql::Row& row);
Result<ApiToken> ReadToken(const sql::Row& row);
Result<Reseller> ReadReseller(const sql::Row& row);
Result<User> ReadUser(const sql::Row& row);

// Lists (aliases, roles, drivers, drift) and specs are stored as JSON text.
std::string ListText(const std::vector<std::string>& v);
std::vector<std::string> StringList(const std::string& text);
Json ParseJson(const std::string& text);

// A scope in a list's query: ScopeCondition is the WHERE condition for rows that name their
// customer and its reseller in these columns, ScopeConditionByCustomer for rows that name only
// their customer (tasks, audit entries); AddScope adds the parameters either one uses.
std::string ScopeCondition(std::string_view customer_column, std::string_view reseller_column);
std::string ScopeConditionByCustomer(std::string_view customer_column);
void AddScope(sql::Params& params, const Scope& scope);
// A limited user's grants (Scope::user) in a list's query: rows whose domain_expr is one of the
// user's grants of grant_kind ("site", "maildomain"); a NULL domain_expr matches none.
// AddGrantScope adds its one parameter.
std::string GrantCondition(std::string_view domain_expr, std::string_view grant_kind);
void AddGrantScope(sql::Params& params, const Scope& scope);

// The same scope as the one condition it needs: none for everyone, else the customer's or the
// reseller's column equal to its id, so the planner can use that column's index (the OR form of
// ScopeCondition cannot: at 100,000 customers a customer's page scanned the table). AddScopeOf
// adds the one parameter it names. For the lists that page (sites, services, customers).
std::string ScopeConditionOf(const Scope& scope, std::string_view customer_column,
                             std::string_view reseller_column);
void AddScopeOf(sql::Params& params, const Scope& scope);

// A list's page size, clamped to 1..10,000.
int ClampLimit(int limit);
// A page's search in a list's query: SearchCondition is the WHERE condition for rows whose
// name_column contains page.search (every row when it is empty; LIKE with %, _ and \ escaped);
// AddSearch adds its parameters.
std::string SearchCondition(std::string_view name_column);
void AddSearch(sql::Params& params, const Page& page);

}  // namespace hostplane::controller::rows
