"""Start a child that dies with its parent: `python -m rft.orphan_guard PARENT_PID|- ARGS...` asks the kernel
to kill this process when its parent goes (PR_SET_PDEATHSIG), then becomes `python ARGS...`.

Used for what rft starts and owns (the temporary Prefect server, the API's worker and its flow runs), so
`kill -9` of rft leaves no orphan that keeps a port, a GPU or a run folder. With a PARENT_PID, a child
whose parent is already gone exits at once instead. (Not preexec_fn: it is unsafe in a threaded parent.)
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> None:
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's own cleanup is all there is
        pass
    if argv[0] != "-" and os.getppid() != int(argv[0]):
        sys.exit(0)
    os.execv(sys.executable, [sys.executable, *argv[1:]])


if __name__ == "__main__":
    main(sys.argv[1:])
