#!/usr/bin/env python3
"""One QEMU monitor (HMP) command to the test VM, for people:
    python3 vm/hmp.py 'info snapshots'
    NASGUARD_VM_NAME=test python3 vm/hmp.py 'savevm mine'
(the Rust harness speaks HMP itself, in crates/cli/tests/it/vm.rs)."""
import os, socket, sys

run = os.path.join(os.environ.get("NASGUARD_VM_DIR", "/var/tmp/nasguard-vm"),
                   os.environ.get("NASGUARD_VM_NAME", "test"))
s = socket.socket(socket.AF_UNIX)
s.connect(os.path.join(run, "monitor.sock"))


def until_prompt():
    buf = b""
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace")


until_prompt()
s.sendall((" ".join(sys.argv[1:]) + "\n").encode())
# the monitor echoes the command line first; print what follows
print("\n".join(until_prompt().replace("(qemu) ", "").splitlines()[1:]))
