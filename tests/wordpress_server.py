"""A real WordPress on a free loopback port: Debian's ``wordpress`` package served by PHP's
built-in web server, on a fresh database of the machine's MariaDB, installed with one
administrator and an application password for the tests.

The site's folder links to the package's code and has its own ``wp-config.php`` and
``wp-content`` (for the uploads), so nothing of the machine's is changed."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

PACKAGE = Path("/usr/share/wordpress")
ADMIN = "admin"

CONFIG = """<?php
define('DB_NAME', '{database}');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '{db_host}');
define('DB_CHARSET', 'utf8mb4');
define('WP_CONTENT_DIR', '{content}');
define('WP_HOME', '{base}');
define('WP_SITEURL', '{base}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
{keys}
$table_prefix = 'wp_';
define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
"""

INSTALL = """<?php
$_SERVER['HTTP_HOST'] = '{host}';
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install('Bakery', '{admin}', 'admin@example.com', true, '', '{password}');
$made = WP_Application_Passwords::create_new_application_password(
    1, array('name' => 'Secretariat')
);
echo json_encode(array('application_password' => $made[0]));
"""


@dataclass
class WordPress:
    base: str
    folder: Path
    database: str
    application_password: str
    admin_password: str
    process: subprocess.Popen

    @property
    def api(self) -> str:
        return f"{self.base}/?rest_route="

    def get(self, route: str, **params) -> requests.Response:
        """A REST API read as the administrator (drafts included)."""
        return requests.get(
            self.api + route,
            params=params,
            auth=(ADMIN, self.application_password),
            timeout=10,
        )

    def query(self, sql: str) -> list[list[str]]:
        """Rows of a query on the site's own database, read with the MariaDB client."""
        out = subprocess.run(
            ["mariadb", *_client_args(), "-N", "-B", self.database, "-e", sql],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        return [line.split("\t") for line in out.splitlines()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        subprocess.run(
            ["mariadb", *_client_args(), "-e", f"DROP DATABASE IF EXISTS `{self.database}`"],
            check=False, capture_output=True,
        )  # fmt: skip


def _client_args() -> list[str]:
    host = os.environ.get("TEST_MARIADB_HOST", "localhost")
    return ["-h", host, "-u", "root"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(folder: Path) -> WordPress:
    """Install and serve a new site; raises with the reason when it cannot."""
    if not (PACKAGE / "wp-settings.php").exists():
        raise RuntimeError(
            "Debian's wordpress package is not installed (apt-get install wordpress)"
        )
    database = f"secretariat_wp_{os.getpid()}_{secrets.token_hex(3)}"
    created = subprocess.run(
        ["mariadb", *_client_args(), "-e", f"CREATE DATABASE `{database}`"],
        capture_output=True, text=True,
    )  # fmt: skip
    if created.returncode != 0:
        raise RuntimeError(f"MariaDB refused a new database: {created.stderr.strip()}")
    site = folder / "site"
    site.mkdir(parents=True)
    for entry in PACKAGE.iterdir():
        if entry.is_dir() and entry.name != "wp-content":
            (site / entry.name).symlink_to(entry)
        elif entry.suffix == ".php" and entry.name != "wp-config.php":
            # copied, not linked: they find wp-config.php beside their real path
            shutil.copyfile(entry, site / entry.name)
    content = site / "wp-content"
    (content / "uploads").mkdir(parents=True)
    for name in ("plugins", "themes"):
        (content / name).symlink_to(PACKAGE / "wp-content" / name)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    keys = "\n".join(
        f"define('{name}', '{secrets.token_hex(24)}');"
        for name in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
                     "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
    )  # fmt: skip
    host = os.environ.get("TEST_MARIADB_HOST", "localhost")
    (site / "wp-config.php").write_text(
        CONFIG.format(database=database, db_host=host, content=content, base=base, keys=keys)
    )
    admin_password = secrets.token_urlsafe(12)
    install = site / "install-for-tests.php"
    install.write_text(
        INSTALL.format(host=f"127.0.0.1:{port}", admin=ADMIN, password=admin_password)
    )
    done = subprocess.run(
        ["php", str(install)], capture_output=True, text=True, cwd=site, timeout=120
    )
    install.unlink()
    try:
        made = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise RuntimeError(
            f"WordPress did not install: {done.stdout[-500:]} {done.stderr[-500:]}"
        ) from exc
    process = subprocess.Popen(
        ["php", "-S", f"127.0.0.1:{port}", "-t", str(site)],
        cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("PHP's web server did not start")
    return WordPress(base, site, database, made["application_password"], admin_password, process)
