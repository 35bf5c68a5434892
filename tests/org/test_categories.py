from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from lianxin.org.models import Category

pytestmark = pytest.mark.django_db

TREE = (
    "一级分类,二级分类,三级分类\n"
    "城乡建设,安全生产,事故处理\n"
    "城乡建设,安全生产,安全生产管理\n"
    "城乡建设,城市建设,\n"
    "环境保护,噪音污染,施工噪音\n"
)


def test_import_builds_a_three_level_tree_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "tree.csv"
    path.write_text(TREE, encoding="utf-8")
    call_command("import_categories", str(path))
    assert "8 created" in capsys.readouterr().out
    leaf = Category.objects.get(name="施工噪音")
    assert leaf.parent is not None
    assert leaf.parent.parent is not None
    assert leaf.level == 3
    assert leaf.parent.parent.name == "环境保护"
    assert leaf.path == f"{leaf.parent.parent.code}/{leaf.parent.code}/{leaf.code}"
    call_command("import_categories", str(path))
    assert "0 created" in capsys.readouterr().out
    assert Category.objects.count() == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "没有分类行"), ("a,b,c,d\nx,y,z,w\n", "超过三级"), (None, "UTF-8")],
)
def test_bad_files_are_refused_clearly(tmp_path, content, message):
    path = tmp_path / "tree.csv"
    if content is None:
        path.write_bytes("一级分类\n城乡建设\n".encode("gbk"))
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_categories", str(path))
    with pytest.raises(CommandError, match="找不到"):
        call_command("import_categories", str(tmp_path / "missing.csv"))
