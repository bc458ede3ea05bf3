"""The 👍 / 👎 buttons under an answer: what they carry, and how a vote is shown on them.

Their data is bot.feedback.vote_data's "vote:<answer id>:up|down" (21 bytes at most, beside
"More" in the same keyboard, each button within MAX_CALLBACK_DATA_BYTES). The data outlives the
process, so a vote pressed after a restart is still recorded against its answer. The chosen
button is marked only in private chats: in a group the keyboard is everyone's, and one person's
mark would read as the group's verdict (there the voter hears back privately, in a toast).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.feedback.vote_data import CHOSEN_MARK, VOTE_LABELS, Vote, parse_vote_data, vote_data



def vote_buttons(answer_id: str, chosen: Vote | None = None) -> list[InlineKeyboardButton]:
    """👍 and 👎 for the answer `answer_id`, the `chosen` one marked."""
    return [
        InlineKeyboardButton(VOTE_LABELS[vote] + (CHOSEN_MARK if vote == chosen else ""), callback_data=vote_data(answer_id, vote))
        for vote in (Vote.up, Vote.down)
    ]


def votes_in(markup: InlineKeyboardMarkup | None) -> tuple[str, Vote | None] | None:
    """From the keyboard under an answer: its answer id and the vote marked on it (None when
    none is); None when the keyboard has no vote buttons."""
    found: tuple[str, Vote | None] | None = None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            parsed = parse_vote_data(button.callback_data if isinstance(button.callback_data, str) else None)
            if parsed is None:
                continue
            answer_id, vote = parsed
            marked = vote if button.text.endswith(CHOSEN_MARK) else None
            found = (answer_id, marked or (found[1] if found else None))
    return found


def with_vote_shown(markup: InlineKeyboardMarkup, answer_id: str, vote: Vote) -> InlineKeyboardMarkup:
    """`markup` with `vote` marked on the answer's vote buttons (and the other one unmarked)."""
    rows = []
    for row in markup.inline_keyboard:
        buttons = []
        for button in row:
            parsed = parse_vote_data(button.callback_data if isinstance(button.callback_data, str) else None)
            if parsed and parsed[0] == answer_id:
                button = InlineKeyboardButton(VOTE_LABELS[parsed[1]] + (CHOSEN_MARK if parsed[1] == vote else ""),
                                              callback_data=button.callback_data)
            buttons.append(button)
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)
