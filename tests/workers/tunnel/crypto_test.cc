// Known-answer tests for the WireGuard primitives with vectors published elsewhere (RFC 7693, the BLAKE2
// reference KAT, wireguard-go's kdf_test.go, RFC 8439, libsodium's XChaCha20 test). Never uses our own output.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "workers/tunnel/crypto.h"
#include "tests/workers/tunnel/test_util.h"

namespace nefia::wg {
namespace {

using testing_util::fromHex;
using testing_util::toHex;

std::vector<uint8_t> sequence(std::size_t count) {
  std::vector<uint8_t> bytes(count);
  for (std::size_t i = 0; i < count; ++i) bytes[i] = static_cast<uint8_t>(i);
  return bytes;
}

TEST(Blake2sTest, MatchesRfc7693AppendixB) {
  const std::string abc = "abc";
  uint8_t out[32];
  blake2s256(Bytes(reinterpret_cast<const uint8_t*>(abc.data()), abc.size()), {}, out);
  EXPECT_EQ(toHex(out, 32), "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
}

TEST(Blake2sTest, HashesConcatenationOfBothParts) {
  const std::string a = "a";
  const std::string bc = "bc";
  uint8_t out[32];
  blake2s256(Bytes(reinterpret_cast<const uint8_t*>(a.data()), 1), Bytes(reinterpret_cast<const uint8_t*>(bc.data()), 2),
             out);
  EXPECT_EQ(toHex(out, 32), "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
}

TEST(Blake2sTest, EmptyInputMatchesReferenceKat) {
  uint8_t out[32];
  blake2s256({}, {}, out);
  EXPECT_EQ(toHex(out, 32), "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
}

TEST(KeyedBlake2sTest, MatchesBlake2ReferenceKat) {
  const std::vector<uint8_t> key = sequence(32);
  const std::vector<uint8_t> oneByte = sequence(1);
  const std::vector<uint8_t> twoBytes = sequence(2);
  uint8_t out[32];
  keyedBlake2s(key, {}, {}, out, 32);
  EXPECT_EQ(toHex(out, 32), "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49");
  keyedBlake2s(key, oneByte, {}, out, 32);
  EXPECT_EQ(toHex(out, 32), "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1");
  keyedBlake2s(key, oneByte, Bytes(twoBytes).subspan(1), out, 32);
  EXPECT_EQ(toHex(out, 32), "6bb71300644cd3991b26ccd4d274acd1adeab8b1d7914546c1198bbe9fc9d803");
}

struct KdfVector {
  const char* key;
  const char* input;
  const char* t0;
  const char* t1;
  const char* t2;
};

// wireguard-go device/kdf_test.go (HMAC-BLAKE2s based HKDF).
const KdfVector kKdfVectors[] = {
    {"746573742d6b6579", "746573742d696e707574",
     "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
     "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
     "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24"},
    {"776972656775617264", "776972656775617264",
     "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
     "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
     "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160"},
    {"", "", "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
     "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
     "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e"},
};

TEST(KdfTest, MatchesWireGuardGoVectors) {
  for (const KdfVector& vector : kKdfVectors) {
    const std::vector<uint8_t> key = fromHex(vector.key);
    const std::vector<uint8_t> input = fromHex(vector.input);
    Key32 t0;
    Key32 t1;
    Key32 t2;
    kdf3(key, input, t0, t1, t2);
    EXPECT_EQ(toHex(t0.data(), 32), vector.t0) << "key " << vector.key;
    EXPECT_EQ(toHex(t1.data(), 32), vector.t1) << "key " << vector.key;
    EXPECT_EQ(toHex(t2.data(), 32), vector.t2) << "key " << vector.key;
    Key32 single;
    kdf1(key, input, single);
    EXPECT_TRUE(single.equals(t0));
    Key32 first;
    Key32 second;
    kdf2(key, input, first, second);
    EXPECT_TRUE(first.equals(t0));
    EXPECT_TRUE(second.equals(t1));
  }
}

// The KDF's first output is HMAC(HMAC(key, input), 0x01): checks HMAC-BLAKE2s on its own against the same vector.
TEST(HmacBlake2sTest, ComposesToTheKdfVector) {
  const KdfVector& vector = kKdfVectors[0];
  uint8_t prk[32];
  hmacBlake2s(fromHex(vector.key), fromHex(vector.input), prk);
  const uint8_t one = 1;
  uint8_t t0[32];
  hmacBlake2s(Bytes(prk, 32), Bytes(&one, 1), t0);
  EXPECT_EQ(toHex(t0, 32), vector.t0);
}

// RFC 8439 appendix A.5: its nonce 00000000 0102030405060708 is exactly WireGuard's layout (4 zero bytes, then the
// little-endian counter 0x0807060504030201).
constexpr uint64_t kRfc8439A5Counter = 0x0807060504030201ULL;
const char kRfc8439A5Key[] = "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
const char kRfc8439A5Ad[] = "f33388860000000000004e91";
const char kRfc8439A5Plaintext[] =
    "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d6178696d756d"
    "206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c207265706c616365642c206f72206f62736f6c6574"
    "6564206279206f7468657220646f63756d656e747320617420616e792074696d652e20497420697320696e617070726f70726961746520"
    "746f2075736520496e7465726e65742d447261667473206173207265666572656e6365206d6174657269616c206f7220746f2063697465"
    "207468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67726573732e2fe2809d";
const char kRfc8439A5Sealed[] =
    "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b01"
    "00d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e2b35"
    "06383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f8"
    "3fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a67276"
    "27097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b"
    "eead9d67890cbb22392336fea1851f38";

Key32 keyFromHex(const char* hex) {
  const std::vector<uint8_t> bytes = fromHex(hex);
  Key32 key;
  std::copy(bytes.begin(), bytes.end(), key.data());
  return key;
}

TEST(AeadTest, SealMatchesRfc8439AppendixA5) {
  const std::vector<uint8_t> plaintext = fromHex(kRfc8439A5Plaintext);
  std::vector<uint8_t> sealed(plaintext.size() + 16);
  aeadSeal(keyFromHex(kRfc8439A5Key), kRfc8439A5Counter, plaintext, fromHex(kRfc8439A5Ad), sealed.data());
  EXPECT_EQ(toHex(sealed.data(), sealed.size()), kRfc8439A5Sealed);
}

TEST(AeadTest, OpenInPlaceRecoversRfc8439PlaintextAndRejectsTampering) {
  std::vector<uint8_t> sealed = fromHex(kRfc8439A5Sealed);
  std::vector<uint8_t> copy = sealed;
  ASSERT_TRUE(aeadOpen(keyFromHex(kRfc8439A5Key), kRfc8439A5Counter, sealed, fromHex(kRfc8439A5Ad), sealed.data()));
  EXPECT_EQ(toHex(sealed.data(), sealed.size() - 16), kRfc8439A5Plaintext);
  copy[10] ^= 1;
  std::vector<uint8_t> out(copy.size());
  EXPECT_FALSE(aeadOpen(keyFromHex(kRfc8439A5Key), kRfc8439A5Counter, copy, fromHex(kRfc8439A5Ad), out.data()));
  EXPECT_FALSE(aeadOpen(keyFromHex(kRfc8439A5Key), kRfc8439A5Counter + 1, fromHex(kRfc8439A5Sealed),
                        fromHex(kRfc8439A5Ad), out.data()));
}

// RFC 7748 section 6.1 (Alice and Bob).
TEST(X25519Test, MatchesRfc7748SharedSecret) {
  const Key32 alicePrivate = keyFromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const Key32 bobPublic = keyFromHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  EXPECT_EQ(toHex(publicKeyFor(alicePrivate).data(), 32),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  Key32 shared;
  ASSERT_TRUE(sharedSecret(alicePrivate, bobPublic.data(), shared));
  EXPECT_EQ(toHex(shared.data(), 32), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  Key32 lowOrderPoint;
  EXPECT_FALSE(sharedSecret(alicePrivate, lowOrderPoint.data(), shared));
}

TEST(XAeadTest, RoundTripsAndBindsAssociatedData) {
  const Key32 key = keyFromHex(kRfc8439A5Key);
  uint8_t nonce[kXNonceSize] = {1, 2, 3};
  const std::vector<uint8_t> cookie = fromHex("00112233445566778899aabbccddeeff");
  const std::vector<uint8_t> mac1 = fromHex("ffeeddccbbaa99887766554433221100");
  std::vector<uint8_t> sealed(cookie.size() + 16);
  xaeadSeal(key, nonce, cookie, mac1, sealed.data());
  std::vector<uint8_t> opened(cookie.size());
  ASSERT_TRUE(xaeadOpen(key, nonce, sealed, mac1, opened.data()));
  EXPECT_EQ(opened, cookie);
  EXPECT_FALSE(xaeadOpen(key, nonce, sealed, cookie, opened.data()));
}

}  // namespace
}  // namespace nefia::wg
