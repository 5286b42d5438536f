// The router over a real SQLite store (in /dev/shm) with a valid API key: the first byte picks method and path
// (with a valid or a hostile path parameter), the rest is "authorization\nbody". Every answer must be JSON with a
// known status; nothing may crash or throw.
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "operator/cloud/cloud_crypto.h"
#include "operator/cloud/cloud_router.h"
#include "operator/cloud/sqlite_cloud_store.h"

namespace {

using namespace nefia::cloud;

struct Fixture {
  Fixture() {
    char pattern[] = "/dev/shm/nefia-cloud-fuzz.XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    directory = pattern;
    store = std::move(SqliteCloudStore::open(directory + "/cloud.db").value());
    const std::string team = store->createTeam("fuzz").value();
    if (!store->addApiKey(team, sha256Hex("nfk_fuzz")).ok()) std::abort();
    service = std::move(CloudService::create(*store, {}).value());
    router = std::make_unique<CloudRouter>(*service, nefia::hub::RateLimiterSettings{1e9, std::chrono::milliseconds(1), 64});
  }
  ~Fixture() {  // libFuzzer ends with exit(), which runs this
    router.reset();
    service.reset();
    store.reset();
    std::filesystem::remove_all(directory);
  }
  std::string directory;
  std::unique_ptr<SqliteCloudStore> store;
  std::unique_ptr<CloudService> service;
  std::unique_ptr<CloudRouter> router;
};

constexpr std::array<std::pair<const char*, const char*>, 12> kRoutes = {{
    {"POST", "/api/enrollment/sessions"},
    {"POST", "/api/enrollment/sessions/nonce-fuzz-fuzz-fuzz/submit"},
    {"GET", "/api/enrollment/sessions/nonce-fuzz-fuzz-fuzz/result"},
    {"POST", "/api/enrollment/sessions/nonce-fuzz-fuzz-fuzz/answer"},
    {"GET", "/api/enrollment/sessions/nonce-fuzz-fuzz-fuzz/answer"},
    {"POST", "/api/agent-tokens/bootstrap/exchange"},
    {"POST", "/api/agent-tokens/register"},
    {"POST", "/api/agent-tokens/rotate"},
    {"POST", "/api/hosts/h-fuzz/endpoint"},
    {"POST", "/api/hosts/"},
    {"GET", "/api/enrollment/sessions//result"},
    {"DELETE", "/api/enrollment/sessions/nonce-fuzz-fuzz-fuzz/submit"},
}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static Fixture fixture;
  if (size == 0) return 0;
  const auto& route = kRoutes[data[0] % kRoutes.size()];
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t newline = rest.find('\n');
  const std::string authorization = newline == std::string::npos ? std::string() : rest.substr(0, newline);
  const std::string body = newline == std::string::npos ? rest : rest.substr(newline + 1);
  // Half the inputs carry the valid key, so the authenticated paths are reached.
  const std::string credential = (data[0] & 0x80) ? "Bearer nfk_fuzz" : authorization;
  const ApiResponse answer = fixture.router->handle({route.first, route.second, credential, body, "192.0.2.1"});
  if (answer.status < 200 || answer.status > 599) std::abort();
  if (!answer.body.is_object()) std::abort();
  (void)answer.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
