// generateScheduledTaskXml: Task Scheduler schema 1.2, elements in the order Windows exports them.
// ExecutionTimeLimit PT0S (runs forever); RestartOnFailure every minute (the schema's minimum), 999 times (its maximum).
#include "service/scheduled_task_xml.h"

#include "service/xml_text.h"

namespace nefia::service {
namespace {

Result<std::string> commandArguments(const ServiceSpec& spec) {
  std::string line;
  for (const std::string& argument : runArguments(spec)) {
    Result<std::string> quotedArgument = windowsQuoted(argument);
    if (!quotedArgument.ok()) return quotedArgument;
    line += (line.empty() ? "" : " ") + quotedArgument.value();
  }
  return xmlEscaped("arguments", line);
}

std::string triggerAndPrincipal(ServiceScope scope) {
  if (scope == ServiceScope::kSystem) {
    return "  <Triggers>\n    <BootTrigger>\n      <Enabled>true</Enabled>\n    </BootTrigger>\n  </Triggers>\n"
           "  <Principals>\n    <Principal id=\"Author\">\n      <UserId>S-1-5-18</UserId>\n"
           "      <RunLevel>HighestAvailable</RunLevel>\n    </Principal>\n  </Principals>\n";
  }
  return "  <Triggers>\n    <LogonTrigger>\n      <Enabled>true</Enabled>\n    </LogonTrigger>\n  </Triggers>\n"
         "  <Principals>\n    <Principal id=\"Author\">\n      <LogonType>InteractiveToken</LogonType>\n"
         "      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>\n  </Principals>\n";
}

constexpr const char* kSettings =
    "  <Settings>\n"
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n"
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n"
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n"
    "    <AllowHardTerminate>true</AllowHardTerminate>\n"
    "    <StartWhenAvailable>true</StartWhenAvailable>\n"
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>\n"
    "    <AllowStartOnDemand>true</AllowStartOnDemand>\n"
    "    <Enabled>true</Enabled>\n"
    "    <Hidden>false</Hidden>\n"
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>\n"
    "    <WakeToRun>false</WakeToRun>\n"
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>\n"
    "    <Priority>7</Priority>\n"
    "    <RestartOnFailure>\n"
    "      <Interval>PT1M</Interval>\n"
    "      <Count>999</Count>\n"
    "    </RestartOnFailure>\n"
    "  </Settings>\n";

}  // namespace

Result<std::string> windowsQuoted(const std::string& argument) {
  if (argument.find('"') != std::string::npos) {
    return makeError("argument " + argument + " holds a double quote, which a Windows command line cannot "
                     "carry through Task Scheduler; use a path without it");
  }
  if (!argument.empty() && argument.find_first_of(" \t") == std::string::npos) return argument;
  std::string quotedArgument = "\"" + argument;
  const auto lastNonBackslash = argument.find_last_not_of('\\');
  const std::size_t trailing = argument.size() - (lastNonBackslash == std::string::npos ? 0 : lastNonBackslash + 1);
  quotedArgument.append(trailing, '\\');  // so the closing quote is not read as an escaped one
  return quotedArgument + "\"";
}

Result<std::string> generateScheduledTaskXml(const ServiceSpec& spec) {
  Result<std::string> command = xmlEscaped("binary path", spec.binaryPath);
  if (!command.ok()) return command;
  Result<std::string> arguments = commandArguments(spec);
  if (!arguments.ok()) return arguments;
  return std::string("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
                     "<!-- nefia-agent's task, written by `nefia-agent install-service`; reinstalling rewrites it. -->\n"
                     "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
                     "  <RegistrationInfo>\n"
                     "    <Description>nefia-agent: WireGuard tunnel to the operator, forwarding SSH</Description>\n"
                     "    <URI>\\") +
         kScheduledTaskName + "</URI>\n  </RegistrationInfo>\n" + triggerAndPrincipal(spec.scope) + kSettings +
         "  <Actions Context=\"Author\">\n    <Exec>\n      <Command>" + command.value() +
         "</Command>\n      <Arguments>" + arguments.value() + "</Arguments>\n    </Exec>\n  </Actions>\n</Task>\n";
}

}  // namespace nefia::service
