// The words of every HTTPS failure: what failed (deadline, certificate, pin, size, connection) and for which
// request. Only the method and the URL with keys redacted are named; the bearer secret never is.
#include <cerrno>
#include <cstring>
#include <string>

#include "common/secret_text.h"
#include "workers/updater/https_transfer.h"

namespace nefia::updater {

std::string HttpsTransfer::timeoutText() const {
  return method_ + " " + redactKeys(url_) + ": timed out after " + std::to_string(deadline_.count()) +
         " ms (the request's total deadline)";
}

std::string HttpsTransfer::failureText(CURLcode result) const {
  const std::string what = method_ + " " + redactKeys(url_) + ": ";
  const std::string detail = curlError_[0] != '\0' ? std::string(curlError_) : curl_easy_strerror(result);
  if (tooLarge_ || result == CURLE_FILESIZE_EXCEEDED) {
    return what + "response larger than " + std::to_string(maxResponseBytes_) + " bytes";
  }
  if (pinCheck_.mismatch || result == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
    return what + "certificate verification failed: the server's public key does not match the pinned key";
  }
  switch (result) {
    case CURLE_OPERATION_TIMEDOUT:
      return timeoutText();
    case CURLE_PEER_FAILED_VERIFICATION:
      return what + "certificate verification failed: " + detail;
    case CURLE_SSL_CACERT_BADFILE:
      return what + "cannot use CA file \"" + caFile_ + "\": " + detail;
    case CURLE_COULDNT_CONNECT: {
      long osError = 0;
      curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &osError);
      if (osError == ECONNREFUSED) return what + "connection refused";
      return what + "could not connect: " + detail;
    }
    case CURLE_COULDNT_RESOLVE_HOST:
      return what + "could not resolve the host: " + detail;
    case CURLE_PARTIAL_FILE:
      return what + "the answer ended before its announced length: " + detail;
    case CURLE_GOT_NOTHING:
      return what + "the server closed the connection without an answer";
    case CURLE_SSL_CONNECT_ERROR:
      return what + "TLS handshake failed: " + detail;
    default:
      return what + detail;
  }
}

}  // namespace nefia::updater
