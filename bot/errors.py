"""Exceptions raised by the core; the CLI turns them into one-line messages."""


class BotError(Exception):
    """Base class of every error the core reports to a person rather than a traceback."""


class ConfigError(BotError):
    """The configuration file is missing, unreadable or invalid."""


class KnowledgeError(BotError):
    """The knowledge directory has problems; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
