#pragma once

// A ServiceDriver over plain files, for tests of the batch algorithm and the agent loop without a
// daemon. Task kinds "fake.set" ({"name", "content"}) and "fake.remove" ({"name"}) own the file
// fake/<name>.txt. Its "validator" refuses any live file containing "BAD" and names the file only
// when it contains "BAD-NAMED". Header-only, for hp_agent_test.

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/testing/driver_test_support.h"
#include "common/fs/filesystem.h"

namespace hostplane::agent::testing {

class FakeDriver final : public ServiceDriver {
 public:
  explicit FakeDriver(Filesystem& fs) : fs_(fs) {}

  std::string Name() const override { return "fake"; }
  std::vector<std::string> Kinds() const override { return {"fake.set", "fake.remove"}; }
  std::vector<std::string> ManagedDirs() const override { return {"fake"}; }

  Result<FileSet> Render(const protocol::Task& task) const override {
    const auto& s = task.spec;
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) {
      return Fail(Error::Invalid("fake spec needs a name"));
    }
    std::string name = s["name"];
    for (char c : name) {
      if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
        return Fail(Error::Invalid("bad fake name"));
      }
    }
    if (name.empty()) return Fail(Error::Invalid("bad fake name"));
    if (task.kind == "fake.remove") return FileSet{{Path(name), std::nullopt, 0644}};
    if (!s.contains("content") || !s["content"].is_string()) {
      return Fail(Error::Invalid("fake spec needs content"));
    }
    return FileSet{{Path(name), s["content"].get<std::string>(), 0644}};
  }
  Status Prepare(const protocol::Task&) override { return Ok(); }
  Result<Verdict> Validate() override {
    ++validations;
    if (on_validate) on_validate();
    auto names = fs_.ListDir("fake");
    if (!names) return Fail(names.error());
    for (const auto& n : *names) {
      if (n.front() == '.' || n == kDerived) continue;
      auto c = fs_.ReadFile("fake/" + n);
      if (!c) return Fail(c.error());
      if (*c && (*c)->find("BAD") != std::string::npos) {
        Verdict v{false, "fake validator refuses " + n, std::nullopt};
        if ((*c)->find("BAD-NAMED") != std::string::npos) v.file = "fake/" + n;
        return v;
      }
    }
    return Verdict{};
  }
  Status Reload() override {
    ++reloads;
    if (fail_reload) return Fail(Error::Unavailable("fake daemon not running"));
    return Ok();
  }
  Status Finish(const protocol::Task&) override { return Ok(); }
  // Derives fake/_all (every live file's name and content, sorted), as a Postfix map is derived
  // from per-domain fragments.
  Status Assemble() override {
    ++assembles;
    auto derived = Derive();
    if (!derived) return Fail(derived.error());
    return fs_.WriteFileAtomic(std::string("fake/") + kDerived, *derived, 0644);
  }
  // What fake/_all must hold for the live tree.
  Result<std::string> Derive() const {
    auto names = fs_.ListDir("fake");
    if (!names) return Fail(names.error());
    std::vector<std::string> sorted(names->begin(), names->end());
    std::sort(sorted.begin(), sorted.end());
    std::string out;
    for (const auto& n : sorted) {
      if (n.front() == '.' || n == kDerived) continue;
      auto c = fs_.ReadFile("fake/" + n);
      if (!c) return Fail(c.error());
      if (*c) out += n + "=" + **c + "\n";
    }
    return out;
  }

  static constexpr const char* kDerived = "_all";
  static std::string Path(const std::string& name) { return "fake/" + name + ".txt"; }

  int validations = 0;
  int reloads = 0;
  int assembles = 0;
  bool fail_reload = false;
  std::function<void()> on_validate;

 private:
  Filesystem& fs_;
};

inline protocol::Task FakeSet(int64_t revision, const std::string& name,
                              const std::string& content) {
  return MakeTask(revision, "fake:" + name, "fake.set",
                  protocol::Json{{"name", name}, {"content", content}});
}

}  // namespace hostplane::agent::testing
