// The Apple transport of tailnet: URLSession with async/await. The only IO of the library;
// credentials, retries and rate limits are decided in Rust by the core's state machines.
import Foundation

public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let session: URLSession
    private let timeout: TimeInterval

    /// `timeout` bounds each attempt (the client's retry budget bounds the whole call).
    public init(session: URLSession = .shared, timeout: TimeInterval = 30) {
        self.session = session
        self.timeout = timeout
    }

    public func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw TransportError.Failed(reason: "invalid URL", maybeSent: false, timedOut: false)
        }
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        for header in request.headers {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        if !request.body.isEmpty {
            urlRequest.httpBody = request.body
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            let neverSent: Set<URLError.Code> = [.cannotFindHost, .cannotConnectToHost, .dnsLookupFailed, .notConnectedToInternet]
            throw TransportError.Failed(reason: error.localizedDescription,
                                        maybeSent: !neverSent.contains(error.code),
                                        timedOut: error.code == .timedOut)
        }
        if UInt64(data.count) > request.maxResponseBytes {
            throw TransportError.Failed(reason: "response larger than the \(request.maxResponseBytes) byte limit", maybeSent: true, timedOut: false)
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransportError.Failed(reason: "not an HTTP response", maybeSent: true, timedOut: false)
        }
        var headers: [HttpHeader] = []
        for (name, value) in http.allHeaderFields {
            headers.append(HttpHeader(name: String(describing: name).lowercased(), value: String(describing: value)))
        }
        return HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: data)
    }

    public func sleep(millis: UInt64) async {
        try? await Task.sleep(nanoseconds: millis.multipliedReportingOverflow(by: 1_000_000).partialValue)
    }
}
