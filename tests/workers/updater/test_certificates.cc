// Certificates for the HTTPS client's tests (see test_certificates.h), made with the openssl command line so
// the client's own pin code is checked against an independent computation.
#include "tests/workers/updater/test_certificates.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace nefia::updater::testing {
namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + command);
}

std::string output(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("failed: " + command);
  std::string text;
  char buffer[256];
  while (size_t got = fread(buffer, 1, sizeof(buffer), pipe)) text.append(buffer, got);
  pclose(pipe);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

const std::string kKeyOptions = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1";

void makeCa(const std::string& base) {
  run("openssl req -x509" + kKeyOptions + " -keyout " + base + ".key -out " + base + ".pem -subj /CN=test-ca");
}

void makeLeaf(const std::string& ca, const std::string& base, const std::string& subjectAltName) {
  run("openssl req -x509 -CA " + ca + ".pem -CAkey " + ca + ".key" + kKeyOptions + " -keyout " + base +
      ".key -out " + base + ".pem -subj /CN=test-leaf -addext subjectAltName=" + subjectAltName +
      " -addext basicConstraints=critical,CA:FALSE");
}

}  // namespace

TestCertificates makeTestCertificates() {
  char pattern[] = "/tmp/https-client-test-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  TestCertificates certificates;
  const std::string dir = pattern;
  certificates.directory = dir;
  makeCa(dir + "/ca");
  makeCa(dir + "/other-ca");
  makeLeaf(dir + "/ca", dir + "/good", "IP:127.0.0.1");
  makeLeaf(dir + "/ca", dir + "/wrong-name", "DNS:other.example");
  makeLeaf(dir + "/other-ca", dir + "/stranger", "IP:127.0.0.1");
  certificates.caFile = dir + "/ca.pem";
  certificates.goodCertificate = dir + "/good.pem";
  certificates.goodKey = dir + "/good.key";
  certificates.wrongNameCertificate = dir + "/wrong-name.pem";
  certificates.wrongNameKey = dir + "/wrong-name.key";
  certificates.strangerCertificate = dir + "/stranger.pem";
  certificates.strangerKey = dir + "/stranger.key";
  certificates.goodPin = "sha256//" + output("openssl x509 -in " + dir + "/good.pem -pubkey -noout | openssl pkey "
                                             "-pubin -outform der | openssl dgst -sha256 -binary | base64");
  return certificates;
}

void removeTestCertificates(const TestCertificates& certificates) {
  if (!certificates.directory.empty()) run("rm -rf " + certificates.directory);
}

}  // namespace nefia::updater::testing
