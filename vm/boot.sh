#!/usr/bin/env bash
# Starts the test VM $NASGUARD_VM_NAME (default "test") and returns once a
# command runs in it over ssh. Idempotent: a VM already running from the
# current image is left as it is.
#
# Fast path: the run directory keeps the VM's overlay, and in it the snapshot
# "clean" that the Rust harness takes after the first boot (marker file
# $RUN/clean). When the overlay, the image and QEMU's guest-visible arguments
# are unchanged, QEMU starts with `-loadvm clean` (a few seconds) instead of
# booting (30-50 s under TCG); if that fails, it boots afresh.
#
# Environment (all optional):
#   NASGUARD_VM_ACCEL=tcg|kvm   tcg (default): software emulation, boots the
#                               stock kernel. kvm: this machine kind's /dev/kvm
#                               is PVM and cannot run a stock Debian kernel.
#   NASGUARD_VM_MEM=1024  NASGUARD_VM_SMP=1   guest memory (MiB) and CPUs:
#                               one vCPU each, because two guests share the
#                               host's two cores, and a vCPU descheduled while
#                               it holds a guest lock leaves its sibling
#                               spinning (measured with two guests: the VM
#                               tests 454 s with 2 vCPUs, 304 s with 1; a
#                               boot 65 s and 41 s)
#   NASGUARD_VM_CPU=max         the CPU model under tcg (measured: qemu64,
#                               Nehalem, Westmere, SandyBridge within the
#                               run-to-run noise of max, +-30 %)
#   NASGUARD_VM_PORT_BASE=31000  host ports, see below
#   NASGUARD_VM_BUILD_WAIT=900   seconds to wait for a running image build
#   NASGUARD_VM_BOOT_TIMEOUT=300 seconds to wait for ssh after a fresh boot
#
# Network: user-mode (slirp) with restrict=on: the guest reaches nothing,
# and the host reaches the guest only through these forwards, bound to
# 127.0.0.1 (host port = base + offset; $RUN/ports lists "guest host"):
#   2222 the harness's own sshd (its control channel) +2    22 ssh.service +22
#   443 https +43   445 smbd +45   2049 nfsd +49   3260 iSCSI +60
#   80 http +80     8443 nasguard serve +84
# Every guest owns the hundred ports from its base: 31000 for NAME, 31100
# for NAME-2, ... 31800 for NAME-9 (a pool: crates/cli/tests/it/vm), so two
# guests never want the same port. That range lies above every fixed port
# of the other tests, which run beside the VM tests (sandbox bases
# 5000..27000, ports up to base+3260 = 30260; the peers bench up to 28049),
# and below Linux's ephemeral range (32768-60999), where the kernel hands
# out ports to connections and to servers bound to port 0. If a port is
# taken, the block is shifted by 1..9 (still inside the guest's hundred).
#
# Exit: 0 running; 3 cannot run here (no QEMU or no current image: the
# message says which command fixes it); 1 failed (serial console tail shown).
# Leaves in $RUN: qemu.pid, monitor.sock (HMP), serial.log, overlay.qcow2,
# ssh_config (hosts "vm" = harness sshd, "vm-ssh" = ssh.service), known_hosts,
# ports, vm.id.
set -euo pipefail
. "$(dirname "$0")/common.sh"
ACCEL=${NASGUARD_VM_ACCEL:-tcg}
MEM=${NASGUARD_VM_MEM:-1024}
SMP=${NASGUARD_VM_SMP:-1}
# A pool's guests (NAME, NAME-2, NAME-3: crates/cli/tests/it/vm) each get
# their own range, so two booting at once never race for the same ports.
case $VM_NAME in
  *-[2-9]) BASE=${NASGUARD_VM_PORT_BASE:-$((31000 + (${VM_NAME##*-} - 1) * 100))} ;;
  *) BASE=${NASGUARD_VM_PORT_BASE:-31000} ;;
esac
BUILD_WAIT=${NASGUARD_VM_BUILD_WAIT:-900}
BOOT_TIMEOUT=${NASGUARD_VM_BOOT_TIMEOUT:-300}
mkdir -p "$RUN"
# One VM per name, one starter at a time. The Rust harness holds this lock
# for a whole test and says so (NASGUARD_VM_LOCKED=1).
if [ "${NASGUARD_VM_LOCKED:-0}" != 1 ]; then
  exec 8>"$VMDIR/$VM_NAME.lock"
  flock -w 900 8 || { echo "VM $VM_NAME is locked by another user for 900 s" >&2; exit 1; }
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# Own connections, never the harness's shared one ($RUN/mux): that one may
# belong to a VM state that no longer exists.
VM_SSH=(ssh -F "$RUN/ssh_config" -o ControlPath=none vm)
ssh_ok() { timeout 20 "${VM_SSH[@]}" true 2>/dev/null; }

# shellcheck disable=SC2054 # commas inside QEMU's own option values
case $ACCEL in
  tcg) ACCEL_ARGS=(-accel tcg,thread=multi,tb-size=256 -cpu "${NASGUARD_VM_CPU:-max}") ;;
  kvm) ACCEL_ARGS=(-accel kvm -cpu host,-arch-capabilities) ;;
  *) echo "NASGUARD_VM_ACCEL must be tcg or kvm" >&2; exit 2 ;;
esac

# Wait for an image build under way (.ci/install starts one in the
# background so it overlaps the cargo build).
exec 9>"$VMDIR/build.lock"
if ! flock -n -s 9; then
  echo "waiting up to ${BUILD_WAIT}s for the VM image build to finish (log: $VMDIR/build.log)"
  flock -s -w "$BUILD_WAIT" 9 || {
    echo "the VM image build did not finish within ${BUILD_WAIT}s; tail of $VMDIR/build.log:" >&2
    tail -20 "$VMDIR/build.log" >&2
    exit 1
  }
fi
exec 9>&-

QEMU=$(vm_qemu) || { echo "no qemu-system-x86_64: run 'bash vm/host-tools.sh'" >&2; exit 3; }
vm_image_ok || {
  echo "no current VM image in $IMG: run 'bash vm/build-image.sh' (2-4 min)" >&2
  if [ -s "$VMDIR/build.log" ]; then
    echo "the last build's log ($VMDIR/build.log) ends with:" >&2
    tail -5 "$VMDIR/build.log" >&2
  fi
  exit 3
}
export QEMU_MODULE_DIR=$VMDIR/qemu/root/usr/lib/x86_64-linux-gnu/qemu

# Everything the guest can see; a snapshot only resumes under the same.
# shellcheck disable=SC2054
GUEST_ARGS=(-name "nasguard-vm-$VM_NAME" "${ACCEL_ARGS[@]}" -machine q35 -m "$MEM" -smp "$SMP"
  -nodefaults -display none -no-user-config
  -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img"
  -append "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=1 net.ifnames=0 mitigations=off tsc=reliable"
  -drive "file=$RUN/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap"
  -device virtio-net-pci,netdev=n0,romfile= -device virtio-rng-pci)
ID="$(cat "$IMG/stamp") $(printf '%s\n' "$QEMU" "${GUEST_ARGS[@]}" | sha256sum | cut -c1-16)"

if [ -f "$RUN/qemu.pid" ] && vm_pid_alive "$(cat "$RUN/qemu.pid")"; then
  if [ "$(cat "$RUN/vm.id" 2>/dev/null)" = "$ID" ] && ssh_ok; then
    echo "VM $VM_NAME already running (pid $(cat "$RUN/qemu.pid"))"
    exit 0
  fi
  echo "VM $VM_NAME runs an old image or does not answer: stopping it"
  bash "$VM_HERE/stop.sh"
fi

# ---- ports ----
# (any socket on the port, not only a listener: QEMU cannot bind one a
# connection holds either)
port_free() { ! ss -Htan "sport = :$1" | grep -q .; }
declare -A OFF=([2222]=2 [22]=22 [443]=43 [445]=45 [2049]=49 [3260]=60 [80]=80 [8443]=84)
for try in 0 1 2 3 4 5 6 7 8 9; do
  b=$((BASE + try)) busy=""
  for g in "${!OFF[@]}"; do port_free $((b + OFF[$g])) || busy="$busy $((b + OFF[$g]))"; done
  [ -z "$busy" ] && break
  echo "ports in use:$busy; trying port base $((b + 1))"
  b=""
done
[ -n "$b" ] || { echo "no free port base from $BASE to $((BASE + 9))" >&2; exit 1; }
FWD="" PORTS=""
for g in "${!OFF[@]}"; do
  FWD="$FWD,hostfwd=tcp:127.0.0.1:$((b + OFF[$g]))-:$g"
  PORTS="$PORTS$g $((b + OFF[$g]))"$'\n'
done
printf '%s' "$PORTS" | sort -n >"$RUN/ports"
P_HARNESS=$((b + OFF[2222])) P_SSH=$((b + OFF[22]))
{
  echo "[127.0.0.1]:$P_HARNESS $(cat "$IMG/known_hosts_2222")"
  echo "[127.0.0.1]:$P_SSH $(cat "$IMG/known_hosts_22")"
} >"$RUN/known_hosts"
for h in "vm:$P_HARNESS" "vm-ssh:$P_SSH"; do
  host=${h%%:*} port=${h#*:}
  # Host vm: the harness's sshd. The harness runs one shared connection to
  # it per test (a new ssh connection costs 1-2 s under TCG, a channel on
  # the shared one 0.1-0.2 s): started with -o ControlMaster=yes, used
  # through ControlPath.
  mux="$RUN/mux"
  [ "$host" = vm ] || mux=none
  cat <<EOF
Host $host
  ControlPath $mux
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $IMG/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $RUN/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 3
  LogLevel ERROR
EOF
done >"$RUN/ssh_config"

start() { # extra qemu args...
  rm -f "$RUN/qemu.pid" "$RUN/monitor.sock"
  "$QEMU" -L /usr/share/seabios -L /usr/share/qemu "${GUEST_ARGS[@]}" \
    -netdev "user,id=n0,restrict=on,ipv6=off$FWD" \
    -serial "file:$RUN/serial.log" -monitor "unix:$RUN/monitor.sock,server,nowait" \
    -pidfile "$RUN/qemu.pid" -daemonize "$@" 8>&- # QEMU must not inherit (and keep) the lock
}
wait_ssh() { # seconds
  local end=$(($(date +%s) + $1))
  while [ "$(date +%s)" -lt "$end" ]; do
    vm_pid_alive "$(cat "$RUN/qemu.pid" 2>/dev/null)" || return 1
    ssh_ok && return 0
    sleep 0.5
  done
  return 1
}

# ---- resume from the snapshot the harness took, when it still fits ----
if [ -f "$RUN/clean" ] && [ -f "$RUN/overlay.qcow2" ] && [ "$(cat "$RUN/vm.id" 2>/dev/null)" = "$ID" ] &&
  qemu-img check -q "$RUN/overlay.qcow2" 2>/dev/null &&
  qemu-img snapshot -l "$RUN/overlay.qcow2" 2>/dev/null | awk '{print $2}' | grep -qx clean; then
  t0=$(now)
  if start -loadvm clean 2>"$RUN/qemu.err" && wait_ssh 60; then
    echo "VM $VM_NAME resumed from snapshot 'clean' in $(since "$t0") s (pid $(cat "$RUN/qemu.pid"), ssh -F $RUN/ssh_config vm)"
    exit 0
  fi
  echo "resuming from the snapshot failed ($(cat "$RUN/qemu.err")): booting afresh"
  bash "$VM_HERE/stop.sh"
fi

# ---- fresh boot on a new overlay ----
rm -f "$RUN/clean" "$RUN/overlay.qcow2" "$RUN/serial.log" "$RUN/vm.id"
qemu-img create -q -f qcow2 -F raw -b "$IMG/base.img" "$RUN/overlay.qcow2"
t0=$(now)
start 2>"$RUN/qemu.err" || { cat "$RUN/qemu.err" >&2; exit 1; }
if ! wait_ssh "$BOOT_TIMEOUT"; then
  echo "VM $VM_NAME: no ssh within ${BOOT_TIMEOUT}s; tail of $RUN/serial.log:" >&2
  tail -30 "$RUN/serial.log" >&2 || true
  bash "$VM_HERE/stop.sh"
  exit 1
fi
# Booted means booted: the harness snapshots this state for every test.
state=$(timeout "$BOOT_TIMEOUT" "${VM_SSH[@]}" systemctl is-system-running --wait || true)
echo "$ID" >"$RUN/vm.id"
echo "VM $VM_NAME booted in $(since "$t0") s, systemd $state (pid $(cat "$RUN/qemu.pid"), ssh -F $RUN/ssh_config vm)"
