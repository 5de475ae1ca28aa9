// The Apple transport of tailnet: URLSession with async/await. The only IO of the library;
// credentials, retries and rate limits are decided in Rust by the core's state machines.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
            (data, response) = try await perform(urlRequest)
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

    /// One data task, cancelled after `timeout` by a timer of its own: swift-corelibs-foundation
    /// (Linux) truncates `URLRequest.timeoutInterval` to whole seconds (0.3 s means no timeout), so
    /// the bound is enforced here the same way on every platform. Cancelling the Swift task
    /// cancels the data task.
    private func perform(_ urlRequest: URLRequest) async throws -> (Data, URLResponse) {
        let state = DataTaskState()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), Error>) in
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    let timedOut = state.finish()
                    if timedOut {
                        continuation.resume(throwing: URLError(.timedOut))
                    } else if let error {
                        continuation.resume(throwing: error)
                    } else if let data, let response {
                        continuation.resume(returning: (data, response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                state.start(task, timeout: timeout)
            }
        } onCancel: {
            state.cancel()
        }
    }

    public func sleep(millis: UInt64) async {
        try? await Task.sleep(nanoseconds: millis.multipliedReportingOverflow(by: 1_000_000).partialValue)
    }
}

/// The data task of one attempt and its timeout timer (shared between the completion handler,
/// the timer and the cancellation handler).
private final class DataTaskState: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var timer: DispatchWorkItem?
    private var timedOut = false
    private var cancelled = false

    func start(_ task: URLSessionDataTask, timeout: TimeInterval) {
        let timer = DispatchWorkItem { [weak self] in self?.expire() }
        lock.lock()
        self.task = task
        self.timer = timer
        let cancelledAlready = cancelled
        lock.unlock()
        if cancelledAlready {
            task.cancel()
        } else if timeout > 0 && timeout.isFinite {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        }
        task.resume()
    }

    /// Called once by the completion handler; says whether the timer fired first.
    func finish() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        timer?.cancel()
        timer = nil
        task = nil
        return timedOut
    }

    private func expire() {
        lock.lock()
        let task = self.task
        if task != nil { timedOut = true }
        lock.unlock()
        task?.cancel()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        task?.cancel()
    }
}
