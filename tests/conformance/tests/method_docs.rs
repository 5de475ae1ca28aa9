//! The method docs of the Kotlin/Swift surface (`for_each_operation_documented!`, composed by
//! xtask/generate.py) say what the core says of each operation (`OperationInfo::doc_overview`,
//! `documented_errors`), so the two compositions cannot drift apart.

#![allow(clippy::panic)]

macro_rules! rows {
    ($( ($ty:ident, $snake:ident, $id:literal, $doc:literal) ),* $(,)?) => {
        &[$(($id, $doc)),*]
    };
}

#[test]
fn generated_method_docs_match_the_core() {
    let rows: &[(&str, &str)] = tailnet::for_each_operation_documented!(rows);
    assert_eq!(rows.len(), tailnet::registry::OPERATIONS.len());
    for (id, doc) in rows {
        let info = tailnet::registry::find(id).unwrap_or_else(|| panic!("{id} is not in the registry"));
        for line in info.doc_overview().iter().filter(|l| !l.is_empty()) {
            assert!(doc.contains(line.as_str()), "{id}: the method doc lacks the core's line {line:?}");
        }
        for (status, class, what) in info.documented_errors() {
            let line = format!("- {status} ({class}): {what}.");
            assert!(doc.contains(&line), "{id}: the method doc lacks {line:?}");
        }
    }
}
