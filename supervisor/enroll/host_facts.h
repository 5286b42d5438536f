// What the agent tells the operator about itself during enrollment: the SSH host keys of the server it forwards
// to, its LAN endpoint for hairpin NAT, and host facts. Read-only probing: never changes the system.
#pragma once

#include <string>
#include <vector>

#include "common/invite/enroll_protocol.h"

namespace nefia::enroll {

// The public host keys of the SSH server at sshAddr as `ssh-keyscan` sees them (the keys the operator will meet
// through the tunnel); when that fails, the *.pub files of /etc/ssh. "type base64" lines, ed25519 first.
std::vector<std::string> collectSshHostKeys(const std::string& sshAddr);

// The local address the kernel would use towards operatorHost (a UDP connect, nothing sent); empty when there is
// none or it is loopback.
std::string discoverLocalIp(const std::string& operatorHost);

// The reference's hairpin rule: no local IP, or the same IP as the public one, gives an empty endpoint.
std::string localEndpointFor(const std::string& localIp, const std::string& publicIp, uint16_t listenPort);

invite::HostFacts collectHostFacts();

}  // namespace nefia::enroll
