"""Make the helper package importable the way bin/utils does: lib/ on sys.path."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lib"))
