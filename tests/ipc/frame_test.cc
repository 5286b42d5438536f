// Tests for ipc/frame: the wire layout and every framing rejection with its text.
#include "ipc/frame.h"

#include <gtest/gtest.h>

#include "tests/ipc/test_support.h"

namespace nefia::ipc {
namespace {

std::vector<uint8_t> datagram(uint32_t length, uint8_t type, std::size_t payloadBytes) {
  std::vector<uint8_t> bytes = {static_cast<uint8_t>(length), static_cast<uint8_t>(length >> 8),
                                static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 24), type};
  bytes.resize(bytes.size() + payloadBytes, 'x');
  return bytes;
}

TEST(FrameTest, LayoutIsLittleEndianLengthThenTypeThenPayload) {
  Result<std::vector<uint8_t>> bytes = encodeFrame(65, "ab");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, (std::vector<uint8_t>{3, 0, 0, 0, 65, 'a', 'b'}));
}

TEST(FrameTest, RoundTripKeepsTypeAndPayload) {
  for (std::string payload : {std::string(), std::string("{\"level\":\"info\"}"), std::string(kMaxPayloadBytes, 'z')}) {
    Result<std::vector<uint8_t>> bytes = encodeFrame(7, payload);
    ASSERT_TRUE(bytes.ok()) << bytes.error();
    Result<FrameView> view = decodeFrame(std::span<const uint8_t>(*bytes));
    ASSERT_TRUE(view.ok()) << view.error();
    EXPECT_EQ(view->type, 7);
    EXPECT_EQ(view->payload, payload);
  }
}

TEST(FrameTest, EncodeRefusesPayloadAboveMaximum) {
  Result<std::vector<uint8_t>> bytes = encodeFrame(1, std::string(kMaxPayloadBytes + 1, 'z'));
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error(), "a frame of 65537 bytes, above the 65536-byte IPC maximum");
}

TEST(FrameTest, DatagramShorterThanHeaderIsTruncated) {
  const std::vector<uint8_t> bytes = {1, 0, 0};
  Result<FrameView> view = decodeFrame(std::span<const uint8_t>(bytes));
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error(), "a truncated frame (3 bytes, shorter than the 5-byte header)");
}

TEST(FrameTest, LengthAboveDatagramIsTruncated) {
  const std::vector<uint8_t> bytes = datagram(100, 65, 49);
  Result<FrameView> view = decodeFrame(std::span<const uint8_t>(bytes));
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error(), "a truncated frame (header announces 100 bytes, datagram carries 50)");
}

TEST(FrameTest, LengthBelowDatagramIsMalformed) {
  const std::vector<uint8_t> bytes = datagram(2, 65, 10);
  Result<FrameView> view = decodeFrame(std::span<const uint8_t>(bytes));
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error(), "a malformed frame (header announces 2 bytes, datagram carries 11)");
}

TEST(FrameTest, ZeroLengthIsMalformedBecauseTheTypeByteCounts) {
  const std::vector<uint8_t> bytes = datagram(0, 65, 0);
  EXPECT_FALSE(decodeFrame(std::span<const uint8_t>(bytes)).ok());
}

TEST(FrameTest, LengthAboveMaximumIsRejectedBeforeAnythingElse) {
  const std::vector<uint8_t> bytes = datagram(0xFFFFFFFFu, 65, 3);
  Result<FrameView> view = decodeFrame(std::span<const uint8_t>(bytes));
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error(), "a frame whose header announces 4294967295 bytes, above the 65536-byte IPC maximum");
}

TEST(FrameTest, ReceiveFlagsAreErrors) {
  RawFrame oversized = testing::rawFrame(65, "{}");
  oversized.truncated = true;
  Result<FrameView> view = decodeFrame(oversized);
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error(), "a frame larger than the 65536-byte IPC maximum");

  RawFrame tooManyFds = testing::rawFrame(65, "{}");
  tooManyFds.controlTruncated = true;
  view = decodeFrame(tooManyFds);
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error(), "a frame with more file descriptors or ancillary data than a frame may carry (at most 1 fd)");
}

}  // namespace
}  // namespace nefia::ipc
