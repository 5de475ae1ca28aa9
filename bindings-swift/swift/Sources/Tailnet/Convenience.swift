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
