"""What the Discord bot says around the quotes, in English and Chinese (see bot/runtime/messages.py)."""

from __future__ import annotations

import math

from bot.runtime.messages import pick


def locale_language(locale: object) -> str:
    """The reply language for a Discord locale ("zh-TW" -> zh-Hant, "zh-CN" -> zh-Hans, else en)."""
    value = str(getattr(locale, "value", locale) or "")
    if value == "zh-TW":
        return "zh-Hant"
    if value.startswith("zh"):
        return "zh-Hans"
    return "en"


def see_sources(lang: str, sources_command: str) -> str:
    """Points to the list of articles."""
    return pick(lang, f"Sources: {sources_command}", f"來源清單：{sources_command}", f"来源清单：{sources_command}")


def more_label(lang: str) -> str:
    """The label of the button that shows the next results."""
    return pick(lang, "More", "更多", "更多")


def sources_heading(lang: str) -> str:
    """The title of the list of articles."""
    return pick(lang, "The articles I quote", "我引用的文章", "我引用的文章")


def no_sources(lang: str) -> str:
    """Said when the bot knows no articles at all."""
    return pick(lang, "I have no articles loaded.", "目前沒有載入任何文章。", "目前没有载入任何文章。")


def help_lines(lang: str, ask: str, sources: str, context_menu: str) -> list[str]:
    """How to use the bot, one line per way of asking."""
    return [
        pick(lang, f"{ask} — ask a question; I answer by quoting the articles, with links.",
             f"{ask} — 提出問題；我會引用文章原文並附上連結。", f"{ask} — 提出问题；我会引用文章原文并附上链接。"),
        pick(lang, "Set `private` to see the reply yourself only.",
             "設定 `private` 就只有你看得到回覆。", "设置 `private` 就只有你看得到回复。"),
        pick(lang, f"{sources} — the articles I know, with links.",
             f"{sources} — 我知道的文章和連結。", f"{sources} — 我知道的文章和链接。"),
        pick(lang, f"Right-click a message › Apps › **{context_menu}** — ask with that message's text.",
             f"在訊息上按右鍵 › 應用程式 › **{context_menu}** — 用該訊息提問。",
             f"在消息上右键 › 应用 › **{context_menu}** — 用该消息提问。"),
        pick(lang, "You can also @mention me with a question, or write to me directly.",
             "也可以 @提及我並提問，或直接私訊我。", "也可以 @提及我并提问，或直接私信我。"),
    ]


def help_title(lang: str) -> str:
    """The title of the help."""
    return pick(lang, "How to ask", "如何提問", "如何提问")


def page_position(lang: str, first: int, last: int, total: int | None) -> str:
    """Which results a page shows: "Results 4–6 of 9", or "Results 4–6" while more may follow."""
    span = f"{first}–{last}" if last > first else str(first)
    if total is None:
        return pick(lang, f"Results {span}", f"第 {span} 則結果", f"第 {span} 条结果")
    return pick(lang, f"Results {span} of {total}", f"第 {span} 則，共 {total} 則", f"第 {span} 条，共 {total} 条")


def too_fast_brief(lang: str, retry_after: float) -> str:
    """A cooldown note short enough to post publicly (a mention cannot be answered privately)."""
    seconds = max(1, math.ceil(retry_after))
    return pick(lang, f"⏳ Again in {seconds} s, please.", f"⏳ 請 {seconds} 秒後再問。", f"⏳ 请 {seconds} 秒后再问。")


def only_attachments(lang: str) -> str:
    """Said when "Ask the articles" is used on a message with no text to read."""
    return pick(lang, "I can only read text, and that message has none (only an attachment or a sticker). "
                      "Ask with /ask instead.",
                "我只能讀文字，而那則訊息沒有文字（只有附件或貼圖）。請改用 /ask 提問。",
                "我只能读文字，而那条消息没有文字（只有附件或贴图）。请改用 /ask 提问。")


def shutting_down(lang: str) -> str:
    """Said to a question that arrives while the bot is stopping, or whose answer the stop cut off."""
    return pick(lang, "I'm restarting: please ask again in a minute.", "我正在重新啟動，請稍後再問一次。",
                "我正在重新启动，请稍后再问一次。")


def nothing_to_read(lang: str) -> str:
    """Said when "Ask the articles" is used on a message whose text Discord does not share."""
    return pick(lang, "I can't read that message's text. Ask with /ask instead.",
                "我讀不到那則訊息的文字。請改用 /ask 提問。", "我读不到那条消息的文字。请改用 /ask 提问。")


def text_not_shared(lang: str) -> str:
    """Said to a reply to an answer whose text Discord did not share (it did not mention the bot)."""
    return pick(lang, "I can't read replies that don't mention me: reply with @mention on, or use /ask.",
                "我讀不到沒有提及我的回覆：回覆時請開啟 @提及，或改用 /ask。",
                "我读不到没有提及我的回复：回复时请开启 @提及，或改用 /ask。")
