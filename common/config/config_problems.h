// Where each config field was written (file base name + 1-based line) and the problems found in it,
// so that every message reads "peers[1].public_key: not a 32-byte base64 key (agent.yaml:14)".
// Must never hold secret values: problems describe a field, they do not quote private keys or tokens.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nefia {

// Field paths look like "listen_port", "peers[1].public_key", "beacons.scripts[0].interval".
class ConfigSourceMap {
 public:
  explicit ConfigSourceMap(std::string fileName = "") : fileName_(std::move(fileName)) {}

  void record(const std::string& path, int line) { lines_[path] = line; }
  // The line of path, or of its nearest recorded parent (a missing field points at its section).
  std::optional<int> lineOf(std::string path) const;
  const std::string& fileName() const { return fileName_; }

 private:
  std::string fileName_;
  std::map<std::string, int> lines_;
};

// Collects every problem at once; at most one per field, and none below a field that already failed
// (a section of the wrong type does not also report its missing children).
class ConfigProblems {
 public:
  explicit ConfigProblems(const ConfigSourceMap& sources) : sources_(sources) {}

  // An empty path means the file as a whole.
  void add(const std::string& path, const std::string& problem);
  // Same, with an explicit line (used where no field path exists yet, e.g. a YAML syntax error).
  void addAtLine(const std::string& path, int line, const std::string& problem);
  bool failed(const std::string& path) const;
  bool empty() const { return entries_.empty(); }
  // Messages ordered by line, the ones without a line (missing top-level fields) first.
  std::vector<std::string> messages() const;

 private:
  struct Entry {
    std::string path;
    int line;  // 0: unknown
    std::string message;
  };
  const ConfigSourceMap& sources_;
  std::vector<Entry> entries_;
};

// "peers[1].public_key" -> "peers[1]" -> "peers" -> "".
std::string parentPath(const std::string& path);

}  // namespace nefia
