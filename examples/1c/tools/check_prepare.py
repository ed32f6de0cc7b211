#!/usr/bin/env python3
"""CI check of prepare.py on a small made-up base dump (three documents with a form each): every
borrowed object gets the base uuid, each form keeps the base items, gains the extension's items and
a <BaseForm>, the format version follows the base, and every file is well-formed XML. No 1C platform
is involved: this proves the file surgery, not that Designer accepts the result."""
import pathlib
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = pathlib.Path(__file__).resolve().parent
MD_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<MetaDataObject xmlns="http://v8.1c.ru/8.3/MDClasses" '
           'xmlns:v8="http://v8.1c.ru/8.1/data/core" xmlns:xr="http://v8.1c.ru/8.3/xcf/readable" version="2.13">\n')
FORM = ('<?xml version="1.0" encoding="UTF-8"?>\n<Form xmlns="http://v8.1c.ru/8.3/xcf/logform" '
        'xmlns:v8="http://v8.1c.ru/8.1/data/core" xmlns:xs="http://www.w3.org/2001/XMLSchema" version="2.13">\n'
        '\t<AutoCommandBar name="ФормаКоманднаяПанель" id="-1"/>\n'
        '\t<Events>\n\t\t<Event name="OnCreateAtServer">ПриСозданииНаСервере</Event>\n\t</Events>\n'
        '\t<ChildItems>\n\t\t<InputField name="Номер" id="1">\n\t\t\t<DataPath>Объект.Номер</DataPath>\n\t\t</InputField>\n\t</ChildItems>\n'
        '\t<Attributes>\n\t\t<Attribute name="Объект" id="1">\n\t\t\t<MainAttribute>true</MainAttribute>\n\t\t</Attribute>\n\t</Attributes>\n'
        '</Form>\n')


def base_dump(root):
    uid = iter(f"{n:08d}-0000-4000-8000-000000000000" for n in range(1, 100))
    ids = {}
    (root / "Languages").mkdir(parents=True)
    (root / "Configuration.xml").write_text(
        MD_HEAD + '\t<Configuration uuid="11111111-0000-4000-8000-000000000000">\n\t\t<Properties>\n'
        "\t\t\t<Name>УправлениеТорговлей</Name>\n\t\t\t<CompatibilityMode>Version8_3_14</CompatibilityMode>\n"
        "\t\t</Properties>\n\t</Configuration>\n</MetaDataObject>\n", encoding="utf-8")
    ids["lang"] = next(uid)
    (root / "Languages/Русский.xml").write_text(
        MD_HEAD + f'\t<Language uuid="{ids["lang"]}">\n\t\t<Properties>\n\t\t\t<Name>Русский</Name>\n'
        "\t\t</Properties>\n\t</Language>\n</MetaDataObject>\n", encoding="utf-8")
    for doc in ["ЗаказКлиента", "РеализацияТоваровУслуг", "ВозвратТоваровОтКлиента"]:
        ids[doc], ids[doc + ".Товары"], ids[doc + ".Форма"] = next(uid), next(uid), next(uid)
        forms = root / "Documents" / doc / "Forms" / "ФормаДокумента" / "Ext"
        forms.mkdir(parents=True)
        (root / "Documents" / f"{doc}.xml").write_text(
            MD_HEAD + f'\t<Document uuid="{ids[doc]}">\n\t\t<Properties>\n\t\t\t<Name>{doc}</Name>\n\t\t</Properties>\n'
            f'\t\t<ChildObjects>\n\t\t\t<TabularSection uuid="{ids[doc + ".Товары"]}">\n\t\t\t\t<Properties>\n'
            "\t\t\t\t\t<Name>Товары</Name>\n\t\t\t\t</Properties>\n\t\t\t</TabularSection>\n"
            "\t\t\t<Form>ФормаДокумента</Form>\n\t\t</ChildObjects>\n\t</Document>\n</MetaDataObject>\n", encoding="utf-8")
        (root / "Documents" / doc / "Forms" / "ФормаДокумента.xml").write_text(
            MD_HEAD + f'\t<Form uuid="{ids[doc + ".Форма"]}">\n\t\t<Properties>\n\t\t\t<Name>ФормаДокумента</Name>\n'
            "\t\t</Properties>\n\t</Form>\n</MetaDataObject>\n", encoding="utf-8")
        (forms / "Form.xml").write_text(FORM, encoding="utf-8")
    return ids


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        ids = base_dump(tmp / "base")
        (tmp / "addin.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
        out = tmp / "ext"
        subprocess.run([sys.executable, str(HERE / "prepare.py"), "--base", str(tmp / "base"),
                        "--addin", str(tmp / "addin.zip"), "--out", str(out)], check=True)
        texts = {p: p.read_text(encoding="utf-8") for p in out.rglob("*.xml")}
        for path, text in texts.items():
            ET.fromstring(text.encode())
            assert "00000000-0000-0000-0000-000000000000" not in text, path
            assert 'version="2.12"' not in text, f"{path}: format version should follow the base (2.13)"
        order = (out / "Documents/ЗаказКлиента.xml").read_text(encoding="utf-8")
        assert f"<ExtendedConfigurationObject>{ids['ЗаказКлиента']}<" in order
        assert f"<ExtendedConfigurationObject>{ids['ЗаказКлиента.Товары']}<" in order
        assert ids["lang"] in (out / "Languages/Русский.xml").read_text(encoding="utf-8")
        assert "Version8_3_14" in (out / "Configuration.xml").read_text(encoding="utf-8")
        form = (out / "Documents/ЗаказКлиента/Forms/ФормаДокумента/Ext/Form.xml").read_text(encoding="utf-8")
        root = ET.fromstring(form.encode())
        ns = "{http://v8.1c.ru/8.3/xcf/logform}"
        names = [e.get("name") for e in root.find(ns + "ChildItems")]
        assert names[0] == "Номер" and "бп_ГруппаБонусПлюс" in names, names
        events = [(e.get("name"), e.get("callType")) for e in root.find(ns + "Events")]
        assert ("OnCreateAtServer", None) in events and ("OnCreateAtServer", "After") in events, events
        base_form = root.find(ns + "BaseForm")
        assert base_form is not None and base_form.get("version") == "2.13"
        assert [e.get("name") for e in base_form.find(ns + "ChildItems")] == ["Номер"]
        assert root.find(ns + "Commands") is not None
        template = out / "CommonTemplates/бп_КомпонентаБонусПлюс/Ext/Template.bin"
        assert template.read_bytes() == (tmp / "addin.zip").read_bytes()
    print("prepare.py: OK on a made-up base dump (uuids, forms with BaseForm, version, template)")


if __name__ == "__main__":
    main()
