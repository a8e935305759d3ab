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
