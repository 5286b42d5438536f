// The agent's HTTPS client (see https_client.h). Two deadline checks end a request: curl's own
// CURLOPT_TIMEOUT_MS and our uv_timer at the same instant, so neither a curl bug nor a stuck socket outlives it.
#include "workers/updater/https_client.h"

#include <utility>

#include "workers/updater/https_transfer.h"

namespace nefia::updater {

struct HttpsClient::Running {
  HttpsClient* client;
  uint64_t id;
  std::unique_ptr<HttpsTransfer> transfer;
  Completion done;
  UvHandle<uv_timer_t> deadline;
};

HttpsClient::HttpsClient(uv_loop_t* loop, HttpsTrust trust)
    : loop_(loop),
      trust_(std::move(trust)),
      driver_(std::make_unique<CurlUvDriver>(
          loop, [this](CURL* easy, CURLcode result) { onCurlDone(easy, result); })) {}

HttpsClient::~HttpsClient() {
  driver_.reset();
  requests_.clear();
}

Status HttpsClient::start(HttpsRequest request, Completion done) {
  auto transfer = HttpsTransfer::create(request, trust_);
  if (!transfer) return makeError(transfer.error());
  if (!driver_->ok()) return makeError("the HTTPS client could not set up libcurl or its libuv handles");
  auto running = std::make_unique<Running>();
  running->client = this;
  running->id = nextId_++;
  running->transfer = std::move(transfer).value();
  running->done = std::move(done);
  if (running->deadline.init(uv_timer_init, loop_) != 0) return makeError("could not create a libuv timer");
  running->deadline.get()->data = running.get();
  const auto deadlineMs = static_cast<uint64_t>(running->transfer->deadline().count());
  uv_timer_start(running->deadline.get(), &HttpsClient::onDeadline, deadlineMs, 0);
  CURL* easy = running->transfer->easy();
  curl_easy_setopt(easy, CURLOPT_PRIVATE, running.get());
  if (driver_->add(easy) != CURLM_OK) return makeError("libcurl refused to start the transfer");
  requests_.emplace(running->id, std::move(running));
  return Status::success();
}

void HttpsClient::onCurlDone(CURL* easy, CURLcode result) {
  void* privateData = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &privateData);
  auto* running = static_cast<Running*>(privateData);
  auto found = requests_.find(running->id);
  if (found == requests_.end()) return;
  complete(found, running->transfer->finish(result));
}

void HttpsClient::onDeadline(uv_timer_t* timer) {
  auto* running = static_cast<Running*>(timer->data);
  HttpsClient* client = running->client;
  auto found = client->requests_.find(running->id);
  if (found == client->requests_.end()) return;
  client->driver_->remove(running->transfer->easy());
  client->complete(found, running->transfer->finishTimedOut());
}

void HttpsClient::complete(std::map<uint64_t, std::unique_ptr<Running>>::iterator request, HttpsResponse response) {
  std::unique_ptr<Running> running = std::move(request->second);
  requests_.erase(request);
  Completion done = std::move(running->done);
  running.reset();  // frees the transfer (wiping its Authorization line) before anyone sees the answer
  done(std::move(response));
}

}  // namespace nefia::updater
