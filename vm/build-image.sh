#!/usr/bin/env bash
# Builds the Debian 12 test image for the VM tests, from the host side (the
# guest never needs a network): debootstrap + apt in a chroot on a tmpfs,
# the files under vm/guest/, an initramfs for direct -kernel boot, then
# `mkfs.ext4 -d` into a sparse raw disk. Needs root, host-tools.sh, and the
# Debian mirror from this host's apt configuration (mirror.sh).
#
#   bash vm/build-image.sh               build unless $IMG is current
#   bash vm/build-image.sh --force       rebuild anyway
#   bash vm/build-image.sh --background  start a build in the background
#                                        (log: $VMDIR/build.log) and return;
#                                        boot.sh waits for it
#
# Output in $VMDIR/image/ (replaced whole, only when complete):
#   base.img                  ext4 root filesystem, 4 GiB sparse (on /dev/vda)
#   vmlinuz, initrd.img       kernel + initramfs
#   id_ed25519[.pub]          root's key (the harness and the tests log in with it)
#   known_hosts_22, known_hosts_2222  the guest's sshd host keys, to pin
#   stamp                     vm_image_stamp (build script, package list, guest/)
# Concurrency: the whole build holds $VMDIR/build.lock (flock).
set -euo pipefail
. "$(dirname "$0")/common.sh"
SIZE=${NASGUARD_VM_IMAGE_SIZE:-4G}
mkdir -p "$VMDIR"

mode=build
case ${1:-} in
  --force) mode=force ;;
  --background) mode=background ;;
  --locked) mode=locked ;; # internal: the lock is already held on fd 9
  '') ;;
  *) echo "usage: $0 [--force|--background]" >&2; exit 2 ;;
esac

if [ $mode = background ]; then
  vm_image_ok && { echo "VM image is current: $IMG"; exit 0; }
  # Take the lock here, before returning, so whoever looks next (boot.sh)
  # sees a build under way; the child inherits fd 9 and with it the lock.
  exec 9>"$VMDIR/build.lock"
  flock -n 9 || { echo "a VM image build is already running (log: $VMDIR/build.log)"; exit 0; }
  nohup bash "$0" --locked </dev/null >"$VMDIR/build.log" 2>&1 &
  echo "VM image build started in the background (pid $!, log: $VMDIR/build.log)"
  exit 0
fi
if [ $mode != locked ]; then
  exec 9>"$VMDIR/build.lock"
  flock -n 9 || { echo "waiting for another VM image build (log: $VMDIR/build.log)"; flock 9; }
fi
if [ $mode != force ] && vm_image_ok; then
  echo "VM image is current: $IMG"
  exit 0
fi

t0=$(date +%s)
STAMP=$(vm_image_stamp)
WORK=$VMDIR/build-work
ROOT=$WORK/root
OUT=$VMDIR/image.new
read -r _ MAIN < <(bash "$VM_HERE/mirror.sh" | grep '^MAIN ')
SEC=$(bash "$VM_HERE/mirror.sh" | awk '$1 == "SECURITY" {print $2}')
mapfile -t PKGS < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$VM_HERE/packages")

cleanup() {
  for m in dev/pts dev proc sys; do
    mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"
  done
  mountpoint -q "$WORK" && umount -l "$WORK"
  rm -rf "$WORK" "$OUT"
}
trap cleanup EXIT
cleanup
mkdir -p "$WORK" "$OUT"
# The whole root tree lives on a tmpfs: dpkg's many fsyncs cost nothing
# there, which roughly halves debootstrap + apt. It is about 1.3 GiB.
mount -t tmpfs -o size=6G,mode=755 nasguard-vm-build "$WORK"

# minbase + what boots systemd; everything else with apt (a better resolver)
# (its output names the mirror: only a scrubbed tail is shown, on failure)
debootstrap --variant=minbase --include=systemd-sysv,udev,dbus,kmod,iproute2 \
  bookworm "$ROOT" "$MAIN" >/dev/null 2>&1 || {
  tail -20 "$ROOT/debootstrap/debootstrap.log" | sed "s|$MAIN|<mirror>|g" >&2
  exit 1
}
t1=$(date +%s)
echo "== debootstrap: $((t1 - t0)) s"

# apt inside the chroot uses the host's mirror; removed again below
{
  echo "deb $MAIN bookworm main"
  echo "deb $MAIN bookworm-updates main"
  [ -z "$SEC" ] || echo "deb $SEC bookworm-security main"
} >"$ROOT/etc/apt/sources.list"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount -t devpts devpts "$ROOT/dev/pts"
# No daemon starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"
# Smaller and faster: no docs or translations (man pages stay: man-db is in
# the list), and no man-db index rebuild after each package.
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/01-nasguard-vm" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/man/??/*
path-exclude=/usr/share/man/??_*/*
EOF
echo 'man-db man-db/auto-update boolean false' | chroot "$ROOT" debconf-set-selections
# (errors name the mirror: scrubbed before they reach the log)
chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
  sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null' \
  sh "${PKGS[@]}" 2>&1 | sed -e "s|$MAIN|<mirror>|g" -e "s|${SEC:-<none>}|<security-mirror>|g" >&2
t2=$(date +%s)
echo "== apt install (${#PKGS[@]} packages): $((t2 - t1)) s"

# ---- configuration ----
cp -a "$VM_HERE/guest/." "$ROOT/"
echo nasguard-vm >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 nasguard-vm\n' >"$ROOT/etc/hosts"
# pass 0: no fsck at boot (the root is a throwaway overlay anyway)
echo '/dev/vda / ext4 defaults,noatime 0 0' >"$ROOT/etc/fstab"
chroot "$ROOT" systemctl -q enable systemd-networkd.service nasguard-harness-sshd.service
# tgt and LIO both bind 3260 and both start at boot (tgt wins): tgt stays
# installed but disabled, so LIO (rtslib-fb-targetctl) owns 3260.
chroot "$ROOT" systemctl -q disable tgt.service
# Boot speed and quiet: nothing waits for "online", no periodic jobs. No
# NetBIOS name service (nmbd: TrueNAS's recommendation too, and 15 s of an
# emulated boot) and no AD domain controller (samba-ad-dc): nasguard
# drives smbd. Nor what no test uses and every emulated boot paid for
# (systemd-analyze blame: each modprobe@ unit 10 s, side by side on two
# vCPUs): loop, fuse, device-mapper and EFI pstore modules, binfmt_misc,
# and the debug, tracing and hugepage file systems.
for u in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
  man-db.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer \
  nmbd.service samba-ad-dc.service \
  modprobe@loop.service modprobe@fuse.service modprobe@dm_mod.service modprobe@efi_pstore.service \
  systemd-binfmt.service proc-sys-fs-binfmt_misc.automount sys-fs-fuse-connections.mount \
  sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount; do
  chroot "$ROOT" systemctl -q mask "$u" 2>/dev/null || true
done
# SSH: one root key, accepted by ssh.service (port 22) and by the harness's
# own sshd (port 2222), each with a host key the harness pins.
ssh-keygen -q -t ed25519 -N '' -C nasguard-vm-root -f "$OUT/id_ed25519"
install -d -m 700 "$ROOT/root/.ssh"
install -m 600 "$OUT/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
install -m 600 "$OUT/id_ed25519.pub" "$ROOT/etc/nasguard-harness/authorized_keys"
ssh-keygen -q -t ed25519 -N '' -C nasguard-harness -f "$ROOT/etc/nasguard-harness/ssh_host_ed25519_key"
cut -d' ' -f1,2 "$ROOT/etc/ssh/ssh_host_ed25519_key.pub" >"$OUT/known_hosts_22"
cut -d' ' -f1,2 "$ROOT/etc/nasguard-harness/ssh_host_ed25519_key.pub" >"$OUT/known_hosts_2222"
# Direct kernel boot on virtio: a small initramfs with just what mounts the
# root (MODULES=dep would look at the build host's hardware).
printf '%s\n' virtio_pci virtio_blk ext4 >>"$ROOT/etc/initramfs-tools/modules"
sed -i -e 's/^MODULES=.*/MODULES=list/' -e 's/^COMPRESS=.*/COMPRESS=zstd/' \
  "$ROOT/etc/initramfs-tools/initramfs.conf"
KVER=$(find "$ROOT/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
# Smaller: kernel modules for hardware a NAS test guest never has (about
# 150 MB of the image).
for d in sound drivers/gpu drivers/media drivers/infiniband drivers/iio drivers/staging \
  drivers/net/wireless drivers/bluetooth net/wireless net/mac80211 net/bluetooth; do
  rm -rf "$ROOT/lib/modules/$KVER/kernel/$d"
done
chroot "$ROOT" depmod -a "$KVER"
chroot "$ROOT" update-initramfs -u -k "$KVER" >/dev/null

# ---- scrub: no mirror names, package lists or build logs in the image ----
rm -f "$ROOT/usr/sbin/policy-rc.d" "$ROOT/etc/apt/sources.list"
chroot "$ROOT" apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/log/apt/* \
  "$ROOT"/var/log/dpkg.log "$ROOT"/var/log/bootstrap.log "$ROOT"/var/log/alternatives.log \
  "$ROOT"/var/cache/debconf/*-old "$ROOT"/var/lib/dpkg/*-old
if grep -rIl --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev -F "${MAIN#*://}" \
  "$ROOT/etc" "$ROOT/var" 2>/dev/null; then
  echo "the mirror's name is still in the image (files above)" >&2
  exit 1
fi
for m in dev/pts dev proc sys; do umount -l "$ROOT/$m"; done

cp "$ROOT/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$OUT/initrd.img"
mkfs.ext4 -q -F -L nasroot -E root_owner=0:0 -d "$ROOT" "$OUT/base.img" "$SIZE"
echo "$STAMP" >"$OUT/stamp"
t3=$(date +%s)
echo "== image: $((t3 - t2)) s; total $((t3 - t0)) s; kernel $KVER;" \
  "base.img $(du -m "$OUT/base.img" | cut -f1) MiB on disk, initrd $(du -m "$OUT/initrd.img" | cut -f1) MiB"

# Replace the old image whole. A VM still running from it keeps its open
# file; boot.sh sees the new stamp and boots afresh.
rm -rf "$IMG.old"
[ ! -e "$IMG" ] || mv "$IMG" "$IMG.old"
mv "$OUT" "$IMG"
rm -rf "$IMG.old"
