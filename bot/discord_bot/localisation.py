"""Names and descriptions of the commands in Traditional (zh-TW) and Simplified (zh-CN) Chinese,
given to Discord through discord.py's Translator, keyed by the English text."""

from __future__ import annotations

import discord
from discord import app_commands

# English text: (zh-TW, zh-CN). Slash-command and option names: lowercase, no spaces, 1-32 characters.
TRANSLATIONS: dict[str, tuple[str, str]] = {
    "ask": ("提問", "提问"),
    "Answer a question by quoting the articles, with links to the sources.": (
        "引用文章原文回答問題，並附上來源連結。", "引用文章原文回答问题，并附上来源链接。"),
    "question": ("問題", "问题"),
    "What you want to know about the articles": ("你想從文章中知道什麼", "你想从文章中知道什么"),
    "private": ("私人", "私人"),
    "Only you see the reply": ("只有你看得到回覆", "只有你看得到回复"),
    "sources": ("來源", "来源"),
    "List the articles I quote, with publishers, dates and links.": (
        "列出我引用的文章，附出版者、日期和連結。", "列出我引用的文章，附出版者、日期和链接。"),
    "help": ("說明", "说明"),
    "How to ask me questions.": ("如何向我提問。", "如何向我提问。"),
    "Ask the articles": ("問問文章", "问问文章"),
}
LOCALES = {discord.Locale.taiwan_chinese: 0, discord.Locale.chinese: 1}


class CommandTranslator(app_commands.Translator):
    """zh-TW and zh-CN for every command string in TRANSLATIONS; None (English) otherwise."""

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        column = LOCALES.get(locale)
        if column is None:
            return None
        pair = TRANSLATIONS.get(string.message)
        return pair[column] if pair else None
