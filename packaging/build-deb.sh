#!/usr/bin/env bash
# Builds nasguard's Debian package with dpkg-deb (no cargo-deb: nothing to
# install, and every file it ships is listed here).
#
#   bash packaging/build-deb.sh [--bin PATH] [--out DIR]
#
# --bin: the nasguard binary to ship (default: target/release/nasguard,
#        built with `cargo build --release` when absent). It is copied
#        without its debug info.
# --out: where the .deb goes (default: target/debian). Prints its path.
# NASGUARD_DEB_COMPRESSION: dpkg-deb's -Z (default xz; the tests use none).
#
# The package: /usr/bin/nasguard; the unit nasguard.service (hardened, see
# the file) and its settings /etc/default/nasguard (a conffile); the fleet
# agent's nasguard-agent.service + .timer and its login file
# /etc/default/nasguard-agent (a conffile, 0600); man pages
# and bash/zsh/fish completions, generated from the clap definitions by the
# binary itself (`nasguard manpages`, `nasguard completions`); copyright.
# Depends are worked out by dpkg-shlibdeps from the binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin="" out="$root/target/debian"
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--bin PATH] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$bin" ]; then
  bin="$root/target/release/nasguard"
  [ -x "$bin" ] || (cd "$root" && cargo build --release -p nasguard)
fi
for tool in dpkg-deb dpkg-shlibdeps fakeroot strip gzip; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install dpkg-dev fakeroot binutils)" >&2; exit 3; }
done

version=$("$bin" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg="$work/pkg"
install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/etc/default" \
  "$pkg/usr/share/man/man1" "$pkg/usr/share/doc/nasguard" \
  "$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/zsh/vendor-completions" \
  "$pkg/usr/share/fish/vendor_completions.d"

strip --strip-debug -o "$pkg/usr/bin/nasguard" "$bin"
chmod 0755 "$pkg/usr/bin/nasguard"
install -m 0644 "$here/nasguard.service" "$pkg/lib/systemd/system/nasguard.service"
install -m 0644 "$here/nasguard.default" "$pkg/etc/default/nasguard"
# The fleet agent: a oneshot unit, its timer, and its login (0600).
install -m 0644 "$here/nasguard-agent.service" "$pkg/lib/systemd/system/nasguard-agent.service"
install -m 0644 "$here/nasguard-agent.timer" "$pkg/lib/systemd/system/nasguard-agent.timer"
install -m 0600 "$here/nasguard-agent.default" "$pkg/etc/default/nasguard-agent"
install -m 0644 "$here/copyright" "$pkg/usr/share/doc/nasguard/copyright"
for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$pkg/DEBIAN/$script"
done
printf '%s\n' /etc/default/nasguard /etc/default/nasguard-agent >"$pkg/DEBIAN/conffiles"

"$pkg/usr/bin/nasguard" manpages --out "$work/man"
for page in "$work"/man/*.1; do
  gzip -9n <"$page" >"$pkg/usr/share/man/man1/$(basename "$page").gz"
done
"$pkg/usr/bin/nasguard" completions bash >"$pkg/usr/share/bash-completion/completions/nasguard"
"$pkg/usr/bin/nasguard" completions zsh >"$pkg/usr/share/zsh/vendor-completions/_nasguard"
"$pkg/usr/bin/nasguard" completions fish >"$pkg/usr/share/fish/vendor_completions.d/nasguard.fish"
chmod 0644 "$pkg"/usr/share/*/*/* "$pkg"/usr/share/*/*/*/* 2>/dev/null || true

# dpkg-shlibdeps reads a debian/control; give it a minimal one.
mkdir -p "$work/shlibs/debian"
printf 'Source: nasguard\n\nPackage: nasguard\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$pkg/usr/bin/nasguard" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "$0: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)

cat >"$pkg/DEBIAN/control" <<CONTROL
Package: nasguard
Version: $version-1
Architecture: $arch
Maintainer: nasguard authors <nasguard@example.invalid>
Installed-Size: $size
Depends: $depends
Recommends: openssh-server
Suggests: samba, nfs-kernel-server, targetcli-fb, tgt, nftables
Section: admin
Priority: optional
Homepage: https://example.invalid/nasguard
Description: secure-by-default control plane and auditor for a Linux NAS
 nasguard keeps the configuration of a NAS's four sharing services (Samba,
 NFS, iSCSI and OpenSSH) as a typed model with secure defaults, audits it
 against a rule catalog, renders and applies the daemons' configs with
 rollback, and probes the running services. It adopts a host's existing,
 hand-written configs without losing them.
 .
 The package ships the nasguard command and nasguard.service, which serves
 the web UI and REST API over HTTPS with a certificate it makes on first
 start (enable it after "nasguard init").
CONTROL

mkdir -p "$out"
deb="$out/nasguard_${version}-1_${arch}.deb"
fakeroot dpkg-deb --root-owner-group -Z"${NASGUARD_DEB_COMPRESSION:-xz}" --build "$pkg" "$deb" >/dev/null
echo "$deb"
