"""The 👍 / 👎 buttons under an answer, in the row of "More".

Their custom id is bot.feedback.vote_data's "vote:<answer id>:up|down", then the asker's id
(at most 42 characters of CUSTOM_ID_LIMIT's 100). A DynamicItem is matched by its custom id, so
a vote pressed after a restart still counts. The asker's vote is shown on the button itself
(their answer, their verdict; on a private answer only they see it); anyone else's vote on a
public answer is acknowledged privately, so one person's press never reads as everyone's.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_bot.context import ClientContext
from bot.feedback.vote_data import CHOSEN_MARK, VOTE_LABELS, Vote, parse_vote_data, vote_data

VOTE_TEMPLATE = re.compile(r"(?P<data>vote:[A-Za-z0-9_-]{11}:(?:up|down))(?::(?P<asker>[0-9]{1,20}))?")


def vote_custom_id(answer_id: str, vote: Vote, asker_id: int | None) -> str:
    return vote_data(answer_id, vote) + (f":{asker_id}" if asker_id else "")


def parse_vote_custom_id(custom_id: str | None) -> tuple[str, Vote] | None:
    """(answer id, vote) from a vote button's custom id; None for any other button."""
    match = VOTE_TEMPLATE.fullmatch(custom_id or "")
    return parse_vote_data(match["data"]) if match else None


def vote_style(chosen: bool) -> tuple[str, discord.ButtonStyle]:
    """How a vote button looks, pressed or not."""
    return (CHOSEN_MARK, discord.ButtonStyle.primary) if chosen else ("", discord.ButtonStyle.secondary)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=VOTE_TEMPLATE):
    """👍 or 👎 on the answer `answer_id`; `asker_id` is who asked (None: a private answer's
    reader is its asker)."""

    def __init__(self, answer_id: str, vote: Vote, asker_id: int | None = None, chosen: bool = False,
                 row: int | None = None) -> None:
        mark, style = vote_style(chosen)
        super().__init__(
            discord.ui.Button(label=VOTE_LABELS[vote] + mark, style=style, custom_id=vote_custom_id(answer_id, vote, asker_id),
                              row=row),
        )
        self.answer_id = answer_id
        self.vote = vote
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "VoteButton":
        answer_id, vote = parse_vote_data(match["data"])
        return cls(answer_id, vote, int(match["asker"]) if match["asker"] else None)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client: ClientContext = interaction.client
        await client.take_vote(interaction, self.answer_id, self.vote, self.asker_id)


def vote_buttons(answer_id: str, asker_id: int | None, chosen: Vote | None = None, row: int | None = None) -> list[VoteButton]:
    """👍 and 👎 for the answer, the `chosen` one shown pressed."""
    return [VoteButton(answer_id, vote, asker_id, vote == chosen, row) for vote in (Vote.up, Vote.down)]


def votes_on(message: discord.Message | None) -> tuple[str, Vote | None] | None:
    """From the bot's answer `message`: its answer id and the vote shown pressed on it (None when
    none is); None when it has no vote buttons."""
    found: tuple[str, Vote | None] | None = None
    for row in message.components if message else ():
        for component in getattr(row, "children", ()):
            parsed = parse_vote_custom_id(getattr(component, "custom_id", None))
            if parsed is None:
                continue
            marked = parsed[1] if (component.label or "").endswith(CHOSEN_MARK) else None
            found = (parsed[0], marked or (found[1] if found else None))
    return found


def with_vote_shown(message: discord.Message, answer_id: str, vote: Vote) -> discord.ui.View:
    """The buttons of `message` with `vote` shown pressed on the answer's vote buttons."""
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        if not isinstance(item, discord.ui.Button):
            continue
        parsed = parse_vote_custom_id(item.custom_id)
        if parsed and parsed[0] == answer_id:
            mark, item.style = vote_style(parsed[1] == vote)
            item.label = VOTE_LABELS[parsed[1]] + mark
    return view
