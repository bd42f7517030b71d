"""Bearer keys: each bound to a project; missing, malformed or wrong keys are 401 in OpenAI's shape."""

from __future__ import annotations

import pytest

from rft.api.errors import ApiError
from rft.api.keys import load_keys, project_of
from rft.errors import RftInputError

A, B = "sk-a-0123456789abcdef", "sk-b-0123456789abcdef"


def test_keys_from_the_environment_and_a_file(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"# team keys\n{B} research\n\n")
    keys = load_keys(path, env=f"{A}=clinic")
    assert keys == {A: "clinic", B: "research"}
    assert project_of(f"Bearer {A}", keys) == "clinic" and project_of(f"bearer {B}", keys) == "research"


@pytest.mark.parametrize("header", [None, "", A, f"Basic {A}", "Bearer sk-wrong-0123456789abc", f"Bearer {A}x"])
def test_no_key_or_a_wrong_key_is_401_in_openais_shape(header):
    with pytest.raises(ApiError) as err:
        project_of(header, {A: "clinic"})
    assert err.value.status == 401 and set(err.value.body()["error"]) == {"message", "type", "param", "code"}


def test_short_keys_and_bad_lines_are_refused(tmp_path):
    with pytest.raises(RftInputError, match="shorter than 16"):
        load_keys(None, env="short=p")
    path = tmp_path / "keys"
    path.write_text(f"{A} clinic extra\n")
    with pytest.raises(RftInputError) as err:
        load_keys(path, env="")
    assert err.value.line == 1
