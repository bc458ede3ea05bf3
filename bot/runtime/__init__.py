"""What both bots share: settings, logs and their redaction, health, rate limits, the words said
around quotes and where a quote comes from. May import retrieval (and bot.feedback's database URLs);
no front end."""
