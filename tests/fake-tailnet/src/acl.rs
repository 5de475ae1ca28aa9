//! A small policy evaluator: enough to run a policy's `tests` against its `acls` and to preview
//! which rules apply to a user or an ip:port. Users match `*`, exactly, through `group:`s, or
//! `autogroup:member`; destinations are `host:ports` with `*`, lists and ranges.

use serde_json::{json, Value};

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

pub struct Policy<'a> {
    doc: &'a Value,
}

pub struct Rule {
    pub index: usize,
    pub accept: bool,
    pub src: Vec<String>,
    pub dst: Vec<String>,
}

impl<'a> Policy<'a> {
    pub fn new(doc: &'a Value) -> Policy<'a> {
        Policy { doc }
    }

    pub fn rules(&self) -> Vec<Rule> {
        self.doc
            .get("acls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(index, r)| Rule {
                index,
                accept: r.get("action").and_then(Value::as_str).unwrap_or("accept") == "accept",
                // Legacy rules say `users`/`ports` for `src`/`dst`.
                src: if r.get("src").is_some() { strs(r.get("src")) } else { strs(r.get("users")) },
                dst: if r.get("dst").is_some() { strs(r.get("dst")) } else { strs(r.get("ports")) },
            })
            .collect()
    }

    fn host(&self, name: &str) -> String {
        self.doc.pointer(&format!("/hosts/{}", name.replace('~', "~0").replace('/', "~1"))).and_then(Value::as_str).unwrap_or(name).to_string()
    }

    pub fn src_matches(&self, entry: &str, user: &str) -> bool {
        match entry {
            "*" => true,
            "autogroup:member" => user.contains('@'),
            e if e.starts_with("group:") => strs(self.doc.pointer(&format!("/groups/{}", e.replace('~', "~0").replace('/', "~1")))).iter().any(|u| u == user),
            e => e == user || self.host(e) == self.host(user),
        }
    }

    /// Whether a `host:ports` entry covers `target` (`host:port`).
    pub fn dst_matches(&self, entry: &str, target: &str) -> bool {
        let (Some((eh, ep)), Some((th, tp))) = (entry.rsplit_once(':'), target.rsplit_once(':')) else { return false };
        let host_ok = eh == "*" || self.host(eh) == self.host(th);
        let Ok(port) = tp.parse::<u32>() else { return false };
        let port_ok = ep == "*"
            || ep.split(',').any(|p| match p.split_once('-') {
                Some((a, b)) => matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if (a..=b).contains(&port)),
                None => p.parse::<u32>() == Ok(port),
            });
        host_ok && port_ok
    }

    fn allowed(&self, user: &str, target: &str) -> bool {
        self.rules().iter().any(|r| r.accept && r.src.iter().any(|s| self.src_matches(s, user)) && r.dst.iter().any(|d| self.dst_matches(d, target)))
    }

    /// Runs tests (the policy's own, or `tests` given); returns `data` entries for failures.
    pub fn run_tests(&self, tests: Option<&Value>) -> Vec<Value> {
        let own = self.doc.get("tests");
        let mut failures = Vec::new();
        for t in tests.or(own).and_then(Value::as_array).into_iter().flatten() {
            let user = t.get("src").or_else(|| t.get("user")).and_then(Value::as_str).unwrap_or_default();
            let mut errors = Vec::new();
            for a in strs(t.get("accept").or_else(|| t.get("allow"))) {
                if !self.allowed(user, &a) {
                    errors.push(format!("address \"{a}\": want: Accept, got: Drop"));
                }
            }
            for d in strs(t.get("deny")) {
                if self.allowed(user, &d) {
                    errors.push(format!("address \"{d}\": want: Drop, got: Accept"));
                }
            }
            if !errors.is_empty() {
                failures.push(json!({"user": user, "errors": errors}));
            }
        }
        failures
    }
}

/// 1-based line of the n-th `"action"` key in the text (rules are listed in order).
pub fn rule_line(text: &str, n: usize) -> i64 {
    let mut from = 0;
    for i in 0..=n {
        match text.get(from..).and_then(|t| t.find("\"action\"")) {
            Some(p) if i == n => return text.get(..from + p).map(|t| t.matches('\n').count() as i64 + 1).unwrap_or(0),
            Some(p) => from += p + 1,
            None => return 0,
        }
    }
    0
}
