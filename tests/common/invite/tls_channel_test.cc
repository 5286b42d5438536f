// The enrollment TLS channel over a socketpair: TLS 1.3 handshake with a fresh self-signed identity, the pin
// matches the certificate, frames travel, and a frame above the reader's limit is refused.
#include "common/invite/tls_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

namespace nefia::invite {
namespace {

TEST(TlsChannel, PinnedHandshakeAndFrames) {
  Result<TlsIdentity> identity = createSelfSignedIdentity("nefia-hub");
  ASSERT_TRUE(identity.ok()) << identity.error();
  Result<std::string> pin = certificatePemSha256(identity->certificatePem);
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(pin->size(), 64u);
  Result<SslContextPtr> server = makeServerContext(identity.value());
  Result<SslContextPtr> client = makeClientContext();
  ASSERT_TRUE(server.ok() && client.ok());
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::thread serverThread([&] {
    SslPtr ssl(SSL_new(server->get()));
    SSL_set_fd(ssl.get(), fds[0]);
    if (SSL_accept(ssl.get()) != 1) return;
    Result<std::string> request = readFrame(ssl.get(), 100);
    if (request.ok()) (void)writeFrame(ssl.get(), std::string(200, 'x'));
  });
  SslPtr ssl(SSL_new(client->get()));
  SSL_set_fd(ssl.get(), fds[1]);
  ASSERT_EQ(SSL_connect(ssl.get()), 1);
  EXPECT_STREQ(SSL_get_version(ssl.get()), "TLSv1.3");
  EXPECT_EQ(certificateSha256(SSL_get0_peer_certificate(ssl.get())), pin.value());
  ASSERT_TRUE(writeFrame(ssl.get(), "hello").ok());
  Result<std::string> answer = readFrame(ssl.get(), 199);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().find("exceeds the limit"), std::string::npos);
  serverThread.join();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(TlsChannel, IdentitiesAreDistinct) {
  Result<TlsIdentity> first = createSelfSignedIdentity("a");
  Result<TlsIdentity> second = createSelfSignedIdentity("a");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(certificatePemSha256(first->certificatePem).value(), certificatePemSha256(second->certificatePem).value());
  EXPECT_FALSE(certificatePemSha256("not a certificate").ok());
}

}  // namespace
}  // namespace nefia::invite
