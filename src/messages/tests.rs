//! The catalogue's own rules, and the rule that user-facing texts live only here.

use super::all_texts;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn has_cyrillic(text: &str) -> bool {
    text.chars().any(|c| matches!(c, 'А'..='я' | 'Ё' | 'ё'))
}

#[test]
fn every_fixed_text_has_both_languages_and_a_russian_of_its_own() {
    let texts = all_texts();
    assert!(texts.len() > 20, "the catalogue lists its texts");
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for text in &texts {
        assert!(
            !text.ru.trim().is_empty(),
            "an empty Russian text: {text:?}"
        );
        assert!(
            !text.en.trim().is_empty(),
            "an empty English text: {text:?}"
        );
        assert!(has_cyrillic(text.ru), "not Russian: {text:?}");
        assert!(!has_cyrillic(text.en), "not English: {text:?}");
        if let Some(other) = seen.insert(text.ru, text.en) {
            panic!(
                "the Russian text {:?} is defined twice ({other:?})",
                text.ru
            );
        }
    }
}

/// Files whose Cyrillic literals are not messages of the add-in: the catalogue itself, the server
/// cabinet's own catalogue and pages, the test server's replies in the real service's words.
/// (The 1C names of properties and methods are allowed by [`is_1c_name`] and
/// [`names_only_1c_names`].)
const OUTSIDE_THE_RULE: &[&str] = &["src/messages/", "src/server/cabinet/", "src/server/routes/"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals (plain, not raw) of Rust code before its first `#[cfg(test)]`, skipping
/// comments; with their line numbers.
fn string_literals(code: &str) -> Vec<(usize, String)> {
    let code = code.split("#[cfg(test)]").next().unwrap_or(code);
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal ('"', '\'') or a lifetime: skip a quoted char when it is one.
                let mut ahead = chars.clone();
                let first = ahead.next();
                let literal = match first {
                    Some('\\') => {
                        ahead.next();
                        true
                    }
                    Some(_) => ahead.peek() == Some(&'\''),
                    None => false,
                };
                if literal {
                    chars.next();
                    if first == Some('\\') {
                        chars.next();
                    }
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                }
            }
            '"' => {
                let start = line;
                let mut text = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(next) = chars.next() {
                                if next == '\n' {
                                    line += 1;
                                }
                                text.push(next);
                            }
                        }
                        '"' => break,
                        '\n' => {
                            line += 1;
                            text.push(c);
                        }
                        _ => text.push(c),
                    }
                }
                out.push((start, text));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_literal_scanner_finds_strings_and_skips_comments_and_chars() {
    let code = "let a = '\"'; // \"в комментарии\"\nlet b = \"Привет \\\"мир\\\"\";\n#[cfg(test)]\n\"тест\"";
    let found = string_literals(code);
    assert_eq!(found, vec![(2, "Привет \"мир\"".to_string())]);
}

#[test]
fn no_user_facing_russian_outside_the_catalogue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 50, "the walk finds the sources");
    let names = component_1c_names(root);
    let mut offenders = Vec::new();
    for path in files {
        let name = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        if OUTSIDE_THE_RULE.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let code = std::fs::read_to_string(&path).expect("a readable source");
        for (line, text) in string_literals(&code) {
            if has_cyrillic(&text)
                && !is_1c_name(&name, &text)
                && !names_only_1c_names(&text, &names)
            {
                offenders.push(format!("{name}:{line}: {text:?}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "Russian texts outside src/messages (put them in the catalogue):\n{}",
        offenders.join("\n")
    );
}

/// The component's table of 1C names (`Version "Версия"`): one word, no spaces.
fn is_1c_name(file: &str, text: &str) -> bool {
    (file == "src/component/mod.rs" || file == "src/abi_probe.rs")
        && !text.is_empty()
        && text.chars().all(char::is_alphanumeric)
}

/// The 1C names the component declares (its properties' and methods' Russian names).
fn component_1c_names(root: &Path) -> Vec<String> {
    let file = "src/component/mod.rs";
    let code = std::fs::read_to_string(root.join(file)).expect("the component's source");
    let names: Vec<String> = string_literals(&code)
        .into_iter()
        .map(|(_, text)| text)
        .filter(|text| has_cyrillic(text) && is_1c_name(file, text))
        .collect();
    assert!(names.len() > 30, "the component's name table is found");
    names
}

/// An English text whose only Russian words are 1C names it quotes (`ServerCertificate
/// (СертификатСервера)`): the name is what the 1C developer types, not a translation.
fn names_only_1c_names(text: &str, names: &[String]) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| has_cyrillic(word))
        .all(|word| names.iter().any(|name| name == word))
}

#[test]
fn a_quoted_1c_name_is_not_a_russian_text() {
    let names = vec!["СертификатСервера".to_string()];
    assert!(names_only_1c_names(
        "set ServerCertificate (СертификатСервера) on each till",
        &names
    ));
    assert!(!names_only_1c_names(
        "СертификатСервера: ожидается отпечаток",
        &names
    ));
}
