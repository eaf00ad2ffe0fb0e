// `hostplane files ls|get|put|rm|mv|mkdir|cp|extract|archive|empty-trash --customer LOGIN
// PATH...`: the file manager's API
// (/api/v1/customers/{login}/files...) for scripts. `get ... PATH -` writes the file to standard
// output and `put - PATH` reads it from standard input, byte-exact; both move large files in
// parts of kPartBytes (offset/length, offset/last), so nothing needs the whole file in memory.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli/cli_verbs.h"
#include "cli/exit_codes.h"
#include "cli/table.h"

namespace hostplane::cli::detail {
namespace {

constexpr int64_t kPartBytes = 8 * 1024 * 1024;

std::string FilesPath(const State& s, const char* tail = "") {
  return "/api/v1/customers/" + Segment(s.customer) + "/files" + tail;
}

Query WithNode(const State& s, Query q) {
  if (!s.node.empty()) q.emplace_back("node", s.node);
  return q;
}

std::string HeaderOf(const ApiResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return "";
}

int Ls(State& s) {
  const std::string path = s.paths.empty() ? "" : s.paths[0];
  json all = json::array();
  int64_t total = 0;
  for (int64_t offset = 0;;) {
    auto r = s.client().Get(
        FilesPath(s),
        WithNode(s, {{"path", path}, {"offset", std::to_string(offset)}, {"limit", "1000"}}));
    if (int rc = Check(r, s); rc != kExitOk) return rc;
    const json& entries = r->body["entries"];
    total = r->body.value("total", int64_t{0});
    for (const auto& e : entries) all.push_back(e);
    offset += static_cast<int64_t>(entries.size());
    if (entries.empty() || offset >= total) break;
  }
  if (s.json_output()) {
    PrintJson(s, {{"path", path}, {"entries", all}, {"total", total}});
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : all) {
    const bool foreign = e.value("type", "") == "foreign";
    char mode[8] = "-";
    if (!foreign) std::snprintf(mode, sizeof mode, "%03llo", e.value("mode", 0ULL));
    rows.push_back({Cell(e["name"]), Cell(e["type"]), foreign ? "-" : Cell(e["size"]), mode});
  }
  s.io.out << RenderTable({"NAME", "TYPE", "SIZE", "MODE"}, rows);
  return kExitOk;
}

int Get(State& s) {
  const std::string& path = s.paths.at(0);
  const std::string& dest = s.paths.at(1);
  std::ofstream file;
  std::ostream* out = &s.io.out;
  if (dest != "-") {
    file.open(dest, std::ios::binary | std::ios::trunc);
    if (!file) {
      s.io.err << "error: cannot write " << Printable(dest) << "\n";
      return kExitUnexpected;
    }
    out = &file;
  }
  for (int64_t offset = 0;;) {
    auto r = s.client().Get(FilesPath(s, "/content"),
                            WithNode(s, {{"path", path},
                                         {"offset", std::to_string(offset)},
                                         {"length", std::to_string(kPartBytes)}}));
    if (!r) {
      s.io.err << "error: " << r.error().message << "\n";
      return kExitUnreachable;
    }
    if (!r->ok()) {
      PrintApiError(*r, s.io.err);
      return ExitCodeForStatus(r->status);
    }
    out->write(r->raw.data(), static_cast<std::streamsize>(r->raw.size()));
    offset += static_cast<int64_t>(r->raw.size());
    const int64_t size = std::stoll("0" + HeaderOf(*r, "X-File-Size"));
    if (r->raw.empty() || offset >= size) break;
  }
  out->flush();
  if (!*out) {
    s.io.err << "error: writing the file failed\n";
    return kExitUnexpected;
  }
  return kExitOk;
}

int Put(State& s) {
  const std::string& src = s.paths.at(0);
  const std::string& path = s.paths.at(1);
  std::ifstream file;
  std::istream* in = &s.io.in;
  if (src != "-") {
    file.open(src, std::ios::binary);
    if (!file) {
      s.io.err << "error: cannot read " << Printable(src) << "\n";
      return kExitUnexpected;
    }
    in = &file;
  }
  std::string part(static_cast<size_t>(kPartBytes), '\0');
  int64_t offset = 0;
  json last_body;
  // Read one part ahead, so the last part is known when it is sent.
  auto read_part = [&](std::string& buf) {
    in->read(buf.data(), static_cast<std::streamsize>(buf.size()));
    buf.resize(static_cast<size_t>(in->gcount()));
  };
  std::string cur = part, next = part;
  read_part(cur);
  while (true) {
    bool last = in->eof() || cur.size() < static_cast<size_t>(kPartBytes);
    if (!last) {
      next.assign(static_cast<size_t>(kPartBytes), '\0');
      read_part(next);
      last = next.empty();
    }
    Query q = WithNode(
        s, {{"path", path}, {"offset", std::to_string(offset)}, {"last", last ? "true" : "false"}});
    if (s.exclusive) q.emplace_back("exclusive", "true");
    if (s.if_mtime_ns >= 0) q.emplace_back("if_mtime_ns", std::to_string(s.if_mtime_ns));
    auto r = s.client().Put(FilesPath(s, "/content"), q, cur);
    if (int rc = Check(r, s); rc != kExitOk) return rc;
    offset += static_cast<int64_t>(cur.size());
    last_body = r->body;
    if (last) break;
    std::swap(cur, next);
  }
  if (s.json_output()) {
    PrintJson(s, last_body);
  } else {
    s.io.out << "wrote " << Printable(path) << " (" << offset << " bytes)\n";
  }
  return kExitOk;
}

int Rm(State& s) {
  Query q = WithNode(s, {{"path", s.paths.at(0)}});
  if (s.at_once) q.emplace_back("at_once", "true");
  auto r = s.client().Delete(FilesPath(s), q);
  if (int rc = Check(r, s); rc != kExitOk) return rc;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else if (r->body["trash"].is_string()) {
    s.io.out << "moved to the trash as .hp-trash/" << Printable(r->body["trash"].get<std::string>())
             << "\n";
  } else {
    s.io.out << "deleted\n";
  }
  return kExitOk;
}

int Mv(State& s) {
  json body{{"from", s.paths.at(0)}, {"to", s.paths.at(1)}};
  if (!s.node.empty()) body["node"] = s.node;
  auto r = s.client().Post(FilesPath(s, "/move"), body);
  if (int rc = Check(r, s); rc != kExitOk) return rc;
  if (s.json_output()) PrintJson(s, r->body);
  return kExitOk;
}

int Mkdir(State& s) {
  json body{{"path", s.paths.at(0)}};
  if (!s.node.empty()) body["node"] = s.node;
  auto r = s.client().Post(FilesPath(s, "/folders"), body);
  if (int rc = Check(r, s); rc != kExitOk) return rc;
  if (s.json_output()) PrintJson(s, r->body);
  return kExitOk;
}

// Copy, extract and archive say what they wrote: "<entries> entries, <bytes> bytes".
void PrintWritten(State& s, const json& body, const std::string& what) {
  if (s.json_output()) {
    PrintJson(s, body);
    return;
  }
  s.io.out << what << " (" << body.value("entries", int64_t{0}) << " entries, "
           << body.value("bytes", int64_t{0}) << " bytes)\n";
}

int Cp(State& s) {
  json body{{"from", s.paths.at(0)}, {"to", s.paths.at(1)}};
  if (s.overwrite) body["overwrite"] = true;
  if (!s.node.empty()) body["node"] = s.node;
  auto r = s.client().Post(FilesPath(s, "/copy"), body);
  if (int rc = Check(r, s); rc != kExitOk) return rc;
  PrintWritten(s, r->body, "copied to " + Printable(s.paths.at(1)));
  return kExitOk;
}

int Extract(State& s) {
  json body{{"path", s.paths.at(0)}, {"to", s.paths.at(1)}};
  if (!s.node.empty()) body["node"] = s.node;
  auto r = s.client().Post(FilesPath(s, "/extract"), body);
  if (int rc = Check(r, s); rc != kExitOk) return rc;
  PrintWritten(s, r->body, "extracted into " + Printable(s.paths.at(1)));
  return kExitOk;
}

int Archive(State& s) {
  json body{{"to", s.paths.at(0)},
            {"paths", std::vector<std::string>(s.paths.begin() + 1, s.paths.end())}};
  if (!s.node.empty()) body["node"] = s.node;
  auto r = s.client().Post(FilesPath(s, "/archive"), body);
  if (int rc = Check(r, s); rc != kExitOk) return rc;
  PrintWritten(s, r->body, "wrote " + Printable(s.paths.at(0)));
  return kExitOk;
}

int EmptyTrash(State& s) {
  auto r = s.client().Delete(FilesPath(s, "/trash"), WithNode(s, {}));
  if (int rc = Check(r, s); rc != kExitOk) return rc;
  if (s.json_output()) {
    PrintJson(s, r->body);
  } else {
    s.io.out << "removed " << r->body.value("removed", int64_t{0}) << " entries from the trash\n";
  }
  return kExitOk;
}

}  // namespace

void AddFileCommands(CLI::App& app, const std::shared_ptr<State>& s) {
  CLI::App* files =
      app.add_subcommand("files", "A customer's files, handled on its web node as its own user");
  files->footer(kExitCodesHelp);
  files->require_subcommand(1);
  auto common = [&](CLI::App* c) {
    c->add_option("--customer", s->customer, "The customer whose home it is")->required();
    c->add_option("--node", s->node, "The node, when the account has homes on several");
  };
  CLI::App* c = Verb(files, "ls", "List a folder of the home (default: the home itself)", s, Ls);
  common(c);
  c->add_option("PATH", s->paths, "Relative to the home")->expected(0, 1);
  c = Verb(files, "get", "Download a file (DEST - : standard output)", s, Get);
  common(c);
  c->add_option("PATH DEST", s->paths, "The file, and where to write it")->expected(2)->required();
  c = Verb(files, "put", "Upload a file (SRC - : standard input); it appears whole when done", s,
           Put);
  common(c);
  c->add_option("SRC PATH", s->paths, "The local file, and its path in the home")
      ->expected(2)
      ->required();
  c->add_flag("--exclusive", s->exclusive, "Refuse to replace an existing file");
  c->add_option("--if-mtime-ns", s->if_mtime_ns,
                "An edit: refuse (file.changed) if the file's mtime is no longer this (ls -o json)")
      ->check(CLI::NonNegativeNumber);
  c = Verb(files, "rm", "Delete (to the home's trash, .hp-trash; --now: at once)", s, Rm);
  common(c);
  c->add_option("PATH", s->paths)->expected(1)->required();
  c->add_flag("--now", s->at_once, "Remove at once instead of moving to the trash");
  c = Verb(files, "mv", "Move or rename (never over an existing file)", s, Mv);
  common(c);
  c->add_option("FROM TO", s->paths)->expected(2)->required();
  c = Verb(files, "mkdir", "Make a folder", s, Mkdir);
  common(c);
  c->add_option("PATH", s->paths)->expected(1)->required();
  c = Verb(files, "cp", "Copy a file or folder (never over an existing one unless --overwrite)", s,
           Cp);
  common(c);
  c->add_option("FROM TO", s->paths)->expected(2)->required();
  c->add_flag("--overwrite", s->overwrite, "Replace an existing file (or empty folder) at TO");
  c = Verb(files, "extract", "Extract a .zip, .tar or .tar.gz into a new folder", s, Extract);
  common(c);
  c->add_option("ARCHIVE FOLDER", s->paths)->expected(2)->required();
  c = Verb(files, "archive", "Create ARCHIVE (.zip, .tar, .tar.gz, .tgz) from files and folders", s,
           Archive);
  common(c);
  c->add_option("ARCHIVE PATH...", s->paths)->expected(2, 1000)->required();
  c = Verb(files, "empty-trash", "Remove everything in the home's trash now", s, EmptyTrash);
  common(c);
}

}  // namespace hostplane::cli::detail
