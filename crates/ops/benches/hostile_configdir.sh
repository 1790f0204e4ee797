#!/usr/bin/env bash
# `nasguard audit --config-dir` and `import --from` over a hostile directory:
# includes that escape it (/proc/self/root, ../.., a symlink out), a FIFO,
# a link to /dev/zero, a 1 GB file, /etc/shadow. Prints wall time and peak
# RSS of each (release build), five runs each; the goal is < 2 s and memory
# that does not grow with what the directory points at.
# Usage: bash crates/ops/benches/hostile_configdir.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build --release -q -p nasguard
bin=$PWD/target/release/nasguard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
etc=$work/etc; mkdir -p "$etc/ssh" "$etc/samba" "$work/outside"
echo "Banner SECRET-CANARY" > "$work/outside/secret.conf"
ln -s "$work/outside/secret.conf" "$etc/ssh/link.conf"
ln -s /dev/zero "$etc/ssh/zero.conf"
mkfifo "$etc/ssh/fifo.conf"
truncate -s 1G "$etc/ssh/big.conf"
cat > "$etc/ssh/sshd_config" <<CONF
Include /proc/self/root$work/outside/secret.conf
Include /etc/../..$work/outside/secret.conf
Include /etc/ssh/link.conf
Include /etc/ssh/fifo.conf
Include /etc/ssh/zero.conf
Include /etc/ssh/big.conf
Include /etc/shadow
Include /proc/self/root/etc/shadow
PermitRootLogin yes
CONF
printf '[global]\n  include = /proc/self/root/etc/shadow\n  server signing = disabled\n' > "$etc/samba/smb.conf"
export NASGUARD_STATE_DIR=$work/state
$bin init --sandbox >/dev/null
for cmd in "audit --config-dir $etc --fail-on none" "import --from $etc"; do
  for i in 1 2 3 4 5; do
    /usr/bin/time -f "%e %M" -o "$work/t" $bin $cmd > "$work/out" 2>&1 || true
    read -r secs kb < "$work/t"
    grep -q SECRET-CANARY "$work/out" && { echo "FAIL: printed a file outside the directory"; exit 1; }
    echo "${cmd%% *}: ${secs} s, peak RSS $((kb / 1024)) MB"
  done
done
