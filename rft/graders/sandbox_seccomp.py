"""Kernel walls for the grading process: every capability dropped, then a seccomp filter.

Loaded by sandbox_worker.py inside the sandbox; imports nothing from rft. The filter is classic BPF
written here (no libseccomp needed). It answers EPERM to the calls that leave or reshape the sandbox
(namespaces, mounts, tracing, other processes' memory, kernel keys and modules, BPF), to signals for any
process but the caller, and to process creation (fork, vfork, exec, clone without CLONE_THREAD; threads stay allowed), ENOSYS to clone3
(its flags sit behind a pointer the filter cannot read, and libc then falls back to clone), and kills
the process on any other architecture's or x32's system call numbers.
"""

import ctypes
import errno
import os
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_DUMPABLE = 4
SECCOMP_MODE_FILTER = 2
CLONE_THREAD = 0x00010000
LAST_CAP = 63

RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000

# BPF opcodes
LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
JSET_K = 0x45
RET_K = 0x06

ARCHES = {"x86_64": 0xC000003E}
X32_BIT = 0x40000000

# x86_64 numbers of the refused calls
REFUSED = {
    "fork": 57, "vfork": 58, "execve": 59, "execveat": 322, "ptrace": 101, "process_vm_readv": 310,
    "process_vm_writev": 311, "setns": 308, "unshare": 272, "mount": 165, "umount2": 166, "pivot_root": 155,
    "chroot": 161, "bpf": 321, "keyctl": 250, "add_key": 248, "request_key": 249, "kexec_load": 246,
    "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "perf_event_open": 298, "userfaultfd": 323, "open_by_handle_at": 304, "name_to_handle_at": 303,
    "reboot": 169, "swapon": 167, "swapoff": 168, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "pidfd_getfd": 438,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "iopl": 172, "ioperm": 173,
    "personality": 135, "acct": 163, "quotactl": 179, "syslog": 103, "settimeofday": 164,
    "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159, "sethostname": 170, "setdomainname": 171,
    "uselib": 134, "lookup_dcookie": 212, "vhangup": 153, "move_pages": 279, "migrate_pages": 256,
    "kcmp": 312, "tkill": 200, "pidfd_open": 434, "pidfd_send_signal": 424,
}
# signals: only to the grading process itself (not the supervisor, the zygote or its process group)
SIGNALLING = {"kill": 62, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297}
CLONE, CLONE3 = 56, 435


class SeccompUnavailable(RuntimeError):
    pass


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def build_filter(arch: str, own_pid: int = 0) -> bytes:
    if arch not in ARCHES:
        raise SeccompUnavailable(f"no seccomp filter for the {arch} architecture")
    eperm = RET_ERRNO | errno.EPERM
    prog = [_insn(LD_W_ABS, 0, 0, 4), _insn(JEQ_K, 1, 0, ARCHES[arch]), _insn(RET_K, 0, 0, RET_KILL_PROCESS),
            _insn(LD_W_ABS, 0, 0, 0), _insn(JGE_K, 0, 1, X32_BIT), _insn(RET_K, 0, 0, RET_KILL_PROCESS)]
    for number in sorted(REFUSED.values()):
        prog += [_insn(JEQ_K, 0, 1, number), _insn(RET_K, 0, 0, eperm)]
    prog += [_insn(JEQ_K, 0, 1, CLONE3), _insn(RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    for number in sorted(SIGNALLING.values()):  # the target pid is args[0]
        prog += [_insn(JEQ_K, 0, 4, number), _insn(LD_W_ABS, 0, 0, 16), _insn(JEQ_K, 0, 1, own_pid),
                 _insn(RET_K, 0, 0, RET_ALLOW), _insn(RET_K, 0, 0, eperm)]
    # clone: allowed only for a thread (the flags' low word is args[0] at offset 16 on little-endian)
    prog += [_insn(JEQ_K, 0, 4, CLONE), _insn(LD_W_ABS, 0, 0, 16), _insn(JSET_K, 0, 1, CLONE_THREAD),
             _insn(RET_K, 0, 0, RET_ALLOW), _insn(RET_K, 0, 0, eperm)]
    prog.append(_insn(RET_K, 0, 0, RET_ALLOW))
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {errno.errorcode.get(ctypes.get_errno(), '?')}")


def drop_capabilities() -> None:
    """Empty the bounding, ambient, effective, permitted and inheritable sets; no regaining by exec."""
    libc = _libc()
    for cap in range(LAST_CAP + 1):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the kernel's last capability: fine
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two data words
    data = (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def install_filter() -> None:
    """For the calling process, and whatever threads it starts."""
    program = build_filter(platform.machine(), os.getpid())
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _check(_libc().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")


def not_dumpable() -> None:
    """No /proc/PID/mem or ptrace into this process from its own user (the supervisor holds the secret)."""
    _check(_libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")
