#pragma once

// JsonObject: builds one JSON object member by member, moving each value into the object's map.
//
// Why not nlohmann's brace form (`Json{{"id", 1}, ...}`): that constructor copies every value out
// of its initializer list (json_ref) and first checks each element for being a key/value pair;
// for the entities of a list page it cost three times what emplacing costs (bench/list_json:
// a page of 50 customers). The encoders of store entities, which every list answer runs once per
// row, use this; one-off answers keep the brace form, which reads better.
//
// A value type: build it on one thread, then Take() the Json. Adding a key twice keeps the first
// value (std::map::emplace), which the encoders never do.

#include <string_view>
#include <utility>

#include "controller/store/entities.h"

namespace hostplane::controller {

class JsonObject {
 public:
  JsonObject() : json_(Json::value_t::object) {}

  template <typename V>
  JsonObject& Add(std::string_view key, V&& value) {
    json_.get_ref<Json::object_t&>().emplace(std::string(key), Json(std::forward<V>(value)));
    return *this;
  }

  // Sets or replaces a member (for kind-specific data merged over the common members).
  template <typename V>
  JsonObject& Set(std::string_view key, V&& value) {
    json_.get_ref<Json::object_t&>()[std::string(key)] = Json(std::forward<V>(value));
    return *this;
  }

  // Moves the object out; the builder is empty afterwards.
  [[nodiscard]] Json Take() { return std::move(json_); }

 private:
  Json json_;
};

}  // namespace hostplane::controller
