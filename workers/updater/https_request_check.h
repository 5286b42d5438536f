// Checks an HttpsRequest and its trust before any connection: https:// only, known methods, header lines that
// cannot smuggle another header, a deadline and cap that are set. Error texts never quote the bearer secret.
#pragma once

#include "common/result.h"
#include "workers/updater/https_request.h"

namespace nefia::updater {

Status checkHttpsRequest(const HttpsRequest& request);
Status checkHttpsTrust(const HttpsTrust& trust);

}  // namespace nefia::updater
