//! HuJSON round trips and targeted edits over a corpus of real-looking policy files.

#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::{json, Value};
use tailnet::policy::{prepare_write, PolicyDocument, PolicyUpdateOptions, PolicyWrite};
use tailnet::PolicyFile;

fn corpus() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policies");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    files
}

/// The part of `before` that an edit replaced: everything between the common prefix and suffix.
fn replaced_region<'a>(before: &'a str, after: &str) -> &'a str {
    let prefix = before.bytes().zip(after.bytes()).take_while(|(a, b)| a == b).count();
    let max_suffix = before.len().min(after.len()) - prefix;
    let suffix = before.bytes().rev().zip(after.bytes().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    let mut start = prefix;
    while !before.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = before.len() - suffix;
    while !before.is_char_boundary(end) {
        end += 1;
    }
    &before[start..end.max(start)]
}

fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.find("//") {
            out.push(line[i..].trim_end().to_owned());
        }
        if let Some(i) = line.find("/*") {
            out.push(line[i..].trim_end().to_owned());
        }
    }
    out
}

#[test]
fn parse_then_write_is_byte_identical() {
    for (name, text) in corpus() {
        let doc = PolicyDocument::parse(text.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.text(), text, "{name}");
        assert!(doc.to_json().is_object(), "{name}");
        let view = doc.view().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(serde_json::to_value(&view).unwrap(), doc.to_json(), "{name}: the typed view drops nothing");
    }
}

#[test]
fn edits_touch_only_their_target_and_keep_every_comment() {
    let rule = json!({"action": "accept", "src": ["group:new"], "dst": ["tag:new:443"]});
    for (name, text) in corpus() {
        let original = PolicyDocument::parse(text.clone()).unwrap();
        let before_json = original.to_json();

        // Add a rule to `acls` (created if missing).
        let mut doc = original.clone();
        doc.push(&["acls"], rule.clone()).unwrap();
        let mut expected = before_json.clone();
        match expected.get_mut("acls").and_then(Value::as_array_mut) {
            Some(acls) => acls.push(rule.clone()),
            None => {
                expected.as_object_mut().unwrap().insert("acls".into(), json!([rule.clone()]));
            }
        }
        assert_eq!(doc.to_json(), expected, "{name}: push acls");
        assert_eq!(comments(doc.text()), comments(&text), "{name}: comments survive");
        let replaced = replaced_region(&text, doc.text());
        assert!(!replaced.contains("//") && !replaced.contains("/*") && replaced.len() < 16, "{name}: push replaced {replaced:?}");

        // Set tagOwners["tag:ci"].
        let mut doc = original.clone();
        doc.set(&["tagOwners", "tag:ci"], json!(["group:ops"])).unwrap();
        let mut expected = before_json.clone();
        let owners = expected.as_object_mut().unwrap().entry("tagOwners").or_insert(json!({}));
        owners.as_object_mut().unwrap().insert("tag:ci".into(), json!(["group:ops"]));
        assert_eq!(doc.to_json(), expected, "{name}: set tagOwners");
        assert_eq!(comments(doc.text()), comments(&text), "{name}: comments survive");
        if before_json.pointer("/tagOwners/tag:ci").is_some() {
            let replaced = replaced_region(&text, doc.text());
            assert!(replaced.contains("tag:prod") && replaced.len() < 40, "{name}: set replaced {replaced:?}");
        }

        // Remove a host, when there is one; removing what is absent changes nothing.
        let mut doc = original.clone();
        let removed = doc.remove(&["hosts", "db-primary"]).unwrap();
        assert_eq!(removed, before_json.pointer("/hosts/db-primary").is_some(), "{name}");
        if !removed {
            assert_eq!(doc.text(), text, "{name}: nothing removed, nothing changed");
        } else {
            let mut expected = before_json.clone();
            expected["hosts"].as_object_mut().unwrap().remove("db-primary");
            assert_eq!(doc.to_json(), expected, "{name}: remove host");
            assert!(doc.text().contains("// the office"), "{name}");
        }
    }
}

#[test]
fn array_elements_can_be_replaced_and_bad_paths_are_named() {
    let mut doc = PolicyDocument::parse("{\n  // rules\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"a\"], \"dst\": [\"b:*\"]}, // first\n  ],\n}\n").unwrap();
    doc.set(&["acls", "0", "src"], json!(["group:x"])).unwrap();
    assert_eq!(doc.get(&["acls", "0", "src"]), Some(json!(["group:x"])));
    assert!(doc.text().contains("// first") && doc.text().contains("// rules"));
    let err = doc.set(&["acls", "7", "src"], json!([])).unwrap_err();
    assert!(err.to_string().contains("acls.7.src"), "{err}");
    assert!(PolicyDocument::parse("{'single': 1}").is_err(), "HuJSON has no single-quoted strings");
    assert!(PolicyDocument::parse("[1, 2]").is_err(), "the top level is an object");
}

#[test]
fn writes_are_guarded_against_allow_all_and_need_an_etag() {
    let current = PolicyFile { policy: "{\"acls\": []}".into(), etag: Some("\"e1\"".into()), ..Default::default() };
    let unchanged = PolicyDocument::parse(current.policy.clone()).unwrap();
    assert_eq!(prepare_write(&current, &unchanged, &PolicyUpdateOptions::default()).unwrap(), PolicyWrite::Unchanged);

    let mut allow_all = unchanged.clone();
    allow_all.remove(&["acls"]).unwrap();
    let err = prepare_write(&current, &allow_all, &PolicyUpdateOptions::default()).unwrap_err();
    assert!(err.to_string().contains("allows all traffic"), "{err}");
    let options = PolicyUpdateOptions { allow_allow_all: true, ..Default::default() };
    assert!(matches!(prepare_write(&current, &allow_all, &options).unwrap(), PolicyWrite::Write(_)));

    let mut edited = unchanged.clone();
    edited.push(&["acls"], json!({"action": "accept", "src": ["*"], "dst": ["*:*"]})).unwrap();
    let PolicyWrite::Write(params) = prepare_write(&current, &edited, &PolicyUpdateOptions::default()).unwrap() else { panic!() };
    assert_eq!(params.if_match.as_deref(), Some("\"e1\""));
    let first = PolicyUpdateOptions { replace_default_only: true, ..Default::default() };
    let PolicyWrite::Write(params) = prepare_write(&current, &edited, &first).unwrap() else { panic!() };
    assert_eq!(params.if_match.as_deref(), Some("\"ts-default\""));
}
