// A fully populated health report for the health tests, with the reference's example values.
// Test-only code; never linked into the agent.
#pragma once

#include "common/health/health_report.h"

namespace nefia::testing_support {

inline HealthReport sampleReport() {
  HealthReport report;
  report.status = "ok";
  report.vpnConnected = true;
  report.uptimeSeconds = 72 * 3600 + 22 * 60;
  report.version = "v1.3.0";
  report.rebuildCount = 2;
  report.lastRebuild = "2026-02-28T08:12:00Z";
  report.goroutines = 18;
  report.updatedAt = "2026-11-26T12:00:00Z";
  report.reportIntervalSeconds = 10;
  report.pid = 4200;
  report.workers["tunnel"] = WorkerHealth{4242, "ready", 3, 2, "signal 9", 5120};
  report.workers["forwarder"] = WorkerHealth{4243, "ready", 1, 0, "", 8192};
  report.peers.push_back(PeerHealth{"yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", "10.99.0.1", "192.0.2.1:51820",
                                    "2026-11-26T11:59:48Z", 1024, 2048, false});
  report.peers.push_back(PeerHealth{"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=", "10.99.0.7", "", "", 0, 0, true});
  report.forwarder = ForwarderHealth{3, 1, true};
  report.sandbox = SandboxHealth{true, 3, "nobody"};
  report.beacons.checks = {{"disk_usage", "/home", "critical", "2026-11-26T11:59:30Z", 12, 0},
                           {"script", "custom-check", "ok", "", 0, 0}};
  report.beacons.queued = 3;
  report.beacons.delivered = 0;
  report.beacons.dropped = 1;
  return report;
}

}  // namespace nefia::testing_support
