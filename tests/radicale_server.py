"""A Radicale CalDAV server on a free loopback port with its own storage folder and one
user, for the tests and the sync bench."""

import socket
import subprocess
import sys
import time
from pathlib import Path

USER, PASSWORD = "ana", "an-app-password"


def start(folder: Path) -> tuple[subprocess.Popen, str]:
    """The server's process and its base address; raises if it does not start."""
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
         "--storage-filesystem-folder", str(folder / "collections"),
         "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(users),
         "--auth-htpasswd-encryption", "plain", "--logging-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("Radicale did not start")
