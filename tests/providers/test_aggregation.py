from __future__ import annotations

from oshara.providers.tts.aggregation import FirstClauseTextAggregator


async def _run(agg: FirstClauseTextAggregator, tokens: list[str]) -> list[str]:
    out = []
    for token in tokens:
        async for a in agg.aggregate(token):
            out.append(a.text)
    rest = await agg.flush()
    if rest and rest.text:
        out.append(rest.text)
    return out


async def test_first_clause_released_early_then_sentences() -> None:
    agg = FirstClauseTextAggregator(min_words=4)
    tokens = ["We open", " at eleven", " tomorrow,", " and we", " close late.", " See", " you!"]
    assert await _run(agg, tokens) == [
        "We open at eleven tomorrow,",
        "and we close late.",
        "See you!",
    ]
    # the next response starts afresh: its first clause goes early again
    assert await _run(agg, ["Yes, of course", " we do,", " every day."]) == [
        "Yes, of course we do,",
        "every day.",
    ]


async def test_short_clauses_and_numbers_wait_for_the_sentence() -> None:
    agg = FirstClauseTextAggregator(min_words=4)
    assert await _run(agg, ["Sure,", " it costs", " 3,000", " dollars.", " Ok."]) == [
        "Sure, it costs 3,000 dollars.",
        "Ok.",
    ]
