from __future__ import annotations

import json

import pandas as pd
import pytest

from lianxin.triage.cli import main

from .conftest import make_corpus


def write_csv(path, n=15, seed=0):
    texts, labels = make_corpus(n, seed=seed)
    pd.DataFrame({"label": labels, "text": texts}).to_csv(path, index=False)
    return path


def test_train_eval_roundtrip_csv(tmp_path, capsys):
    data = write_csv(tmp_path / "train.csv")
    test = write_csv(tmp_path / "test.csv", n=4, seed=9)
    model = tmp_path / "cat.model"
    assert main(["train", "--data", str(data), "--model", str(model)]) == 0
    out = capsys.readouterr().out
    assert "trained 4 labels" in out
    assert model.exists()
    assert main(["eval", "--data", str(test), "--model", str(model), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accuracy"] > 0.9
    assert report["macro_f1"] > 0.9
    assert set(report["per_class"]) == {"交通运输", "教育文体", "环境保护", "劳动和社会保障"}
    assert main(["eval", "--data", str(test), "--model", str(model)]) == 0
    assert "confusion matrix" in capsys.readouterr().out


def test_train_xlsx_and_segmented_column(tmp_path, capsys):
    texts, labels = make_corpus(12, seed=1)
    xlsx = tmp_path / "train.xlsx"
    pd.DataFrame({"类别": labels, "text": texts}).to_excel(xlsx, index=False)
    seg = tmp_path / "seg.csv"
    pd.DataFrame({"text_seg": [t.replace("，", " ").rstrip("。") for t in texts], "类别": labels}).to_csv(
        seg, index=False
    )
    model = tmp_path / "m.model"
    args = ["train", "--data", str(xlsx), "--data", str(seg), "--label-col", "类别", "--model", str(model)]
    assert main(args) == 0
    assert "96 examples (48 pre-segmented)" in capsys.readouterr().out
    summary = json.loads((tmp_path / "m.model.json").read_text(encoding="utf-8"))
    assert summary["n_segmented_examples"] == len(texts)
    assert main(["eval", "--data", str(xlsx), "--label-col", "类别", "--model", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] > 0.9


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "no such file"),
        (b"", "empty"),
        ("label,body\n交通,公交车\n教育,学校\n".encode(), "no text column"),
        ("text,kind\n公交车,交通\n学校,教育\n".encode(), "no column 'label'"),
        ("label,text\n交通,公交车太慢\n交通,红绿灯坏了\n".encode(), "single class"),
        (b"label,text\n", "no rows"),
        (b"label,text\n\xff\xfe\x00\xd8\xff,\x81\x30\xff\n", "decode"),
    ],
)
def test_malformed_training_files_refused(tmp_path, capsys, content, needle):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    code = main(["train", "--data", str(path), "--model", str(tmp_path / "x.model")])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "x.model").exists()


def test_eval_without_model_is_a_clear_error(tmp_path, capsys):
    data = write_csv(tmp_path / "t.csv", n=3)
    assert main(["eval", "--data", str(data), "--model", str(tmp_path / "missing.model")]) == 2
    assert "train one first" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys):
    assert main(["train"]) == 2
    assert main(["nonsense"]) == 2


def test_hotspots_command_with_chinese_columns(tmp_path, capsys):
    rows = []
    for i in range(12):
        rows.append(
            {
                "留言编号": i,
                "留言用户": f"u{i}",
                "留言主题": "龙湾国际社区搅拌站噪音扰民",
                "留言时间": f"2019/3/{i + 1} 10:00:00",
                "留言详情": "龙湾国际社区旁搅拌站夜间施工噪音扰民",
                "反对数": 0,
                "点赞数": i,
            }
        )
    for i, t in enumerate(["公交线路太少", "学校补课", "社保转移难", "医院排队久", "菜市场脏乱"]):
        rows.append(
            {
                "留言编号": 100 + i,
                "留言用户": "x",
                "留言主题": t,
                "留言时间": "2019/3/5 10:00:00",
                "留言详情": t,
                "反对数": 0,
                "点赞数": 0,
            }
        )
    path = tmp_path / "msgs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    assert main(["hotspots", "--data", str(path), "--json", "--top", "3"]) == 0
    spots = json.loads(capsys.readouterr().out)
    assert spots[0]["size"] == 12
    assert spots[0]["votes"] == sum(range(12))
    assert main(["hotspots", "--data", str(path)]) == 0
    assert "龙湾国际社区" in capsys.readouterr().out


def test_assess_command(capsys):
    assert main(["assess", "家里燃气泄漏了，电话13812345678"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["urgency"]["level"] == "emergency"
    assert "13812345678" not in out["masked"]
