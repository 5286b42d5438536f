// CloudStore on one SQLite file (WAL): a small pool of connections so request threads read in parallel while
// writers serialise on BEGIN IMMEDIATE; every state change is one transaction.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/cloud/cloud_store.h"
#include "operator/cloud/sqlite_connection.h"

namespace nefia::cloud {

class SqliteCloudStore final : public CloudStore {
 public:
  // Opens (creating 0600) and migrates the database; the error says which file and why.
  static Result<std::unique_ptr<SqliteCloudStore>> open(const std::string& path,
                                                        std::chrono::milliseconds busyTimeout =
                                                            std::chrono::milliseconds(5000));

  Result<std::string> createTeam(const std::string& name) override;
  Status addApiKey(const std::string& teamId, const std::string& keySha256) override;
  Result<std::optional<std::string>> teamForApiKey(const std::string& keySha256) override;
  Result<std::string> serverSecret(const std::string& name, const std::string& freshValue) override;
  Result<CreateSessionOutcome> createSession(const EnrollmentSession& session) override;
  Result<std::optional<EnrollmentSession>> findSession(const std::string& nonce) override;
  Result<SubmitOutcome> submitAgent(const std::string& nonce, const AgentSubmission& agent, UnixSeconds now) override;
  Result<AnswerOutcome> setOperatorAnswer(const std::string& nonce, const std::string& teamId,
                                          const std::string& answer) override;
  Result<ConsumeOutcome> consumeSession(const ConsumeRequest& request, UnixSeconds now) override;
  Result<RegisterOutcome> registerToken(const HostRecord& host, const TokenRecord& token) override;
  Result<std::optional<TokenRecord>> findToken(const std::string& tokenSha256) override;
  Result<RotateResult> rotateToken(const RotateRequest& request) override;
  Result<std::optional<HostRecord>> findHost(const std::string& hostId) override;
  Status reportEndpoint(const std::string& hostId, const std::string& endpoint, const std::string& localEndpoint,
                        const std::string& natType, UnixSeconds now) override;

 private:
  SqliteCloudStore(std::string path, std::chrono::milliseconds busyTimeout);
  std::unique_ptr<SqliteConnection> acquire();
  void release(std::unique_ptr<SqliteConnection> connection);
  // Runs work on a pooled connection; a SqliteFailure becomes an Error.
  template <typename T, typename Work>
  Result<T> withConnection(Work&& work);

  std::string path_;
  std::chrono::milliseconds busyTimeout_;
  std::mutex poolMutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
};

}  // namespace nefia::cloud
