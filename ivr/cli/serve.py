"""`ivr serve`: run the hotline (FastAGI and web/API) until stopped."""

from __future__ import annotations

import asyncio
import logging

import click

from ivr.ami.client import AmiUrlError
from ivr.app import serve as run_hotline
from ivr.config import Settings
from ivr.cpu_affinity import format_cpu_list, pin_process
from ivr.db.session import DatabaseNotMigrated
from ivr.flow.problems import FlowConfigError
from ivr.services.instances import InstanceInUse


@click.command()
@click.pass_obj
def serve(settings: Settings) -> None:
    """Answer calls on IVR_AGI_BIND and serve the API on IVR_HTTP_BIND."""
    if cpus := settings.cpu_set:
        try:
            pin_process(cpus)  # before the first thread and the speech engine's processes
        except ValueError as exc:
            raise click.ClickException(f"IVR_CPUS={settings.cpus}: {exc}") from None
        logging.getLogger("ivr.app").info("kept to CPUs %s (IVR_CPUS)", format_cpu_list(cpus))
    try:
        asyncio.run(run_hotline(settings))
    except (DatabaseNotMigrated, AmiUrlError, InstanceInUse) as exc:
        raise click.ClickException(str(exc)) from None
    except FlowConfigError as exc:
        raise click.ClickException(f"the flows have problems, not starting:\n{exc}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen: {exc}") from None
