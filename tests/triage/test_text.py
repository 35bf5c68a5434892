from __future__ import annotations

from lianxin.triage.text import (
    ID_MASK,
    PHONE_MASK,
    add_words,
    char_ngrams,
    clean,
    mask_pii,
    normalize,
    tokenize,
)


def test_masks_mobile_numbers_in_several_formats():
    for phone in (
        "13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+86 13812345678",
        "１３８１２３４５６７８",
    ):
        masked = mask_pii(f"我的电话{phone}请回电")
        assert PHONE_MASK in masked
        assert "5678" not in masked, phone


def test_masks_landlines_and_ids():
    assert mask_pii("座机0731-84512345") == f"座机{PHONE_MASK}"
    assert mask_pii("电话：84512345") == f"电话：{PHONE_MASK}"
    assert mask_pii("身份证号430102199001011234，") == f"身份证号{ID_MASK}，"
    assert mask_pii("身份证43010219900101123X") == f"身份证{ID_MASK}"


def test_does_not_mask_ordinary_numbers():
    text = "2019年3月小区3栋有120户，12345热线"
    assert mask_pii(text) == text


def test_normalize_width_and_traditional():
    assert normalize("ＡＢＣ１２３　問題很嚴重").startswith("ABC123 问题")
    assert normalize("區縣醫院") == "区县医院"


def test_tokenize_uses_domain_dictionary_and_drops_stop_words():
    toks = tokenize(clean("我们小区的网格员不管占道经营的问题"))
    assert "网格员" in toks
    assert "占道经营" in toks
    assert "的" not in toks
    assert "我们" not in toks


def test_add_words_extends_segmenter():
    add_words(["星光璀璨苑"])
    assert "星光璀璨苑" in tokenize("星光璀璨苑门口积水")


def test_char_ngrams_break_on_punctuation():
    assert char_ngrams("路灯，坏了") == ["路灯", "坏了"]
