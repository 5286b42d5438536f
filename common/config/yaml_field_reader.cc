// Field-by-field YAML reading with positions. Only non-throwing yaml-cpp calls are used here
// (Type, Scalar, Mark, iteration); conversions are our own so no exception can escape.
#include "common/config/yaml_field_reader.h"

#include <charconv>
#include <set>

#include "common/secret_text.h"
#include "common/terminal_text.h"

namespace nefia {
namespace {

const char* kindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "a single value";
  }
}

std::string quoted(const std::string& text) { return quoteUnlessSecret(text); }

// Well-formed UTF-8 without control characters (C0, DEL, C1). Values end up in logs, the health report
// and command lines; a newline or an invalid byte there would forge lines or change on rewrite.
bool isPrintableUtf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    uint32_t codePoint = 0;
    const std::size_t length = utf8Sequence(text, i, codePoint);
    const bool control = codePoint < 0x20 || (codePoint >= 0x7F && codePoint <= 0x9F);
    if (length == 0 || control) return false;
    i += length;
  }
  return true;
}

}  // namespace

int lineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

void YamlFieldReader::readMapping(const YAML::Node& node, const std::string& path, const std::vector<Field>& fields) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    problems_.add(path, std::string("must be a mapping of fields, not ") + kindOf(node));
    return;
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      problems_.addAtLine(path, lineOf(key), "field names must be plain words, not " + std::string(kindOf(key)));
      continue;
    }
    const std::string childPath = path.empty() ? key.Scalar() : path + "." + key.Scalar();
    if (!seen.insert(key.Scalar()).second) {
      problems_.addAtLine(childPath, lineOf(key), "appears twice; keep one");
      continue;
    }
    sources_.record(childPath, lineOf(key));
    const Field* field = nullptr;
    for (const Field& candidate : fields) {
      if (candidate.key == key.Scalar()) field = &candidate;
    }
    if (field == nullptr) {
      unknownFields_.push_back(redactKeys(childPath));  // logged as a warning: a key as a field name stays hidden
      continue;
    }
    field->read(entry.second, childPath);
  }
}

void YamlFieldReader::readSequence(const YAML::Node& node, const std::string& path, const NodeReader& readItem) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    problems_.add(path, std::string("must be a list, not ") + kindOf(node));
    return;
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    const std::string itemPath = path + "[" + std::to_string(index++) + "]";
    sources_.record(itemPath, lineOf(item));
    readItem(item, itemPath);
  }
}

bool YamlFieldReader::scalarText(const YAML::Node& node, const std::string& path, std::string_view expected,
                                 std::string& out) {
  if (!node.IsDefined() || node.IsNull()) return false;
  if (!node.IsScalar()) {
    problems_.add(path, "must be " + std::string(expected) + ", not " + kindOf(node));
    return false;
  }
  if (node.Scalar().empty()) return false;
  if (!isPrintableUtf8(node.Scalar())) {
    problems_.add(path, "contains control characters or invalid UTF-8; use plain text");
    return false;
  }
  out = node.Scalar();
  return true;
}

void YamlFieldReader::readString(const YAML::Node& node, const std::string& path, std::string& out) {
  std::string text;
  if (scalarText(node, path, "a single value", text)) out = std::move(text);
}

void YamlFieldReader::readBool(const YAML::Node& node, const std::string& path, bool& out) {
  std::string text;
  if (!scalarText(node, path, "true or false", text)) return;
  // YAML 1.2 core schema booleans; YAML 1.1's yes/no/on/off are refused as ambiguous.
  if (text == "true" || text == "True" || text == "TRUE") {
    out = true;
  } else if (text == "false" || text == "False" || text == "FALSE") {
    out = false;
  } else {
    problems_.add(path, "must be true or false, not " + quoted(text));
  }
}

void YamlFieldReader::readInteger(const YAML::Node& node, const std::string& path, int& out) {
  std::string text;
  if (!scalarText(node, path, "a whole number", text)) return;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    problems_.add(path, "must be a whole number, not " + quoted(text));
    return;
  }
  out = value;
}

void YamlFieldReader::readPort(const YAML::Node& node, const std::string& path, uint16_t& out) {
  std::string text;
  if (!scalarText(node, path, "a port number (0-65535)", text)) return;
  long value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0 || value > 65535) {
    problems_.add(path, quoted(text) + " is not a port number (0-65535)");
    return;
  }
  out = static_cast<uint16_t>(value);
}

void YamlFieldReader::readDuration(const YAML::Node& node, const std::string& path, Duration& out) {
  std::string text;
  if (!scalarText(node, path, "a duration such as 30s or 5m", text)) return;
  auto parsed = parseGoDuration(text);
  if (!parsed.ok()) {
    problems_.add(path, parsed.error());
    return;
  }
  out = parsed.value();
}

void YamlFieldReader::readStringList(const YAML::Node& node, const std::string& path, std::vector<std::string>& out) {
  out.clear();
  readSequence(node, path, [&](const YAML::Node& item, const std::string& itemPath) {
    std::string text;
    if (scalarText(item, itemPath, "a single value", text)) {
      out.push_back(std::move(text));
    } else if (!problems_.failed(itemPath)) {
      problems_.add(itemPath, "is empty; remove it or give a value");
    }
  });
}

}  // namespace nefia
