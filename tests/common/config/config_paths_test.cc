// Tests for default file locations: ~/.nefia/agent.yaml and agent-health.json beside the config.
#include "common/config/config_paths.h"

#include <cstdlib>
#include <optional>

#include <gtest/gtest.h>

namespace nefia {
namespace {

class HomeOverride {
 public:
  explicit HomeOverride(const char* value) {
    if (const char* old = std::getenv("HOME"); old != nullptr) saved_ = old;
    if (value == nullptr) {
      ::unsetenv("HOME");
    } else {
      ::setenv("HOME", value, 1);
    }
  }
  ~HomeOverride() {
    if (saved_) {
      ::setenv("HOME", saved_->c_str(), 1);
    } else {
      ::unsetenv("HOME");
    }
  }

 private:
  std::optional<std::string> saved_;
};

TEST(ConfigPathsTest, DefaultConfigLivesUnderHome) {
  HomeOverride home("/home/admin/");
  auto path = defaultConfigPath();
  ASSERT_TRUE(path.ok()) << path.error();
  EXPECT_EQ(path.value(), "/home/admin/.nefia/agent.yaml");
}

TEST(ConfigPathsTest, UnsetHomeFallsBackToThePasswdEntry) {
  HomeOverride home(nullptr);
  auto path = defaultConfigPath();
  ASSERT_TRUE(path.ok()) << path.error();
  EXPECT_EQ(path.value().substr(path.value().size() - 18), "/.nefia/agent.yaml");
  EXPECT_EQ(path.value().front(), '/');
}

}  // namespace
}  // namespace nefia
