# Sourced by the diagnostics scripts: perf uprobes on the agent's lwIP (fast retransmit, retransmission timeout,
# plus any extra NAME=SPEC probes), recorded as "-e GROUP:NAME" in $probes and removed on exit. No perf: no probes.
# add_lwip_probes GROUP [NAME=SPEC...]; needs $AGENT and lib.sh's CLEANUP_HOOKS.
add_lwip_probes() {
  local group=$1 spec; shift
  probes=""
  command -v perf >/dev/null || return 0
  for spec in "$@" tcp_rexmit=tcp_rexmit tcp_rexmit_rto_commit=tcp_rexmit_rto_commit; do
    perf probe -q -x "$AGENT" --add "$group:$spec" 2>/dev/null && probes+=" -e $group:${spec%%=*}"
  done
  LWIP_PROBE_GROUP=$group
  remove_lwip_probes() { perf probe -q -d "$LWIP_PROBE_GROUP:*" 2>/dev/null || true; }
  CLEANUP_HOOKS+=(remove_lwip_probes)
}
