#pragma once

// The one strict reader of JSON members that every decoder in this folder uses: the task specs
// (site, account, cert, database, FTP, mail, zone) and the bus messages of messages.h.
//
// A SpecReader reads the members of one JSON object. A member that is present must have the
// type asked for (null is a wrong type, not "absent"); an absent member takes the fallback given,
// or is field.missing without one. Members nobody asks for are ignored (UnknownMembers::kIgnore:
// a spec an older build stored, a legacy bundle) or, with UnknownMembers::kRefuse (a bundle of
// this build's schema, messages.h kBundleSchema), recorded by Finish as field.unknown under their
// path: with an explicit schema version there is no "a newer peer may have added it". Every
// violation is recorded into a FieldErrors under the member's full path
// ("mailboxes[2].local"), and the read returns nullopt (or nullptr), so a spec decoder keeps
// reading and reports every violation at once; a message decoder stops at the first.
//
// Codes: field.missing, field.type, field.range (or the code given for an integer's range),
// field.unknown, and "<grammar>.not_canonical" for a valid value that is not in its canonical form.
// A reader holds references to its object and its FieldErrors, which must outlive it; it is not
// thread-safe.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

// The shape codes of messages.h, in the "<grammar>.<reason>" style of validate.h.
inline constexpr const char* kFieldMissing = "field.missing";
inline constexpr const char* kFieldType = "field.type";
inline constexpr const char* kFieldRange = "field.range";
inline constexpr const char* kFieldUnknown = "field.unknown";

// "key[i]": the field of element i of an array member, relative to its reader.
std::string Indexed(std::string_view key, size_t i);

class SpecReader {
 public:
  // `object` must be a JSON object; `where` is its own path ("tasks[2]", "" for the top level).
  // With UnknownMembers::kRefuse the reader notes every member asked for (by any read, Has
  // included), in its object and in the objects of every reader made from it (Nested,
  // ObjectItem), for Finish.
  SpecReader(const Json& object, FieldErrors& errors, std::string where = "",
             UnknownMembers unknown = UnknownMembers::kIgnore);

  // The end of a decoder: with kRefuse, records as field.unknown every member that no read asked
  // for, in every object this reader and the readers made from it read (an object one pass read
  // and another did not counts as read); then `value`, or kInvalid with every violation.
  template <typename T>
  Result<T> Finish(T value) const {
    RecordUnknown();
    if (!errors_->empty()) return Fail(errors_->ToError());
    return value;
  }
  // Finish without a value, for a decoder that stops at the first violation (a bus message).
  void RecordUnknown() const;

  // The full path of a field of this object, as errors name it: "tasks[2].revision"; the object
  // itself for "".
  std::string Path(std::string_view field) const;

  // Whether the member is present (whatever its type, null included): for an optional object
  // member whose absence means "none".
  bool Has(const char* key) const { return Find(key) != nullptr; }

  std::optional<std::string> String(const char* key,
                                    std::optional<std::string> fallback = std::nullopt) const;
  std::optional<bool> Bool(const char* key, std::optional<bool> fallback = std::nullopt) const;
  // A service's "status": "active" (also when absent) or "suspended"; status.invalid otherwise.
  // The value read, also when refused (the caller keeps it as it keeps any field).
  std::optional<std::string> ServiceStatus(const char* key = "status") const;

  // A JSON integer (floats such as 5.0 and strings are wrong types; a JSON unsigned too large
  // for int64 is out of range) in [min, max]; outside it the violation has `range_code`.
  std::optional<int64_t> Integer(const char* key, int64_t min, int64_t max,
                                 std::optional<int64_t> fallback = std::nullopt,
                                 const char* range_code = kFieldRange) const;
  // Any JSON integer that fits in int64, for a caller that checks the range with its own code.
  std::optional<int64_t> Integer(const char* key) const {
    return Integer(key, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  }

  // A finite JSON number >= 0 (an integer or a float); field.range when negative.
  std::optional<double> NonNegativeNumber(const char* key,
                                          std::optional<double> fallback = std::nullopt) const;

  // An array whose elements are all strings; one wrong element makes the member a wrong type.
  std::optional<std::vector<std::string>> Strings(
      const char* key, std::optional<std::vector<std::string>> fallback = std::nullopt) const;

  // The member itself, which must be an array (absent is an empty array when optional) or an
  // object; nullptr after recording a violation.
  const Json* Array(const char* key, bool optional = false) const;
  const Json* Object(const char* key) const;

  // A reader of the object `member`, which is this object's member at field `field` (for example
  // what Object(key) returned, or Indexed(key, i) of an array), sharing this reader's errors.
  SpecReader Nested(const Json& member, std::string_view field) const;
  // Element i of an array member `key` (from Array): a reader of it when it is an object, a
  // string when it is one; otherwise nullopt after recording field.type under "key[i]".
  std::optional<SpecReader> ObjectItem(const Json& array, const char* key, size_t i) const;
  std::optional<std::string> StringItem(const Json& array, const char* key, size_t i) const;

  // A required string member that must pass `check` (a validate.h grammar) already in its
  // canonical form. Returns the value as given ("" when absent or not a string).
  template <typename Check>
  std::string Canonical(const char* key, Check check, const char* grammar) const {
    auto v = String(key);
    if (!v) return {};
    CheckCanonical(key, *v, check(*v), grammar);
    return *v;
  }

  // Records checked's violation, or "<grammar>.not_canonical" when value passed its grammar but
  // is not in the canonical form the controller sends (one spelling of a name everywhere, since
  // names become file names).
  void CheckCanonical(std::string_view field, const std::string& value,
                      const Checked<std::string>& checked, const char* grammar) const;

  // Records a violation the caller found (a grammar's own rule) under Path(field).
  void Add(std::string_view field, Violation v) const;

 private:
  const Json* Find(const char* key) const;
  // field.missing unless there is a fallback; returns the fallback.
  template <typename T>
  std::optional<T> Absent(const char* key, std::optional<T> fallback) const;
  std::nullopt_t Wrong(std::string_view field, const char* expected) const;

  // The members asked for of one object a reader read (kRefuse only).
  struct Asked {
    const Json* object;
    std::string where;
    std::set<std::string> keys;
  };

  const Json* object_;
  FieldErrors* errors_;
  std::string where_;
  // Shared by this reader and every reader made from it; null with kIgnore.
  std::shared_ptr<std::vector<Asked>> asked_;
  size_t asked_index_ = 0;
};

}  // namespace hostplane::protocol
