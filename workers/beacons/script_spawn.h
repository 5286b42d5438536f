// fork + exec of one beacon script: the child half runs only async-signal-safe calls on data prepared
// before the fork (the worker may have libuv's threads). Used by ScriptRunner only.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"
#include "workers/beacons/script_runner.h"

namespace nefia::beacons {

struct SpawnedScript {
  pid_t pid = 0;
  int outputFd = -1;  // read end of the stdout+stderr pipe, non-blocking, close-on-exec
};

// Starts `/bin/sh -c job.command` in a new session with `limits`, stdin from /dev/null, stdout and stderr
// into one pipe, every other fd closed, signal dispositions and mask reset, cwd/HOME/TMPDIR the scratch dir
// and a fixed PATH. An error when pipe or fork fail (then nothing was started).
Result<SpawnedScript> spawnScript(const ScriptJob& job, const ScriptLimits& limits);

}  // namespace nefia::beacons
