"""What the Telegram bot says around the quotes, in English, Traditional and Simplified Chinese.

Plain text: the renderer escapes it. Wording shared with other front ends is in bot/runtime/messages.py.
"""

from __future__ import annotations

from bot.runtime.messages import pick

# Traditional Chinese regions in Telegram's `language_code` (IETF tags, lower case).
_HANT_CODES = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


def ui_language(language_code: str | None) -> str:
    """The reply language for a Telegram user's `language_code`: "en", "zh-Hant" or "zh-Hans"."""
    code = (language_code or "").lower()
    if not code.startswith("zh"):
        return "en"
    return "zh-Hant" if code.startswith(_HANT_CODES) else "zh-Hans"


def help_text(lang: str, bot_username: str, article_count: int) -> str:
    """/start and /help: what the bot knows and how to ask it. In groups the command is given as
    /ask@BotName: with privacy mode on, a plain /ask reaches the bot only when it was the last
    bot addressed (or the only one), /ask@BotName always does."""
    mention = f"@{bot_username}"
    return pick(
        lang,
        f"I answer questions about {article_count} articles by quoting them word for word, "
        "with links to the sources. When the articles don't hold the answer, I say so.\n\n"
        "How to ask:\n"
        "• Here: just send me your question.\n"
        f"• In a group: /ask{mention} your question, mention {mention}, or reply to one of my messages.\n"
        f"• In any chat: type {mention} and your question, then pick a quote to send.\n\n"
        "/sources lists the articles. Example: What is Sora 2?",
        f"我會逐字引用 {article_count} 篇文章來回答問題，並附上來源連結；文章裡沒有答案時，我會直說。\n\n"
        "提問方式：\n"
        "• 在這裡：直接傳送你的問題。\n"
        f"• 在群組：/ask{mention} 你的問題、提及 {mention}，或回覆我的訊息。\n"
        f"• 在任何聊天：輸入 {mention} 加上問題，再選一段引文送出。\n\n"
        "/sources 列出所有文章。例如：Sora 2 的 Cameo 功能是什麼？",
        f"我会逐字引用 {article_count} 篇文章来回答问题，并附上来源链接；文章里没有答案时，我会直说。\n\n"
        "提问方式：\n"
        "• 在这里：直接发送你的问题。\n"
        f"• 在群组：/ask{mention} 你的问题、提及 {mention}，或回复我的消息。\n"
        f"• 在任何聊天：输入 {mention} 加上问题，再选一段引文发送。\n\n"
        "/sources 列出所有文章。例如：Sora 2 的 Cameo 功能是什么？",
    )


def usage_hint(lang: str) -> str:
    """Said for an empty /ask."""
    return pick(
        lang,
        "Usage: /ask your question, e.g. /ask What is Sora 2?",
        "用法：/ask 你的問題，例如 /ask Sora 2 是什麼？",
        "用法：/ask 你的问题，例如 /ask Sora 2 是什么？",
    )


def text_only(lang: str) -> str:
    """Said for stickers, photos, voice and other messages without text."""
    return pick(
        lang,
        "I can only read text: please type your question.",
        "我只看得懂文字，請用文字輸入你的問題。",
        "我只看得懂文字，请用文字输入你的问题。",
    )


def more_label(lang: str) -> str:
    """The label of the "More" button."""
    return pick(lang, "More ▸", "更多 ▸", "更多 ▸")


def prev_label(lang: str) -> str:
    """The label of the button back to the previous page."""
    return pick(lang, "◂ Prev", "◂ 上一頁", "◂ 上一页")


def source_button(lang: str) -> str:
    """The label of the link button under a quote sent from inline mode."""
    return pick(lang, "Source ↗", "來源 ↗", "来源 ↗")


def page_position(lang: str, first: int, last: int, total: str, is_last: bool) -> str:
    """Where a page of results is: "4–6 of 9", and on the last page that there are no more."""
    return pick(
        lang,
        f"{first}–{last} of {total}" + (" · that's all" if is_last else ""),
        f"第 {first}–{last} 則，共 {total} 則" + ("（已全部列出）" if is_last else ""),
        f"第 {first}–{last} 条，共 {total} 条" + ("（已全部列出）" if is_last else ""),
    )


def sources_header(lang: str, count: int) -> str:
    """The first line of /sources."""
    return pick(lang, f"The {count} articles I quote:", f"我引用的 {count} 篇文章：", f"我引用的 {count} 篇文章：")


def see_sources(lang: str) -> str:
    """Points from a no-answer reply to /sources."""
    return pick(lang, "Sources: /sources", "來源：/sources", "来源：/sources")


def not_sure_brief(lang: str) -> str:
    """Opens an inline result's description when the engine is not sure its quote answers."""
    return pick(lang, "Closest passage, may not answer directly", "最接近的段落，未必直接回答", "最接近的段落，未必直接回答")


def no_answer_title(lang: str) -> str:
    """The inline result's title when the articles hold no answer."""
    return pick(lang, "Not in the articles", "文章中沒有答案", "文章中没有答案")


def inline_help_button(lang: str) -> str:
    """The button above inline results when the query is empty."""
    return pick(lang, "How to ask", "如何提問", "如何提问")


def command_descriptions(lang: str) -> dict[str, str]:
    """The commands registered with setMyCommands, with their descriptions."""
    return {
        "ask": pick(lang, "Ask a question about the articles", "就文章提問", "就文章提问"),
        "sources": pick(lang, "List the articles I quote", "列出我引用的文章", "列出我引用的文章"),
        "help": pick(lang, "How to ask", "如何提問", "如何提问"),
        "start": pick(lang, "What I know", "我知道什麼", "我知道什么"),
    }
