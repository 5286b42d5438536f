// Certificates for the HTTPS client's tests, made at test time with `openssl req` in a fresh directory:
// a CA, a leaf for 127.0.0.1 it signed, a leaf for another name it signed, and a leaf of an unrelated CA.
#pragma once

#include <string>

namespace nefia::updater::testing {

struct TestCertificates {
  std::string directory;
  std::string caFile;
  std::string goodCertificate, goodKey;          // SAN IP:127.0.0.1, signed by caFile
  std::string wrongNameCertificate, wrongNameKey;  // SAN DNS:other.example, signed by caFile
  std::string strangerCertificate, strangerKey;  // SAN IP:127.0.0.1, signed by another CA
  std::string goodPin;                           // sha256// pin of goodCertificate's key, computed by openssl
};

// Throws std::runtime_error when openssl fails; the directory is removed by removeTestCertificates().
TestCertificates makeTestCertificates();
void removeTestCertificates(const TestCertificates& certificates);

}  // namespace nefia::updater::testing
