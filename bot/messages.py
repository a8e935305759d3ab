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
# A region the source does not name (its county written as "**"), as residents read it.
ANONYMOUS_REGION = "某县（原文未写县名）"
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
# The thank-you that replaces the vote buttons, and the other vote, to change one's mind.
VOTED_HELPFUL = "🙏 谢谢反馈：有用"
VOTED_UNHELPFUL = "🙏 谢谢反馈：没用"
CHANGE_TO_HELPFUL = "改为 👍"
CHANGE_TO_UNHELPFUL = "改为 👎"
FEEDBACK_UNHELPFUL = "谢谢您的反馈！下面是其他相关的内容和类别。"
SOURCE_BUTTON = "来源详情"
SOURCE_DETAILS = "{publisher}\n《{title}》\n{date}"
BACK_BUTTON = "« 返回"
PAGE_BACK_BUTTON = "« 返回（{page}/{pages}）"
CATEGORIES_BUTTON = "📂 按类别查看"
# Someone else's tap on a prompt (a region choice) in a group.
NOT_YOUR_PROMPT = "这是给发送 /region 的人选的。您也可以自己发送 /region 来选择。"
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
# Under an answer whose text does not say a topic the question names (another entry's topic).
NOT_COVERED = "（这段原文讲的是{covers}，没有讲到您问的{missing}。）"
NOT_COVERED_ONLY = "（这段原文没有讲到您问的{missing}。）"
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
DRAFT_WRITTEN = (
    "已写入 {path}：条目表最后的 {rows} 行（黄色）是起草的，其中 {used} 段回答过提问。"
    "要保留的填好标题和类别，不要的整行删掉，然后导入这个文件。"
)
DRAFT_NO_ROWS = "来源“{id}”的每一段原文都已经有条目引用了，没有可以起草的行。"
DRAFT_UNKNOWN_SOURCE = "没有“{id}”这个来源。已有的来源：{ids}。"
DRAFT_NO_ARTICLE = "来源“{id}”没有原文文件（file），没有可以起草的段落。"
DRAFT_NO_STORE = "没有找到提问记录（{path}），只列出没有条目引用的段落。"

# The knowledge base as a spreadsheet (bot kb export / kb import, uploads in Telegram). A problem
# names the sheet, the row and the column: 条目 第12行 「来源」: 未知来源 "src-9".
SHEET_PROBLEM = "{sheet} 第{row}行 「{column}」: {message}"
SHEET_ROW_PROBLEM = "{sheet} 第{row}行: {message}"
SHEET_NOT_WORKBOOK = (
    "打不开这个文件：它不是 Excel 工作簿（.xlsx）。请用 Excel 或 WPS 另存为 .xlsx 再试。"
)
SHEET_MISSING = "缺少工作表「{sheet}」（请用 /export 或 bot kb export 导出的表格来改）"
SHEET_NO_COLUMN = "{sheet} 第1行: 缺少「{column}」列"
SHEET_COLUMN_TWICE = "{sheet} 第1行: 「{column}」列出现了两次"
SHEET_UNKNOWN_COLUMN = "{sheet} 第1行: 不认识的列「{column}」，已忽略"
SHEET_EMPTY_ROW = "这是中间的一个空行，已跳过（要删除条目，删掉整行即可）"
SHEET_REQUIRED = "不能为空"
SHEET_MISSING_ID = '编号不能为空，可以用 "{suggestion}"'
SHEET_BAD_ID = "编号只能用小写英文字母、数字和连字符，例如 elderly-canteens"
SHEET_DUPLICATE_ID = '编号 "{id}" 和第{row}行重复'
SHEET_DUPLICATE_NAME = '"{name}" 和第{row}行重复'
SHEET_EXCERPT_TOO_LONG = "摘录有 {length} 个字，最多 {limit} 个字：只摘说明这项措施的一两句原文"
SHEET_TITLE_TOO_LONG = "标题有 {length} 个字，最多 {limit} 个字"
SHEET_NOT_VERBATIM = (
    "摘录在原文 {file} 里找不到一模一样的文字：从第 {position} 个字「{char}」起和原文不同"
    "（摘录要逐字照抄原文）"
)
SHEET_UNKNOWN_SOURCE = '未知来源 "{source}"'
SHEET_UNKNOWN_REGION = '未知地区 "{region}"'
SHEET_UNKNOWN_FILE = "原文文件 {file} 不存在（原文要放在知识库的 articles 目录里）"
SHEET_BAD_DATE = (
    "日期写法不对：写 2024、2024-03、2024-03-05 或 --03-05（只写了月日），原文没写日期就留空"
)
SHEET_BAD_RULE = (
    "关键词「{rule}」写法不对：一个字的词要和别的词写在同一行（比如“野猪 赔”），“-”后面要跟词"
)
SHEET_TOO_FEW_WORDS = "一组同义词至少要有两个词"
SHEET_WORD_TWICE = '"{word}" 已经在第{row}行那组里了（一个词只能属于一组）'
SHEET_BAD_VALUE = "写法不对：{detail}"
SHEET_FINAL_CHECK = "写出的知识库没有通过检查：{problem}"
SHEET_EXPORTED = (
    "{path}: 已导出 {entries} 个条目、{sources} 个来源、{gro"
    "ups} 组同义词、{regions} 个地区、{unanswered} 组未回答的问题"
)
SHEET_PROBLEMS = "表格有 {count} 个问题，没有导入（改好后再导入）："
SHEET_WARNING = "提醒：{warning}"
SHEET_NOTHING_TO_DO = "表格和知识库的内容一致，没有要更新的。"
SHEET_CHECKED = (
    "检查通过，还没有写入（去掉 --dry-run 才会更新）：新增 {added} 条，"
    "删除 {removed} 条，修改 {changed} 条，共 {total} 条。"
)
SHEET_APPLIED = (
    "已更新知识库：新增 {added} 条，删除 {removed} 条，修改 {changed} 条，共 {total} 条。"
)
SHEET_VERSION_KEPT = (
    "原来的版本已保存为第 {number} 版，需要时可以用 bot kb rollback {number} 恢复。"
)
SHEET_RELOAD_HINT = "机器人正在运行的话，请在 Telegram 里发送 /reload 让它用上新内容。"
SHEET_CHANGED_MEANWHILE = "知识库在这期间被别人改过了，这次更新没有写入，请重新导出后再改。"
SHEET_CANNOT_READ = "{path}: 读不了这个文件：{reason}"

# Versions of the knowledge directory (bot kb versions / kb rollback, /versions, /rollback).
WHO_TERMINAL = "终端"
VERSIONS_HEADER = "保存的版本（最新的在最后；每一版是那次更新之前的知识库）："
VERSION_LINE = "第 {number} 版 · {time} · {who} · +{added} −{removed} ~{changed}"
VERSIONS_NONE = "还没有保存的版本：每次更新知识库时，原来的版本会保存在这里。"
VERSION_UNKNOWN = "没有第 {number} 版（用 /versions 或 bot kb versions 查看有哪些版本）。"
ROLLBACK_SUMMARY = (
    "恢复到第 {number} 版：新增 {added} 条，删除 {removed} 条，修改 {changed} 条，共 {total} 条。"
)
ROLLBACK_QUESTION = "确定要恢复吗？输入 y 确认："
ROLLBACK_NOT_DONE = "没有恢复，知识库没有改动。"
ROLLBACK_DONE = "已恢复到第 {number} 版；恢复之前的版本保存为第 {kept} 版。"
ROLLBACK_BROKEN = "第 {number} 版没有通过检查，不能恢复：\n{problems}"

# Knowledge updates through Telegram (admins only): a workbook or TOML file sent as a document.
UPLOAD_TOO_LARGE = "文件太大了（超过 {limit} MB），没有处理。"
UPLOAD_WRONG_TYPE = (
    "只能处理 .xlsx 表格（/export 导出的那种）或 .toml 知识库文件，这个文件没有处理。"
)
UPLOAD_BAD_NAME = "文件名 {name} 不能用：只能用英文字母、数字、“-”和“_”，以 .toml 结尾。"
UPLOAD_DOWNLOAD_FAILED = "文件没有下载下来，请再发送一次。"
UPLOAD_PROBLEMS = "文件有 {count} 个问题，知识库没有改动：\n{problems}"
UPLOAD_READY = (
    "检查通过：新增 {added} 条，删除 {removed} 条，修改 {changed} 条，共 {total} 条。"
    "按“确认更新”后才启用，{minutes} 分钟内有效；再发一个文件会取代这一次。"
)
ROLLBACK_READY = "按“确认恢复”后才恢复，{minutes} 分钟内有效。"
ROLLBACK_CONFIRM_BUTTON = "确认恢复"
ROLLBACK_USAGE = "用法：/rollback 版本号，比如 /rollback 3（用 /versions 查看版本号）。"
CHANGE_APPLIED = (
    "知识库已更新：新增 {added} 条，删除 {removed} 条，修改 {changed} 条，共 {total} 条。"
    "原来的版本保存为第 {number} 版，需要时发送 /rollback {number} 恢复。"
)
CHANGE_EXPIRED = "这次更新已经过期或被后来发送的文件取代，没有启用。需要的话请重新发送。"
CHANGE_CANCELLED = "已取消，知识库没有改动。"
EXPORT_CAPTION = "当前的知识库表格。改好后把文件发给我，检查通过并确认后就会更新。"
VERSION_NOT_KEPT = "注意：更新已经完成，但原来的版本没能保存（数据目录写不进去），请查看日志。"
CHANGE_NOT_KEPT = (
    "知识库已更新：新增 {added} 条，删除 {removed} 条，修改 {changed} 条，共 {total} 条。"
    "注意：原来的版本没能保存（数据目录写不进去），请查看日志。"
)
