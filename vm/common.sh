# Sourced by the vm/ scripts: where things live, and helpers they share.
# Everything the VM harness keeps is under one cache directory, so a CI
# machine that is handed back keeps its image, and `rm -rf` resets it all.
#
#   $VMDIR/qemu/root/...      qemu-system-x86 7.2 unpacked (host-tools.sh)
#   $VMDIR/image/             the built image: base.img, vmlinuz, initrd.img,
#                             id_ed25519 (root key), known host keys, stamp
#   $VMDIR/build.lock         held (flock) while build-image.sh runs
#   $VMDIR/build.log          the last build's output
#   $VMDIR/<name>/            one running VM: overlay.qcow2, qemu.pid,
#                             monitor.sock, serial.log, ssh_config, ports
# shellcheck shell=bash

# shellcheck disable=SC2034 # used by the scripts that source this
VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VMDIR=${NASGUARD_VM_DIR:-/var/tmp/nasguard-vm}
VM_NAME=${NASGUARD_VM_NAME:-test}
IMG=$VMDIR/image
RUN=$VMDIR/$VM_NAME

case $VM_NAME in
  image | qemu | build* | '' | *[!a-z0-9-]*)
    echo "NASGUARD_VM_NAME must be [a-z0-9-]+ and not image/qemu/build*: '$VM_NAME'" >&2
    exit 2 ;;
esac

# The qemu-system binary: Debian's if installed, else the one host-tools.sh
# unpacked (see the trap described there).
vm_qemu() {
  if command -v qemu-system-x86_64 >/dev/null 2>&1; then
    command -v qemu-system-x86_64
  elif [ -x "$VMDIR/qemu/root/usr/bin/qemu-system-x86_64" ]; then
    echo "$VMDIR/qemu/root/usr/bin/qemu-system-x86_64"
  else
    return 1
  fi
}

# What the image is built from: a changed package list, build script or
# guest file gives a new stamp, and build-image.sh rebuilds.
vm_image_stamp() {
  (cd "$VM_HERE" && find build-image.sh packages guest -type f -print0 | LC_ALL=C sort -z |
    xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# Whether the image in $IMG is complete and built from these sources.
vm_image_ok() {
  [ -f "$IMG/stamp" ] && [ "$(cat "$IMG/stamp")" = "$(vm_image_stamp)" ]
}

vm_pid_alive() { # pid: alive and one of our qemus (never some recycled pid)
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-name nasguard-vm-"
}
