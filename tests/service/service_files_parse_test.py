#!/usr/bin/env python3
"""The LaunchAgent plist and the Task Scheduler XML, parsed by real parsers (plistlib, ElementTree) and
checked for the keys the reference and issue 14 name. Usage: service_files_parse_test.py PRINTER"""
import plistlib
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

PRINTER = sys.argv[1]
TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


def generated(kind, scope, binary, config, log_file, state, home):
    return subprocess.run([PRINTER, kind, scope, binary, config, log_file, state, home],
                          check=True, capture_output=True).stdout


def check_plist():
    home = "/Users/ad min"
    text = generated("plist", "user", home + "/Library/Application Support/nefia/current/nefia-agent",
                     home + "/.nefia/a&b.yaml", home + "/Library/Logs/nefia/agent.log", home + "/state", home)
    plist = plistlib.loads(text)
    assert plist["Label"] == "com.nefia.agent", plist
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}, plist["KeepAlive"]
    arguments = plist["ProgramArguments"]
    assert arguments[0].endswith("/current/nefia-agent"), arguments
    assert arguments[1:4] == ["run", "--config", home + "/.nefia/a&b.yaml"], arguments
    assert "--log-file" in arguments and "--log-max-age" in arguments, arguments
    assert plist["StandardOutPath"] == home + "/Library/Logs/nefia/nefia-agent.stdout.log"
    assert plist["StandardErrorPath"] == home + "/Library/Logs/nefia/nefia-agent.stderr.log"


def check_task(scope, trigger):
    text = generated("task", scope, "C:\\ProgramData\\nefia\\current\\nefia-agent.exe",
                     "C:\\Program Files\\nefia\\agent.yaml", "C:\\ProgramData\\nefia\\logs\\agent.log",
                     "C:\\ProgramData\\nefia", "C:\\Users\\admin").decode()
    # schtasks reads UTF-16: parse the bytes the installer would write.
    root = ElementTree.fromstring(text.encode("utf-16"))
    assert root.tag == "{%s}Task" % TASK_NS["t"], root.tag
    assert root.find("t:Triggers/t:%s/t:Enabled" % trigger, TASK_NS).text == "true"
    settings = root.find("t:Settings", TASK_NS)
    assert settings.find("t:ExecutionTimeLimit", TASK_NS).text == "PT0S"
    assert settings.find("t:RestartOnFailure/t:Interval", TASK_NS).text == "PT1M"
    assert int(settings.find("t:RestartOnFailure/t:Count", TASK_NS).text) >= 1
    command = root.find("t:Actions/t:Exec/t:Command", TASK_NS).text
    assert command == "C:\\ProgramData\\nefia\\current\\nefia-agent.exe", command
    arguments = root.find("t:Actions/t:Exec/t:Arguments", TASK_NS).text
    assert arguments.startswith('run --config "C:\\Program Files\\nefia\\agent.yaml" --log-level info'), arguments


check_plist()
check_task("system", "BootTrigger")
check_task("user", "LogonTrigger")
print("PASS: plist and task XML parse and carry the expected keys")
