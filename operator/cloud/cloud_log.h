// nefia-cloud's logging: the project's Logger behind one mutex, because the cloud serves from several threads
// and Logger is single-threaded by design. Callers pass no credential (texts and ids only).
#pragma once

#include <mutex>
#include <string>

#include "common/log.h"

namespace nefia::cloud {

inline std::mutex& cloudLogMutex() {
  static std::mutex mutex;
  return mutex;
}

template <typename... Parts>
void cloudLog(LogLevel level, Parts&&... parts) {
  std::lock_guard lock(cloudLogMutex());
  logAt(level, "cloud", std::forward<Parts>(parts)...);
}

}  // namespace nefia::cloud
