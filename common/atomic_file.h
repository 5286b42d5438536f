// Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync the directory.
// A crash at any point leaves either the old or the new file, never a torn one (and a temp file, which the
// next run removes with removeLeftoverTempFiles).
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "common/result.h"

namespace nefia {

Status writeFileAtomically(const std::string& path, std::string_view contents, mode_t mode);

// Why readWholeFile failed, for callers whose advice depends on it (status: "run as the agent's user" only
// when permission was denied).
enum class ReadFailure { kNone, kMissing, kPermissionDenied, kNotRegularFile, kTooLarge, kOther };

// Reads a regular file of at most maxBytes. A FIFO, socket, device or directory is refused at once (never
// opened for blocking reads), so a FIFO planted at the path cannot hang the caller.
Result<std::string> readWholeFile(const std::string& path, std::size_t maxBytes, ReadFailure* failure = nullptr);

// Removes the temp files writeFileAtomically(path, ...) left behind when its process was killed (kill -9,
// power loss): "<path>.tmp.<pid>.<n>" whose pid is not a running process, or is this process (call it
// before this process writes path for the first time). Returns the names removed; never touches other files.
std::vector<std::string> removeLeftoverTempFiles(const std::string& path);

}  // namespace nefia
