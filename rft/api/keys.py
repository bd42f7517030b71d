"""Bearer keys, each bound to a project: a key sees only its own project's files, jobs and models.

From `RFT_API_KEYS` ("key1=projectA,key2=projectB"; a key alone is its own project) or a keys file
(one "key project" per line, # comments). Compared in constant time.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from rft.api.errors import unauthorized
from rft.errors import RftInputError


def load_keys(keys_file: str | Path | None = None, env: str | None = None) -> dict[str, str]:
    keys: dict[str, str] = {}
    raw = os.environ.get("RFT_API_KEYS", "") if env is None else env
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, _, project = part.partition("=")
        keys[key.strip()] = project.strip() or key.strip()
    if keys_file:
        path = Path(keys_file)
        if not path.is_file():
            raise RftInputError(str(path), "no such keys file")
        for number, line in enumerate(path.read_text().splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) > 2:
                raise RftInputError(str(path), "expected 'key project'", line=number)
            keys[fields[0]] = fields[1] if len(fields) == 2 else fields[0]
    short = [k for k in keys if len(k) < 16]
    if short:
        raise RftInputError(str(keys_file or "RFT_API_KEYS"), f"{len(short)} keys shorter than 16 characters")
    return keys


def project_of(authorization: str | None, keys: dict[str, str]) -> str:
    """The project a request's `Authorization: Bearer KEY` belongs to; 401 in OpenAI's shape otherwise."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorized("You didn't provide an API key. Provide it as 'Authorization: Bearer KEY'.")
    given = authorization[7:].strip().encode()
    found = None
    for key, project in keys.items():  # every key compared, so timing says nothing of which matched
        if hmac.compare_digest(key.encode(), given):
            found = project
    if found is None:
        raise unauthorized()
    return found
