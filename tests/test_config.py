"""Every shipped config parses; bad params name the field; CI runs the README's commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from rft.config import Params, load_params
from rft.errors import RftInputError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_params_parse_and_match_the_demo_defaults():
    params = load_params(ROOT / "params.yaml", apply_profile=False)
    assert params.split.group_by == "correct_gene" and params.split.link_by == ["disease_id"]
    assert (params.split.train_size, params.split.valid_size) == (1100, 200)
    # the file states every default explicitly (but the profile), so the two cannot drift apart
    assert params.profile == "smoke"
    assert params.model_copy(update={"profile": None}) == Params()


@pytest.mark.parametrize("profile", sorted(p.stem for p in (ROOT / "configs" / "profiles").glob("*.yaml")))
def test_every_shipped_profile_parses_and_changes_something(profile):
    params = load_params(ROOT / "params.yaml", [f"profile={profile}"])
    assert params.profile == profile
    assert params.train != Params().train


def test_profile_merges_under_set_overrides():
    params = load_params(ROOT / "params.yaml", ["train.max_steps=5"])
    assert params.train.max_steps == 5  # --set wins over the smoke profile's 2
    assert params.train.hyperparameters.batch_size == 1  # the profile's, beside its siblings
    assert params.train.hyperparameters.n_epochs == "auto"
    assert load_params(ROOT / "params.yaml", ["profile=null"]).train.max_steps is None


def test_unknown_profile_names_the_known_ones(tmp_path):
    with pytest.raises(RftInputError, match="unknown profile 'huge'; known: gene-ablate, gpu, smoke") as err:
        load_params(ROOT / "params.yaml", ["profile=huge"])
    assert err.value.field == "profile"


def test_dvc_stages_read_params_that_exist():
    stages = YAML(typ="safe").load((ROOT / "dvc.yaml").read_text())["stages"]
    assert list(stages) == ["import", "split", "validate", "train", "eval", "report"]
    raw = YAML(typ="safe").load((ROOT / "params.yaml").read_text())
    for stage in stages.values():
        for key in stage.get("params", []):
            node = raw
            for part in key.split("."):
                node = node[part]


def test_unknown_key_names_the_field(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("split:\n  valid_sise: 10\n")
    with pytest.raises(RftInputError) as err:
        load_params(path)
    assert err.value.field == "split.valid_sise" and str(path) in str(err.value)


def test_bad_yaml_names_the_file(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("split: [\n")
    with pytest.raises(RftInputError, match="not valid YAML"):
        load_params(path)


def test_wrong_type_names_the_field(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("split:\n  seed: 2.5\n")
    with pytest.raises(RftInputError) as err:
        load_params(path)
    assert err.value.field == "split.seed"


def test_ci_runs_the_readme_setup_and_test_commands():
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci/run").read_text()
    for command in ("make setup", "make test"):
        assert command in readme and command in ci


def test_prefect_yaml_deployments_point_at_the_flows_with_valid_parameters():
    import importlib
    import inspect
    import sys

    from prefect.schedules import Cron

    sys.path.insert(0, str(ROOT))
    from flows.rft_pipeline import STAGES

    spec = YAML(typ="safe").load((ROOT / "prefect.yaml").read_text())
    assert spec["deployments"]
    for deployment in spec["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        assert (ROOT / path).is_file() and path.startswith("flows/")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        parameters = deployment["parameters"]
        assert set(parameters) <= set(inspect.signature(flow.fn).parameters), deployment["name"]
        profile = [f"profile={parameters['profile']}"] if "profile" in parameters else []
        load_params(ROOT / parameters["params_file"], profile)
        assert parameters.get("until", "register") in STAGES
        for schedule in deployment["schedules"]:
            Cron(schedule["cron"], timezone=schedule["timezone"])  # raises on a bad expression
