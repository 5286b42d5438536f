// Messages whose list can outgrow one 64 KiB frame (the tunnel's settings and status with their peers) travel
// as numbered parts: splitIntoParts() cuts the list by encoded size, PartAssembler puts it back together.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace nefia::ipc {

inline constexpr uint64_t kMaxMessageParts = 64;  // 64 frames of 64 KiB: far above 2,000 peers

struct PartNumber {
  uint64_t part = 0;   // from 0
  uint64_t parts = 1;  // how many parts the whole message has
};

// Copies of `header` with "part", "parts" and a share of `items` under `listField`, each encoding to at most
// maxPayloadBytes. Always at least one part (with an empty list when `items` is empty).
std::vector<nlohmann::json> splitIntoParts(const nlohmann::json& header, std::string_view listField,
                                           const std::vector<nlohmann::json>& items, std::size_t maxPayloadBytes);

// Reads "part" and "parts" ('field "part" must be ...' errors); an object without them is part 0 of 1.
Result<PartNumber> readPartNumber(const nlohmann::json& object);

// Collects the parts of one message, strictly in order: part 0 starts a new message (dropping an unfinished
// one), any other part must follow the previous one of the same message.
template <typename Payload>
class PartAssembler {
 public:
  // The whole message once its last part arrived; nullopt while parts are missing; an error for a part out of
  // order (the unfinished message is dropped). `append` moves the list of `part` onto the collected payload.
  template <typename Append>
  Result<std::optional<Payload>> add(PartNumber number, Payload&& part, Append append) {
    if (number.part == 0) {
      collected_ = std::make_unique<Payload>(std::move(part));
      expected_ = number;
    } else if (!collected_ || number.part != expected_.part + 1 || number.parts != expected_.parts) {
      collected_.reset();
      return makeError("message part " + std::to_string(number.part + 1) + " of " + std::to_string(number.parts) +
                       " arrived out of order");
    } else {
      append(*collected_, std::move(part));
      expected_ = number;
    }
    if (expected_.part + 1 < expected_.parts) return std::optional<Payload>();
    std::unique_ptr<Payload> whole = std::move(collected_);
    return std::optional<Payload>(std::move(*whole));
  }

 private:
  std::unique_ptr<Payload> collected_;  // not std::optional: GCC 12 warns wrongly on moving it out
  PartNumber expected_;
};

}  // namespace nefia::ipc
