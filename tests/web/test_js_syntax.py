"""Every ES module of the UI parses (checked with Node when it is installed; the UI itself
needs no Node: browsers load the files as they are)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import hearth.web

WEB = Path(hearth.web.__file__).resolve().parent
NODE = shutil.which("node")
MODULES = sorted((WEB / "js").rglob("*.js"))


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(WEB)))
def test_module_parses(module: Path) -> None:
    assert NODE is not None
    result = subprocess.run(
        [NODE, "--input-type=module", "--check"],
        input=module.read_bytes(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


def test_every_module_is_imported_by_another_or_is_the_entry_point() -> None:
    sources = {path: path.read_text(encoding="utf-8") for path in MODULES}
    everything = "\n".join(sources.values())
    orphans = [
        str(path.relative_to(WEB))
        for path in MODULES
        if path.name != "main.js" and f"/{path.name}'" not in everything
    ]
    assert orphans == []
