"""The demo corpus shipped inside the package: two Chinese articles about MiniMax, as received."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).parent / "demo"


def demo_paths() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.txt"))
