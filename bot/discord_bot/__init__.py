"""The Discord front end: slash commands, a message menu, mentions and DMs, answered by quoting the articles."""
