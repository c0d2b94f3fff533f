"""A private PgBouncer in transaction mode, on a free loopback port, in front of the
tests' PostgreSQL: Debian's ``pgbouncer``, refused with a clear message when missing
(the tests never skip a real server)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


class PgBouncer:
    def __init__(self, server_url: str, users: dict[str, str], pool_size: int):
        if not Path(BINARY).exists():
            pytest.exit("PgBouncer is not installed (Debian package pgbouncer)", returncode=3)
        server = make_url(server_url)
        self.folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        (self.folder / "users.txt").write_text(
            "".join(f'"{name}" "{password}"\n' for name, password in users.items())
        )
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = scram-sha-256\nauth_file = {self.folder / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\n"
            "max_client_conn = 500\nserver_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"admin_users = {','.join(users)}\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\n"
        )
        command = [BINARY, str(self.folder / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer will not run as root
            shutil.chown(self.folder, "postgres")
            for name in os.listdir(self.folder):
                shutil.chown(self.folder / name, "postgres")
            command[1:1] = ["-u", "postgres"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        log = (
            (self.folder / "pgbouncer.log").read_text()
            if (self.folder / "pgbouncer.log").exists()
            else ""
        )
        self.stop()
        pytest.exit(f"PgBouncer did not start: {log[-500:]}", returncode=3)

    def url(self, url: str) -> str:
        """``url`` (a role and database of the tests' server) through this PgBouncer."""
        through = make_url(url).set(host="127.0.0.1", port=self.port)
        return through.render_as_string(hide_password=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def users_of(*urls: str) -> dict[str, str]:
    return {make_url(u).username: make_url(u).password or "" for u in urls}
