// xmlEscaped: the five predefined entities; control characters are refused (XML 1.0 forbids them).
// Bytes >= 0x80 pass unchanged: paths are UTF-8 and the documents declare UTF-8 (plist) or are UTF-16 on disk.
#include "service/xml_text.h"

namespace nefia::service {

Result<std::string> xmlEscaped(const std::string& what, const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          return makeError(what + " holds a control character, which an XML service file cannot carry; "
                           "use a path without it");
        }
        escaped += c;
    }
  }
  return escaped;
}

}  // namespace nefia::service
