"""Phenopacket JSON files from a folder, a .zip or a .tar.gz, in a stable order."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from rft.errors import RftInputError


def _wanted(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.endswith(".json") and not base.startswith(".") and "__MACOSX/" not in name


def iter_json_files(src: str | Path) -> Iterator[tuple[str, bytes]]:
    """Yield (display name, raw bytes) for each JSON file; the name says where it came from."""
    src = Path(src)
    if src.is_dir():
        for path in sorted(p for p in src.rglob("*.json") if p.is_file() and _wanted(p.as_posix())):
            yield str(path), path.read_bytes()
    elif src.is_file() and zipfile.is_zipfile(src):
        with zipfile.ZipFile(src) as zf:
            for name in sorted(n for n in zf.namelist() if _wanted(n) and not n.endswith("/")):
                yield f"{src}:{name}", zf.read(name)
    elif src.is_file() and src.name.endswith((".tar.gz", ".tgz", ".tar")):
        try:
            with tarfile.open(src, "r:*") as tf:
                members = sorted((m for m in tf.getmembers() if m.isfile() and _wanted(m.name)),
                                 key=lambda m: m.name)
                for member in members:
                    yield f"{src}:{member.name}", tf.extractfile(member).read()
        except (tarfile.TarError, EOFError, OSError) as err:
            raise RftInputError(str(src), f"cannot read archive: {err}") from err
    elif not src.exists():
        raise RftInputError(str(src), "no such file or folder")
    else:
        raise RftInputError(str(src), "expected a folder, a .zip or a .tar.gz of phenopacket JSON files")
