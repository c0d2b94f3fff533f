"""The suite. The app's instance folder (its default SQLite file and mail outbox) is a
temporary folder, never the working tree; set before the app's settings are read."""

import os
import tempfile

os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="secretariat-instance-"))
