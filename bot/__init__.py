"""Core of the livelihood-inquiry bot: knowledge base, matcher, answers and CLI.

This package never imports Telegram; ``handlers`` is the Telegram front end over it.
"""
