"""The Telegram front end: thin handlers over the core's ``KnowledgeService``.

Dependency direction is one way: ``handlers`` imports ``bot``, never the reverse.
"""
