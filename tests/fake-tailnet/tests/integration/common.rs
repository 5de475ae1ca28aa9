use fake_tailnet::{FakeTailnet, Options};
use serde_json::Value;

pub const KEY: &str = "tskey-api-fake";

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
    pub fn message(&self) -> String {
        self.json().get("message").and_then(Value::as_str).unwrap_or_default().to_string()
    }
}

/// A running fake plus a client that authenticates with the default API key.
pub struct T {
    pub fake: FakeTailnet,
    pub client: reqwest::Client,
    pub auth: String,
}

pub async fn start(options: Options) -> T {
    let fake = FakeTailnet::start(options).await.expect("fake starts");
    T { fake, client: reqwest::Client::new(), auth: format!("Bearer {KEY}") }
}

pub async fn default() -> T {
    start(Options::default()).await
}

impl T {
    /// Sends a request; `path` is relative to /api/v2 unless it starts with `/_fake`.
    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<String>) -> Resp {
        let url = if path.starts_with("/_fake") { format!("{}{path}", self.fake.base_url()) } else { format!("{}{path}", self.fake.api_url()) };
        let mut rb = self.client.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("authorization")) {
            rb = rb.header("Authorization", &self.auth);
        }
        for (k, v) in headers {
            if !v.is_empty() {
                rb = rb.header(*k, *v);
            }
        }
        if let Some(b) = body {
            rb = rb.header("Content-Type", "application/json").body(b);
        }
        let r = rb.send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body read");
        Resp { status, headers, text }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.send(method, path, &[], body.map(|b| b.to_string())).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }

    /// Client-credentials grant; returns the access token.
    pub async fn token(&self, id: &str, secret: &str, scope: Option<&str>) -> Resp {
        let mut form = format!("client_id={id}&client_secret={secret}");
        if let Some(s) = scope {
            form.push_str(&format!("&scope={}", s.replace(' ', "+").replace(':', "%3A")));
        }
        let r = self
            .client
            .post(format!("{}/oauth/token", self.fake.api_url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        Resp { status, headers, text: r.text().await.unwrap() }
    }

    pub fn assert_no_violations(&self) {
        let v = self.fake.violations();
        assert!(v.is_empty(), "response schema violations: {}", serde_json::to_string_pretty(&v).unwrap());
    }
}
