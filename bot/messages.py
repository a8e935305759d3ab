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
STORE_DOWN_NOTICE = "数据库暂时无法写入，机器人照常回答，但这段时间的问题不会被记录。原因：{error}"
STORE_BACK_NOTICE = "数据库已恢复，问题记录照常进行。"
NO_TOKEN = (
    "No Telegram token: set the TELEGRAM_BOT_TOKEN environment variable (or telegram.token in "
    "config.toml); to try the bot without Telegram, run: python -m bot chat"
)
LOW_CONFIDENCE = "我没有把握确定您问的是哪一项。您是不是想问："
# The question asks for a detail (门票价格, 联系电话 …) that the nearest answer does not state.
MISSING_DETAIL = "资料里没有写{detail}。关于「{title}」，资料里有这些："
# Under an answer to the first part of a two-part question whose other part asks such a detail.
PART_MISSING_DETAIL = "（您问的{detail}，资料里没有写。）"
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

# A new source document (bot kb add-source, or an admin's upload with a 来源： caption).
SOURCE_UNKNOWN_TYPE = "不支持这种文件（{suffix}）：请用 .txt、.docx 或 .pdf 文件。"
SOURCE_EMPTY = "文件里没有文字。"
SOURCE_UNDECODABLE = "读不出文件里的文字：请把它另存为 UTF-8 编码的 .txt，或改用 .docx。"
SOURCE_NO_CHINESE = "文件里几乎没有中文文字，不像是一份可以引用的原文。"
SOURCE_BAD_DOCX = "这个 .docx 文件打不开（可能已损坏，或其实不是 Word 文档）。"
SOURCE_BAD_PDF = "这个 PDF 文件打不开（可能已损坏）。"
SOURCE_PDF_ENCRYPTED = "这个 PDF 加了密码，读不出文字：请发送没有加密的文件，或改用 .docx。"
SOURCE_PDF_NO_TEXT = "这个 PDF 里没有可以提取的文字（可能是扫描件）：请改用 .docx 或 .txt。"
SOURCE_PDF_GARBLED = (
    "这个 PDF 的文字提取出来有乱码，为免存入错误内容，没有加入：请改用 .docx 或 .txt。"
)
SOURCE_PDF_UNAVAILABLE = "这里没有安装读取 PDF 的组件（pypdf），请改用 .docx 或 .txt。"
SOURCE_TOO_LARGE = "文件太大（{size:.1f} MB，最多 {limit:g} MB）。"
SOURCE_FIELD_TITLE = "标题"
SOURCE_FIELD_PUBLISHER = "发布单位"
SOURCE_MISSING_FIELD = "缺少{field}：请写明原文的{field}。"
SOURCE_FIELD_ONE_LINE = "{field}只能写一行。"
SOURCE_BAD_DATE = (
    "日期“{date}”不对：请写成 2024、2024-03 或 2024-03-05（原文只写了月日的写 --03-05），"
    "原文没写日期就留空，不要推测。"
)
SOURCE_UNKNOWN_REGION = "没有“{region}”这个地区。可用的地区：{regions}。"
SOURCE_BAD_ID = "编号“{id}”不对：只能用小写英文字母、数字和“-”，例如 elderly-policy-2024。"
SOURCE_DUPLICATE = "这份原文已经加入过了：来源“{id}”《{title}》。"
SOURCE_NO_PASSAGES = "文件里找不到可以引用的句子（只有标题或短行），没有加入。"
SOURCE_NOTES = "原文件：{filename}"
SOURCE_ADDED = "已加入来源“{id}”《{title}》：原文存为 {article}，{count} 段可供检索。"
SOURCE_FIRST_PASSAGE = "第一段：{excerpt}"
SOURCE_CAPTION_HELP = (
    "请在文件说明里写：来源：标题 / 发布单位 / 日期（可以再加 / 地区），"
    "例如：来源：关于做好养老服务的通知 / 某县民政局 / 2024-03-05"
)
SOURCE_PENDING = (
    "收到原文《{title}》（{publisher}，{date}），检查通过，共 {count} 段可供检索。\n"
    "第一段：{excerpt}\n"
    "还没有加入：点“确认更新”后加入知识库，{minutes} 分钟内有效。"
)
SOURCE_CANCELLED = "已取消，没有加入这份原文。"
SOURCE_EXPIRED = "这次加入已经过期或被新发的文件取代，没有加入。需要的话请重新发送文件。"
SOURCE_REFUSED = "没有加入这份原文：{reason}"

# bot kb draft: ready-to-fill rows of the 条目 sheet from a source's passages.
DRAFT_NOTE_USED = "原文段落 {passage}，回答过 {count} 个提问。请填写标题和类别。"
DRAFT_NOTE_UNUSED = "原文段落 {passage}，还没有条目引用它。请填写标题和类别。"
DRAFT_WRITTEN = "已写入 {path}：{rows} 行，其中 {used} 段回答过提问。填好标题和类别后即可导入。"
DRAFT_NO_ROWS = "来源“{id}”的每一段原文都已经有条目引用了，没有可以起草的行。"
DRAFT_UNKNOWN_SOURCE = "没有“{id}”这个来源。已有的来源：{ids}。"
DRAFT_NO_ARTICLE = "来源“{id}”没有原文文件（file），没有可以起草的段落。"
DRAFT_NO_STORE = "没有找到提问记录（{path}），只列出没有条目引用的段落。"
