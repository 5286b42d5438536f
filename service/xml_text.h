// XML character escaping for the plist and Task Scheduler generators (text and attribute content).
// Refuses what XML 1.0 cannot carry at all (control characters) instead of writing an unparsable file.
#pragma once

#include <string>

#include "common/result.h"

namespace nefia::service {

// &, <, >, " and ' as entities; an error naming `what` for C0 controls other than tab.
Result<std::string> xmlEscaped(const std::string& what, const std::string& text);

}  // namespace nefia::service
