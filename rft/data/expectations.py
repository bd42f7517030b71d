"""The Great Expectations suites over the split tables (ephemeral context, no files, no telemetry).

Three suites: `lines` (every line of every split), `held_out` (one held-out split against all
others: the gene-overlap check) and `hpo` (one row per HPO id). Each expectation carries a
`check` sentence in its meta, which is what a person reads when it fails.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from rft.data.validation_frames import HPO_ID, Frames


class ExpectNoGroupOverlapAcrossSplits(gxe.ExpectColumnValuesToNotBeInSet):
    """No group-key value (the causative gene by default) of a held-out split occurs in another split."""


class ExpectNoPromptInOtherSplit(gxe.ExpectColumnValuesToNotBeInSet):
    """No prompt of a held-out split occurs, word for word, in another split."""


class ExpectNoAnswerInPrompt(gxe.ExpectColumnValuesToBeInSet):
    """A line's own answer does not appear in the text the model is shown."""


@dataclass
class CheckResult:
    suite: str
    split: str
    check: str
    expectation: str
    column: str
    success: bool
    rows: int
    failed_rows: int
    examples: list[dict] = field(default_factory=list)


def _lines_suite(required: dict[str, str], answer_field: str | None,
                 group_by: str | None, id_field: str) -> list[gxe.Expectation]:
    exps: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToBeInSet(column="messages_shape", value_set=["ok"],
                                        meta={"check": "messages is a non-empty list of chat messages"}),
        gxe.ExpectColumnValuesToBeInSet(column="last_role", value_set=["user"],
                                        meta={"check": "the last message is a user message"}),
        gxe.ExpectColumnValuesToNotBeNull(column="id", meta={"check": f"every line has an id ({id_field})"}),
        gxe.ExpectColumnValuesToBeUnique(column="id", meta={"check": f"ids ({id_field}) are unique across splits"}),
    ]
    if group_by:
        exps.append(gxe.ExpectColumnValuesToNotBeNull(column="group",
                                                      meta={"check": f"every line has a group key ({group_by})"}))
    for name, kind in required.items():
        exps.append(gxe.ExpectColumnValuesToBeInSet(
            column=f"type:{name}", value_set=[kind], meta={"check": f"field '{name}' is present and a {kind}"}))
    if answer_field:
        exps.append(ExpectNoAnswerInPrompt(
            column="answer_in_prompt", value_set=[False],
            meta={"check": f"a line's own answer ({answer_field}) does not occur in its prompt"}))
    return exps


def _held_out_suite(link_columns: list[str], group_by: str | None) -> list[gxe.Expectation]:
    exps: list[gxe.Expectation] = []
    if group_by:  # compared in any case: "KCNT1" in train and "kcnt1" in valid are one gene
        exps.append(ExpectNoGroupOverlapAcrossSplits(
            column="group_key", value_set={"$PARAMETER": "other_group"},
            meta={"check": f"no {group_by} of this split occurs in another split (group overlap, any case)"}))
    exps += [
        ExpectNoPromptInOtherSplit(
            column="prompt_sha", value_set={"$PARAMETER": "other_prompt_sha"},
            meta={"check": "no prompt of this split occurs in another split"}),
    ]
    for column in link_columns:
        exps.append(ExpectNoGroupOverlapAcrossSplits(
            column=column, value_set={"$PARAMETER": _parameter(column)},
            meta={"check": f"no {column.removeprefix('link:')} of this split occurs in another split"}))
    return exps


def _parameter(column: str) -> str:
    """GX parameter names allow only word characters."""
    return "other_" + re.sub(r"\W", "_", column)


def _hpo_suite() -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToMatchRegex(column="hpo_id", regex=HPO_ID,
                                               meta={"check": "HPO ids are well formed (HP:0000000)"})]


class SuiteRunner:
    """One ephemeral context; suites are run frame by frame, optionally writing GX data docs."""

    def __init__(self, examples: int, docs_dir: Path | None, labels: dict[str, str]):
        self.labels = labels  # internal column -> the field name a user knows
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas(name="rft")
        self.examples = examples
        if docs_dir:
            docs_dir.parent.mkdir(parents=True, exist_ok=True)
        self.docs_tmp = Path(tempfile.mkdtemp(prefix=".docs-", dir=docs_dir.parent)) if docs_dir else None
        self.docs_dir = docs_dir
        if self.docs_tmp:
            self.context.add_data_docs_site(site_name="rft", site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(self.docs_tmp.resolve())}})

    def run(self, suite_name: str, split: str, frame: pd.DataFrame, expectations: list[gxe.Expectation],
            parameters: dict | None = None) -> list[CheckResult]:
        name = f"{suite_name}-{split}"
        suite = self.context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        batch = self.source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite))
        actions = [gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=["rft"])] if self.docs_tmp else []
        checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=name, validation_definitions=[definition], actions=actions,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["where"],
                           "partial_unexpected_count": self.examples}))
        outcome = checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=parameters or {})
        (suite_result,) = outcome.run_results.values()
        return [self._check(suite_name, split, frame, r) for r in suite_result.results]

    def _check(self, suite: str, split: str, frame: pd.DataFrame, r) -> CheckResult:
        config = r.expectation_config
        column = config.kwargs.get("column", "")
        rows = len(frame)
        examples = [{"where": item.get("where"), "value": _plain(self._shown(frame, column, item))}
                    for item in (r.result.get("unexpected_index_list") or [])[: self.examples]]
        return CheckResult(suite=suite, split=split, check=(config.meta or {}).get("check", config.type),
                           expectation=config.type, column=self.labels.get(column, column), success=bool(r.success), rows=rows,
                           failed_rows=int(r.result.get("unexpected_count") or 0), examples=examples)

    @staticmethod
    def _shown(frame: pd.DataFrame, column: str, item: dict):
        """The failing row's value as the file spells it: groups are compared casefolded (group_key), but
        the error names the line's own 'KCTD1', not 'kctd1'."""
        if column == "group_key" and "group" in frame.columns:
            match = frame.loc[frame["where"] == item.get("where"), "group"]
            if len(match):
                return match.iloc[0]
        return item.get(column)

    def finish(self) -> None:
        """Swap the freshly built data docs into place."""
        if self.docs_tmp is None:
            return
        if self.docs_dir.exists():
            shutil.rmtree(self.docs_dir)
        self.docs_tmp.rename(self.docs_dir)

    def abandon(self) -> None:
        if self.docs_tmp is not None:
            shutil.rmtree(self.docs_tmp, ignore_errors=True)


def _plain(value: object) -> object:
    """numpy scalars and NaN into JSON-friendly values."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def run_suites(frames: Frames, *, required: dict[str, str], answer_field: str | None, group_by: str | None,
               id_field: str, link_by: list[str], examples: int, docs_dir: Path | None) -> list[CheckResult]:
    labels = {"group": group_by, "group_key": group_by, "id": id_field, **{f"link:{f}": f for f in link_by}}
    runner = SuiteRunner(examples, docs_dir, labels)
    try:
        lines = frames.lines
        results = runner.run("lines", "all", lines,
                             _lines_suite(required, answer_field, group_by, id_field))
        link_columns = [f"link:{f}" for f in link_by if lines[f"link:{f}"].notna().any()]
        for split in sorted(set(lines["split"]) - {"train"}):
            mine, others = lines[lines["split"] == split], lines[lines["split"] != split]
            parameters = {"other_group": sorted(others["group_key"].dropna().astype(str).unique()),
                          "other_prompt_sha": sorted(others["prompt_sha"].unique())}
            for column in link_columns:
                parameters[_parameter(column)] = sorted(others[column].dropna().astype(str).unique())
            results += runner.run("held_out", split, mine, _held_out_suite(link_columns, group_by), parameters)
        if len(frames.hpo):
            results += runner.run("hpo", "all", frames.hpo, _hpo_suite())
    except BaseException:
        runner.abandon()
        raise
    runner.finish()
    return results
