// A fresh SQLite cloud database in a temporary directory per test, with one team; removed afterwards.
// Tests that need a second process-like writer open a second store on the same path.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "operator/cloud/sqlite_cloud_store.h"

namespace nefia::cloud::testing {

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-cloud-test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    directory_ = pattern;
    path_ = directory_ + "/cloud.db";
    auto opened = SqliteCloudStore::open(path_);
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(opened.value());
    auto team = store_->createTeam("test team");
    ASSERT_TRUE(team.ok()) << team.error();
    teamId_ = team.value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(directory_);
  }

  std::string directory_;
  std::string path_;
  std::unique_ptr<SqliteCloudStore> store_;
  std::string teamId_;
};

}  // namespace nefia::cloud::testing
