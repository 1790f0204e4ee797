#!/usr/bin/env bash
# Host tools for the VM tests (root, idempotent): QEMU, the image builder's
# tools, and the real clients the tests run against the guest's forwards.
#
# The trap: this machine kind ships qemu-utils 10 from bookworm-backports,
# which Breaks qemu-system-common (<< 8.0), and bookworm's qemu-system-x86 is
# 7.2, so `apt-get install qemu-system-x86` fails. Downgrading qemu-utils
# cannot be undone (backports is not in the apt sources). So apt installs
# qemu-system-x86's libraries and firmware, and the two qemu debs are only
# unpacked (`dpkg -x`) into $VMDIR/qemu/root. boot.sh runs that binary with
# `-L` pointing at the system firmware and QEMU_MODULE_DIR at its modules.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_update_once() {
  [ $apt_updated = 1 ] || { apt-get update -qq; apt_updated=1; }
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Tools: debootstrap + mkfs.ext4 -d (image), qemu-img (overlays), zstd and
# the ssh client (the harness copies nasguard in), and the clients the
# tests use from the host.
want=(debootstrap e2fsprogs zstd openssh-client smbclient libnfs-utils libiscsi-bin curl)
command -v qemu-img >/dev/null || want+=(qemu-utils)
if ! vm_qemu >/dev/null; then
  apt_update_once
  # qemu-system-x86's own dependencies (libraries, seabios, firmware), minus
  # qemu-system-common (the package that the installed qemu-utils Breaks).
  mapfile -t deps < <(apt-cache depends qemu-system-x86 | awk '/^  Depends:/{print $2}' |
    grep -v -x -e qemu-system-common -e '<.*>')
  want+=("${deps[@]}")
fi
need=()
for p in "${want[@]}"; do installed "$p" || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt_update_once
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! vm_qemu >/dev/null; then
  apt_update_once
  mkdir -p "$VMDIR"
  tmp=$(mktemp -d "$VMDIR/.qemu.XXXX")
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root qemu-system-x86 qemu-system-common >/dev/null)
  for d in "$tmp"/qemu-system-x86_*.deb "$tmp"/qemu-system-common_*.deb; do dpkg -x "$d" "$tmp/root"; done
  rm -f "$tmp"/*.deb
  rm -rf "$VMDIR/qemu"
  mv "$tmp" "$VMDIR/qemu" # whole or not at all: a half-unpacked qemu is never found
fi
echo "qemu: $(vm_qemu)"
