// The API's request body reader (controller/api/request_body.h) on any bytes, read as a route
// with one field of every kind would read it. Invariants:
//  - ParseJsonObject accepts only a JSON object without a duplicate key at any depth (what it
//    accepts, nlohmann dumps and parses back to the same value);
//  - Finish() fails exactly when some field was missing, of the wrong type or unknown, always as
//    kInvalid with at least one field code of the field.* family, and never without one;
//  - a required field read as present is returned; the error body the API would send
//    (ErrorJson, dumped as the API dumps) is valid JSON whatever bytes the field names held.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/api/api_error.h"
#include "controller/api/request_body.h"
#include "fuzz_check.h"

using namespace hostplane;
using namespace hostplane::controller;
using nlohmann::json;

namespace {

void CheckErrorBody(const Error& e) {
  std::string body = ErrorJson(e).dump(-1, ' ', false, json::error_handler_t::replace);
  FUZZ_CHECK(json::accept(body), "the error body is not JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(fuzz::Bytes(data, size));
  auto parsed = ParseJsonObject(body);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == ErrorCode::kInvalid, "refusal not kInvalid");
    FUZZ_CHECK(!parsed.error().fields.empty(), "refusal without a field");
    CheckErrorBody(parsed.error());
    return 0;
  }
  FUZZ_CHECK(parsed->is_object(), "accepted a body that is not an object");
  std::string dumped = parsed->dump(-1, ' ', false, json::error_handler_t::replace);
  auto reparsed = ParseJsonObject(dumped);
  FUZZ_CHECK(reparsed.has_value(), "the dump of an accepted body is refused");

  BodyReader r(*parsed);
  auto name = r.String("name", Presence::kRequired);
  auto aliases = r.StringArray("aliases", Presence::kOptional);
  auto count = r.Integer("count", Presence::kOptional);
  auto ids = r.IntegerArray("ids", Presence::kOptional);
  auto flag = r.Bool("flag", Presence::kOptional);
  auto limit = r.LimitValue("limit", Presence::kOptional);
  auto settings = r.RawObject("settings", Presence::kOptional);
  if (BodyReader* nested = r.Object("limits", Presence::kOptional)) {
    nested->Integer("sites", Presence::kRequired);
    nested->LimitValue("mailboxes", Presence::kOptional);
  }
  auto done = r.Finish();
  if (done) {
    FUZZ_CHECK(name.has_value(), "a required field passed Finish() without a value");
    FUZZ_CHECK(parsed->size() <= 8, "an unknown field passed Finish()");
  } else {
    FUZZ_CHECK(done.error().code == ErrorCode::kInvalid, "Finish() error not kInvalid");
    FUZZ_CHECK(!done.error().fields.empty(), "Finish() error without a field");
    for (const auto& [path, code] : done.error().fields) {
      FUZZ_CHECK(code.starts_with("field."), "Finish() code outside field.*");
    }
    CheckErrorBody(done.error());
  }
  (void)aliases, (void)count, (void)ids, (void)flag, (void)limit, (void)settings;
  return 0;
}
