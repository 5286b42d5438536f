// Formatting and ordering of config problems; the only place that decides what "(agent.yaml:14)" looks like.
// Must never drop a problem silently except the documented follow-on ones below a failed field.
#include "common/config/config_problems.h"

#include <algorithm>

#include "common/secret_text.h"

namespace nefia {

std::string parentPath(const std::string& path) {
  const std::size_t cut = path.find_last_of(".[");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

std::optional<int> ConfigSourceMap::lineOf(std::string path) const {
  while (!path.empty()) {
    const auto found = lines_.find(path);
    if (found != lines_.end()) return found->second;
    path = parentPath(path);
  }
  return std::nullopt;
}

void ConfigProblems::add(const std::string& path, const std::string& problem) {
  addAtLine(path, sources_.lineOf(path).value_or(0), problem);
}

void ConfigProblems::addAtLine(const std::string& path, int line, const std::string& problem) {
  if (failed(path)) return;
  std::string message = path.empty() ? problem : path + ": " + problem;
  if (!sources_.fileName().empty()) {
    message += line > 0 ? " (" + sources_.fileName() + ":" + std::to_string(line) + ")"
                        : " (" + sources_.fileName() + ")";
  }
  // Field paths are YAML keys, and a key typed as a field name is still a key.
  entries_.push_back(Entry{path, line, redactKeys(message)});
}

bool ConfigProblems::failed(const std::string& path) const {
  for (std::string candidate = path;; candidate = parentPath(candidate)) {
    for (const Entry& entry : entries_) {
      if (!entry.path.empty() && entry.path == candidate) return true;
    }
    if (candidate.empty()) return false;
  }
}

std::vector<std::string> ConfigProblems::messages() const {
  std::vector<Entry> sorted = entries_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::vector<std::string> result;
  result.reserve(sorted.size());
  for (Entry& entry : sorted) result.push_back(std::move(entry.message));
  return result;
}

}  // namespace nefia
