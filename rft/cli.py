"""The `rft` command line: thin wrappers over the stage functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rft.env import apply_offline_defaults

apply_offline_defaults()

from rft.config import load_params
from rft.errors import RftInputError, RftValidationFailed

app = typer.Typer(help="Open, self-hosted reinforcement fine-tuning.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
data_app = typer.Typer(help="Import, split and validate datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
grader_app = typer.Typer(help="Validate and run graders (OpenAI grader JSON, and ours).", no_args_is_help=True)
app.add_typer(grader_app, name="grader")

ParamsOpt = Annotated[Path, typer.Option("--params", help="the params file")]


def _say(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)


@data_app.command("import")
def data_import(
    src: Annotated[str | None, typer.Argument(help="folder, .zip or .tar.gz of phenopackets")] = None,
    out: Annotated[Path | None, typer.Option(help="cases JSONL to write")] = None,
    skip_bad: Annotated[bool | None, typer.Option("--skip-bad/--no-skip-bad",
                                                     help="count bad files instead of stopping")] = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Convert GA4GH phenopackets into one case per line."""
    from rft.data.import_phenopackets import import_phenopackets

    cfg = load_params(params).data
    summary = import_phenopackets(src or cfg.source, out or cfg.cases,
                                  skip_bad=cfg.skip_bad_files if skip_bad is None else skip_bad)
    _say(summary.lines())


@data_app.command("split")
def data_split(
    cases: Annotated[Path | None, typer.Option(help="cases JSONL from `rft data import`")] = None,
    lines: Annotated[Path | None, typer.Option(help="your own JSONL in the OpenAI RFT layout")] = None,
    out_dir: Annotated[Path | None, typer.Option(help="where train/valid/test.jsonl go")] = None,
    group_by: Annotated[str | None, typer.Option(help="field whose values never cross splits")] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Split lines into train / valid (/ test), disjoint by a group key."""
    from rft.data.split_stage import split_files

    p = load_params(params)
    cfg = p.split.model_copy(update={k: v for k, v in {"group_by": group_by, "seed": seed}.items() if v is not None})
    if cases is None and lines is None:
        cases = Path(p.data.cases)
    if cases is not None and lines is not None:
        raise typer.BadParameter("give --cases or --lines, not both")
    result = split_files(out_dir or Path(cfg.out_dir), cfg, p.prompt, cases=cases, lines=lines)
    summary = result.summary()
    for name, size in summary["sizes"].items():
        typer.echo(f"{name}: {size} lines, {summary['groups'][name]} groups of {cfg.group_by}")
    typer.echo(f"left out: {summary['dropped_by_cap']} over the per-group cap, "
               f"{summary['dropped_to_size']} beyond the split sizes")
    if summary["linked_groups"]:
        typer.echo("kept together: " + "; ".join("+".join(g) for g in summary["linked_groups"]))


@data_app.command("validate")
def data_validate(
    train: Annotated[Path, typer.Option(help="training JSONL")],
    valid: Annotated[Path, typer.Option(help="validation JSONL")],
    test: Annotated[Path | None, typer.Option(help="optional test JSONL")] = None,
    group_by: Annotated[str | None, typer.Option(help="group key; default split.group_by")] = None,
    report: Annotated[Path | None, typer.Option(help="JSON report; default validate.report")] = None,
    docs: Annotated[Path | None, typer.Option(help="GX data docs folder; default validate.data_docs")] = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Run the Great Expectations suite, including the group-overlap check, over a split."""
    from rft.data.validate import validate_files

    p = load_params(params)
    files = {"train": train, "valid": valid, **({"test": test} if test else {})}
    result = validate_files(files, p.validate_, group_by or p.split.group_by, p.split.link_by,
                            report_path=report or p.validate_.report,
                            docs_dir=docs or p.validate_.data_docs)
    _say(result.lines())
    if not result.success:
        raise RftValidationFailed()


def _grader_config(file: Path | None, params: Path):
    from rft.graders import grader_from_params, load_grader

    return load_grader(file) if file is not None else grader_from_params(load_params(params).grader, str(params))


def _text_arg(value: str, what: str) -> str:
    """TEXT, or @path for a file's content."""
    if not value.startswith("@"):
        return value
    path = Path(value[1:])
    if not path.is_file():
        raise RftInputError(str(path), f"{what} file not found")
    return path.read_text(encoding="utf-8")


@grader_app.command("validate")
def grader_validate(
    file: Annotated[Path | None, typer.Argument(help="grader JSON or YAML; default: params.yaml's grader")] = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Check a grader: schema, templates, formula, python source; names the field at fault."""
    from rft.graders import build_grader

    config = _grader_config(file, params)
    try:
        build_grader(config).close()  # also checks what only building can (cosine model, env in headers)
    except (ValueError, RuntimeError) as err:
        raise RftInputError(str(file or params), str(err)) from err
    typer.echo(f"valid: {config.type} grader '{config.name}'")
    for key, child in getattr(config, "graders", {}).items():
        typer.echo(f"  {key}: {child.type} '{child.name}'")


@grader_app.command("run")
def grader_run(
    file: Annotated[Path | None, typer.Argument(help="grader JSON or YAML; default: params.yaml's grader")] = None,
    sample: Annotated[str, typer.Option(help="the model's answer: TEXT or @file")] = "",
    item: Annotated[str, typer.Option(help="the dataset line: JSON or @file")] = "{}",
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Grade one answer; prints the JSON of OpenAI's graders/run response."""
    import json

    from rft.graders import build_grader, grade_batch

    config = _grader_config(file, params)
    item_text = _text_arg(item, "item")
    try:
        item_obj = json.loads(item_text)
    except json.JSONDecodeError as err:
        raise RftInputError(item if item.startswith("@") else "--item", f"not JSON: {err.msg}", line=err.lineno) from err
    if not isinstance(item_obj, dict):
        raise RftInputError("--item", "the item must be a JSON object")
    try:
        grader = build_grader(config)
    except (ValueError, RuntimeError) as err:
        raise RftInputError(str(file or params), str(err)) from err
    try:
        (result,) = grade_batch(grader, [_text_arg(sample, "sample")], [item_obj])
    finally:
        grader.close()
    typer.echo(json.dumps(result.to_run_response(), indent=2))


def main() -> None:
    try:
        app()
    except RftInputError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
    except RftValidationFailed:
        sys.exit(1)


if __name__ == "__main__":
    main()
