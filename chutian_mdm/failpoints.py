"""Named points where the crash-safety tests stop a run to kill it (``SIGKILL``).

Set ``CHUTIAN_MDM_FAILPOINT=<name>`` and ``CHUTIAN_MDM_FAILPOINT_MARKER=<file>``: when the run
reaches that point it creates the marker file and waits there until it is killed. Without the
variables a failpoint costs one dictionary lookup. Points: ``ingest:copied`` (rows sent, batch
not committed), ``match:scored`` (pairs scored, clusters not stored), ``publish:written`` (new
release written, transaction not committed), ``inbox:ingested`` (file committed, not moved).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

FAILPOINT_ENV = "CHUTIAN_MDM_FAILPOINT"
MARKER_ENV = "CHUTIAN_MDM_FAILPOINT_MARKER"


def failpoint(name: str) -> None:
    if os.environ.get(FAILPOINT_ENV) != name:
        return
    marker = os.environ.get(MARKER_ENV)
    if marker:
        Path(marker).write_text(f"{os.getpid()} {name}\n", encoding="utf-8")
    while True:  # until the test kills this process
        time.sleep(60)
