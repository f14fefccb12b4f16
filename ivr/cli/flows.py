"""`ivr flows check`: validate every flow and prompt file, as `ivr serve` does at start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from ivr.config import Settings
from ivr.flow.flowset import load_flow_set
from ivr.flow.problems import FlowConfigError
from ivr.flow.prompts import PromptText
from ivr.speech.recordings import check_recordings


@click.group()
def flows() -> None:
    """Call flows (YAML in flows/, answers in flows/knowledge/, prompts in prompts/)."""


@flows.command()
@click.option(
    "--flows-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Flow files (default: IVR_FLOWS_DIR).",
)
@click.option(
    "--prompts-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Prompt files (default: IVR_PROMPTS_DIR).",
)
@click.pass_obj
def check(settings: Settings, flows_dir: Path | None, prompts_dir: Path | None) -> None:
    """Check every flow, answer and prompt file; exit 1 listing each problem as file:line."""
    try:
        flow_set = load_flow_set(
            flows_dir or settings.flows_dir, prompts_dir or settings.prompts_dir
        )
    except FlowConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) found") from None
    recording_problems = check_recordings(
        prompts_dir or settings.prompts_dir,
        *_static_and_dynamic(flow_set.prompts.by_language),
    )
    for recording_problem in recording_problems:
        click.echo(str(recording_problem), err=True)
    if recording_problems:
        raise click.ClickException(f"{len(recording_problems)} problem(s) found")
    nodes = sum(len(f.nodes) for f in flow_set.flows.values())
    click.echo(
        f"ok: {len(flow_set.flows)} flows, {nodes} nodes, "
        f"{len(flow_set.prompts.names())} prompts, {len(flow_set.knowledge.answers)} answers, "
        f"version {flow_set.version}"
    )


def _static_and_dynamic(
    by_language: Mapping[str, Mapping[str, PromptText]],
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Prompt keys per language: those with fixed words, and those with {values}."""
    static: dict[str, set[str]] = {}
    dynamic: dict[str, set[str]] = {}
    for language, prompts in by_language.items():
        for name, prompt in prompts.items():
            (dynamic if prompt.fields() else static).setdefault(language, set()).add(name)
    return static, dynamic
