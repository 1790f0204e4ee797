#!/usr/bin/env bash
# Stops the test VM $NASGUARD_VM_NAME by the pid QEMU wrote, and only if
# that pid is still one of our QEMUs. SIGTERM first: QEMU then writes its
# qcow2 metadata out, and the overlay (with its snapshot "clean") can be
# resumed next time. A VM that must be killed loses that snapshot.
set -euo pipefail
. "$(dirname "$0")/common.sh"
# The harness's shared ssh connection (an ssh process of ours) first.
if [ -S "$RUN/mux" ]; then ssh -F "$RUN/ssh_config" -O exit vm 2>/dev/null || true; fi
pid=$(cat "$RUN/qemu.pid" 2>/dev/null || true)
if vm_pid_alive "$pid"; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    rm -f "$RUN/clean" # the overlay may be inconsistent: boot afresh next time
  fi
  echo "VM $VM_NAME stopped (pid $pid)"
fi
rm -f "$RUN/qemu.pid" "$RUN/monitor.sock"
