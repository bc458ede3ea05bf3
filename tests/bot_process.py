"""Stopping a bot process a test started: politely first, and surely in the end."""

from __future__ import annotations

import asyncio
import signal

# How long a bot may take to shut down after Ctrl-C: generous, as CI machines are busy; only
# a bot that hangs waits this long.
SHUTDOWN_GRACE_SECONDS = 90


async def interrupt_and_collect(process: asyncio.subprocess.Process) -> str:
    """Send SIGINT and return what the process wrote to standard error; a process that has not
    exited within SHUTDOWN_GRACE_SECONDS is killed (never left behind) and TimeoutError raised."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), SHUTDOWN_GRACE_SECONDS)
    except TimeoutError:
        process.kill()
        await process.communicate()
        raise
    return stderr.decode()


async def interrupt_and_wait(process: asyncio.subprocess.Process) -> int:
    """Send SIGINT and wait for the exit status, for a process whose output goes to a file; one
    not gone within SHUTDOWN_GRACE_SECONDS is killed (never left behind) and TimeoutError raised."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    try:
        return await asyncio.wait_for(process.wait(), SHUTDOWN_GRACE_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
