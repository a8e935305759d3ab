"""Configuration: ``config.toml`` validated by pydantic, with environment overrides."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import messages
from bot.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config.toml")
CONFIG_ENV = "BOT_CONFIG"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
ADMINS_ENV = "BOT_ADMIN_IDS"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"

# Words every official text uses, and the question words around them: matching on them alone
# produces confident nonsense. Words of very high general frequency are added automatically.
DEFAULT_FILLER_WORDS = [
    "加强",
    "推进",
    "建设",
    "服务",
    "提升",
    "工作",
    "体系",
    "全面",
    "政策",
    "民生",
    "群众",
    "发展",
    "实施",
    "完善",
    "持续",
    "推动",
    "深化",
    "落实",
    "开展",
    "保障",
    "项目",
    "工程",
    "今年",
    "明年",
    "问题",
    "情况",
    "措施",
    "举措",
    "办法",
    "政府",
    "老百姓",
    "百姓",
    "居民",
    "有没有",
    "能不能",
    "是不是",
    "怎么办",
    "怎么样",
    "多少",
    "哪些",
    "县里",
    "市里",
    "村里",
    "乡里",
    "镇里",
    "区里",
    "上面",
    "这块",
]
# How residents frame a question (搞了个啥, 想问问, 具体啥意思): words that say a question is
# being asked, not what it is about. They weigh nothing when an answer found only through its
# text is checked against the question's words.
DEFAULT_QUESTION_WORDS = [
    "搞了个",
    "搞个",
    "弄了个",
    "弄个",
    "咋弄",
    "怎么弄",
    "咋整",
    "咋办",
    "咋说",
    "咋回事",
    "怎么回事",
    "啥意思",
    "什么意思",
    "哪些方面",
    "哪方面",
    "什么样",
    "啥样",
    "哪几个",
    "哪几项",
    "什么",
    "想问",
    "想问问",
    "问问",
    "请问",
    "打听",
    "讲讲",
    "说说",
    "介绍",
    "了解",
    "具体",
    "打算",
    "名堂",
    "凭啥",
    "听说",
    "到底",
    "一下",
    "咱们",
    "俺们",
    "我们",
    "这边",
    "那边",
    "现在",
    "以后",
    "今后",
    "将来",
    "准备",
    "要求",
    "方面",
    "做些",
    "干啥",
    "干什么",
    "靠什么",
    "为啥",
    "为什么",
    "一共",
    "总共",
]


# A question asking for one of these details (documents, fees, contacts, procedures …) is only
# answered by an entry or passage that speaks of it: the articles state measures, rarely how to
# apply for them. Each detail is named as a resident reads it (资料里没有写「门票价格」) and
# listed with the words that ask for it; a text holding any of them (or a word of ``stated``)
# speaks of that detail.
DEFAULT_DETAILS: dict[str, list[str]] = {
    "门票价格": ["门票多少", "门票价格", "门票几", "门票要", "门票贵", "票价", "几钱一张"],
    "费用": [
        "多少钱",
        "费用多少",
        "费用是多少",
        "收费",
        "收多少",
        "要钱",
        "花钱",
        "掏钱",
        "出钱",
        "价格",
        "价钱",
        "几块钱",
        "租金",
        "房租",
        "批发价",
        "售价",
        "单价",
    ],
    "所需材料": ["材料", "证件", "带什么", "拿什么"],
    "办理流程": [
        "手续",
        "流程",
        "怎么申请",
        "咋申请",
        "如何申请",
        "怎么办理",
        "在哪办",
        "去哪办",
        "在哪申请",
        "去哪申请",
        "哪里申请",
        "补办",
        "开户",
        "报修",
        "怎么退",
        "如何退",
        "怎么买",
    ],
    "报名方式": ["怎么报名", "咋报名", "在哪报名", "去哪报名", "哪里报名", "去哪里报名"],
    "申请条件": ["申请条件", "什么条件", "啥条件", "资格", "符合条件"],
    "联系电话": [
        "电话多少",
        "电话号码",
        "联系电话",
        "哪个电话",
        "什么电话",
        "电话是",
        "热线",
        "联系方式",
    ],
    "具体地址": ["地址", "在哪里", "在哪儿", "在什么地方", "哪个地方", "具体位置"],
    "开放时间": ["几点", "开门", "营业时间", "开放时间"],
    "工资待遇": ["工资", "月薪", "一个月挣", "挣多少"],
    "补偿标准": ["赔多少", "补偿标准", "赔偿标准", "补多少", "赔偿多少"],
    "具体医院": ["哪家医院", "哪个医院"],
    "具体日期": [
        "截止",
        "哪天",
        "几号",
        "哪一天",
        "报名时间",
        "什么时候报名",
        "哪年能",
        "几月份开",
    ],
    "补缴办法": ["补缴"],
    "档次标准": ["档次"],
    "名单": ["名单", "公示"],
    "证明": ["证明"],
}
# Words in a text that state a detail although they do not name it (a fee of 0 is 免费).
DEFAULT_DETAIL_STATED: dict[str, list[str]] = {
    "费用": ["免费", "政府投保", "政府出资"],
    "门票价格": ["免费"],
}
# Details an amount per unit states (每户1.08万元).
DEFAULT_AMOUNT_DETAILS = ["费用", "门票价格", "补偿标准", "工资待遇"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KnowledgeSettings(_Section):
    """Where the knowledge base lives."""

    dir: Path = Path("knowledge")
    # A larger knowledge file is a problem, never read: a runaway export must not exhaust memory.
    max_file_mb: float = Field(default=5.0, gt=0)

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes."""
        return int(self.max_file_mb * 1024 * 1024)


class MatchingSettings(_Section):
    """Knobs of the matcher; see README "How matching decides" for their meaning."""

    cutoff: float = Field(default=5.0, ge=0)
    secondary_ratio: float = Field(default=0.5, ge=0, le=1)
    max_answers: int = Field(default=3, ge=1, le=10)
    max_suggestions: int = Field(default=3, ge=0, le=10)
    max_query_chars: int = Field(default=300, ge=10, le=10_000)
    region_boost: float = Field(default=1.5, ge=1)
    other_region_factor: float = Field(default=0.6, gt=0, le=1)
    filler_words: list[str] = Field(default_factory=lambda: list(DEFAULT_FILLER_WORDS))
    question_words: list[str] = Field(default_factory=lambda: list(DEFAULT_QUESTION_WORDS))
    details: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_DETAILS))
    detail_stated: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_DETAIL_STATED))
    amount_details: list[str] = Field(default_factory=lambda: list(DEFAULT_AMOUNT_DETAILS))
    unmet_detail_factor: float = Field(default=0.6, gt=0, le=1)
    # A passage (a sentence of an article no clerk curated) needs clearer evidence.
    passage_cutoff: float = Field(default=5.0, ge=0)
    # Share of the question's specific words an answer found only through text must explain.
    min_content_coverage: float = Field(default=0.55, ge=0, le=1)


class MessageSettings(_Section):
    """Texts a deployment may override."""

    no_answer: str = messages.NO_ANSWER


class StorageSettings(_Section):
    """The embedded SQLite store."""

    path: Path = Path("data/bot.db")
    retention_days: int = Field(default=180, ge=1)
    salt: str = Field(default="", repr=False)


class WebhookSettings(_Section):
    """Webhook mode: a local HTTP listener behind a TLS reverse proxy."""

    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    url_path: str = "telegram"
    webhook_url: str = ""
    secret_token: str = Field(default="", repr=False)
    # An update is a few kilobytes; anything far larger is refused while it streams in.
    max_body_bytes: int = Field(default=1_000_000, ge=1024)


class TelegramSettings(_Section):
    """The Telegram front end."""

    token: str = Field(default="", repr=False)
    admins: list[int] = Field(default_factory=list)
    base_url: str = ""
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    notify_admins_on_error: bool = True
    flood_max_messages: int = Field(default=20, ge=1)
    # Button taps have their own, much higher limit: paging through a category is no flood.
    flood_max_taps: int = Field(default=120, ge=1)
    flood_window_seconds: float = Field(default=60.0, gt=0)
    typing_after_seconds: float = Field(default=1.0, ge=0)
    # Updates handled at once: a resident waiting behind Telegram's flood limits blocks no one.
    concurrent_updates: int = Field(default=64, ge=1, le=1024)
    # On SIGTERM, time to finish answers before exiting (inside Docker's 10 s before SIGKILL).
    shutdown_grace_seconds: float = Field(default=8.0, ge=0, le=600)
    # Unanswered questions and unsent replies older than this are not taken up after a restart.
    backlog_max_age_minutes: float = Field(default=30.0, gt=0)
    # Telegram's documented limits (Bots FAQ): overall, per private chat, per group.
    send_per_second: float = Field(default=30.0, gt=0)
    private_chat_per_second: float = Field(default=1.0, gt=0)
    group_chat_per_minute: float = Field(default=20.0, gt=0)


class ConversationSettings(_Section):
    """How long a chat's last answer is remembered for follow-ups (bot/conversation.py)."""

    timeout_minutes: float = Field(default=10.0, gt=0, le=24 * 60)


class Config(_Section):
    """The whole configuration file."""

    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    conversation: ConversationSettings = Field(default_factory=ConversationSettings)
    # Category → where residents go for it, in the clerk's words (社会救助 → "具体办理请咨询…");
    # shown under answers whose entry has no next_step of its own. Empty: nothing is shown.
    referrals: dict[str, str] = Field(default_factory=dict)
    messages: MessageSettings = Field(default_factory=MessageSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)


def config_path(explicit: str | None) -> tuple[Path, bool]:
    """The config file to read and whether the user asked for it explicitly."""
    if explicit:
        return Path(explicit), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), True
    return DEFAULT_CONFIG_PATH, False


def load_config(explicit: str | None = None) -> Config:
    """Read the config file (``--config``, then ``$BOT_CONFIG``, then ./config.toml).

    A missing default file means built-in defaults; a missing explicit file is an error.
    Relative paths in the file are resolved against the file's directory.
    """
    path, required = config_path(explicit)
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: config file not found")
        return apply_environment(Config())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from exc
    except RecursionError as exc:
        # tomllib parses nested arrays and inline tables recursively.
        raise ConfigError(f"{path}: {messages.TOML_TOO_DEEP}") from exc
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: invalid config: {details}") from exc
    if not config.knowledge.dir.is_absolute():
        config.knowledge.dir = path.parent / config.knowledge.dir
    if not config.storage.path.is_absolute():
        config.storage.path = path.parent / config.storage.path
    return apply_environment(config)


def apply_environment(config: Config) -> Config:
    """Environment variables win over the file: the token, the webhook secret, the admin ids."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        config.telegram.token = token
    secret = os.environ.get(WEBHOOK_SECRET_ENV, "").strip()
    if secret:
        config.telegram.webhook.secret_token = secret
    admins = os.environ.get(ADMINS_ENV, "").strip()
    if admins:
        try:
            config.telegram.admins = [int(part) for part in admins.split(",") if part.strip()]
        except ValueError as exc:
            raise ConfigError(
                f"{ADMINS_ENV}: expected comma-separated numeric Telegram user ids, e.g. 1,2"
            ) from exc
    return config
