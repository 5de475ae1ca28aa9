//! Audit and network flow logs, log streaming, AWS external ids.

use serde_json::{json, Map, Value};

use super::{empty, err, ok, not_found, obj, Reply, Req};
use crate::state::State;
use crate::util::parse_rfc3339;

fn range(r: &Req<'_>) -> Result<(i64, i64), Reply> {
    let parse = |name: &str| -> Result<i64, Reply> {
        let raw = r.query_one(name).unwrap_or_default();
        parse_rfc3339(raw).ok_or_else(|| err(400, format!("invalid {name} time {raw:?}: want RFC 3339")))
    };
    let (start, end) = (parse("start")?, parse("end")?);
    if end < start {
        return Err(err(400, "end must not be before start"));
    }
    Ok((start, end))
}

fn time_of(v: &Value, field: &str) -> i64 {
    v.get(field).and_then(Value::as_str).and_then(parse_rfc3339).unwrap_or(i64::MIN)
}

pub fn audit(s: &mut State, r: &Req<'_>) -> Reply {
    let (start, end) = match range(r) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let actors = r.query_all("actor");
    let targets = r.query_all("target");
    let events = r.query_all("event");
    let logs: Vec<Value> = s
        .audit_logs
        .iter()
        .filter(|l| (start..=end).contains(&time_of(l, "eventTime")))
        .filter(|l| {
            let a = l.get("actor");
            actors.is_empty() || actors.iter().any(|x| a.and_then(|a| a.get("id")).and_then(Value::as_str) == Some(x) || a.and_then(|a| a.get("loginName")).and_then(Value::as_str) == Some(x))
        })
        .filter(|l| targets.is_empty() || targets.iter().any(|x| l.pointer("/target/id").and_then(Value::as_str) == Some(x)))
        .filter(|l| {
            // Event names are TARGET_TYPE.ACTION[.PROPERTY].
            let mut ev = format!(
                "{}.{}",
                l.pointer("/target/type").and_then(Value::as_str).unwrap_or_default(),
                l.get("action").and_then(Value::as_str).unwrap_or_default()
            );
            if let Some(p) = l.pointer("/target/property").and_then(Value::as_str) {
                ev = format!("{ev}.{p}");
            }
            events.is_empty() || events.contains(&ev.as_str())
        })
        .cloned()
        .collect();
    ok(json!({"version": "1.1", "tailnet": s.tailnet_name, "logs": logs}))
}

pub fn network(s: &mut State, r: &Req<'_>) -> Reply {
    let (start, end) = match range(r) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let logs: Vec<Value> = s.network_logs.iter().filter(|l| (start..=end).contains(&time_of(l, "start"))).cloned().collect();
    ok(json!({ "logs": logs }))
}

pub fn stream_status(s: &mut State, r: &Req<'_>) -> Reply {
    let configured = s.log_streams.contains_key(r.param("logType"));
    ok(json!({
        "lastActivity": if configured { super::now() } else { String::new() },
        "lastError": "",
        "maxBodySize": 1_048_576,
        "numBytesSent": if configured { 40_960 } else { 0 },
        "numEntriesSent": if configured { 128 } else { 0 },
        "numSpoofedEntries": 0,
        "numTotalRequests": if configured { 16 } else { 0 },
        "numFailedRequests": 0,
        "rateBytesSent": 0.0,
        "rateEntriesSent": 0.0,
        "rateTotalRequests": 0.0,
        "rateFailedRequests": 0.0,
    }))
}

pub fn stream_get(s: &mut State, r: &Req<'_>) -> Reply {
    match s.log_streams.get(r.param("logType")) {
        Some(c) => obj(c),
        None => not_found("log streaming configuration"),
    }
}

pub fn stream_set(s: &mut State, r: &Req<'_>) -> Reply {
    let Some(Value::Object(body)) = &r.body else { return err(400, "request body required") };
    let dest = body.get("destinationType").and_then(Value::as_str).unwrap_or_default();
    if dest.is_empty() {
        return err(400, "destinationType is required");
    }
    if dest == "s3" {
        if body.get("s3Bucket").and_then(Value::as_str).unwrap_or_default().is_empty() {
            return err(400, "s3Bucket is required for destinationType s3");
        }
    } else if body.get("url").and_then(Value::as_str).unwrap_or_default().is_empty() {
        return err(400, "url is required");
    }
    let mut c: Map<String, Value> = body.clone();
    // Write-only secrets are never served back.
    c.remove("token");
    c.remove("s3SecretAccessKey");
    c.insert("logType".into(), json!(r.param("logType")));
    s.log_streams.insert(r.param("logType").to_string(), c);
    empty()
}

pub fn stream_delete(s: &mut State, r: &Req<'_>) -> Reply {
    s.log_streams.remove(r.param("logType"));
    empty()
}

pub fn aws_external_id(s: &mut State, r: &Req<'_>) -> Reply {
    let reusable = r.body_field("reusable").and_then(Value::as_bool).unwrap_or(false);
    if reusable {
        if let Some(existing) = s.aws_external_ids.iter().find(|e| e.get("reusable").and_then(Value::as_bool) == Some(true)) {
            return ok(json!({"externalId": existing.get("externalId"), "tailscaleAwsAccountId": "123456789012"}));
        }
    }
    let n = s.fresh_id();
    let mut rng = crate::util::Rng(n ^ crate::util::now_unix() as u64);
    let (a, b) = (rng.next_u64(), rng.next_u64());
    let id = format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52, b & 0xffff_ffff_ffff);
    s.aws_external_ids.push(match json!({"externalId": id, "reusable": reusable}) {
        Value::Object(m) => m,
        _ => Map::new(),
    });
    ok(json!({"externalId": id, "tailscaleAwsAccountId": "123456789012"}))
}

pub fn aws_validate(s: &mut State, r: &Req<'_>) -> Reply {
    let id = r.param("id");
    if !s.aws_external_ids.iter().any(|e| e.get("externalId").and_then(Value::as_str) == Some(id)) {
        return not_found("external id");
    }
    let arn = r.body_str("roleArn").unwrap_or_default();
    if !arn.starts_with("arn:aws:iam::") {
        return err(422, format!("role {arn:?} does not trust external id {id}"));
    }
    empty()
}
