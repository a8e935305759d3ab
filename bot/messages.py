"""Every piece of Chinese text the core shows to residents, in one place.

Texts a deployment may want to change (the no-answer fallback) can also be set in config.toml.
"""

NO_ANSWER = (
    "抱歉，这个问题我暂时没有找到可靠的答案。"
    "我能回答的是本地养老、医疗、就业、社会救助等民生措施的问题，"
    "您可以换个说法再问，或者从下面的类别里找找看。"
)
SUGGESTIONS_HEADER = "您是不是想问："
CATEGORIES_HEADER = "我能回答这些类别的问题："
SOURCE_LABEL = "来源"
REGION_LABEL = "地区"
NEXT_STEP_LABEL = "怎么办"
DATE_UNKNOWN = "日期未注明"
MONTH_DAY_NO_YEAR = "{month}月{day}日（年份未注明）"
YEAR_MONTH = "{year}年{month}月"
YEAR_ONLY = "{year}年"
FULL_DATE = "{year}年{month}月{day}日"
MORE_ANSWERS_HEADER = "相关内容："
EMPTY_QUESTION = "请输入您想问的问题，比如：“家附近有没有老年食堂？”"

CHAT_GREETING = (
    "您好！我是民生政策问答助手，可以回答本地养老、医疗、就业、社会救助、"
    "残疾人服务、托育、住房和农村生活等方面的问题。\n"
    "直接输入问题即可，输入“退出”结束。"
)
CHAT_PROMPT = "问> "
CHAT_GOODBYE = "再见！"
CHAT_EXIT_WORDS = ("退出", "再见", "exit", "quit", "q")

# Telegram conversation.
START = (
    "您好！我是民生政策问答助手。\n"
    "我能回答本地养老、医疗、就业、社会救助、残疾人服务、托育、住房和农村生活等方面的政策问题，"
    "每个回答都注明出处。\n\n"
    "直接打字提问就行，比如：\n{examples}\n\n"
    "也可以点下面的类别看看我知道哪些事："
)
START_EXAMPLES = ("家附近有没有老年食堂？", "野猪把庄稼糟蹋了能赔吗？", "县里有没有叉车培训？")
HELP = (
    "怎么问：用平常说话的方式打字就行，错别字、繁体字都没关系。"
    "问题里提到县区（比如“襄垣县”），会优先回答当地的措施。\n\n"
    "命令：\n/start 开始，查看类别\n/region 选择所在地区\n/forget 删除与我有关的记录\n"
    "/help 使用说明\n\n"
    "隐私：我们只保存去掉了身份信息的问题，用来改进回答；身份证号、手机号会被遮盖。"
)
CATEGORY_PAGE = "“{category}”类别（第 {page}/{pages} 页），点标题查看："
PREVIOUS_PAGE = "« 上一页"
NEXT_PAGE = "下一页 »"
MORE_BUTTON = "更多相关 ({count})"
HELPFUL_BUTTON = "👍 有用"
UNHELPFUL_BUTTON = "👎 没用"
FEEDBACK_THANKS = "谢谢您的反馈！"
BUTTON_EXPIRED = "这个按钮已经过期了，请重新提问。"
NON_TEXT = "抱歉，我只能看懂文字。请直接打字输入您的问题。"
SLOW_DOWN = "您发得有点快，请稍等一会儿再问。"
APOLOGY = "抱歉，刚才出了点问题，请稍后再试一次。"
ADMIN_ONLY = "抱歉，这个命令只有管理员可以使用。"
RELOAD_OK = (
    "知识库已重新加载：新增 {added} 条，删除 {removed} 条，修改 {changed} 条，共 {total} 条，"
    "原文段落 {passages} 段可供检索，用时 {seconds:.2f} 秒。"
)
RELOAD_FAILED = "知识库有 {count} 个问题，没有更新，仍在使用原来的版本：\n{problems}"
ADMIN_ERROR_NOTICE = "机器人出错：{error}"
COMMAND_DESCRIPTIONS = (
    ("start", "开始：查看能回答的类别"),
    ("region", "选择所在地区，优先回答当地的措施"),
    ("forget", "删除保存的与我有关的记录"),
    ("help", "使用说明"),
)
REGION_PROMPT = "请选择您所在的市、县（区），之后会优先回答当地的措施："
REGION_ANY = "不限地区"
REGION_SET = "好的，之后会优先回答“{region}”的措施。"
REGION_CLEARED = "好的，不再限定地区。"
FORGET_DONE = (
    "已删除保存的与您有关的全部记录（{count} 条）。我们本来就不保存您的姓名、账号和电话号码。"
)
FORGET_FAILED = "抱歉，现在暂时无法删除，请稍后再试一次。"
STORE_UNAVAILABLE = "统计数据暂时不可用（数据库无法打开），请查看日志。"
NO_TOKEN = (
    "No Telegram token: set the TELEGRAM_BOT_TOKEN environment variable (or telegram.token in "
    "config.toml); to try the bot without Telegram, run: python -m bot chat"
)
LOW_CONFIDENCE = "我没有把握确定您问的是哪一项。您是不是想问："
# The question asks for a detail (门票价格, 联系电话 …) that the nearest answer does not state.
MISSING_DETAIL = "资料里没有写{detail}。关于「{title}」，资料里有这些："
# Under an answer to the first part of a two-part question whose other part asks such a detail.
PART_MISSING_DETAIL = "（您问的{detail}，资料里没有写。）"
# Small talk (bot/smalltalk.py): a short friendly reply, never the no-answer text.
SMALL_TALK = {
    "greeting": (
        "您好！我是民生政策问答助手。"
        "想了解养老、医疗、就业、社会救助等哪方面的事，直接打字问我就行。"
    ),
    "thanks": "不客气！还有别的问题随时问我。",
    "ok": "好的，还有问题随时问我。",
    "goodbye": "再见！有问题随时来问。",
    "identity": (
        "我是民生政策问答助手，是自动回答的程序，不是真人。"
        "我根据官方发布的资料回答本地民生措施的问题，每个回答都注明出处。"
    ),
    "emoji": "收到～有什么想问的，直接打字告诉我就行，比如：“家附近有没有老年食堂？”",
    "empty": "我在。请直接打字说出您的问题，比如：“家附近有没有老年食堂？”",
}

# A message longer than matching.max_query_chars (bot/longtext.py).
PARTLY_READ = "您的消息比较长，我只读了其中最后提问的部分。如果没答到点子上，请把问题单独发一遍。"

# Follow-ups (bot/conversation.py): "还有别的吗" after an answer.
NO_MORE = "关于「{title}」，资料里没有更多相关的内容了。您可以换个问题，或者从类别里找找看。"
# A detail follow-up ("在哪") that brings back the same answer: it has nothing more specific.
NOTHING_MORE_SPECIFIC = "关于「{title}」，资料里只有下面这些，没有写得更具体。"
# A region follow-up ("那襄垣呢") when no answer is about that region itself.
NOT_REGION_SPECIFIC = "资料里没有专门讲{region}的内容，下面是{found}的："
MORE_ABOUT = "关于「{title}」，还有这些："
MORE_ANSWERS = "和您的问题相关的还有："
NO_WEBHOOK_SECRET = (
    "Webhook mode needs a secret: set telegram.webhook.secret_token in config.toml "
    "(Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; other requests are refused)"
)
# A TOML file (knowledge or config) whose arrays or inline tables nest too deep to parse; the
# loader's problem lines are English like the rest of them.
TOML_TOO_DEEP = "nested too deeply to read (arrays or tables inside each other hundreds of times)"
# A reload that removes more than a fifth of the entries waits for an admin's confirmation.
RELOAD_LARGE_DROP = (
    "这次更新将删除 {removed} 条（共 {previous} 条），超过两成，可能是文件被截断或误删了。"
    "新版本已检查通过，但还没有启用：确认后才替换，{minutes} 分钟内有效。"
)
RELOAD_CONFIRM_BUTTON = "确认更新"
RELOAD_CANCEL_BUTTON = "取消"
RELOAD_CANCELLED = "已取消这次更新，仍在使用原来的版本。"
RELOAD_EXPIRED = "这次更新已经过期或被新的 /reload 取代，没有启用。需要的话请重新发送 /reload。"
