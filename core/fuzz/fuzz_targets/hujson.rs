//! The HuJSON reader and editor: parse, print (must be byte-identical), view, and one edit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailnet::policy::PolicyDocument;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut doc) = PolicyDocument::parse(text) else { return };
    assert_eq!(doc.text(), text, "an unedited document prints back unchanged");
    let _ = doc.view();
    let _ = doc.get(&["acls", "0"]);
    if doc.push(&["acls"], serde_json::json!({"action": "accept", "src": ["*"], "dst": ["*:*"]})).is_ok() {
        // An edit must leave valid HuJSON behind.
        assert!(PolicyDocument::parse(doc.text()).is_ok(), "edit produced invalid HuJSON: {:?}", doc.text());
    }
});
