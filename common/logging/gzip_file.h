// gzip-compresses one rotated log file (zlib) so that `gunzip` restores the exact bytes.
// Never leaves a half-written .gz under the final name: it writes a temp file and renames it.
#pragma once

#include <string>
#include <sys/types.h>

#include "common/result.h"

namespace nefia {

// Compresses `source` into `destination` (mode `mode`), then removes `source`.
// On failure `source` is kept and no file exists at `destination`.
Status gzipFile(const std::string& source, const std::string& destination, mode_t mode);

}  // namespace nefia
