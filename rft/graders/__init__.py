"""Graders in OpenAI's JSON schema, run locally: `load_grader`, `build_grader`, `grade_batch`."""

from rft.graders.batch import grade_batch, summarize
from rft.graders.build import build_grader
from rft.graders.load import grader_from_params, load_grader, parse_grader
from rft.graders.result import GradeResult
from rft.graders.sample import make_sample

__all__ = ["GradeResult", "build_grader", "grade_batch", "grader_from_params", "load_grader", "make_sample",
           "parse_grader", "summarize"]
