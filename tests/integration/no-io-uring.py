#!/usr/bin/env python3
"""no-io-uring.py SYSCALL COMMAND [ARG...]: run COMMAND with SYSCALL (io_uring_setup or
io_uring_enter) failing with EPERM, as under a container runtime's default seccomp profile
(Docker's blocks io_uring), while the fuse module's enable_uring stays on. A seccomp
filter, inherited by COMMAND through exec; no_new_privs first, so that it needs no
privilege.

    ld  arch;  if != x86_64 -> allow
    ld  nr;    if == SYSCALL -> return ERRNO(EPERM)
    allow
"""
import ctypes
import os
import struct
import sys

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
AUDIT_ARCH_X86_64, EPERM = 0xC000003E, 1
SYSCALLS = {"io_uring_setup": 425, "io_uring_enter": 426}  # x86_64
LD_ABS, JEQ, RET = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
RET_ERRNO, RET_ALLOW = 0x00050000, 0x7FFF0000

if len(sys.argv) < 3 or sys.argv[1] not in SYSCALLS:
    sys.exit("usage: no-io-uring.py io_uring_setup|io_uring_enter COMMAND [ARG...]")
if os.uname().machine != "x86_64":
    sys.exit("no-io-uring.py: x86_64 only (the syscall numbers are x86_64's)")
program = [  # struct sock_filter {u16 code; u8 jt, jf; u32 k}; offsets into struct seccomp_data
    (LD_ABS, 0, 0, 4),  # arch
    (JEQ, 0, 3, AUDIT_ARCH_X86_64),
    (LD_ABS, 0, 0, 0),  # nr
    (JEQ, 0, 1, SYSCALLS[sys.argv[1]]),
    (RET, 0, 0, RET_ERRNO | EPERM),
    (RET, 0, 0, RET_ALLOW),
]
code = b"".join(struct.pack("=HBBI", *insn) for insn in program)
buf = ctypes.create_string_buffer(code, len(code))


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


fprog = SockFprog(len(program), ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
    sys.exit("no-io-uring.py: prctl(PR_SET_NO_NEW_PRIVS): " + os.strerror(ctypes.get_errno()))
if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
    sys.exit("no-io-uring.py: prctl(PR_SET_SECCOMP): " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[2], sys.argv[2:])
