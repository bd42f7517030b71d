"""The pipeline's stages, each declared once: import -> split -> validate -> train -> eval -> register
-> report.

`rft stages run NAME` (what dvc.yaml calls), the `rft` commands and the Prefect flow all run these.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rft.errors import RftInputError, RftStopped, RftValidationFailed
from rft.stages.declare import Output, Result, Stage, Where, stage_key


def split_dir(w: Where) -> Path:
    return Path(w.params.split.out_dir)


def split_sources(w: Where) -> list[Path]:
    """What the split reads: the user's two files, their lines, or the imported cases."""
    d = w.params.data
    return [Path(f) for f in d.given().values()] if d.given() else [Path(d.lines or d.cases)]


def split_files(w: Where) -> dict[str, Path]:
    """train and valid, and test when the split has one (it is validated too)."""
    names = ["train", "valid"] + (["test"] if w.params.split.test_size else [])
    return {name: split_dir(w) / f"{name}.jsonl" for name in names}


def eval_split(w: Where) -> Path:
    from rft.eval.stage import split_path

    return split_path(w.params)


def best(w: Where) -> Path:
    return w.run_dir / "best"


def metrics_file(w: Where) -> Path:
    return Path(w.params.eval.out_dir) / "metrics.json"


# --- import ----------------------------------------------------------------------------------------

def _import(w: Where) -> Result:
    from rft.data.import_phenopackets import import_phenopackets

    d = w.params.data
    summary = import_phenopackets(d.source, d.cases, skip_bad=d.skip_bad_files, max_file_mb=d.max_file_mb,
                                  max_total_mb=d.max_total_mb)
    return Result({"lines": summary.lines()}, summary.lines())


IMPORT = Stage(
    "import", sections=("data",),
    code=("rft/data/import_phenopackets.py", "rft/data/phenopacket_convert.py", "rft/data/sources.py"),
    inputs=lambda w: [Path(w.params.data.source)], outputs=lambda w: [Output(Path(w.params.data.cases))],
    run=_import, applies=lambda w: not (w.params.data.lines or w.params.data.given()), retries=2)


# --- split -----------------------------------------------------------------------------------------

def _split(w: Where) -> Result:
    from rft.data.split_stage import split_files as write_split

    p = w.params
    if p.data.given():
        return _take_given(w)
    source = {"lines": p.data.lines} if p.data.lines else {"cases": p.data.cases}
    summary = write_split(split_dir(w), p.split, p.prompt, **source).summary()
    lines = [f"{name}: {size} lines" + (f", {summary['groups'][name]} groups of {p.split.group_by}"
                                         if p.split.group_by else "")
             for name, size in summary["sizes"].items()]
    lines.append(f"left out: {summary['dropped_by_cap']} over the per-group cap, "
                 f"{summary['dropped_to_size']} beyond the split sizes")
    if summary["linked_groups"]:
        lines.append("kept together: " + "; ".join("+".join(g) for g in summary["linked_groups"]))
    if p.split.group_by is None:
        lines.append("warning: split.group_by is null, so lines were split at random (seed "
                     f"{p.split.seed}); nothing keeps lines that belong together on one side")
    return Result(summary, lines)


def _take_given(w: Where) -> Result:
    from rft.data.given_split import take_given_files

    p = w.params
    summary = take_given_files(split_dir(w), p.data.given(), p.validate_.id_field)
    lines = [f"{name}: {size} lines from {p.data.given()[name]}"
             + (f" ({summary['ids_added'][name]} given an id from their content, field "
                f"'{p.validate_.id_field}')" if summary["ids_added"][name] else "")
             for name, size in summary["sizes"].items()]
    return Result(summary, lines)


SPLIT = Stage(
    "split", sections=("data.lines", "data.cases", "data.train", "data.valid", "prompt", "split", "validate.id_field"),
    code=("rft/data/split.py", "rft/data/split_stage.py", "rft/data/given_split.py", "rft/data/prompts.py",
          "rft/data/candidates.py", "rft/models/phenotype_ranker.py", "rft/models/evidence.py"),
    inputs=split_sources, outputs=lambda w: [Output(split_dir(w))], run=_split)


# --- validate --------------------------------------------------------------------------------------

def validate_split(w: Where, files: dict[str, Path] | None = None, report: Path | None = None,
                   docs: Path | None = None) -> Result:
    """The expectations over a split (every file of it, test included); fails when any check fails."""
    from rft.data.validate import validate_files

    p = w.params
    v = p.validate_
    result = validate_files(files or split_files(w), v, p.split.group_by, p.split.link_by,
                            report_path=report or v.report, docs_dir=docs or v.data_docs)
    table = "| check | passed | failed rows |\n|---|---|---|\n" + "\n".join(
        f"| {c.check} | {c.success} | {c.failed_rows} |" for c in result.checks)
    if not result.success:
        raise RftValidationFailed("\n".join(result.lines()))
    return Result({"checks": len(result.checks)}, result.lines(), table, "validation")


VALIDATE = Stage(
    "validate", sections=("split.group_by", "split.link_by", "split.test_size", "validate"),
    code=("rft/data/validate.py", "rft/data/expectations.py", "rft/data/validation_frames.py", "rft/data/audit.py",
          "rft/models/phenotype_ranker.py"),
    inputs=lambda w: list(split_files(w).values()),
    outputs=lambda w: [Output(Path(w.params.validate_.report), metric=True),
                       *([Output(Path(w.params.validate_.data_docs))] if w.params.validate_.data_docs else [])],
    run=validate_split, cached=False)


# --- train -----------------------------------------------------------------------------------------

def _train(w: Where) -> Result:
    """Train into the run folder: a finished run of these inputs is kept, a stopped one resumed, and a run
    of other inputs replaced. A stop before the end (a signal, the time limit) raises RftStopped, so no
    driver takes a part-trained adapter for a finished one."""
    from rft.train import recovery
    from rft.train.stage import train

    key, run = stage_key(TRAIN, w), w.run_dir
    state = recovery.state(run)
    other_inputs = state != "fresh" and recovery.inputs_key(run) != key
    # Finished, but its outputs are gone: a driver (DVC removes outputs before it re-runs a stage) wants it anew.
    outputs_gone = state == "finished" and not all(o.path.exists() for o in TRAIN.outputs(w))
    if other_inputs and not w.overwrite:
        raise RftInputError(str(run), f"holds a {state} training run of other inputs (data, params or graders "
                            "changed); pass --overwrite to replace it, or choose another --run-name")
    if other_inputs or outputs_gone:
        shutil.rmtree(run)
        state = "fresh"
    if state != "finished":
        if state == "fresh":
            run.mkdir(parents=True, exist_ok=True)
            recovery.record_inputs(run, key)
        files = split_files(w)
        train(w.params, files["train"], files["valid"], run, resume=state == "resumable")
    summary = recovery.finished(run)
    if summary is None:
        stopped = recovery.summary(run)
        raise RftStopped(f"training stopped at step {stopped.get('steps', '?')} of {stopped.get('total_steps', '?')}"
                         f" ({stopped.get('stopped') or 'interrupted'}); run the same command again to resume it "
                         f"from {run}", interrupted=bool(stopped.get("interrupted", True)))
    return Result(summary, [(f"run: {run}  steps {summary['steps']}/{summary['total_steps']}  best step "
                            f"{summary['best_step']}  best validation reward {summary['best_valid_reward_mean']}")])


def _run_finished(run: Path) -> bool:
    from rft.train import recovery

    return recovery.state(run) == "finished"


TRAIN = Stage(
    "train", sections=("model", "train", "graders"), code=("rft/train", "rft/graders", "rft/models"),
    inputs=lambda w: [*(split_files(w)[n] for n in ("train", "valid")), *w.params.graders.files],
    outputs=lambda w: [Output(best(w)), Output(w.run_dir / "summary.json", metric=True),
                       Output(w.run_dir / "rewards.csv")],
    run=_train, finished=lambda w: _run_finished(w.run_dir))


# --- eval ------------------------------------------------------------------------------------------

EVAL_FILES = ("topk.csv", "cases", "chart.png", "paired.png", "table.md")


def evaluate_models(w: Where, models: list[str] | None = None, split: Path | None = None,
                    out_dir: Path | None = None, source: str | None = None) -> Result:
    """The params' models (eval.models) and the run's adapter as `tuned`, on the eval split."""
    from rft.eval.specs import parse_specs
    from rft.eval.stage import evaluate
    from rft.eval.table import markdown_table
    from rft.tracking.eval_log import log_evaluation

    p = w.params
    specs = parse_specs(models or [*p.eval.models, f"tuned=adapter:{best(w)}"], source or str(w.params_file))
    out = out_dir or Path(p.eval.out_dir)
    report = evaluate(p, specs, split or eval_split(w), out)
    log_evaluation(report, out, p.tracking)
    table = markdown_table(report)
    return Result(report, [table, f"report: {out}/ (metrics.json, table.md, chart.png, paired.png, cases/)"],
                  table, "eval-comparison")


EVAL = Stage(
    "eval", sections=("model.name_or_path", "eval", "graders", "split.group_by", "split.link_by",
                      "validate.id_field"),
    code=("rft/eval", "rft/graders", "rft/models"),
    inputs=lambda w: [eval_split(w), best(w), *w.params.graders.files],
    outputs=lambda w: [Output(metrics_file(w), metric=True),
                       *(Output(Path(w.params.eval.out_dir) / f) for f in EVAL_FILES)],
    run=evaluate_models)


# --- register --------------------------------------------------------------------------------------

def register_run(w: Where, metrics: Path | None = None) -> Result:
    """Upload the run's adapter as `model_name` if it passes the gate, and log it as a W&B model artifact.
    A refusal by the gate is an outcome, not a fault: it is reported and the pipeline completes."""
    from rft.registry.register import GateRefused, register
    from rft.tracking.model_artifact import log_model_artifact

    p = w.params
    try:
        done = register(p, w.run_dir, w.model_name, metrics or metrics_file(w))
    except GateRefused as refused:
        lines = refused.gate.lines()
        return Result({"registered": False, "gate": lines}, lines, "```\n" + "\n".join(lines) + "\n```",
                      "registration")
    lines = [f"registered {done.name} v{done.version} at {done.location}"]
    if log_model_artifact(p.tracking, best(w), done.entry):
        lines.append(f"W&B model artifact: {done.name}:v{done.version}")
    return Result({"registered": True, "version": done.version, "location": done.location}, lines,
                  f"[{done.name} v{done.version}]({done.location}README.md)", "model-card")


REGISTER = Stage(
    "register", sections=("model_name", "registry", "model.name_or_path"), code=("rft/registry",),
    inputs=lambda w: [best(w), metrics_file(w)], outputs=lambda w: [], run=register_run,
    applies=lambda w: bool(w.model_name), retries=2)


# --- report ----------------------------------------------------------------------------------------

def pass_threshold(w: Where) -> float | None:
    """report.pass_threshold, else the first grader's own pass_threshold."""
    if w.params.report.pass_threshold is not None:
        return w.params.report.pass_threshold
    return next((s.config.pass_threshold for s in w.params.graders.specs
                 if getattr(s.config, "pass_threshold", None) is not None), None)


def write_report(w: Where, eval_dir: Path | None = None, run_dir: Path | None = None, out: Path | None = None,
                 title: str | None = None) -> Result:
    """The stakeholder report of this run: the HTML file, and the W&B Report when W&B is online."""
    from rft.report.collect import collect
    from rft.report.html import write_html

    p = w.params
    run = run_dir if run_dir is not None else (w.run_dir if (w.run_dir / "run.json").is_file() else None)
    data = collect(eval_dir or Path(p.eval.out_dir), run, title or p.report.title, pass_threshold(w), p.profile)
    out = out or Path(p.report.out)
    write_html(data, out)
    lines = [f"report: {out} ({len(data.cases)} answers of {len(data.evaluation['models'])} models)"]
    summary = {"report": str(out)}
    if p.tracking.wandb:
        from rft.report.wandb_report import build_wandb_report, publish

        graders = [g["name"] for g in data.run.get("graders", [])]
        url = publish(build_wandb_report(data.evaluation, p.tracking, graders, data.title))
        summary["wandb_report"] = url
        lines.append(f"W&B report: {url}" if url else "W&B report: not published (needs WANDB_API_KEY and "
                     "WANDB_MODE=online; the HTML report stands alone)")
    return Result(summary, lines)


REPORT = Stage(
    "report", sections=("report", "eval.out_dir", "profile", "tracking"), code=("rft/report",),
    inputs=lambda w: [metrics_file(w), w.run_dir / "summary.json"],
    outputs=lambda w: [Output(Path(w.params.report.out))], run=write_report, cached=False)


PIPELINE: tuple[Stage, ...] = (IMPORT, SPLIT, VALIDATE, TRAIN, EVAL, REGISTER, REPORT)
STAGES: dict[str, Stage] = {s.name: s for s in PIPELINE}
