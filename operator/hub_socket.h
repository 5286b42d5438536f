// Socket plumbing of the enrollment hub: the non-blocking listener, the peer's address as text, the fd budget for
// the connection bound, and the cheap "busy" answer for a refused connection. No TLS state, no enrollment logic.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string>

#include "common/result.h"

namespace nefia::hub {

// A non-blocking listening socket on "ip:port" (IPv4 or IPv6 literal).
Result<int> listenOn(const std::string& address);

// The peer's IP as text; an IPv4-mapped IPv6 address is given as IPv4.
std::string peerIp(const sockaddr_storage& address);

// Raises the soft RLIMIT_NOFILE so that maxConnections sockets fit next to the hub's own files; returns how many
// connections fit when the hard limit is lower (the caller says so in the log).
std::size_t fitConnectionsToFdLimit(std::size_t maxConnections);

// For a connection refused before its TLS handshake: a plaintext TLS alert "access_denied" (7 bytes, so no
// handshake work is spent on it; the agent reports it as a busy hub), FIN, then close. Closes fd.
void refuseAsBusy(int fd);

}  // namespace nefia::hub
