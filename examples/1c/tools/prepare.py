#!/usr/bin/env python3
"""Makes the extension's XML tree loadable into *your* base, the way Designer's borrowing would.

The tree in examples/1c/src cannot know your base's object identifiers or its document forms, so:
  * every ExtendedConfigurationObject (borrowed documents, their Товары, forms, the language) gets
    the uuid of that object in your base's XML dump;
  * each borrowed form's Ext/Form.xml, which holds only the extension's additions, is merged into
    your base form, and a copy of the base form is appended as <BaseForm>;
  * the dump format version and the extension's compatibility mode follow your base;
  * the add-in ZIP (cargo run --release --example package) becomes the common template.

Usage:
  1cv8 DESIGNER /F <base> /DumpConfigToFiles <base-dump>
  python3 prepare.py --base <base-dump> --addin <bonusplus-addin.zip> --out <ext-dir>
  1cv8 DESIGNER /F <base> /LoadConfigFromFiles <ext-dir> -Extension БонусПлюс
"""
import argparse
import pathlib
import re
import shutil
import sys
import xml.etree.ElementTree as ET

HERE = pathlib.Path(__file__).resolve().parent
SRC = HERE.parent / "src"
MD = "{http://v8.1c.ru/8.3/MDClasses}"
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def fail(message):
    sys.exit(f"prepare.py: {message}")


def root_object(path):
    """The metadata object element inside <MetaDataObject> and its uuid."""
    if not path.is_file():
        fail(f"в выгрузке основной конфигурации нет {path}")
    obj = ET.parse(path).getroot()[0]
    return obj, obj.get("uuid")


def base_uuid(base, rel, child=None):
    """uuid of the base object at rel (e.g. Documents/ЗаказКлиента.xml), or of its named child."""
    obj, uid = root_object(base / rel)
    if child is None:
        return uid
    kind, name = child
    for item in obj.iter(MD + kind):
        if item.findtext(f"{MD}Properties/{MD}Name") == name:
            return item.get("uuid")
    fail(f"в {rel} основной конфигурации нет {kind} {name}")


def fill_uuids(base, out):
    """Replaces each placeholder with the base object's uuid, in document order of the file."""
    for path in sorted(out.rglob("*.xml")):
        text = path.read_text(encoding="utf-8")
        if PLACEHOLDER not in text:
            continue
        rel = path.relative_to(out)
        parts = rel.parts
        wanted = []
        if parts[0] == "Languages":
            wanted = [base_uuid(base, rel)]
        elif parts[0] == "Documents" and len(parts) == 2:
            wanted = [base_uuid(base, rel)]
            if "<Name>Товары</Name>" in text:
                wanted.append(base_uuid(base, rel, ("TabularSection", "Товары")))
        elif parts[0] == "Documents" and parts[2] == "Forms":
            wanted = [base_uuid(base, rel)]
        if text.count(PLACEHOLDER) != len(wanted):
            fail(f"{rel}: не сопоставлены заимствованные объекты")
        for uid in wanted:
            text = text.replace(PLACEHOLDER, uid, 1)
        path.write_text(text, encoding="utf-8")


def section(text, tag):
    """Inner text of a top-level (one tab deep) <tag> section, or None."""
    match = re.search(rf"\n\t<{tag}>\n(.*?)\n\t</{tag}>\n", text, re.S)
    return match.group(1) + "\n" if match else None


def merge_form(base_form, additions):
    """Base form + the extension's additions + <BaseForm> (a copy of the base form)."""
    head_end = base_form.index(">", base_form.index("<Form ")) + 1
    version = re.search(r'<Form [^>]*version="([^"]+)"', base_form).group(1)
    inner = base_form[head_end:base_form.rindex("</Form>")]
    result = base_form[:base_form.rindex("</Form>")]
    base_ids = set(re.findall(r' id="(-?\d+)"', base_form))
    if base_ids & set(re.findall(r' id="(\d+)"', additions)):
        fail("идентификаторы элементов формы расширения совпали с идентификаторами основной формы")
    order = ["Events", "ChildItems", "Attributes", "Commands"]
    for tag in order:
        added = section(additions, tag)
        if not added:
            continue
        closing = f"\n\t</{tag}>\n"
        if closing in result:
            result = result.replace(closing, "\n" + added.rstrip("\n") + closing, 1)
            continue
        block = f"\n\t<{tag}>\n{added}\t</{tag}>"
        later = [f"\n\t<{t}>" for t in order[order.index(tag) + 1:]] + ["\n\t<CommandInterface>"]
        at = min((result.index(m) for m in later if m in result), default=len(result.rstrip()))
        result = result[:at] + block + result[at:]
    base_copy = "\n".join("\t" + line for line in inner.strip("\n").split("\n"))
    return result.rstrip() + f'\n\t<BaseForm version="{version}">\n{base_copy}\n\t</BaseForm>\n</Form>\n'


def merge_forms(base, out):
    for additions_path in sorted(out.glob("Documents/*/Forms/*/Ext/Form.xml")):
        rel = additions_path.relative_to(out)
        base_path = base / rel
        if not base_path.is_file():
            fail(f"в выгрузке основной конфигурации нет формы {rel}")
        base_form = base_path.read_text(encoding="utf-8-sig")
        additions = additions_path.read_text(encoding="utf-8")
        additions_path.write_text(merge_form(base_form, additions), encoding="utf-8")


def follow_base(base, out):
    """Dump format version and compatibility mode of the base configuration."""
    config = (base / "Configuration.xml").read_text(encoding="utf-8-sig")
    version = re.search(r'<MetaDataObject [^>]*version="([^"]+)"', config).group(1)
    compat = re.search(r"<CompatibilityMode>([^<]+)</CompatibilityMode>", config)
    for path in out.rglob("*.xml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'(<(?:MetaDataObject|Form|Rights|ConfigDumpInfo) [^>]*version=")[^"]+"', rf'\g<1>{version}"', text)
        if path.name == "Configuration.xml" and compat and compat.group(1) != "DontUse":
            text = re.sub(r"<ConfigurationExtensionCompatibilityMode>[^<]+<",
                          f"<ConfigurationExtensionCompatibilityMode>{compat.group(1)}<", text)
        path.write_text(text, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, type=pathlib.Path, help="XML dump of the base configuration")
    parser.add_argument("--addin", required=True, type=pathlib.Path, help="the add-in ZIP (MANIFEST.XML + libraries)")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="folder for the loadable extension")
    args = parser.parse_args()
    if args.out.exists():
        fail(f"{args.out} уже существует")
    shutil.copytree(SRC, args.out)
    fill_uuids(args.base, args.out)
    merge_forms(args.base, args.out)
    follow_base(args.base, args.out)
    template = args.out / "CommonTemplates" / "бп_КомпонентаБонусПлюс" / "Ext" / "Template.bin"
    template.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.addin, template)
    for path in args.out.rglob("*.xml"):
        ET.parse(path)  # every file must stay well-formed
    print(f"Готово: {args.out}\n1cv8 DESIGNER /F <база> /LoadConfigFromFiles {args.out} -Extension БонусПлюс")


if __name__ == "__main__":
    main()
