// Shared fixtures for the config tests: sample keys and a minimal valid agent.yaml.
// Keys are fixed test vectors, never real secrets.
#pragma once

#include <string>

#include "common/config/config_loader.h"

namespace nefia::config_test {

// The tests read `testing:` sections whether or not this build has NEFIA_TEST_HOOKS.
inline const ConfigParseOptions kAcceptTesting{.acceptTestingSection = true};

inline const std::string kAgentKey = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
inline const std::string kPeerKey = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
inline const std::string kOtherPeerKey = "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";
inline const std::string kShortKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";  // 31 bytes

// Lines 1-7; tests append lines from 8 on.
inline std::string minimalConfig() {
  return "private_key: \"" + kAgentKey + "\"\n"   // 1
         "listen_port: 51820\n"                    // 2
         "address: 10.99.0.2/24\n"                 // 3
         "peers:\n"                                // 4
         "  - public_key: \"" + kPeerKey + "\"\n"  // 5
         "    endpoint: 192.0.2.1:51820\n"         // 6
         "    vpn_addr: 10.99.0.1\n";              // 7
}

}  // namespace nefia::config_test
