// The reactor's ndjson wire: event and ack lines round-trip, refusals name the problem, the line reader
// splits a stream cut anywhere and poisons on an over-long line or a NUL byte.
#include "ipc/reactor_wire.h"

#include <gtest/gtest.h>

namespace nefia::ipc {
namespace {

BeaconEvent sample() {
  BeaconEvent event;
  event.kind = BeaconKind::kServiceCheck;
  event.name = "nginx";
  event.state = BeaconState::kCritical;
  event.previousState = BeaconState::kOk;
  event.value = "failed";
  event.message = "nginx.service is failed";
  event.timeUnixMs = 1764870000000;
  event.hostId = "h-9";
  event.hostName = "db1";
  event.sequence = 7;
  return event;
}

TEST(ReactorWire, EventAndAckLinesRoundTrip) {
  const std::string line = encodeEventLine(sample());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one event, one line";
  auto parsed = parseEventLine(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(*parsed, sample());
  EXPECT_EQ(encodeAckLine({7}), "{\"ack\":7}\n");
  EXPECT_EQ(parseAckLine("{\"ack\":7}")->sequence, 7u);
}

TEST(ReactorWire, AckLinesAreStrict) {
  EXPECT_EQ(parseAckLine("{\"ack\":0}").error(), "ack line: field \"ack\" must be an integer from 1 to 18446744073709551615");
  EXPECT_EQ(parseAckLine("{\"ack\":1,\"more\":2}").error(), "ack line: exactly one field, \"ack\", is allowed");
  EXPECT_EQ(parseAckLine("[1]").error(), "ack line with JSON that is not an object");
  EXPECT_EQ(parseAckLine("{\"ack\":").error(), "ack line with malformed JSON");
  EXPECT_EQ(parseEventLine("{\"ack\":1}").error(), "event line: field \"host_id\" must be a string");
}

TEST(ReactorWire, TheLineReaderSplitsAStreamCutAnywhere) {
  const std::string stream = encodeEventLine(sample()) + encodeAckLine({3}) + "{\"ack\":4}\r\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    NdjsonLineReader reader;
    auto first = reader.feed(std::string_view(stream).substr(0, cut));
    auto second = reader.feed(std::string_view(stream).substr(cut));
    ASSERT_TRUE(first.ok() && second.ok());
    std::vector<std::string> lines = *first;
    lines.insert(lines.end(), second->begin(), second->end());
    ASSERT_EQ(lines.size(), 3u) << cut;
    EXPECT_EQ(lines[2], "{\"ack\":4}") << "CR LF is accepted";
    EXPECT_EQ(reader.buffered(), 0u);
  }
}

TEST(ReactorWire, AnOverlongLineOrANulPoisonsTheStream) {
  NdjsonLineReader reader;
  EXPECT_EQ(reader.feed(std::string(kMaxReactorLineBytes + 1, 'x')).error(), "a line longer than 8192 bytes");
  EXPECT_EQ(reader.feed("{\"ack\":1}\n").error(), "the stream already broke the line rules");
  NdjsonLineReader nul;
  EXPECT_EQ(nul.feed(std::string("{\"ack\"\0:1}\n", 11)).error(), "a NUL byte in the stream");
}

}  // namespace
}  // namespace nefia::ipc
