"""What both bots share: settings, logs and their redaction, health, rate limits, the words said
around quotes and where a quote comes from, and the feedback database's URL as a setting. May
import retrieval; no front end, no other package of bot/."""
