#!/usr/bin/env bash
# A shell or a command in the running test VM, as the harness reaches it:
#   bash vm/ssh.sh                      # interactive
#   bash vm/ssh.sh systemctl is-system-running
set -euo pipefail
. "$(dirname "$0")/common.sh"
[ -f "$RUN/ssh_config" ] || { echo "no VM $VM_NAME: run 'bash vm/boot.sh'" >&2; exit 1; }
exec ssh -F "$RUN/ssh_config" -o BatchMode=no vm "$@"
