#include "common/failpoint.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace hostplane::failpoint {
namespace internal {
std::atomic<int> g_enabled{0};
}  // namespace internal

namespace {

struct Point {
  Setting setting;
  int64_t hits = 0;
  int paused = 0;           // threads waiting at it
  uint64_t generation = 0;  // bumped by Release: the threads paused then go on
};

struct Registry {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Point, std::less<>> points;
  std::string arm_path;  // while not empty and missing, every point is dormant
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();  // never destroyed: points may be hit at exit
  return *registry;
}

void Publish(Registry& r) {
  internal::g_enabled.store(static_cast<int>(r.points.size()), std::memory_order_relaxed);
}

const std::map<std::string_view, ErrorCode>& ErrorCodes() {
  static const std::map<std::string_view, ErrorCode> kCodes = {
      {"invalid", ErrorCode::kInvalid},       {"not_found", ErrorCode::kNotFound},
      {"conflict", ErrorCode::kConflict},     {"unavailable", ErrorCode::kUnavailable},
      {"timeout", ErrorCode::kTimeout},       {"io", ErrorCode::kIo},
      {"validation", ErrorCode::kValidation}, {"internal", ErrorCode::kInternal},
  };
  return kCodes;
}

// The operating-system errors a test injects through the filesystem seam (P11).
const std::map<std::string_view, int>& Errnos() {
  static const std::map<std::string_view, int> kErrnos = {
      {"eio", EIO}, {"enospc", ENOSPC}, {"edquot", EDQUOT}, {"erofs", EROFS}};
  return kErrnos;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::optional<int64_t> Number(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1) return std::nullopt;
  return v;
}

// "crash", "error", "error(unavailable)", "pause", "pause(500)", each optionally "*N".
std::optional<Setting> ParseAction(std::string_view text) {
  Setting setting;
  if (auto star = text.find('*'); star != std::string_view::npos) {
    auto times = Number(text.substr(star + 1));
    if (!times || *times > 1'000'000) return std::nullopt;
    setting.times = static_cast<int>(*times);
    text = text.substr(0, star);
  }
  std::string_view argument;
  if (auto open = text.find('('); open != std::string_view::npos) {
    if (text.back() != ')') return std::nullopt;
    argument = text.substr(open + 1, text.size() - open - 2);
    text = text.substr(0, open);
  }
  if (text == "crash" && argument.empty()) {
    setting.action = Action::kCrash;
  } else if (text == "error") {
    setting.action = Action::kError;
    if (!argument.empty()) {
      if (auto e = Errnos().find(argument); e != Errnos().end()) {
        setting.error = ErrorCode::kIo;
        setting.error_errno = e->second;
      } else if (auto code = ErrorCodes().find(argument); code != ErrorCodes().end()) {
        setting.error = code->second;
      } else {
        return std::nullopt;
      }
    }
  } else if (text == "pause") {
    setting.action = Action::kPause;
    if (!argument.empty()) {
      auto ms = Number(argument);
      if (!ms) return std::nullopt;
      setting.pause_for = std::chrono::milliseconds(*ms);
    }
  } else {
    return std::nullopt;
  }
  return setting;
}

}  // namespace

void Enable(std::string_view name, Setting setting) {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  Point& p = r.points[std::string(name)];
  p.setting = setting;
  p.hits = 0;
  Publish(r);
}

void Disable(std::string_view name) {
  Registry& r = TheRegistry();
  {
    std::lock_guard lock(r.mu);
    auto it = r.points.find(name);
    if (it == r.points.end()) return;
    r.points.erase(it);
    Publish(r);
  }
  r.cv.notify_all();  // a paused thread finds its point gone and goes on
}

void DisableAll() {
  Registry& r = TheRegistry();
  {
    std::lock_guard lock(r.mu);
    r.points.clear();
    Publish(r);
  }
  r.cv.notify_all();
}

Status Configure(std::string_view spec) {
  std::vector<std::pair<std::string, Setting>> parsed;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view entry = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    std::optional<Setting> setting;
    if (eq != std::string_view::npos && eq > 0) setting = ParseAction(Trim(entry.substr(eq + 1)));
    if (!setting) {
      return Fail(Error::Invalid("failpoint '" + std::string(entry) +
                                 "' is not name=crash|error[(code|errno)]|pause[(ms)][*times]"));
    }
    parsed.emplace_back(std::string(Trim(entry.substr(0, eq))), *setting);
  }
  for (const auto& [name, setting] : parsed) Enable(name, setting);
  return Ok();
}

void ArmWhenExists(std::string path) {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  r.arm_path = std::move(path);
}

Status ConfigureFromEnvironment() {
  const char* spec = std::getenv("HOSTPLANE_FAILPOINTS");
  if (spec == nullptr || *spec == '\0') return Ok();
  if (const char* arm = std::getenv("HOSTPLANE_FAILPOINTS_ARMED_BY"); arm != nullptr) {
    ArmWhenExists(arm);
  }
  return Configure(spec);
}

int64_t Hits(std::string_view name) {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  auto it = r.points.find(name);
  return it == r.points.end() ? 0 : it->second.hits;
}

bool WaitUntilPaused(std::string_view name, std::chrono::milliseconds timeout) {
  Registry& r = TheRegistry();
  std::unique_lock lock(r.mu);
  return r.cv.wait_for(lock, timeout, [&] {
    auto it = r.points.find(name);
    return it != r.points.end() && it->second.paused > 0;
  });
}

void Release(std::string_view name) {
  Registry& r = TheRegistry();
  {
    std::lock_guard lock(r.mu);
    auto it = r.points.find(name);
    if (it == r.points.end()) return;
    ++it->second.generation;
  }
  r.cv.notify_all();
}

namespace internal {

Status Evaluate(std::string_view name) {
  Registry& r = TheRegistry();
  std::unique_lock lock(r.mu);
  auto it = r.points.find(name);
  if (it == r.points.end()) return Ok();
  if (!r.arm_path.empty()) {
    if (::access(r.arm_path.c_str(), F_OK) != 0) return Ok();  // dormant
    r.arm_path.clear();
  }
  Point& p = it->second;
  ++p.hits;
  const Setting setting = p.setting;
  // Its last time: the point turns itself off (a pause once it has ended).
  const bool last = setting.times && p.hits >= *setting.times;
  auto retire = [&] {
    if (!last) return;
    if (auto now = r.points.find(name);
        now != r.points.end() && now->second.hits >= *setting.times) {
      r.points.erase(now);
      Publish(r);
    }
  };
  switch (setting.action) {
    case Action::kCrash:
      ::kill(::getpid(), SIGKILL);
      ::_exit(137);  // not reached
    case Action::kError:
      retire();
      if (setting.error_errno != 0) {
        return Fail(Error::FromErrno("failpoint " + std::string(name), setting.error_errno));
      }
      return Fail(Error{setting.error, "failpoint " + std::string(name), {}});
    case Action::kPause: {
      const uint64_t generation = p.generation;
      ++p.paused;
      r.cv.notify_all();  // WaitUntilPaused
      auto go_on = [&] {
        auto now = r.points.find(name);
        return now == r.points.end() || now->second.generation != generation;
      };
      if (setting.pause_for) {
        r.cv.wait_for(lock, *setting.pause_for, go_on);
      } else {
        r.cv.wait(lock, go_on);
      }
      if (auto now = r.points.find(name); now != r.points.end()) --now->second.paused;
      retire();
      return Ok();
    }
  }
  return Ok();
}

}  // namespace internal
}  // namespace hostplane::failpoint
