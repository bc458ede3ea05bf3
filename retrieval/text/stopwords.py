"""Words too common to tell passages apart, in English and (Simplified) Chinese.

Kept short on purpose: a long list removes words that matter in questions ("date", "first").
The English list is the classic Snowball one plus question words, chat filler and single
letters; the Chinese one holds particles, pronouns and question words, written in Simplified
since Chinese text is matched after conversion to Simplified.
"""

ENGLISH_STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before
    being below between both but by can cannot could couldn did didn do does doesn doing don down
    during each few for from further had hadn has hasn have haven having he her here hers herself
    him himself his how i if in into is isn it its itself just ll let me more most mustn my myself
    no nor not now of off on once only or other ought our ours ourselves out over own re s same
    shan she should shouldn so some such t than that the their theirs them themselves then there
    these they this those through to too under until up ve very was wasn we were weren what when
    where which while who whom why will with would wouldn you your yours yourself yourselves
    ain also whats thats ya etc lol pls plz hey hi
    """.split()
    # Single letters: initials, list markers and the "b" of "<b>" say nothing on their own.
) | frozenset("abcdefghijklmnopqrstuvwxyz")

CHINESE_STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 也 都 就 而 又 着 过 吗 呢 吧 啊 呀 嘛 哦 么 之 其 这 那 这个 那个 这些 那些
    我 你 他 她 它 我们 你们 他们 她们 它们 自己 什么 怎么 怎样 怎么样 如何 为什么 为何 哪 哪个 哪些 哪里
    谁 多少 几 是否 有没有 是不是 请问 一下 请 把 被 对 从 向 到 于 以 为 给 让 由 但 但是 而且 并且 如果
    关于 对于 至于 因为 所以 因此 虽然 然而 还是 可以 能 会 要 有 没有 不 没 很 更 最 非常 一个 个 些 等 等等 上 下 中
    """.split()
)
