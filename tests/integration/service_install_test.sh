#!/usr/bin/env bash
# install-service / uninstall-service with the real binary against a fake systemctl on PATH (no systemd as
# PID 1 here): dry run changes nothing, a bad config is refused first, install starts the agent and waits for
# ready workers, reinstall is idempotent or restarts on change, failures show why, uninstall keeps config.
source "$(dirname "$0")/lib.sh"

# Not under /tmp: the system unit refuses paths that PrivateTmp= would hide.
SVC=$(mktemp -d "$PWD/svc-install.XXXXXX")
remove_service_work() {
  [ -f "$SVC/state/agent.pid" ] && kill -KILL "$(cat "$SVC/state/agent.pid")" 2>/dev/null
  if [ "$1" -ne 0 ]; then
    for f in out err systemctl.log state/agent.stderr; do [ -f "$SVC/$f" ] && { echo "---- $f"; tail -n 30 "$SVC/$f"; }; done
  fi
  rm -rf "$SVC"
}
CLEANUP_HOOKS+=(remove_service_work)

mkdir -p "$SVC/bin" "$SVC/state" "$SVC/etc"
cp "$(dirname "$0")/fake_systemctl.sh" "$SVC/bin/systemctl"
chmod +x "$SVC/bin/systemctl"
export PATH="$SVC/bin:$PATH" NEFIA_TEST_SERVICE_ROOT="$SVC/root" FAKE_SYSTEMCTL_LOG="$SVC/systemctl.log" \
       FAKE_SYSTEMCTL_STATE="$SVC/state" FAKE_SYSTEMCTL_UNIT="$SVC/root/etc/systemd/system/nefia-agent.service"
UNIT=$FAKE_SYSTEMCTL_UNIT
free_udp_port() { "$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
LISTEN_PORT=$(free_udp_port) PEER_PORT=$(free_udp_port) write_config "$SVC/etc/agent.yaml" "testing:
  report_interval: 1s"
install() { "$AGENT" install-service --config "$SVC/etc/agent.yaml" --log-file "$SVC/log/agent.log" "$@" >"$SVC/out" 2>"$SVC/err"; }
calls() { tr '\n' ';' < "$SVC/systemctl.log"; }

# 1. Dry run: the unit and the commands, nothing written, nothing run.
install --dry-run || fail "dry run exited $?"
grep -q "^ExecStart=$SVC/root/var/lib/nefia-agent/current/nefia-agent run --config $SVC/etc/agent.yaml " "$SVC/out" \
  || fail "dry run does not print the ExecStart line"
grep -qx "Would run: systemctl enable --now nefia-agent.service" "$SVC/out" || fail "dry run does not print enable --now"
[ ! -e "$SVC/root" ] && [ ! -e "$SVC/systemctl.log" ] || fail "dry run changed something"
pass "dry run prints unit and commands, changes nothing"

# 2. A config that does not validate is refused before anything is written.
echo "listen_port: [" > "$SVC/etc/bad.yaml"
"$AGENT" install-service --config "$SVC/etc/bad.yaml" >"$SVC/out" 2>"$SVC/err" && fail "a bad config was accepted"
grep -q "^nefia-agent install-service: invalid config, nothing was installed:" "$SVC/err" || fail "no validation message"
grep -q "bad.yaml" "$SVC/err" || fail "the validation errors do not name the file"
[ ! -e "$SVC/root" ] && [ ! -e "$SVC/systemctl.log" ] || fail "a refused config still changed something"
pass "invalid config refused with its errors, nothing written"

# 3. Install: binary slot, unit, daemon-reload + enable --now, ready workers, "Service installed.".
install || fail "install exited $?"
[ "$(tail -n 1 "$SVC/out")" = "Service installed." ] || fail "last line is not 'Service installed.'"
[ "$(calls)" = "daemon-reload;enable --now nefia-agent.service;" ] || fail "systemctl calls: $(calls)"
[ "$(readlink "$SVC/root/var/lib/nefia-agent/current")" = v0.1.0 ] || fail "current does not point at v0.1.0"
cmp -s "$AGENT" "$SVC/root/var/lib/nefia-agent/v0.1.0/nefia-agent" || fail "the slot's binary differs from ours"
[ "$(stat -c %U "$SVC/root/var/lib/nefia-agent/staging")" = nefia-agent ] || fail "staging is not owned by nefia-agent"
grep -q "^ReadWritePaths=$SVC/etc $SVC/log $SVC/root/var/lib/nefia-agent$" "$UNIT" || fail "ReadWritePaths: $(grep ReadWrite "$UNIT")"
first_pid=$(cat "$SVC/state/agent.pid")
pass "installed: slot, link, unit, commands, workers ready"

# 4. Reinstall unchanged: no restart.
: > "$SVC/systemctl.log"
install || fail "unchanged reinstall exited $?"
[ "$(calls)" = "daemon-reload;enable --now nefia-agent.service;" ] || fail "unchanged reinstall ran: $(calls)"
grep -q "(unchanged)" "$SVC/out" || fail "unchanged reinstall does not say so"
[ "$(cat "$SVC/state/agent.pid")" = "$first_pid" ] || fail "unchanged reinstall restarted the agent"
pass "reinstall with nothing changed leaves the service alone"

# 5. Reinstall with a changed flag: the unit is updated in place and the service restarts.
: > "$SVC/systemctl.log"
install --log-max-size 10 || fail "changed reinstall exited $?"
grep -q -- "--log-max-size 10 " "$UNIT" || fail "the unit was not updated"
[ "$(calls)" = "daemon-reload;try-restart nefia-agent.service;enable --now nefia-agent.service;" ] || fail "changed reinstall ran: $(calls)"
[ "$(cat "$SVC/state/agent.pid")" != "$first_pid" ] || fail "the agent was not restarted"
[ "$(tail -n 1 "$SVC/out")" = "Service installed." ] || fail "changed reinstall did not finish with Service installed."
pass "reinstall with a change updates the unit and restarts"

# 6. The service never becomes ready: bounded wait, the reason and the last log lines.
: > "$SVC/systemctl.log"
FAKE_SYSTEMCTL_MODE=nostart NEFIA_TEST_SERVICE_WAIT_MS=2000 install --log-max-size 11 && fail "not-ready install succeeded"
grep -q "^nefia-agent install-service: the service did not report ready workers within 2 s: " "$SVC/err" || fail "no not-ready reason"
grep -q "^Last lines of $SVC/log/agent.log:" "$SVC/err" || fail "no log lines"
grep -q "journalctl -u nefia-agent.service" "$SVC/err" || fail "no journalctl hint"
pass "not ready within the bound: reason, log lines, journalctl hint"

# 7. systemctl itself fails.
FAKE_SYSTEMCTL_MODE=fail NEFIA_TEST_SERVICE_WAIT_MS=500 install --log-max-size 12 && fail "failed enable succeeded"
grep -q "^nefia-agent install-service: \`systemctl enable --now nefia-agent.service\` failed (exit 1):" "$SVC/err" \
  || fail "no systemctl failure message"
grep -q "Job for nefia-agent.service failed" "$SVC/err" || fail "systemctl's own output is not shown"
! grep -q "did not report ready workers" "$SVC/err" || fail "a systemctl failure is reported as a readiness timeout"
pass "a failing systemctl is reported with its output"

# 8. uninstall-service refuses without --yes when stdin is not a terminal.
"$AGENT" uninstall-service </dev/null >"$SVC/out" 2>"$SVC/err" && fail "uninstall without --yes succeeded"
[ "$(cat "$SVC/err")" = "nefia-agent uninstall-service: refusing to remove the service without confirmation: standard input is not a terminal; pass --yes" ] \
  || fail "unexpected refusal: $(cat "$SVC/err")"
[ -f "$UNIT" ] || fail "the refused uninstall removed the unit"
pass "uninstall refuses without --yes on a non-terminal"

# 9. uninstall-service --yes: stopped, disabled, unit gone, config and log kept and named.
: > "$SVC/systemctl.log"
"$AGENT" uninstall-service --yes </dev/null >"$SVC/out" 2>"$SVC/err" || fail "uninstall --yes exited $?"
[ "$(calls)" = "disable --now nefia-agent.service;daemon-reload;" ] || fail "uninstall ran: $(calls)"
[ ! -e "$UNIT" ] || fail "the unit is still there"
[ -f "$SVC/etc/agent.yaml" ] && [ -f "$SVC/log/agent.log" ] || fail "config or log was removed"
grep -q "Kept: the config $SVC/etc/agent.yaml with its keys, the logs" "$SVC/out" || fail "does not say what is kept"
"$AGENT" uninstall-service --yes >"$SVC/out" 2>"$SVC/err" || fail "second uninstall exited $?"
grep -q "nothing to remove" "$SVC/out" || fail "second uninstall does not say nothing was there"
pass "uninstall removes the unit, keeps config and logs"

# 10. A non-root user gets a user unit: ~/.config/systemd/user, `systemctl --user`, the linger hint.
USER_HOME=$SVC/home
chmod 755 "$SVC"
mkdir -p "$USER_HOME" && cp "$SVC/etc/agent.yaml" "$USER_HOME/agent.yaml"
chown -R nobody:nogroup "$USER_HOME" && chmod 600 "$USER_HOME/agent.yaml"
: > "$SVC/systemctl.log" && chmod 666 "$SVC/systemctl.log"
rm -f "$SVC/state/agent.stderr" && chown nobody "$SVC/state"  # the fake starts the agent as nobody
USER_UNIT=$USER_HOME/.config/systemd/user/nefia-agent.service
as_nobody() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$USER_HOME" USER=nobody XDG_CONFIG_HOME= \
    XDG_STATE_HOME= FAKE_SYSTEMCTL_UNIT="$USER_UNIT" "$@"
}
as_nobody "$AGENT" install-service --config "$USER_HOME/agent.yaml" --log-file "$USER_HOME/log/agent.log" \
  >"$SVC/out" 2>"$SVC/err" || fail "user install exited $?"
[ "$(calls)" = "--user daemon-reload;--user enable --now nefia-agent.service;" ] || fail "user install ran: $(calls)"
grep -q "^ExecStart=$USER_HOME/.local/state/nefia/current/nefia-agent run --config $USER_HOME/agent.yaml " "$USER_UNIT" ||
  fail "the user unit does not run the user's slot"
grep -q "^WantedBy=default.target$" "$USER_UNIT" && ! grep -q "^ProtectSystem=" "$USER_UNIT" || fail "not a user unit"
grep -qx "This user service starts when nobody logs in; to start it at boot, run: loginctl enable-linger nobody" "$SVC/out" ||
  fail "no linger hint: $(cat "$SVC/out")"
[ "$(tail -n 1 "$SVC/out")" = "Service installed." ] || fail "user install did not end with Service installed."
as_nobody "$AGENT" uninstall-service --yes >"$SVC/out" 2>"$SVC/err" || fail "user uninstall exited $?"
[ ! -e "$USER_UNIT" ] && [ -f "$USER_HOME/agent.yaml" ] || fail "user uninstall left the unit or removed the config"
pass "non-root: user unit, systemctl --user, linger hint, uninstall"
