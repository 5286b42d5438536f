// Typed reading of yaml-cpp nodes for the config loader: records each field's line, reports wrong
// types as problems and lists unknown keys. Must never throw and never quote a value it was not asked to.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/config_problems.h"
#include "common/config/go_duration.h"

namespace nefia {

class YamlFieldReader {
 public:
  using NodeReader = std::function<void(const YAML::Node& value, const std::string& path)>;
  struct Field {
    std::string_view key;
    NodeReader read;
  };

  YamlFieldReader(ConfigSourceMap& sources, ConfigProblems& problems, std::vector<std::string>& unknownFields)
      : sources_(sources), problems_(problems), unknownFields_(unknownFields) {}

  // A mapping of known fields; null (an empty section) reads as no fields. path "" is the file root.
  void readMapping(const YAML::Node& node, const std::string& path, const std::vector<Field>& fields);
  // A list; readItem gets each element with path "path[i]". Null reads as an empty list.
  void readSequence(const YAML::Node& node, const std::string& path, const NodeReader& readItem);

  // Null or an empty value leaves `out` unchanged (the default applies), as in the Go agent.
  void readString(const YAML::Node& node, const std::string& path, std::string& out);
  void readBool(const YAML::Node& node, const std::string& path, bool& out);
  void readInteger(const YAML::Node& node, const std::string& path, int& out);
  void readPort(const YAML::Node& node, const std::string& path, uint16_t& out);  // 0-65535
  void readDuration(const YAML::Node& node, const std::string& path, Duration& out);
  void readStringList(const YAML::Node& node, const std::string& path, std::vector<std::string>& out);

  ConfigProblems& problems() { return problems_; }

 private:
  // Scalar text of node, or a type problem naming what was expected; false when absent or wrong.
  bool scalarText(const YAML::Node& node, const std::string& path, std::string_view expected, std::string& out);

  ConfigSourceMap& sources_;
  ConfigProblems& problems_;
  std::vector<std::string>& unknownFields_;
};

// 1-based line of a node; 0 when yaml-cpp has no position (a node made in code).
int lineOf(const YAML::Node& node);

}  // namespace nefia
