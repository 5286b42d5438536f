// Strict JSON field readers and the bounded, exception-free object parser behind every IPC payload.
// Never call a throwing nlohmann accessor before checking the value's type.
#include "ipc/json_fields.h"

namespace nefia::ipc {
namespace {

// nlohmann's parser is iterative, but a bound keeps every later walk over the value cheap and shallow.
bool nestedTooDeep(std::string_view text) {
  int depth = 0;
  bool inString = false;
  bool escaped = false;
  for (char character : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (character == '\\') {
        escaped = true;
      } else if (character == '"') {
        inString = false;
      }
      continue;
    }
    if (character == '"') {
      inString = true;
    } else if (character == '{' || character == '[') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (character == '}' || character == ']') {
      --depth;
    }
  }
  return false;
}

std::string quoted(std::string_view field) { return "field \"" + std::string(field) + "\""; }

const nlohmann::json* findField(const nlohmann::json& object, std::string_view field) {
  const auto found = object.find(field);
  return found == object.end() ? nullptr : &*found;
}

}  // namespace

Result<nlohmann::json> parseJsonObject(std::string_view payload) {
  if (nestedTooDeep(payload)) {
    return makeError("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  nlohmann::json value = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return makeError("malformed JSON");
  if (!value.is_object()) return makeError("JSON that is not an object");
  return value;
}

bool hasControlCharacters(std::string_view text) {
  for (char character : text) {
    const auto byte = static_cast<unsigned char>(character);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return true;
  }
  return false;
}

Result<uint64_t> readUnsigned(const nlohmann::json& object, std::string_view field, uint64_t maximum,
                              uint64_t minimum) {
  const nlohmann::json* value = findField(object, field);
  // Parsed text stores non-negative integers as unsigned; values built in-process may hold a signed one.
  const bool nonNegativeInteger =
      value != nullptr && (value->is_number_unsigned() || (value->is_number_integer() && value->get<int64_t>() >= 0));
  if (!nonNegativeInteger || value->get<uint64_t>() > maximum || value->get<uint64_t>() < minimum) {
    return makeError(quoted(field) + " must be an integer from " + std::to_string(minimum) + " to " +
                     std::to_string(maximum));
  }
  return value->get<uint64_t>();
}

Result<bool> readBool(const nlohmann::json& object, std::string_view field) {
  const nlohmann::json* value = findField(object, field);
  if (value == nullptr || !value->is_boolean()) return makeError(quoted(field) + " must be true or false");
  return value->get<bool>();
}

Result<std::string> readString(const nlohmann::json& object, std::string_view field, std::size_t maxBytes) {
  const nlohmann::json* value = findField(object, field);
  if (value == nullptr || !value->is_string()) return makeError(quoted(field) + " must be a string");
  const std::string& text = value->get_ref<const std::string&>();
  if (text.size() > maxBytes) {
    return makeError(quoted(field) + " must be at most " + std::to_string(maxBytes) + " bytes long");
  }
  if (hasControlCharacters(text)) return makeError(quoted(field) + " must not contain control characters");
  return text;
}

Result<const nlohmann::json*> readObject(const nlohmann::json& object, std::string_view field) {
  const nlohmann::json* value = findField(object, field);
  if (value == nullptr || !value->is_object()) return makeError(quoted(field) + " must be an object");
  return value;
}

Result<const nlohmann::json*> readArray(const nlohmann::json& object, std::string_view field, std::size_t maxItems) {
  const nlohmann::json* value = findField(object, field);
  if (value == nullptr || !value->is_array()) return makeError(quoted(field) + " must be an array");
  if (value->size() > maxItems) {
    return makeError(quoted(field) + " must have at most " + std::to_string(maxItems) + " entries");
  }
  return value;
}

}  // namespace nefia::ipc
