"""A server factory for crash tests: imports the app once, then forks a fresh `culturebridge
serve` process (the same app on uvicorn, over real HTTP) each time it reads `start` on stdin,
and prints the new server's pid. Killing that pid with SIGKILL is killing the server; the next
`start` costs a fork, not another two seconds of imports.

    python -m tests.api._zygote WORKSPACE PORT
"""

from __future__ import annotations

import os
import sys

import uvicorn

from culturebridge.api import create_app


def main() -> None:
    root, port = sys.argv[1], int(sys.argv[2])
    for line in sys.stdin:
        while True:  # reap the servers killed so far
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if line.strip() != "start":
            continue
        pid = os.fork()
        if pid == 0:
            try:
                uvicorn.run(create_app(root), host="127.0.0.1", port=port, log_level="error")
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
