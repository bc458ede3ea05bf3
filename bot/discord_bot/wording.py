"""What the Discord bot says around the quotes, in English and Chinese (see bot/messages.py)."""

from __future__ import annotations

from bot.messages import pick


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
