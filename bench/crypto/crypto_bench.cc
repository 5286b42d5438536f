// Crypto micro-benchmark for the WireGuard data path: MB/s per primitive at 1420-byte packets (the netstack MTU),
// libsodium next to OpenSSL 3 wherever both offer the primitive. Decides (and documents in workers/tunnel/crypto.cc)
// which library serves which primitive. Benchmark only: never linked into the agent.
#include <openssl/evp.h>
#include <sodium.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

namespace {

constexpr std::size_t kPacketSize = 1420;
constexpr double kSecondsPerPrimitive = 1.5;

// Thread CPU time, like `openssl speed` (which reports user CPU time unless -elapsed): the figures stay comparable
// on a machine shared with other jobs.
double cpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Runs operation repeatedly for about kSecondsPerPrimitive of CPU time and returns MB/s (10^6 bytes per second).
double measure(const std::function<void()>& operation) {
  for (int i = 0; i < 1000; ++i) operation();  // warm-up: caches, frequency
  std::size_t iterations = 0;
  const double start = cpuSeconds();
  double elapsed = 0;
  while (elapsed < kSecondsPerPrimitive) {
    for (int i = 0; i < 1000; ++i) operation();
    iterations += 1000;
    elapsed = cpuSeconds() - start;
  }
  return static_cast<double>(iterations * kPacketSize) / elapsed / 1e6;
}

void report(const char* primitive, const char* library, double megabytesPerSecond) {
  std::printf("%-32s %-10s %10.1f MB/s\n", primitive, library, megabytesPerSecond);
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "crypto_bench: %s failed\n", what);
  std::exit(1);
}

}  // namespace

int main() {
  if (sodium_init() < 0) die("sodium_init");
  std::vector<uint8_t> key(32, 0x42);
  std::vector<uint8_t> nonce(12, 0);
  std::vector<uint8_t> plaintext(kPacketSize, 0xab);
  std::vector<uint8_t> sealed(kPacketSize + 16);
  std::vector<uint8_t> opened(kPacketSize);
  unsigned long long length = 0;
  uint64_t counter = 0;

  std::printf("WireGuard data-path primitives, %zu-byte packets, one core\n", kPacketSize);
  report("ChaCha20-Poly1305 seal", "libsodium", measure([&] {
           ++counter;
           std::memcpy(nonce.data() + 4, &counter, 8);
           crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &length, plaintext.data(), kPacketSize, nullptr, 0,
                                                     nullptr, nonce.data(), key.data());
         }));
  crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &length, plaintext.data(), kPacketSize, nullptr, 0, nullptr,
                                            nonce.data(), key.data());
  report("ChaCha20-Poly1305 open", "libsodium", measure([&] {
           if (crypto_aead_chacha20poly1305_ietf_decrypt(opened.data(), &length, nullptr, sealed.data(), sealed.size(),
                                                         nullptr, 0, nonce.data(), key.data()) != 0) {
             die("libsodium open");
           }
         }));

  EVP_CIPHER_CTX* seal = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* open = EVP_CIPHER_CTX_new();
  if (EVP_CipherInit_ex(seal, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr, 1) != 1 ||
      EVP_CipherInit_ex(open, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr, 0) != 1) {
    die("OpenSSL ChaCha20-Poly1305 init");
  }
  int outLength = 0;
  auto opensslSeal = [&] {
    ++counter;
    std::memcpy(nonce.data() + 4, &counter, 8);
    if (EVP_CipherInit_ex(seal, nullptr, nullptr, key.data(), nonce.data(), 1) != 1 ||
        EVP_CipherUpdate(seal, sealed.data(), &outLength, plaintext.data(), kPacketSize) != 1 ||
        EVP_CipherFinal_ex(seal, sealed.data() + kPacketSize, &outLength) != 1 ||
        EVP_CIPHER_CTX_ctrl(seal, EVP_CTRL_AEAD_GET_TAG, 16, sealed.data() + kPacketSize) != 1) {
      die("OpenSSL seal");
    }
  };
  report("ChaCha20-Poly1305 seal", "OpenSSL", measure(opensslSeal));
  opensslSeal();
  report("ChaCha20-Poly1305 open", "OpenSSL", measure([&] {
           if (EVP_CipherInit_ex(open, nullptr, nullptr, key.data(), nonce.data(), 0) != 1 ||
               EVP_CIPHER_CTX_ctrl(open, EVP_CTRL_AEAD_SET_TAG, 16, sealed.data() + kPacketSize) != 1 ||
               EVP_CipherUpdate(open, opened.data(), &outLength, sealed.data(), kPacketSize) != 1 ||
               EVP_CipherFinal_ex(open, opened.data() + kPacketSize, &outLength) != 1) {
             die("OpenSSL open");
           }
         }));
  EVP_CIPHER_CTX_free(seal);
  EVP_CIPHER_CTX_free(open);

  EVP_MD* blake2s = EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr);
  if (blake2s == nullptr) die("OpenSSL BLAKE2S-256 fetch");
  EVP_MD_CTX* digest = EVP_MD_CTX_new();
  uint8_t hash[32];
  unsigned int hashLength = 0;
  report("BLAKE2s-256", "OpenSSL", measure([&] {
           if (EVP_DigestInit_ex(digest, blake2s, nullptr) != 1 ||
               EVP_DigestUpdate(digest, plaintext.data(), kPacketSize) != 1 ||
               EVP_DigestFinal_ex(digest, hash, &hashLength) != 1) {
             die("OpenSSL BLAKE2s");
           }
         }));
  std::printf("%-32s %-10s %15s\n", "BLAKE2s-256", "libsodium", "not offered");
  report("BLAKE2b-256 (for reference)", "libsodium", measure([&] {
           crypto_generichash(hash, sizeof(hash), plaintext.data(), kPacketSize, nullptr, 0);
         }));
  EVP_MD_CTX_free(digest);
  EVP_MD_free(blake2s);
  return 0;
}
