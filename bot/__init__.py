"""Front ends of the answer engine: cli/ (the command line and terminal), telegram_bot/ and
discord_bot/, over runtime/ (what the bots share) and feedback/. They import retrieval; it never
imports them."""
