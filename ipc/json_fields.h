// Strict readers for JSON payload fields: required, typed, bounded. Used by every payload parser.
// Never throw (nlohmann accessors are only called after the type is checked) and never echo a field's value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace nefia::ipc {

inline constexpr int kMaxJsonDepth = 16;

// Parses a payload that must be one JSON object, nested at most kMaxJsonDepth deep. Without exceptions.
Result<nlohmann::json> parseJsonObject(std::string_view payload);

// Each reader fails with 'field "name" must be ...' when the field is missing, of another type or out of
// bounds. Strings must be valid UTF-8 (the parser guarantees it) and free of control characters.
Result<uint64_t> readUnsigned(const nlohmann::json& object, std::string_view field, uint64_t maximum,
                              uint64_t minimum = 0);
Result<bool> readBool(const nlohmann::json& object, std::string_view field);
Result<std::string> readString(const nlohmann::json& object, std::string_view field, std::size_t maxBytes);
Result<const nlohmann::json*> readObject(const nlohmann::json& object, std::string_view field);
Result<const nlohmann::json*> readArray(const nlohmann::json& object, std::string_view field, std::size_t maxItems);

// True when text holds a byte below 0x20 other than tab, or DEL: such text could forge log lines.
bool hasControlCharacters(std::string_view text);

}  // namespace nefia::ipc
