// Tests for IP, CIDR and host:port syntax shared by the config, supervisor and tunnel.
// Names are only checked for syntax; nothing here may resolve them.
#include "common/config/net_address.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

TEST(NetAddressTest, ParsesIpAddresses) {
  auto v4 = parseIpAddress("10.99.0.1");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family, IpFamily::kIpv4);
  EXPECT_EQ(v4->size(), 4u);
  EXPECT_EQ(v4->bytes[0], 10);
  EXPECT_EQ(v4->bytes[3], 1);
  EXPECT_EQ(v4->toString(), "10.99.0.1");
  auto v6 = parseIpAddress("2001:DB8:0::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family, IpFamily::kIpv6);
  EXPECT_EQ(v6->toString(), "2001:db8::1");
  for (const char* bad : {"", "10.99.0", "10.99.0.256", "010.99.0.1", "10.99.0.1/32", "[::1]", "fe80::1%eth0",
                          "host.example.com", " 10.99.0.1"}) {
    EXPECT_FALSE(parseIpAddress(bad).ok()) << bad;
  }
  EXPECT_FALSE(parseIpAddress(std::string_view("10.0.0.1\0junk", 13)).ok());
  EXPECT_EQ(parseIpAddress("10.99.0").error(), "\"10.99.0\" is not an IP address");
}

TEST(NetAddressTest, ParsesCidrKeepingHostBits) {
  auto v4 = parseCidr("10.99.0.2/24");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->address.toString(), "10.99.0.2");
  EXPECT_EQ(v4->prefixLength, 24);
  EXPECT_EQ(v4->toString(), "10.99.0.2/24");
  auto v6 = parseCidr("fd00::2/64");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->prefixLength, 64);
  EXPECT_TRUE(parseCidr("0.0.0.0/0").ok());
  EXPECT_TRUE(parseCidr("::/128").ok());
  for (const char* bad : {"10.99.0.2/33", "fd00::2/129", "10.99.0.2/", "10.99.0.2/024", "10.99.0.2/-1",
                          "10.99.0.2/2 4", "/24", "10.99.0/24"}) {
    EXPECT_FALSE(parseCidr(bad).ok()) << bad;
  }
  EXPECT_EQ(parseCidr("10.99.0.2").error(),
            "\"10.99.0.2\" is not CIDR notation: the /prefix is missing (e.g. 10.99.0.2/24)");
  EXPECT_EQ(parseCidr("10.99.0.2/40").error(), "\"10.99.0.2/40\" is not CIDR notation: the prefix length must be 0-32");
}

TEST(NetAddressTest, ParsesHostPort) {
  auto ip = parseHostPort("192.0.2.1:51820");
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip.value(), (HostPort{"192.0.2.1", 51820, true}));
  auto v6 = parseHostPort("[::1]:51820");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.value(), (HostPort{"::1", 51820, true}));
  EXPECT_EQ(v6->toString(), "[::1]:51820");
  auto name = parseHostPort("relay-1.example.com:3478");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name.value(), (HostPort{"relay-1.example.com", 3478, false}));
  EXPECT_TRUE(parseHostPort("localhost:22").ok());
}

TEST(NetAddressTest, RefusesBadHostPortWithAReason) {
  for (const char* bad : {"192.0.2.1", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:+22",
                          "192.0.2.1:022", ":51820", "[::1]51820", "[::1]", "[192.0.2.1]:22", "1.2.3:80",
                          "999.1.1.1:80", "-bad.example.com:1", "bad_.example.com:1", "a..b:1", "host name:1"}) {
    EXPECT_FALSE(parseHostPort(bad).ok()) << bad;
  }
  EXPECT_EQ(parseHostPort("::1:51820").error(),
            "\"::1:51820\" is not host:port: write IPv6 addresses in brackets, e.g. [2001:db8::1]:51820");
  EXPECT_EQ(parseHostPort("192.0.2.1:99999").error(),
            "\"192.0.2.1:99999\" is not host:port: the port must be a number 1-65535");
  EXPECT_EQ(parseHostPort("example.com").error(),
            "\"example.com\" is not host:port: the port is missing (e.g. 192.0.2.1:51820, [2001:db8::1]:51820 or "
            "relay.example.com:51820)");
}

}  // namespace
}  // namespace nefia
