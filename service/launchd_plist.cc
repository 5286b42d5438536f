// generateLaunchAgentPlist: an XML property list (Apple's DTD), keys in launchd.plist(5)'s spelling.
// KeepAlive is {SuccessfulExit: false}: launchd restarts a crashed agent but leaves a clean `stop` alone.
#include "service/launchd_plist.h"

#include "service/xml_text.h"

namespace nefia::service {
namespace {

constexpr int kThrottleSeconds = 5;  // launchd's minimum between restarts, as RestartSec on Linux

Result<std::string> stringElement(const std::string& what, const std::string& value) {
  Result<std::string> escaped = xmlEscaped(what, value);
  if (!escaped.ok()) return escaped;
  return "<string>" + escaped.value() + "</string>";
}

}  // namespace

std::string launchAgentPlistPath(const std::string& home) {
  return home + "/Library/LaunchAgents/" + kLaunchdLabel + ".plist";
}
std::string launchAgentStdoutPath(const std::string& home) { return home + "/Library/Logs/nefia/nefia-agent.stdout.log"; }
std::string launchAgentStderrPath(const std::string& home) { return home + "/Library/Logs/nefia/nefia-agent.stderr.log"; }

Result<std::string> generateLaunchAgentPlist(const ServiceSpec& spec, const std::string& home) {
  std::string arguments;
  Result<std::string> binary = stringElement("binary path", spec.binaryPath);
  if (!binary.ok()) return binary;
  arguments += "    " + binary.value() + "\n";
  for (const std::string& argument : runArguments(spec)) {
    Result<std::string> element = stringElement("argument " + argument, argument);
    if (!element.ok()) return element;
    arguments += "    " + element.value() + "\n";
  }
  Result<std::string> stdoutPath = stringElement("home", launchAgentStdoutPath(home));
  if (!stdoutPath.ok()) return stdoutPath;
  Result<std::string> stderrPath = stringElement("home", launchAgentStderrPath(home));
  if (!stderrPath.ok()) return stderrPath;
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
             "<!-- nefia-agent's LaunchAgent, written by `nefia-agent install-service`; reinstalling rewrites it. -->\n"
             "<plist version=\"1.0\">\n<dict>\n"
             "  <key>Label</key>\n  <string>") +
         kLaunchdLabel +
         "</string>\n"
         "  <key>ProgramArguments</key>\n  <array>\n" +
         arguments +
         "  </array>\n"
         "  <key>RunAtLoad</key>\n  <true/>\n"
         "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n"
         "  <key>ThrottleInterval</key>\n  <integer>" +
         std::to_string(kThrottleSeconds) +
         "</integer>\n"
         "  <key>ProcessType</key>\n  <string>Background</string>\n"
         "  <key>StandardOutPath</key>\n  " +
         stdoutPath.value() +
         "\n"
         "  <key>StandardErrorPath</key>\n  " +
         stderrPath.value() + "\n</dict>\n</plist>\n";
}

}  // namespace nefia::service
