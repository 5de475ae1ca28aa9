// async/await conveniences over the generated TailnetClient.
import Foundation

public extension TailnetClient {
    /// A client over URLSession with an API access token (`tskey-api-…`).
    static func withApiKey(_ apiKey: String, tailnet: String = "-", baseUrl: String? = nil,
                           transport: HttpTransport = URLSessionTransport()) throws -> TailnetClient {
        try TailnetClient(options: ClientOptions(baseUrl: baseUrl, tailnet: tailnet, apiKey: apiKey), transport: transport)
    }

    /// A client over URLSession with OAuth client credentials (tokens fetched once, refreshed).
    static func withOAuthClient(id: String, secret: String, scopes: [String], tailnet: String = "-", baseUrl: String? = nil,
                                transport: HttpTransport = URLSessionTransport()) throws -> TailnetClient {
        try TailnetClient(options: ClientOptions(baseUrl: baseUrl, tailnet: tailnet, oauthClientId: id,
                                                 oauthClientSecret: secret, oauthScopes: scopes),
                          transport: transport)
    }

    /// Every device of the tailnet (all fields).
    func devices() async throws -> [Device] {
        try await listTailnetDevices(params: ListTailnetDevicesParams(fields: .all)).devices ?? []
    }
}

// ---- Policy files and webhooks --------------------------------------------------------------

/// A `PolicyEditor` from a closure: `try await client.updatePolicyFile { doc in try doc.set(…) }`.
public final class ClosurePolicyEditor: PolicyEditor, @unchecked Sendable {
    private let body: @Sendable (PolicyDocument) async throws -> Void

    public init(_ body: @escaping @Sendable (PolicyDocument) async throws -> Void) {
        self.body = body
    }

    public func edit(document: PolicyDocument) async throws {
        try await body(document)
    }
}

public extension TailnetClient {
    /// Safe read-modify-write of the policy file with a closure editor (it may run more than once:
    /// after another writer won, on the re-read policy). A `TailnetError` the closure throws ends
    /// the update as is; any other error as `TailnetError.Callback`.
    func updatePolicyFile(options: PolicyUpdateOptions = PolicyUpdateOptions(),
                          _ edit: @escaping @Sendable (PolicyDocument) async throws -> Void) async throws -> PolicyFile {
        try await updatePolicyFile(editor: ClosurePolicyEditor(edit), options: options)
    }
}

/// The header carrying a webhook delivery's signature (`tailnet::webhooks::SIGNATURE_HEADER`).
public let webhookSignatureHeader = "Tailscale-Webhook-Signature"
