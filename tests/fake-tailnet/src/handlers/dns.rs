//! DNS: nameservers, MagicDNS preference, search paths, split DNS, the combined configuration.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{err, ok, strings, Reply, Req};
use crate::state::{Resolver, State};

fn addresses(list: &[Resolver]) -> Vec<String> {
    list.iter().map(|r| r.address.clone()).collect()
}

fn plain(addrs: Vec<String>) -> Vec<Resolver> {
    addrs.into_iter().map(|address| Resolver { address, use_with_exit_node: false }).collect()
}

pub fn nameservers(s: &mut State) -> Reply {
    ok(json!({ "dns": addresses(&s.dns.nameservers) }))
}

pub fn set_nameservers(s: &mut State, r: &Req<'_>) -> Reply {
    s.dns.nameservers = plain(strings(r.body_field("dns")));
    // Removing every nameserver turns MagicDNS off (per the operation's description).
    if s.dns.nameservers.is_empty() {
        s.dns.magic_dns = false;
    }
    ok(json!({ "dns": addresses(&s.dns.nameservers), "magicDNS": s.dns.magic_dns }))
}

pub fn preferences(s: &mut State) -> Reply {
    ok(json!({ "magicDNS": s.dns.magic_dns }))
}

pub fn set_preferences(s: &mut State, r: &Req<'_>) -> Reply {
    let on = r.body_field("magicDNS").and_then(Value::as_bool).unwrap_or(false);
    if on && s.dns.nameservers.is_empty() {
        return err(400, "need at least one nameserver to enable MagicDNS");
    }
    s.dns.magic_dns = on;
    ok(json!({ "magicDNS": on }))
}

pub fn search_paths(s: &mut State) -> Reply {
    ok(json!({ "searchPaths": s.dns.search_paths }))
}

pub fn set_search_paths(s: &mut State, r: &Req<'_>) -> Reply {
    s.dns.search_paths = strings(r.body_field("searchPaths"));
    ok(json!({ "searchPaths": s.dns.search_paths }))
}

fn split_view(s: &State) -> Value {
    let m: Map<String, Value> = s.dns.split_dns.iter().map(|(k, v)| (k.clone(), json!(addresses(v)))).collect();
    Value::Object(m)
}

pub fn split(s: &mut State) -> Reply {
    ok(split_view(s))
}

fn apply_split(s: &mut State, body: Option<&Value>) {
    for (domain, v) in body.and_then(Value::as_object).into_iter().flatten() {
        let addrs = strings(Some(v));
        // `null` (or an empty list) clears the domain.
        if v.is_null() || addrs.is_empty() {
            s.dns.split_dns.remove(domain);
        } else {
            s.dns.split_dns.insert(domain.clone(), plain(addrs));
        }
    }
}

pub fn patch_split(s: &mut State, r: &Req<'_>) -> Reply {
    apply_split(s, r.body.as_ref());
    ok(split_view(s))
}

pub fn set_split(s: &mut State, r: &Req<'_>) -> Reply {
    s.dns.split_dns = BTreeMap::new();
    apply_split(s, r.body.as_ref());
    ok(split_view(s))
}

fn resolvers(v: Option<&Value>) -> Vec<Resolver> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(Resolver {
                address: r.get("address")?.as_str()?.to_string(),
                use_with_exit_node: r.get("useWithExitNode").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

fn resolver_json(list: &[Resolver]) -> Value {
    Value::Array(list.iter().map(|r| json!({"address": r.address, "useWithExitNode": r.use_with_exit_node})).collect())
}

fn configuration_view(s: &State) -> Value {
    let split: Map<String, Value> = s.dns.split_dns.iter().map(|(k, v)| (k.clone(), resolver_json(v))).collect();
    json!({
        "nameservers": resolver_json(&s.dns.nameservers),
        "splitDNS": split,
        "searchPaths": s.dns.search_paths,
        "preferences": {"overrideLocalDNS": s.dns.override_local_dns, "magicDNS": s.dns.magic_dns},
    })
}

pub fn configuration(s: &mut State) -> Reply {
    ok(configuration_view(s))
}

/// Full replace: omitted parts are reset to their defaults.
pub fn set_configuration(s: &mut State, r: &Req<'_>) -> Reply {
    let body = r.body.clone().unwrap_or(json!({}));
    s.dns.nameservers = resolvers(body.get("nameservers"));
    s.dns.split_dns = body
        .get("splitDNS")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let list = resolvers(Some(v));
            (!list.is_empty()).then(|| (k.clone(), list))
        })
        .collect();
    s.dns.search_paths = strings(body.get("searchPaths"));
    s.dns.override_local_dns = body.pointer("/preferences/overrideLocalDNS").and_then(Value::as_bool).unwrap_or(false);
    s.dns.magic_dns = body.pointer("/preferences/magicDNS").and_then(Value::as_bool).unwrap_or(false);
    ok(configuration_view(s))
}
