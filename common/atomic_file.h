// Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync the directory.
// A crash at any point leaves either the old or the new file, never a torn one.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

#include "common/result.h"

namespace nefia {

Status writeFileAtomically(const std::string& path, std::string_view contents, mode_t mode);
Result<std::string> readWholeFile(const std::string& path, std::size_t maxBytes);

}  // namespace nefia
