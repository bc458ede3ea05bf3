"""Front ends of the answer engine: the terminal, Telegram and Discord."""
