"""Wait until the app answers on its port, then print the French address line (used by
`make run`, so that this line comes last, after Streamlit's own English lines). `pilotage
serve` opens its port once prepared (ui/warmup.py): when it answers, its first page is ready.

Usage: python scripts/wait_ready.py PORT
"""

from __future__ import annotations

import sys
import time
import urllib.request


def wait_ready(port: int, seconds: float = 300) -> bool:
    """True once http://localhost:PORT/_stcore/health answers 200, False after ``seconds``."""
    url = f"http://localhost:{port}/_stcore/health"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


if __name__ == "__main__":
    port = int(sys.argv[1])
    if wait_ready(port):
        print(
            f"\nPilotage est prêt : ouvrez http://localhost:{port} dans votre navigateur "
            "(Ctrl+C pour arrêter).",
            flush=True,
        )
    else:
        print(f"\nPilotage ne répond pas sur le port {port} : voyez les messages ci-dessus.")
        sys.exit(1)
