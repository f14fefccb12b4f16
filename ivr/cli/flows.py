"""`ivr flows check`: validate every flow and prompt file, as `ivr serve` does at start."""

from __future__ import annotations

from pathlib import Path

import click

from ivr.config import Settings
from ivr.flow.flowset import load_flow_set
from ivr.flow.problems import FlowConfigError


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
    nodes = sum(len(f.nodes) for f in flow_set.flows.values())
    click.echo(
        f"ok: {len(flow_set.flows)} flows, {nodes} nodes, "
        f"{len(flow_set.prompts.names())} prompts, {len(flow_set.knowledge.answers)} answers, "
        f"version {flow_set.version}"
    )
