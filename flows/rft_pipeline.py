"""The whole pipeline as one Prefect flow: import -> split -> validate -> train -> eval -> register.

Each task runs a stage as declared in rft/stages/pipeline.py, the same declaration the `rft` command line
and dvc.yaml use. A task's cache key is the content of the stage's declared input files, the values of
its declared params sections (the graders with their files read) and rft's version, and a cached result
counts only while the stage's outputs are on disk. A training that stopped early (a signal, the time
limit) fails its task, is never cached, and resumes when the flow runs again. A stop asked for by
Ctrl-C ends the flow before the next stage. Runs with no Prefect server (`rft run` starts a temporary
one); `rft serve` deploys it on a schedule.
"""

from __future__ import annotations

from pathlib import Path

from rft.env import apply_offline_defaults

apply_offline_defaults()  # before prefect reads PREFECT_HOME

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from rft import stop
from rft.config import load_params
from rft.stages.declare import Stage, Where, is_finished, stage_key
from rft.stages.pipeline import PIPELINE, STAGES

NAMES = tuple(s.name for s in PIPELINE)
RETRY_DELAYS = [2, 10, 30]  # seconds before each retry of a stage that declares retries (S3, a slow disk)


def _by_key(context, parameters) -> str:
    return f"{parameters['name']}-{parameters['key']}"


@task(persist_result=True)
def run_stage(name: str, where: Where, key: str) -> dict:
    """One declared stage; what it did goes to the log and, for tables, to an artifact. A training stopped
    early raises (a task that returned a Failed state would still leave a cache record for its key)."""
    result = STAGES[name].run(where)
    get_run_logger().info("\n".join(result.lines))
    if result.markdown:
        create_markdown_artifact(key=result.artifact_key, markdown=result.markdown, description=f"stage {name}")
    return result.summary


def stage_options(stage: Stage, where: Where) -> dict:
    """Cached by key while the outputs are on disk, or not cached at all (validation, always fresh)."""
    if not stage.cached:
        return {"name": stage.name, "retries": stage.retries, "cache_policy": NO_CACHE}
    return {"name": stage.name, "retries": stage.retries, "retry_delay_seconds": RETRY_DELAYS[:stage.retries],
            "cache_key_fn": _by_key, "refresh_cache": not is_finished(stage, where)}


def run_stages(where: Where, names: list[str]) -> dict:
    """The named stages in order, each only where it applies; stops at the first that fails or at Ctrl-C."""
    done: dict = {}
    for name in names:
        stage = STAGES[name]
        if not stage.applies(where):
            continue
        if (asked := stop.requested()) is not None:
            return Failed(message=f"stopped before {name}: {asked}")
        key = stage_key(stage, where)  # now: its inputs are the earlier stages' outputs
        state = run_stage.with_options(**stage_options(stage, where))(name, where, key, return_state=True)
        if not state.is_completed():
            return state  # the flow fails with the stage's exception; no later stage starts
        done[name] = state.result()
    return done


@flow(name="rft-pipeline")
def rft_pipeline(params_file: str = "params.yaml", profile: str | None = None, overrides: list[str] | None = None,
                 run_name: str = "pipeline", model_name: str | None = None, until: str = "report",
                 overwrite: bool = False) -> dict:
    """Every stage in order, up to `until`; registers as `model_name` when one is given. A run folder that
    holds a run of other inputs is replaced only with `overwrite`."""
    if until not in NAMES:
        raise ValueError(f"until must be one of {', '.join(NAMES)}")
    sets = list(overrides or []) + ([f"profile={profile}"] if profile else [])
    where = Where(load_params(params_file, sets), Path("runs") / run_name, Path(params_file), model_name, overwrite)
    done = run_stages(where, list(NAMES[: NAMES.index(until) + 1]))
    if isinstance(done, dict):
        done.update(profile=where.params.profile, eval_dir=where.params.eval.out_dir)
    return done


if __name__ == "__main__":
    rft_pipeline()
