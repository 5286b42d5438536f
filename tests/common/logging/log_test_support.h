// Helpers shared by the logging tests: a temp directory, a settable clock, file reading and gunzip.
// Test-only code; never linked into the agent.
#pragma once

#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nefia::testing_support {

class TempDirectory {
 public:
  TempDirectory() {
    char pattern[] = "/tmp/nefia-logging-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDirectory() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// 2026-11-26T11:13:25.123Z, a fixed wall-clock instant the tests move by hand.
inline std::chrono::system_clock::time_point fixedInstant() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1795691605)) + std::chrono::milliseconds(123);
}

inline std::string readFile(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream contents;
  contents << stream.rdbuf();
  return contents.str();
}

inline std::string gunzipFile(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return "<cannot open " + path + ">";
  std::string contents;
  char buffer[4096];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) contents.append(buffer, static_cast<std::size_t>(n));
  gzclose(file);
  return contents;
}

}  // namespace nefia::testing_support
